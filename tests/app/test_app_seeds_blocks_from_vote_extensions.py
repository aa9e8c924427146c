"""The block seed comes from the previous commit's vote extension signatures, carried by a seed record.

abci_app/seed.py and docs/architecture.md ("Randomness"): the proposer of block H puts first in the block a
record of every COMMIT vote of H-1's commit with the validator's extension signature; ProcessProposal rejects
a proposal whose record is missing, misplaced, doubled, forged, incomplete or short of 2/3 of the power, and
FinalizeBlock refuses to execute such a block. The seed is a hash of a canonical subset of those signatures.
The validators here are the golden scenario's four super nodes, with real ed25519 consensus keys.
"""

from __future__ import annotations

import hashlib

import pytest

from abci_app import seed as block_seed
from abci_app.app import ConsensusFailure
from abci_app.proto import abci
from chain_modules.apppool.types import MsgRegisterApp, MsgSetAppVerified
from chain_modules.bank.types import MsgMultiSend, Output
from chain_modules.common.encoding import decode, encode
from chain_modules.compute.types import MsgRegisterWorker
from chain_modules.staking.types import MsgConsentSponsorship, MsgCreateMasterNode
from tests.app import golden_scenario as golden
from tests.support import (
    admission,
    CHAIN_ID,
    AppDriver,
    consensus_address,
    extension_signature,
    make_key,
    send,
    timestamp,
)

ACCEPT = abci.ResponseProcessProposal.ACCEPT
REJECT = abci.ResponseProcessProposal.REJECT
VALIDATOR_KEYS = golden.CONSENSUS[:4]  # the genesis validators
ALICE, BOB = golden.ALICE, golden.BOB
L = 2**252 + 27742317777372353535851937790883648493


# -- helpers -------------------------------------------------------------------------------------------


def validators(driver) -> list[tuple[bytes, int]]:
    """(consensus address, power) of the current validator set, by address."""
    rows = decode(driver.query("/staking/validators").value)
    return sorted((consensus_address(bytes.fromhex(row["consensus_pubkey"])), row["power"]) for row in rows)


def key_of(address: bytes):
    return next(key for key in golden.CONSENSUS if consensus_address(key.pubkey) == address)


def commit_info(vals, signed, round: int = 0) -> abci.CommitInfo:
    """The last commit CometBFT gives with a proposal: every validator of the set, COMMIT (2) if it signed, else ABSENT (1)."""
    return abci.CommitInfo(round=round, votes=[
        abci.VoteInfo(validator=abci.Validator(address=address, power=power), block_id_flag=2 if address in signed else 1)
        for address, power in vals])


def extended_commit_info(vals, signed, height: int, round: int = 0) -> abci.ExtendedCommitInfo:
    """What PrepareProposal receives: the same votes, the signed ones with their extension and extension signature."""
    votes = []
    for address, power in vals:
        vote = abci.ExtendedVoteInfo(validator=abci.Validator(address=address, power=power), block_id_flag=1)
        if address in signed:
            vote.block_id_flag = 2
            vote.vote_extension = block_seed.VOTE_EXTENSION
            vote.extension_signature = extension_signature(key_of(address), height, round)
        votes.append(vote)
    return abci.ExtendedCommitInfo(round=round, votes=votes)


def record_of(addresses, height: int, round: int = 0, signature=extension_signature) -> bytes:
    entries = sorted((address, signature(key_of(address), height, round)) for address in addresses)
    return block_seed.encode_record(block_seed.SeedRecord(round, tuple(entries)))


def process(driver, txs, commit, proposer: bytes = b"") -> int:
    request = abci.RequestProcessProposal(txs=txs, height=driver.height + 1, time=timestamp(driver.time + 5),
                                          hash=b"\x01" * 32, proposed_last_commit=commit, proposer_address=proposer)
    return driver.app.process_proposal(request).status


def finalize(driver, txs, commit, proposer: bytes = b""):
    request = abci.RequestFinalizeBlock(txs=txs, height=driver.height + 1, time=timestamp(driver.time + 5), hash=b"\x02" * 32,
                                        decided_last_commit=commit, proposer_address=proposer)
    return driver.app.finalize_block(request)


def expected_seed(height: int, signed_keys, total_power: int, powers: dict, proposer: bytes = b"") -> bytes:
    """The seed rule, written out independently of abci_app/seed.py: the signers other than the proposer in
    address order, up to the first whose cumulated power exceeds a third; sha256 over domain, height, and each
    one's address and extension signature (made at height - 1)."""
    chosen, power = [], 0
    for key in sorted(signed_keys, key=lambda k: consensus_address(k.pubkey)):
        address = consensus_address(key.pubkey)
        if address == proposer:
            continue
        chosen.append(address + extension_signature(key, height - 1))
        power += powers[address]
        if 3 * power > total_power:
            break
    return hashlib.sha256(b"amino/block-seed/v1\x00" + height.to_bytes(8, "big") + b"".join(chosen)).digest()


def small_order_r_signature(key, message: bytes) -> bytes:
    """A signature whose R is the identity point: valid for CometBFT (ZIP-215) and Go, refused by libsodium.

    With S = k*a, [S]B = [k]A = R + [k]A. Only the key's owner can make it, and nothing obliges a validator to
    sign the RFC 8032 way: the app must count it as CometBFT does, or one validator could block every proposal.
    """
    expanded = hashlib.sha512(bytes(key.signing_key)).digest()
    a = (int.from_bytes(expanded[:32], "little") & ((1 << 254) - 8)) | (1 << 254)
    r = (1).to_bytes(32, "little")
    k = int.from_bytes(hashlib.sha512(r + key.pubkey + message).digest(), "little") % L
    return r + (k * a % L).to_bytes(32, "little")


@pytest.fixture
def chain(tmp_path):
    """Four validators, vote extensions from height 1, block 1 committed: block 2 needs a seed record."""
    driver = AppDriver(tmp_path / "db", app_state=golden.app_state(), vote_extensions_enable_height=1,
                       consensus_keys=golden.CONSENSUS)
    driver.block([])
    yield driver
    driver.close()


def all_signed(driver):
    vals = validators(driver)
    return vals, {address for address, _power in vals}


# -- ExtendVote / VerifyVoteExtension -------------------------------------------------------------------


def test_every_vote_carries_the_fixed_extension_and_only_it_is_accepted(chain):
    assert chain.app.extend_vote(abci.RequestExtendVote(height=2)).vote_extension == b"amino/seed/v1"
    verify = chain.app.verify_vote_extension
    assert verify(abci.RequestVerifyVoteExtension(vote_extension=b"amino/seed/v1")).status == abci.ResponseVerifyVoteExtension.ACCEPT
    for other in (b"", b"amino/seed/v2", b"amino/seed/v1\x00", b"\x00" * 64):
        assert verify(abci.RequestVerifyVoteExtension(vote_extension=other)).status == abci.ResponseVerifyVoteExtension.REJECT


def test_the_extension_sign_bytes_are_cometbfts():
    """Vectors from CometBFT v0.38.26's types.VoteExtensionSignBytes and its ed25519 signer (seed = the key's seed)."""
    from nacl.signing import SigningKey

    vectors = [
        ("630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd", b"amino/seed/v1", 1, 0, "amino-test",
         "240a0d616d696e6f2f736565642f7631110100000000000000220a616d696e6f2d74657374",
         "49e08dc726e5d4ae660f9baf787f91891d337578d38247fff511786c05ab364c96a45721db13ea45c6686676043c783ef0abd67c3132b68e765160c731f4a80e"),
    ]
    for seed, extension, height, round_, chain_id, sign_bytes, signature in vectors:
        assert block_seed.extension_sign_bytes(chain_id, height, round_, extension).hex() == sign_bytes
        assert SigningKey(bytes.fromhex(seed)).sign(bytes.fromhex(sign_bytes)).signature.hex() == signature
    # a round, a large height, and an empty extension (left out, as proto3 leaves out empty fields)
    assert block_seed.extension_sign_bytes("amino-localnet", 41, 2).hex() == (
        "310a0d616d696e6f2f736565642f7631112900000000000000190200000000000000220e616d696e6f2d6c6f63616c6e6574")
    assert block_seed.extension_sign_bytes("c", 1 << 40, 300).hex() == (
        "240a0d616d696e6f2f736565642f7631110000000000010000192c01000000000000220163")
    assert block_seed.extension_sign_bytes("amino-test", 7, 0, b"").hex() == "15110700000000000000220a616d696e6f2d74657374"


# -- PrepareProposal and ProcessProposal -----------------------------------------------------------------


def test_the_proposer_puts_a_record_of_every_commit_vote_first_and_the_proposal_is_accepted(chain):
    vals, signed = all_signed(chain)
    absent = vals[1][0]
    signed.discard(absent)
    user_tx = send(ALICE, BOB.address, 1, 0)
    request = abci.RequestPrepareProposal(txs=[user_tx], max_tx_bytes=1 << 20, height=2, time=timestamp(chain.time + 5),
                                          local_last_commit=extended_commit_info(vals, signed, 1))
    txs = list(chain.app.prepare_proposal(request).txs)
    assert len(txs) == 2 and txs[1] == user_tx
    record = block_seed.decode_record(txs[0])
    assert record.round == 0
    assert [address for address, _sig in record.entries] == sorted(signed)
    assert process(chain, txs, commit_info(vals, signed)) == ACCEPT


def test_the_record_counts_against_max_tx_bytes(chain):
    vals, signed = all_signed(chain)
    user_tx = send(ALICE, BOB.address, 1, 0)
    record = record_of(signed, 1)
    request = abci.RequestPrepareProposal(txs=[user_tx], max_tx_bytes=len(record) + len(user_tx) - 1, height=2,
                                          time=timestamp(chain.time + 5), local_last_commit=extended_commit_info(vals, signed, 1))
    assert list(chain.app.prepare_proposal(request).txs) == [record]


def test_a_commit_vote_with_another_extension_is_reported_and_its_proposal_does_not_pass(chain, caplog):
    """Only a byzantine validator's vote that arrived by block sync can carry another extension: the proposer still
    lists it (the last commit does), says so in its log, and the next round's proposer goes on."""
    vals, signed = all_signed(chain)
    odd = min(signed)
    local = extended_commit_info(vals, signed, 1)
    for vote in local.votes:
        if bytes(vote.validator.address) == odd:
            vote.vote_extension = b"something else"
            vote.extension_signature = extension_signature(key_of(odd), 1, 0, extension=b"something else")
    request = abci.RequestPrepareProposal(max_tx_bytes=1 << 20, height=2, time=timestamp(chain.time + 5), local_last_commit=local)
    txs = list(chain.app.prepare_proposal(request).txs)
    assert [address for address, _sig in block_seed.decode_record(txs[0]).entries] == sorted(signed)
    assert "the seed record will not verify" in caplog.text and odd.hex().upper() in caplog.text
    assert process(chain, txs, commit_info(vals, signed)) == REJECT


def test_a_proposal_without_the_record_is_rejected(chain):
    vals, signed = all_signed(chain)
    assert process(chain, [], commit_info(vals, signed)) == REJECT
    assert process(chain, [send(ALICE, BOB.address, 1, 0)], commit_info(vals, signed)) == REJECT
    assert process(chain, [record_of(signed, 1)], commit_info(vals, signed)) == ACCEPT


def test_a_record_not_in_position_zero_is_rejected(chain):
    vals, signed = all_signed(chain)
    assert process(chain, [send(ALICE, BOB.address, 1, 0), record_of(signed, 1)], commit_info(vals, signed)) == REJECT
    assert process(chain, [record_of(signed, 1), send(ALICE, BOB.address, 1, 0)], commit_info(vals, signed)) == ACCEPT


def test_two_records_are_rejected(chain):
    vals, signed = all_signed(chain)
    record = record_of(signed, 1)
    assert process(chain, [record], commit_info(vals, signed)) == ACCEPT
    assert process(chain, [record, record], commit_info(vals, signed)) == REJECT
    assert process(chain, [record, send(ALICE, BOB.address, 1, 0), record_of(signed, 1, round=1)], commit_info(vals, signed)) == REJECT


def test_a_forged_signature_is_rejected(chain):
    vals, signed = all_signed(chain)
    victim = min(signed)
    forger = make_key("forger")

    def forged(key, height, round):
        return extension_signature(forger if consensus_address(key.pubkey) == victim else key, height, round)

    assert process(chain, [record_of(signed, 1)], commit_info(vals, signed)) == ACCEPT
    assert process(chain, [record_of(signed, 1, signature=forged)], commit_info(vals, signed)) == REJECT
    flipped = bytearray(record_of(signed, 1))
    flipped[-1] ^= 1  # the last signature's last byte
    assert process(chain, [bytes(flipped)], commit_info(vals, signed)) == REJECT


def test_a_signature_made_for_another_height_round_chain_or_extension_is_rejected(chain):
    vals, signed = all_signed(chain)
    commit = commit_info(vals, signed)
    for signature in (
        lambda key, height, round: extension_signature(key, height + 1, round),
        lambda key, height, round: extension_signature(key, height, round + 1),
        lambda key, height, round: extension_signature(key, height, round, chain_id="another-chain"),
        lambda key, height, round: extension_signature(key, height, round, extension=b"amino/seed/v2"),
    ):
        assert process(chain, [record_of(signed, 1, signature=signature)], commit) == REJECT
    assert process(chain, [record_of(signed, 1)], commit) == ACCEPT


def test_the_record_must_hold_the_round_of_the_last_commit(chain):
    vals, signed = all_signed(chain)
    assert process(chain, [record_of(signed, 1, round=1)], commit_info(vals, signed, round=1)) == ACCEPT
    assert process(chain, [record_of(signed, 1, round=1)], commit_info(vals, signed, round=0)) == REJECT
    assert process(chain, [record_of(signed, 1, round=0)], commit_info(vals, signed, round=1)) == REJECT


def test_signers_without_more_than_two_thirds_of_the_power_are_rejected(chain):
    vals, _signed = all_signed(chain)
    total = sum(power for _address, power in vals)
    two = {vals[0][0], vals[1][0]}
    assert 3 * sum(power for address, power in vals if address in two) <= 2 * total
    assert process(chain, [record_of(two, 1)], commit_info(vals, two)) == REJECT
    three = two | {vals[2][0]}
    assert process(chain, [record_of(three, 1)], commit_info(vals, three)) == ACCEPT


def test_the_record_must_list_exactly_the_commit_votes(chain):
    """Leaving out a COMMIT vote would let the proposer pick signers without it showing in the last commit."""
    vals, signed = all_signed(chain)
    left_out = set(signed)
    left_out.discard(vals[3][0])
    assert process(chain, [record_of(left_out, 1)], commit_info(vals, left_out)) == ACCEPT
    assert process(chain, [record_of(left_out, 1)], commit_info(vals, signed)) == REJECT
    # and a validator that the last commit lists as absent cannot be added
    assert process(chain, [record_of(signed, 1)], commit_info(vals, left_out)) == REJECT
    # a signer that is not in the validator set at all
    outsider = consensus_address(golden.CONSENSUS[4].pubkey)
    assert outsider not in signed
    assert process(chain, [record_of(signed | {outsider}, 1)], commit_info(vals, signed)) == REJECT


def test_duplicate_or_unordered_entries_are_rejected(chain):
    vals, signed = all_signed(chain)
    entries = sorted((address, extension_signature(key_of(address), 1, 0)) for address in signed)
    good = block_seed.RECORD_PREFIX + encode([0, [[address, signature] for address, signature in entries]])
    assert good == record_of(signed, 1)
    assert process(chain, [good], commit_info(vals, signed)) == ACCEPT
    for bad in (entries + entries[-1:], list(reversed(entries))):
        raw = block_seed.RECORD_PREFIX + encode([0, [[address, signature] for address, signature in bad]])
        assert process(chain, [raw], commit_info(vals, signed)) == REJECT


def test_a_record_at_height_one_is_rejected(tmp_path):
    driver = AppDriver(tmp_path / "db", app_state=golden.app_state(), vote_extensions_enable_height=1,
                       consensus_keys=golden.CONSENSUS)
    try:
        vals = sorted((consensus_address(k.pubkey), 1) for k in VALIDATOR_KEYS)
        signed = {address for address, _power in vals}
        assert process(driver, [record_of(signed, 0)], abci.CommitInfo()) == REJECT
        assert process(driver, [], abci.CommitInfo()) == ACCEPT
    finally:
        driver.close()


def test_no_record_is_allowed_when_vote_extensions_are_off(tmp_path):
    driver = AppDriver(tmp_path / "db", app_state=golden.app_state(), consensus_keys=golden.CONSENSUS)
    try:
        driver.block([])
        vals, signed = all_signed(driver)
        assert process(driver, [record_of(signed, 1)], commit_info(vals, signed)) == REJECT
        assert process(driver, [], commit_info(vals, signed)) == ACCEPT
        assert driver.app.prepare_proposal(abci.RequestPrepareProposal(
            max_tx_bytes=1 << 20, height=2, local_last_commit=extended_commit_info(vals, signed, 1))).txs == []
    finally:
        driver.close()


def test_a_user_tx_that_looks_like_a_record_is_rejected_by_the_mempool_and_in_proposals(chain):
    vals, signed = all_signed(chain)
    record = record_of(signed, 1)
    lookalike = block_seed.RECORD_PREFIX + b"\x92\x00\x90"  # round 0, no entries
    assert chain.check(record).code != 0
    assert chain.check(lookalike).code != 0
    assert process(chain, [record], commit_info(vals, signed)) == ACCEPT
    assert process(chain, [lookalike], commit_info(vals, signed)) == REJECT
    assert process(chain, [record, lookalike], commit_info(vals, signed)) == REJECT
    assert process(chain, [block_seed.RECORD_PREFIX + b"\xff"], commit_info(vals, signed)) == REJECT
    assert process(chain, [record + b"\x00"], commit_info(vals, signed)) == REJECT


def test_a_signature_only_cometbfts_rule_accepts_still_counts(chain):
    """A validator signs its extension with R of small order: CometBFT counts the vote; so must the record."""
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    vals, signed = all_signed(chain)
    odd = min(signed)
    message = block_seed.extension_sign_bytes(CHAIN_ID, 1, 0)

    def signature(key, height, round):
        if consensus_address(key.pubkey) == odd:
            return small_order_r_signature(key, message)
        return extension_signature(key, height, round)

    weird = small_order_r_signature(key_of(odd), message)
    with pytest.raises(BadSignatureError):
        VerifyKey(key_of(odd).pubkey).verify(message, weird)
    assert process(chain, [record_of(signed, 1, signature=signature)], commit_info(vals, signed)) == ACCEPT


# -- FinalizeBlock -----------------------------------------------------------------------------------------


def test_the_record_gets_a_result_of_its_own_and_user_results_keep_their_positions(chain):
    vals, signed = all_signed(chain)
    good = send(ALICE, BOB.address, 5, 0)
    failing = send(BOB, ALICE.address, 10**18, 0)
    before = chain.balance(BOB.address)
    response = finalize(chain, [record_of(signed, 1), good, failing], commit_info(vals, signed))
    results = list(response.tx_results)
    assert len(results) == 3
    record_result = results[0]
    assert (record_result.code, record_result.gas_wanted, record_result.gas_used, list(record_result.events)) == (0, 0, 0, [])
    assert results[1].code == 0 and results[1].gas_used > 0
    assert results[2].code != 0
    chain.app.commit(abci.RequestCommit())
    assert chain.balance(BOB.address) == before + 5 - 500  # bob received 5 and paid the failing tx's fee


def test_finalize_block_refuses_a_block_without_a_valid_record_and_changes_nothing(chain):
    vals, signed = all_signed(chain)
    snapshot = chain.snapshot()
    left_out = set(signed)
    left_out.discard(min(signed))
    for txs in ([send(ALICE, BOB.address, 5, 0)], [record_of(left_out, 1)], [record_of(signed, 2)]):
        with pytest.raises(ConsensusFailure):
            finalize(chain, txs, commit_info(vals, signed))
    assert chain.snapshot() == snapshot
    assert chain.app.store.last_height == 1


# -- the seed ------------------------------------------------------------------------------------------------


def seed_of(driver, txs, commit, proposer: bytes = b"") -> bytes:
    """The seed ProcessProposal and FinalizeBlock derive for a proposal (the app's own step, read directly: the
    audit test below shows the same seed reaching compute through FinalizeBlock)."""
    request = abci.RequestProcessProposal(txs=txs, height=driver.height + 1, proposed_last_commit=commit, proposer_address=proposer)
    seed, _user_txs = driver.app._block_seed(request, request.txs, commit)
    return seed


def test_the_seed_follows_the_rule_and_changes_with_the_signatures_only(chain):
    vals, signed = all_signed(chain)
    powers = dict(vals)
    total = sum(powers.values())
    keys = [key_of(address) for address in sorted(signed)]
    commit = commit_info(vals, signed)
    record = record_of(signed, 1)
    seed = seed_of(chain, [record], commit)
    assert seed == expected_seed(2, keys, total, powers)
    # neither the user txs, their order, the block hash nor the time enter it
    txs = [send(ALICE, BOB.address, 1, 0), send(BOB, ALICE.address, 1, 0)]
    assert seed_of(chain, [record, *txs], commit) == seed_of(chain, [record, *reversed(txs)], commit) == seed
    # another round's signatures give another seed
    assert seed_of(chain, [record_of(signed, 1, round=1)], commit_info(vals, signed, round=1)) != seed


def test_the_seed_uses_the_shortest_address_prefix_above_a_third_and_never_the_proposers_signature(chain):
    vals, signed = all_signed(chain)
    powers = dict(vals)
    total = sum(powers.values())
    ordered = sorted(signed)
    assert 3 * (powers[ordered[0]] + powers[ordered[1]]) > total > 3 * powers[ordered[0]]  # the prefix is two signers
    full = seed_of(chain, [record_of(signed, 1)], commit_info(vals, signed))
    # leaving out a signer after the prefix changes the record, not the seed
    beyond = set(signed) - {ordered[3]}
    assert seed_of(chain, [record_of(beyond, 1)], commit_info(vals, beyond)) == full
    # leaving out one inside the prefix changes it
    inside = set(signed) - {ordered[0]}
    assert seed_of(chain, [record_of(inside, 1)], commit_info(vals, inside)) != full
    # the proposer's own signature is skipped: the seed is the one without it, whatever the proposer signed
    as_proposer = seed_of(chain, [record_of(signed, 1)], commit_info(vals, signed), proposer=ordered[0])
    assert as_proposer == expected_seed(2, [key_of(a) for a in ordered], total, powers, proposer=ordered[0])
    assert as_proposer == seed_of(chain, [record_of(inside, 1)], commit_info(vals, inside))


def test_without_a_record_the_seed_is_the_documented_constant(tmp_path):
    driver = AppDriver(tmp_path / "db", app_state=golden.app_state(), vote_extensions_enable_height=1,
                       consensus_keys=golden.CONSENSUS)
    try:
        expected = hashlib.sha256(b"amino/block-seed/fallback/v1\x00" + (1).to_bytes(8, "big") + CHAIN_ID.encode()).digest()
        assert seed_of(driver, [], abci.CommitInfo()) == expected
    finally:
        driver.close()


# -- compute follows the seed --------------------------------------------------------------------------------

EXTRA_WORKERS = [make_key(f"seed-test/worker-{i}") for i in range(24)]  # room for every task and its auditor
TASKS = 12


def compute_chain(path):
    """Golden validators, a verified app, two masters with twelve workers each, elected at the first epoch."""
    g = golden.Golden(AppDriver(path, app_state=golden.app_state(), vote_extensions_enable_height=1,
                                consensus_keys=golden.CONSENSUS))
    g.tx(ALICE, MsgMultiSend(ALICE.address, tuple(Output(k.address, 30_000 * golden.AMIO) for k in [*golden.MASTERS, *EXTRA_WORKERS])))
    g.tx(golden.FOUNDATION, MsgRegisterApp(golden.FOUNDATION.address, golden.APP, 1_000, "app", "", ("small",)),
         MsgSetAppVerified(golden.FOUNDATION.address, golden.APP, True))
    for master in golden.MASTERS:
        g.tx(golden.OPERATORS[0], MsgConsentSponsorship(golden.OPERATORS[0].address, master.address))
    g.block()
    for index, master in enumerate(golden.MASTERS):
        g.tx(master, MsgCreateMasterNode(master.address, f"master{index}", f"http://127.0.0.1:{9000 + index}", "local",
                                         golden.OPERATORS[0].address, (2_000 + index) * golden.AMIO))
    g.block()
    for index, worker in enumerate(EXTRA_WORKERS):
        master = golden.MASTERS[index % 2]
        g.tx(worker, MsgRegisterWorker(worker.address, master.address, 2, 0, 2_048, 2_048, 4, False, 150 * golden.AMIO,
                                       *admission(master, worker.address)))
    g.block()
    g.live_workers = list(EXTRA_WORKERS)
    g.blocks(8)
    return g


def draw_after_commits(path, absent: set[bytes] = frozenset(), block_hash: bytes = b"\x11" * 32,
                       reverse_transfers: bool = False, seconds: int = 5) -> tuple[dict[int, bool], bytes]:
    """Submit TASKS single-replica tasks, have their masters assign one worker each and the workers commit in one
    block; the next block (with unrelated transfers) draws their audits: return each task's audit flag and the seed
    the rule gives for that block."""
    g = compute_chain(path)
    try:
        ids = [g.submit(replicas=1) for _ in range(TASKS)]
        g.blocks(2)  # submitted, then allocated in the next block
        chosen = {}
        for index, task_id in enumerate(ids):
            pool = [w for i, w in enumerate(EXTRA_WORKERS) if golden.MASTERS[i % 2].bech32 == g.task(task_id)["master"]]
            chosen[task_id] = pool[index % len(pool)]
            g.assign(task_id, [chosen[task_id]])
        g.block()
        for task_id in ids:
            g.commit(chosen[task_id], task_id)
        g.block()  # the commits' block: its seed was public before they were included, so it draws nothing
        commit_height = g.driver.height
        tasks = {task_id: g.task(task_id) for task_id in ids}
        assert all(task["state"] == "committing" and task["draw_height"] == commit_height and not task["audit_drawn"]
                   for task in tasks.values()), "every task waits for its draw after the block of its commit"
        transfers = [send(golden.MASTERS[i], BOB.address, 1, g.driver.sequence(golden.MASTERS[i].address)) for i in range(2)]
        if reverse_transfers:
            transfers.reverse()
        vals = validators(g.driver)
        signers = [v for v in vals if v[0] not in absent]
        record = g.driver.record_for(signers)
        g.driver.height += 1
        g.driver.time += seconds
        request = abci.RequestFinalizeBlock(
            txs=[record, *transfers], height=g.driver.height, time=timestamp(g.driver.time),
            hash=block_hash, decided_last_commit=commit_info(vals, {a for a, _p in signers}))
        response = g.driver.app.finalize_block(request)
        assert all(result.code == 0 for result in response.tx_results), [r.log for r in response.tx_results if r.code]
        g.driver.app.commit(abci.RequestCommit())
        tasks = {task_id: g.task(task_id) for task_id in ids}
        assert all(task["audit_drawn"] and task["state"] == ("allocated" if task["audit"] else "revealing")
                   for task in tasks.values()), "every task is drawn in the block after the one of its commit"
        powers = dict(vals)
        seed = expected_seed(g.driver.height, [key_of(a) for a, _p in signers], sum(powers.values()), powers)
        return {task_id: task["audit"] for task_id, task in tasks.items()}, seed
    finally:
        g.driver.close()


def audit_draws(seed: bytes, ids, probability_bps: int) -> dict[int, bool]:
    return {task_id: int.from_bytes(hashlib.sha256(seed + b"audit" + task_id.to_bytes(8, "big")).digest()[:8], "big") % 10_000
            < probability_bps for task_id in ids}


def test_compute_audits_follow_the_seed_of_the_signatures_not_the_block_hash_or_tx_order(tmp_path):
    probability = golden.COMPUTE.audit_probability_bps
    audits, seed = draw_after_commits(tmp_path / "a")
    assert audits == audit_draws(seed, audits, probability)
    assert 0 < sum(audits.values()) < TASKS  # both outcomes occur, so the comparisons below mean something
    # another block hash, another order of the other txs, another block time: the same audits
    again, again_seed = draw_after_commits(tmp_path / "b", block_hash=b"\x22" * 32, reverse_transfers=True, seconds=7)
    assert again_seed == seed and again == audits
    # one signer of the prefix missing from the last commit: another seed, and the audits follow it
    vals = sorted((consensus_address(k.pubkey), 0) for k in VALIDATOR_KEYS)
    other, other_seed = draw_after_commits(tmp_path / "c", absent={vals[0][0]})
    assert other_seed != seed
    assert other == audit_draws(other_seed, other, probability)
    assert other != audits

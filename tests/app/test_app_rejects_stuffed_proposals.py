"""PrepareProposal and ProcessProposal run the ante checks on the block's running state.

A proposer must not be able to fill a block with txs that would fail their
ante checks in FinalizeBlock (and so run for free): duplicates, replays,
fees the payer can no longer pay. PrepareProposal drops such txs and what it
keeps is what ProcessProposal accepts.
"""


from abci_app.proto import abci
from chain_modules.common.context import BlockContext
from tests.support import KEYS, AppDriver, send, signed, timestamp

alice, bob, eve, mallory = KEYS["alice"], KEYS["bob"], KEYS["eve"], KEYS["mallory"]
ACCEPT = abci.ResponseProcessProposal.ACCEPT
REJECT = abci.ResponseProcessProposal.REJECT



def next_block_time(driver, seconds: int = 5):
    return timestamp(driver.time + seconds)


def process(driver, txs: list[bytes]) -> int:
    """ProcessProposal for the next height, as a validator receiving the proposal would call it."""
    request = abci.RequestProcessProposal(txs=txs, height=driver.height + 1, time=next_block_time(driver), hash=b"\x01" * 32)
    return driver.app.process_proposal(request).status


def prepare(driver, txs: list[bytes], max_tx_bytes: int = 1 << 22) -> list[bytes]:
    request = abci.RequestPrepareProposal(txs=txs, max_tx_bytes=max_tx_bytes, height=driver.height + 1, time=next_block_time(driver))
    return list(driver.app.prepare_proposal(request).txs)


def fund(driver, key, amount: int) -> None:
    """Give ``key`` exactly ``amount`` uamio from bob, in a block of its own."""
    sequence = driver.sequence(bob.address)
    assert driver.block([send(bob, key.address, amount, sequence)])[0].code == 0
    assert driver.balance(key.address) == amount


def test_fifty_copies_of_one_valid_tx_are_rejected(driver):
    tx = send(alice, eve.address, 1, 0)
    assert process(driver, [tx]) == ACCEPT
    assert process(driver, [tx] * 50) == REJECT
    assert process(driver, [tx, tx]) == REJECT


def test_a_replayed_tx_with_a_used_sequence_is_rejected(driver):
    first = send(alice, eve.address, 1, 0)
    assert driver.block([first])[0].code == 0
    assert process(driver, [first]) == REJECT
    # the replay hidden behind an honest tx of another account
    assert process(driver, [send(bob, eve.address, 1, 0), first]) == REJECT
    assert process(driver, [send(bob, eve.address, 1, 0), send(alice, eve.address, 1, 1)]) == ACCEPT


def test_a_tx_whose_sequence_skips_ahead_is_rejected(driver):
    assert process(driver, [send(alice, eve.address, 1, 0), send(alice, eve.address, 1, 2)]) == REJECT
    assert process(driver, [send(alice, eve.address, 1, 1), send(alice, eve.address, 1, 0)]) == REJECT


def test_a_tx_whose_payer_cannot_pay_after_the_earlier_fees_is_rejected(driver):
    fund(driver, eve, 1_200)
    first = send(eve, alice.address, 1, 0, fee=600)
    second = send(eve, alice.address, 1, 1, fee=700)
    assert process(driver, [first]) == ACCEPT
    assert process(driver, [second]) == REJECT  # wrong sequence on its own
    assert process(driver, [first, second]) == REJECT
    assert process(driver, [first, send(eve, alice.address, 1, 1, fee=600)]) == ACCEPT


def test_a_tx_from_an_account_without_funds_is_rejected(driver):
    assert process(driver, [send(alice, eve.address, 1, 0), send(mallory, eve.address, 1, 0)]) == REJECT


def test_txs_failing_the_other_ante_checks_are_rejected(driver):
    good = send(alice, eve.address, 1, 0)
    assert process(driver, [good, b"\x93\x01\x02"]) == REJECT
    assert process(driver, [send(alice, eve.address, 1, 0, chain_id="other-chain")]) == REJECT
    assert process(driver, [send(alice, eve.address, 1, 0, fee=1)]) == REJECT
    assert process(driver, [signed(alice, [], 0)]) == REJECT


def test_an_honest_proposal_with_several_txs_of_one_account_is_accepted_and_all_succeed(driver):
    txs = [send(alice, eve.address, 10 + n, n) for n in range(6)] + [send(bob, eve.address, 5, 0)]
    txs.insert(3, send(KEYS["carol"], eve.address, 7, 0))
    assert process(driver, txs) == ACCEPT
    results = driver.block(txs)
    assert [r.code for r in results] == [0] * len(txs)
    assert driver.sequence(alice.address) == 6
    assert driver.balance(eve.address) == sum(10 + n for n in range(6)) + 5 + 7


def test_a_failing_message_still_pays_its_fee_so_it_may_be_proposed(driver):
    # the ante passes (fee and sequence are charged), only the message fails: not free, so allowed
    failing = signed(alice, [("bank/print_money", {})], 0)
    after = send(alice, eve.address, 1, 1)
    assert process(driver, [failing, after]) == ACCEPT
    assert [r.code for r in driver.block([failing, after])] == [10, 0]


def test_prepare_proposal_drops_the_bad_txs_and_its_result_is_accepted(driver):
    fund(driver, eve, 1_000)
    used = send(bob, eve.address, 1, 0)  # bob's sequence 0 was used by fund()
    a0, a1, a2 = (send(alice, eve.address, 1, n) for n in range(3))
    e0, e1 = send(eve, alice.address, 1, 0, fee=600), send(eve, alice.address, 1, 1, fee=500)
    mempool = [a0, a0, used, e0, b"junk", a1, e1, send(mallory, eve.address, 1, 0), a1, a2]
    assert process(driver, mempool) == REJECT
    chosen = prepare(driver, mempool)
    assert chosen == [a0, e0, a1, a2]
    assert process(driver, chosen) == ACCEPT
    assert [r.code for r in driver.block(chosen)] == [0, 0, 0, 0]


def test_prepare_proposal_keeps_mempool_order_within_max_tx_bytes(driver):
    txs = [send(alice, eve.address, 1, n) for n in range(5)]
    limit = sum(len(tx) for tx in txs[:3]) + len(txs[3]) - 1
    assert prepare(driver, txs, max_tx_bytes=limit) == txs[:3]
    assert prepare(driver, txs) == txs


def test_checking_a_proposal_changes_no_state(driver):
    before = driver.snapshot()
    txs = [send(alice, eve.address, 1, n) for n in range(3)]
    assert process(driver, txs) == ACCEPT
    assert prepare(driver, txs) == txs
    assert driver.snapshot() == before
    assert driver.app.block is None
    # the mempool state is not touched either: alice's sequence 0 is still expected there
    assert driver.check(txs[0]).code == 0


def test_the_first_block_is_checked_against_the_genesis_state(tmp_path):
    driver = AppDriver(tmp_path / "db")  # InitChain only: genesis writes are not committed yet
    try:
        txs = [send(alice, eve.address, 1, 0), send(alice, eve.address, 1, 1)]
        assert process(driver, txs) == ACCEPT
        assert process(driver, txs + [txs[0]]) == REJECT
        assert [r.code for r in driver.block(txs)] == [0, 0]
    finally:
        driver.close()


def test_a_fee_spent_by_the_signers_own_earlier_message_is_caught_only_in_finalize_block(driver):
    """The documented residual case (docs/modules/auth.md, "Proposals"): messages are not
    executed in the proposal check, so only the signer's own earlier message can make its
    fee unpayable; FinalizeBlock then rejects that tx without charging it."""
    fund(driver, eve, 1_000)
    spend_all = send(eve, alice.address, 1_000 - 500, 0, fee=500)
    next_tx = send(eve, alice.address, 1, 1, fee=500)
    assert process(driver, [spend_all, next_tx]) == ACCEPT
    results = driver.block([spend_all, next_tx])
    assert [(r.codespace, r.code) for r in results] == [("", 0), ("tx", 16)]
    assert driver.sequence(eve.address) == 1


class CountingState:
    """A read-only state wrapper that counts point reads and refuses range scans."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.reads = 0

    def get(self, key: bytes):
        self.reads += 1
        return self.inner.get(key)

    def iter_prefix(self, prefix: bytes):
        raise AssertionError(f"the proposal check scanned prefix {prefix!r}")


def test_the_proposal_check_costs_a_bounded_number_of_reads_per_tx(driver):
    from abci_app.router import ProposalCheck

    state = CountingState(driver.app.store.committed)
    ctx = BlockContext("amino-test", driver.height + 1, (driver.time + 5) * 1_000_000_000)
    check = ProposalCheck(driver.app.router, state, ctx)
    for n in range(200):
        key = (alice, bob, KEYS["carol"], KEYS["dave"])[n % 4]
        assert check.admit(send(key, eve.address, 1, n // 4)) is None
    assert state.reads <= 200 * 5  # params, account, balance, vesting: a handful per tx

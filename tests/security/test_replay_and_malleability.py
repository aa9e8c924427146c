"""Replay on the same and on another chain, cross-purpose signatures, and signature and encoding malleability."""

from __future__ import annotations

import msgpack

from abci_app.codec import TX_SIGN_DOMAIN, decode_tx, encode_tx
from chain_modules.auth.errors import ErrInvalidSignature, ErrTxDecode, ErrWrongChainId, ErrWrongSequence
from chain_modules.bank.types import MsgSend
from chain_modules.compute.errors import ErrInvalidAdmission
from chain_modules.compute.types import MsgRegisterWorker
from chain_modules.staking.errors import ErrInvalidConsensusKey, ErrInvalidProofOfPossession
from chain_modules.staking.types import MsgCreateSuperNode
from tests.reliability.workload import MASTERS, MALLORY
from tests.security.support import code_of
from tests.support import KEYS, AppDriver, admission, make_key, proof_of_possession, send

alice, bob, eve = KEYS["alice"], KEYS["bob"], KEYS["eve"]
L = 2**252 + 27742317777372353535851937790883648493  # the order of the ed25519 base point
AMIO = 1_000_000


def test_a_committed_tx_replayed_in_a_later_block_fails_and_changes_nothing(driver):
    """Hole: replay on the same chain. The sequence in the sign doc makes every tx single-use."""
    tx = send(alice, eve.address, 7, 0)
    assert driver.block([tx])[0].code == 0
    before = driver.snapshot()
    result = driver.block([tx])[0]
    assert code_of(result) == (ErrWrongSequence.codespace, ErrWrongSequence.code)
    assert driver.snapshot() == before
    assert code_of(driver.check(tx)) == (ErrWrongSequence.codespace, ErrWrongSequence.code)


def test_a_tx_repeated_inside_one_block_runs_once(driver):
    """Hole: replay within a block (a byzantine proposer repeating bytes): the copy fails, eve is paid once."""
    tx = send(alice, eve.address, 7, 0)
    results = driver.block([tx, tx])
    assert [r.code for r in results] == [0, ErrWrongSequence.code]
    assert driver.balance(eve.address) == 7


def test_a_tx_executed_on_another_chain_is_refused_here(tmp_path, driver):
    """Hole: replay on another chain. The chain id is in the signed doc; the same key, sequence and genesis on a
    second chain cannot make a tx valid on both."""
    other = AppDriver(tmp_path / "other", chain_id="amino-other")
    try:
        other.block([])
        theirs = send(alice, eve.address, 7, 0, chain_id="amino-other")
        assert other.block([theirs])[0].code == 0
        before = driver.snapshot()
        assert code_of(driver.block([theirs])[0]) == (ErrWrongChainId.codespace, ErrWrongChainId.code)
        assert driver.snapshot() == before
        ours = send(alice, eve.address, 7, 0)
        assert code_of(other.block([ours])[0]) == (ErrWrongChainId.codespace, ErrWrongChainId.code)
    finally:
        other.close()


def test_a_signature_over_the_sign_doc_without_the_tx_domain_tag_is_refused(driver):
    """Hole: cross-purpose signatures. A signature the key made over the same bytes in another context (no domain
    tag) must not authorise a tx."""
    tx = decode_tx(send(alice, eve.address, 7, 0))
    assert tx.doc is not None and TX_SIGN_DOMAIN
    forged = encode_tx(tx.sign_doc_bytes, tx.pubkey, alice.signing_key.sign(tx.sign_doc_bytes).signature)
    assert code_of(driver.block([forged])[0]) == (ErrInvalidSignature.codespace, ErrInvalidSignature.code)
    assert driver.balance(eve.address) == 0


def test_a_signature_malleated_to_s_plus_l_is_refused(driver):
    """Hole: signature malleability. (R, S + L) verifies under a lax check and gives the same tx another hash; the
    router accepts only canonical S < L."""
    tx = decode_tx(send(alice, eve.address, 7, 0))
    s = int.from_bytes(tx.signature[32:], "little") + L
    assert s < 2**256
    malleated = encode_tx(tx.sign_doc_bytes, tx.pubkey, tx.signature[:32] + s.to_bytes(32, "little"))
    assert code_of(driver.check(malleated)) == (ErrInvalidSignature.codespace, ErrInvalidSignature.code)
    assert code_of(driver.block([malleated])[0]) == (ErrInvalidSignature.codespace, ErrInvalidSignature.code)


def test_a_tx_from_a_small_order_public_key_is_refused(driver):
    """Hole: a small-order key (the identity point) with the signature (R = identity, S = 0) verifies for every
    message under ZIP-215's cofactored rule; tx signatures use the strict rule, so nobody signs as such a key."""
    identity = (1).to_bytes(32, "little")
    tx = decode_tx(send(alice, eve.address, 7, 0))
    forged = encode_tx(tx.sign_doc_bytes, identity, identity + bytes(32))
    assert code_of(driver.block([forged])[0]) == (ErrInvalidSignature.codespace, ErrInvalidSignature.code)


def test_a_sign_doc_with_its_keys_in_another_order_is_refused(driver):
    """Hole: encoding malleability. The same doc encoded with its map keys in another order would be a second
    tx (another hash) with a valid signature; only the canonical encoding is accepted."""
    tx = decode_tx(send(alice, eve.address, 7, 0))
    doc = msgpack.unpackb(tx.sign_doc_bytes, raw=False)
    reordered = msgpack.packb(dict(reversed(list(doc.items()))), use_bin_type=True)
    assert reordered != tx.sign_doc_bytes
    forged = encode_tx(reordered, alice.pubkey, alice.signing_key.sign(TX_SIGN_DOMAIN + reordered).signature)
    assert code_of(driver.block([forged])[0]) == (ErrTxDecode.codespace, ErrTxDecode.code)


def test_a_sign_doc_with_a_non_minimal_integer_encoding_is_refused(driver):
    """Hole: encoding malleability. The fee 500 written as a uint64 (0xcf + 8 bytes) instead of a uint16."""
    tx = decode_tx(send(alice, eve.address, 7, 0))
    minimal = b"\xa3fee\xcd" + (500).to_bytes(2, "big")
    assert minimal in tx.sign_doc_bytes
    widened = tx.sign_doc_bytes.replace(minimal, b"\xa3fee\xcf" + (500).to_bytes(8, "big"))
    forged = encode_tx(widened, alice.pubkey, alice.signing_key.sign(TX_SIGN_DOMAIN + widened).signature)
    assert code_of(driver.block([forged])[0]) == (ErrTxDecode.codespace, ErrTxDecode.code)


def test_an_envelope_with_trailing_bytes_or_a_wide_bytes_header_is_refused(driver):
    """Hole: tx-hash malleability. Extra bytes after the envelope, or the 64-byte signature under a bin16 header,
    would give a valid tx a second hash (a wallet tracking by hash would miss it)."""
    raw = send(alice, eve.address, 7, 0)
    tx = decode_tx(raw)
    wide = raw.replace(b"\xc4\x40" + tx.signature, b"\xc5\x00\x40" + tx.signature)
    assert wide != raw
    for forged in (raw + b"\x00", wide):
        assert code_of(driver.check(forged)) == (ErrTxDecode.codespace, ErrTxDecode.code)
        assert code_of(driver.block([forged])[0]) == (ErrTxDecode.codespace, ErrTxDecode.code)
    assert driver.block([raw])[0].code == 0


def test_a_proof_of_possession_for_another_operator_or_chain_is_refused(twin):
    """Hole: a copied proof of possession. A consensus key's proof is bound to its operator and chain id: it cannot
    register the key under someone else, nor be replayed from another chain."""
    consensus = make_key("security/new-consensus")
    operator = MALLORY
    for proof in (proof_of_possession(consensus, KEYS["dave"].address),
                  proof_of_possession(consensus, operator.address, chain_id="amino-other")):
        msg = MsgCreateSuperNode(operator.address, consensus.pubkey, "copied", 500, 100, 1_000 * AMIO, proof)
        twin.fails_cleanly(operator, msg, ErrInvalidProofOfPossession)


def test_a_worker_admission_signed_for_another_worker_or_master_is_refused(twin):
    """Hole: open worker pools by replayed admissions. An admission names the master, the worker and the chain."""
    worker = make_key("security/new-worker")
    assert twin.run(KEYS["alice"], MsgSend(KEYS["alice"].address, worker.address, 1_000 * AMIO)).code == 0
    for pubkey, signature in (admission(MASTERS[0], MALLORY.address), admission(MASTERS[1], worker.address),
                              admission(MASTERS[0], worker.address, chain_id="amino-other")):
        msg = MsgRegisterWorker(worker.address, MASTERS[0].address, 2, 0, 2_048, 2_048, 1, False, 150 * AMIO,
                                pubkey, signature)
        twin.fails_cleanly(worker, msg, ErrInvalidAdmission)


def test_a_consensus_key_of_small_order_or_off_the_curve_is_refused(twin):
    """Hole 1 of docs/security.md: a consensus key nobody can sign for (ff..ff, the identity point) elected with a
    third of the power halted the chain for good."""
    operator = MALLORY
    for pubkey in (b"\xff" * 32, (1).to_bytes(32, "little"), bytes(32)):
        msg = MsgCreateSuperNode(operator.address, pubkey, "unusable", 500, 100, 1_000 * AMIO, bytes(64))
        twin.fails_cleanly(operator, msg, ErrInvalidConsensusKey)

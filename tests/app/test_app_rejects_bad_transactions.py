"""Every rejected transaction gets a specific code and log, and changes nothing but (when
signature and sequence were valid) the fee and the sequence. One test per error code."""

import pytest

from abci_app.codec import SignDoc, encode_tx, sign_bytes, sign_tx
from chain_modules.auth.types import TxParams
from chain_modules.bank.types import FEE_COLLECTOR, MsgSend
from chain_modules.common.encoding import encode
from chain_modules.common.errors import registered_errors
from tests.support import CHAIN_ID, KEYS, send, signed

alice, eve = KEYS["alice"], KEYS["eve"]
PARAMS = TxParams()



def run_rejected(driver, tx, codespace, code):
    """CheckTx and FinalizeBlock both reject with (codespace, code); state is unchanged."""
    check = driver.check(tx)
    assert (check.codespace, check.code) == (codespace, code), check.log
    assert check.log
    before = driver.snapshot()
    result = driver.block([tx])[0]
    assert (result.codespace, result.code) == (codespace, code), result.log
    assert result.log == check.log or codespace == "tx"
    assert driver.snapshot() == before
    return result


def run_failed_message(driver, tx, codespace, code, fee):
    """Signature and sequence were valid: only the fee and the sequence change."""
    check = driver.check(tx)
    assert (check.codespace, check.code) == (codespace, code), check.log
    alice_before = driver.balance(alice.address)
    collector_before = driver.balance(FEE_COLLECTOR)
    sequence_before = driver.sequence(alice.address)
    result = driver.block([tx])[0]
    assert (result.codespace, result.code) == (codespace, code), result.log
    assert driver.balance(alice.address) == alice_before - fee
    assert driver.balance(FEE_COLLECTOR) == collector_before + fee
    assert driver.sequence(alice.address) == sequence_before + 1
    assert driver.balance(eve.address) == 0
    assert [e.type for e in result.events] == ["coin_spent", "coin_received", "tx"]
    return result


def test_invalid_malformed_bytes(driver):
    result = run_rejected(driver, b"\x93\x01\x02", "tx", 2)
    assert "envelope" in result.log or "sign doc" in result.log


def test_invalid_non_canonical_encoding(driver):
    tx = send(alice, eve.address, 1, 0)
    # same content, but the doc map written with unsorted keys is not canonical
    import msgpack

    doc = {"sequence": 0, "chain_id": CHAIN_ID, "fee": 500, "gas_limit": 50_000, "memo": "",
           "msgs": [[MsgSend.TYPE, MsgSend(alice.address, eve.address, 1).to_body()]]}
    doc_bytes = msgpack.packb(doc, use_bin_type=True)
    bad = encode_tx(doc_bytes, alice.pubkey, alice.signing_key.sign(sign_bytes(doc_bytes)).signature)
    assert bad != tx
    result = run_rejected(driver, bad, "tx", 2)
    assert "canonical" in result.log


def test_invalid_oversized_tx(driver):
    tx = send(alice, eve.address, 1, 0, memo="x" * (PARAMS.max_tx_bytes + 1))
    result = run_rejected(driver, tx, "tx", 3)
    assert "maximum" in result.log


def test_invalid_too_many_messages(driver):
    body = MsgSend(alice.address, eve.address, 1).to_body()
    tx = signed(alice, [(MsgSend.TYPE, body)] * (PARAMS.max_msgs_per_tx + 1), 0, gas=1_000_000, fee=10_000)
    run_rejected(driver, tx, "tx", 4)


def test_invalid_wrong_chain_id(driver):
    result = run_rejected(driver, send(alice, eve.address, 1, 0, chain_id="other-chain"), "tx", 5)
    assert "other-chain" in result.log


def test_invalid_signature(driver):
    good = send(alice, eve.address, 1, 0)
    doc = SignDoc(CHAIN_ID, 0, 500, 50_000, "", ((MsgSend.TYPE, MsgSend(alice.address, eve.address, 1).to_body()),))
    forged = encode_tx(doc.to_bytes(), alice.pubkey, KEYS["mallory"].signing_key.sign(sign_bytes(doc.to_bytes())).signature)
    assert forged != good
    run_rejected(driver, forged, "tx", 6)


def test_invalid_signature_over_another_domain(driver):
    doc = SignDoc(CHAIN_ID, 0, 500, 50_000, "", ((MsgSend.TYPE, MsgSend(alice.address, eve.address, 1).to_body()),))
    undomained = encode_tx(doc.to_bytes(), alice.pubkey, alice.signing_key.sign(doc.to_bytes()).signature)
    run_rejected(driver, undomained, "tx", 6)


def test_invalid_wrong_sequence_and_replay(driver):
    tx = send(alice, eve.address, 1, 0)
    assert driver.block([tx])[0].code == 0
    result = run_rejected(driver, tx, "tx", 7)  # the same bytes again: a replay
    assert "expected 1, got 0" in result.log
    run_rejected(driver, send(alice, eve.address, 1, 5), "tx", 7)


def test_invalid_fee_below_minimum(driver):
    result = run_rejected(driver, send(alice, eve.address, 1, 0, fee=1, gas=50_000), "tx", 8)
    assert f"{PARAMS.min_fee(50_000)}uamio" in result.log


def test_invalid_gas_limit_below_base_cost(driver):
    run_rejected(driver, send(alice, eve.address, 1, 0, fee=100, gas=1_000), "tx", 9)


def test_invalid_out_of_gas_in_messages_keeps_fee(driver):
    tx = send(alice, eve.address, 1, 0, fee=200, gas=PARAMS.gas_base + 10 * 400)
    run_failed_message(driver, tx, "tx", 9, 200)


def test_invalid_unknown_message_type_keeps_fee(driver):
    run_failed_message(driver, signed(alice, [("bank/print_money", {})], 0, fee=1_000), "tx", 10, 1_000)


def test_invalid_malformed_message_keeps_fee(driver):
    tx = signed(alice, [(MsgSend.TYPE, {"from": alice.address, "to": eve.address})], 0, fee=1_000)
    run_failed_message(driver, tx, "tx", 11, 1_000)


def test_invalid_gas_limit_above_maximum(driver):
    run_rejected(driver, send(alice, eve.address, 1, 0, fee=10**9, gas=PARAMS.max_gas_per_tx + 1), "tx", 12)


def test_invalid_memo_too_long(driver):
    run_rejected(driver, send(alice, eve.address, 1, 0, memo="m" * (PARAMS.max_memo_bytes + 1)), "tx", 13)


def test_invalid_message_signed_by_someone_else_keeps_fee(driver):
    body = MsgSend(KEYS["bob"].address, eve.address, 1).to_body()
    run_failed_message(driver, signed(alice, [(MsgSend.TYPE, body)], 0, fee=1_000), "tx", 14, 1_000)


def test_invalid_no_messages(driver):
    run_rejected(driver, signed(alice, [], 0), "tx", 15)


def test_invalid_fee_payer_cannot_pay(driver):
    # mallory has no funds at all
    result = run_rejected(driver, send(KEYS["mallory"], eve.address, 1, 0, fee=500), "tx", 16)
    assert "cannot pay fee" in result.log


def test_invalid_negative_amount_keeps_fee(driver):
    body = {"amount": -5, "from": alice.address, "to": eve.address}
    run_failed_message(driver, signed(alice, [(MsgSend.TYPE, body)], 0, fee=1_000), "bank", 3, 1_000)


def test_invalid_overflowing_amount_keeps_fee(driver):
    body = {"amount": 2**64 - 1, "from": alice.address, "to": eve.address}
    run_failed_message(driver, signed(alice, [(MsgSend.TYPE, body)], 0, fee=1_000), "bank", 3, 1_000)


def test_invalid_negative_integer_in_sign_doc(driver):
    body = MsgSend(alice.address, eve.address, 1).to_body()
    doc = encode({"chain_id": CHAIN_ID, "fee": -1, "gas_limit": 50_000, "memo": "", "msgs": [[MsgSend.TYPE, body]], "sequence": 0})
    tx = encode_tx(doc, alice.pubkey, alice.signing_key.sign(sign_bytes(doc)).signature)
    result = run_rejected(driver, tx, "tx", 2)
    assert "fee" in result.log


def test_invalid_largest_fee_cannot_be_paid(driver):
    # 2^64-1 is the largest integer msgpack can carry; it must fail cleanly, not overflow
    run_rejected(driver, send(alice, eve.address, 1, 0, fee=2**64 - 1), "tx", 16)


def test_invalid_float_in_message(driver):
    import msgpack

    doc = msgpack.packb({"chain_id": CHAIN_ID, "fee": 500, "gas_limit": 50_000, "memo": "",
                         "msgs": [[MsgSend.TYPE, {"amount": 1.5, "from": alice.address, "to": eve.address}]], "sequence": 0},
                        use_bin_type=True)
    tx = encode_tx(doc, alice.pubkey, alice.signing_key.sign(sign_bytes(doc)).signature)
    result = run_rejected(driver, tx, "tx", 2)
    assert "float" in result.log


def test_every_registered_error_has_a_distinct_code_and_description():
    seen = set()
    for error in registered_errors():
        assert error.code >= 2 and error.description
        assert (error.codespace, error.code) not in seen
        seen.add((error.codespace, error.code))
    assert {("tx", code) for code in range(2, 17)} <= seen


def test_rejected_check_tx_does_not_stay_in_the_verified_cache(driver):
    cached = len(driver.app.router.verified)
    for sequence in range(5, 25):  # valid signatures, wrong sequence: rejected
        assert driver.check(send(alice, eve.address, 1, sequence)).code == 7
    assert len(driver.app.router.verified) == cached
    assert driver.check(send(alice, eve.address, 1, 0)).code == 0
    assert len(driver.app.router.verified) == cached + 1


def test_an_environment_failure_in_a_block_halts_instead_of_becoming_a_result(driver, monkeypatch):
    def disk_full(state, ctx, msg):
        raise OSError("No space left on device")

    route = driver.app.router.routes["bank/send"]
    monkeypatch.setitem(driver.app.router.routes, "bank/send", type(route)(route.module, route.message, disk_full))
    with pytest.raises(OSError):
        driver.block([send(alice, eve.address, 5, 0)])

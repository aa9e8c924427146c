"""The /app/simulate query: a tx (its signature unchecked) run on a scratch overlay of committed state, answering
the gas it uses and what it would do; it never writes anything, to committed state or to the mempool's state."""

from abci_app.codec import SignDoc, encode_tx
from abci_app.proto import abci
from chain_modules.bank.types import MsgSend
from chain_modules.common.encoding import decode
from tests.support import CHAIN_ID, KEYS, send

alice, eve = KEYS["alice"], KEYS["eve"]


def simulate(driver, raw: bytes):
    return driver.app.query(abci.RequestQuery(path="/app/simulate", data=raw))


def unsigned_send(amount: int, sequence: int = 0, fee: int = 500, gas: int = 50_000) -> bytes:
    doc = SignDoc(CHAIN_ID, sequence, fee, gas, "", ((MsgSend.TYPE, MsgSend(alice.address, eve.address, amount).to_body()),))
    return encode_tx(doc.to_bytes(), alice.pubkey, b"\x00" * 64)


def test_simulate_answers_the_gas_the_signed_tx_then_uses_and_writes_nothing(driver):
    driver.block([])
    before, check_before = driver.snapshot(), dict(driver.app.check_state.writes)
    response = simulate(driver, unsigned_send(1_000))
    assert response.code == 0, response.log
    answer = decode(response.value)
    assert answer["code"] == 0 and answer["log"] == ""
    assert any(event_type == "transfer" for event_type, _attributes in answer["events"])
    assert driver.snapshot() == before and dict(driver.app.check_state.writes) == check_before
    assert driver.balance(eve.address) == 0 and driver.sequence(alice.address) == 0

    [result] = driver.block([send(alice, eve.address, 1_000, 0, fee=500, gas=50_000)])
    assert result.code == 0 and result.gas_used == answer["gas_used"]


def test_simulate_ignores_the_guessed_fee_gas_and_sequence(driver):
    driver.block([])
    guessed = decode(simulate(driver, unsigned_send(1_000, sequence=7, fee=0, gas=1)).value)
    exact = decode(simulate(driver, unsigned_send(1_000)).value)
    assert guessed["code"] == 0, guessed["log"]
    assert guessed["gas_used"] == exact["gas_used"] - 10 * (len(unsigned_send(1_000)) - len(unsigned_send(1_000, 7, 0, 1)))


def test_simulate_reports_why_a_tx_would_fail(driver):
    driver.block([])
    answer = decode(simulate(driver, unsigned_send(10**18)).value)
    assert answer["code"] != 0 and answer["codespace"] == "bank" and answer["log"]


def test_simulate_refuses_data_that_is_not_a_tx(driver):
    response = simulate(driver, b"not a tx")
    assert response.code == 3 and response.codespace == "query" and "not a tx" in response.log

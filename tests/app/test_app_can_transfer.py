"""Block-by-block behaviour of the app: transfers, fees, sequences, restart, CheckTx isolation."""

import pytest

from abci_app.merkle import verify_proof
from chain_modules.bank.keys import balance_key
from chain_modules.bank.types import FEE_COLLECTOR
from chain_modules.bank.invariants import check_supply
from chain_modules.common.amount import TOTAL_SUPPLY_UAMIO
from chain_modules.common.encoding import decode
from tests.support import KEYS, AppDriver, send

alice, bob, eve = KEYS["alice"], KEYS["bob"], KEYS["eve"]



def test_transfer_moves_amount_and_fee_and_increments_sequence(driver):
    alice_before = driver.balance(alice.address)
    results = driver.block([send(alice, eve.address, 1_000_000, 0, fee=700)])
    assert results[0].code == 0, results[0].log
    assert driver.balance(eve.address) == 1_000_000
    assert driver.balance(alice.address) == alice_before - 1_000_000 - 700
    assert driver.balance(FEE_COLLECTOR) == 700
    assert driver.sequence(alice.address) == 1
    check_supply(driver.app.store.committed)


def test_transfer_result_carries_gas_and_indexed_events(driver):
    result = driver.block([send(alice, eve.address, 5, 0)])[0]
    assert result.gas_wanted == 50_000
    assert 0 < result.gas_used <= result.gas_wanted
    types = [event.type for event in result.events]
    assert types.count("transfer") == 1 and "tx" in types and "message" in types
    transfer = next(e for e in result.events if e.type == "transfer")
    attributes = {a.key: a.value for a in transfer.attributes}
    assert attributes == {"sender": alice.bech32, "recipient": eve.bech32, "amount": "5uamio"}
    assert all(a.index for e in result.events for a in e.attributes)


def test_several_txs_of_one_account_in_one_block_apply_in_order(driver):
    txs = [send(alice, eve.address, 10, sequence) for sequence in range(5)]
    results = driver.block(txs)
    assert [r.code for r in results] == [0] * 5
    assert driver.balance(eve.address) == 50
    assert driver.sequence(alice.address) == 5


def test_supply_is_the_fixed_billion_amio_at_genesis(driver):
    assert decode(driver.query("/app/status").value)["height"] == 1
    assert int.from_bytes(driver.query("/bank/supply").value, "big") == TOTAL_SUPPLY_UAMIO
    check_supply(driver.app.store.committed)


def test_restart_reports_last_height_and_app_hash_and_keeps_state(tmp_path):
    driver = AppDriver(tmp_path / "db")
    driver.block([send(alice, eve.address, 42, 0)])
    driver.block([])
    height, app_hash = driver.app.store.last_height, driver.last_app_hash
    driver.close()

    reopened = AppDriver(tmp_path / "db")
    info = reopened.app.info(None)
    assert info.last_block_height == height == 2
    assert info.last_block_app_hash == app_hash
    assert reopened.balance(eve.address) == 42
    # the next block builds on the reopened state
    reopened.time = driver.time
    results = reopened.block([send(alice, eve.address, 8, 1)])
    assert results[0].code == 0
    assert reopened.balance(eve.address) == 50
    reopened.close()


def test_uncommitted_block_is_lost_on_crash_and_replayed_identically(tmp_path):
    first = AppDriver(tmp_path / "a")
    second = AppDriver(tmp_path / "b")
    tx = send(alice, eve.address, 3, 0)
    first.block([tx])
    second.block([tx])
    # FinalizeBlock of height 2 without Commit, then a "crash"
    from abci_app.proto import abci
    from tests.support import timestamp

    first.app.finalize_block(abci.RequestFinalizeBlock(txs=[send(alice, eve.address, 4, 1)], height=2, time=timestamp(first.time + 5)))
    first.close()
    replayed = AppDriver(tmp_path / "a")
    assert replayed.app.store.last_height == 1
    replayed.time = second.time
    replayed.block([send(alice, eve.address, 4, 1)])
    second.block([send(alice, eve.address, 4, 1)])
    assert replayed.last_app_hash == second.last_app_hash
    replayed.close()
    second.close()


def test_check_tx_never_changes_committed_state(driver):
    driver.block([])
    before = driver.snapshot()
    response = driver.check(send(alice, eve.address, 1_000, 0))
    assert response.code == 0
    assert driver.snapshot() == before


def test_check_tx_tracks_sequences_of_pending_txs_until_commit(driver):
    driver.block([])
    assert driver.check(send(alice, eve.address, 1, 0)).code == 0
    assert driver.check(send(alice, eve.address, 1, 1)).code == 0
    replay = driver.check(send(alice, eve.address, 1, 0))
    assert (replay.codespace, replay.code) == ("tx", 7)
    # after a commit that included nothing, the mempool state restarts from committed state
    driver.block([])
    assert driver.check(send(alice, eve.address, 1, 0)).code == 0


def test_query_proof_verifies_against_the_committed_app_hash(driver):
    driver.block([send(alice, eve.address, 77, 0)])
    response = driver.query(f"/bank/balance/{eve.bech32}", prove=True)
    assert response.code == 0 and response.height == 2
    proof = decode(response.proof_ops.ops[0].data)
    verify_proof(driver.last_app_hash, balance_key(eve.address), response.value, proof)
    absent = driver.query(f"/bank/balance/{KEYS['mallory'].bech32}", prove=True)
    assert absent.value == b""
    verify_proof(driver.last_app_hash, absent.key, None, decode(absent.proof_ops.ops[0].data))


def test_query_errors_have_codes(driver):
    driver.block([])
    assert driver.query("/nope").code == 2
    assert driver.query("/bank/balance/notanaddress").code == 3
    from abci_app.proto import abci

    old = driver.app.query(abci.RequestQuery(path="/bank/supply", height=99))
    assert old.code == 4 and "last committed height" in old.log


def test_a_bug_in_a_handler_becomes_code_1_and_keeps_fee_and_sequence(driver, monkeypatch):
    from chain_modules.bank import handlers

    def broken(state, ctx, msg):
        raise RuntimeError("secret internal detail")

    route = driver.app.router.routes["bank/send"]
    monkeypatch.setitem(driver.app.router.routes, "bank/send", type(route)(route.module, route.message, broken))
    before = driver.balance(alice.address)
    result = driver.block([send(alice, eve.address, 5, 0, fee=600)])[0]
    assert (result.code, result.codespace, result.log) == (1, "app", "internal error")
    assert "secret" not in result.log
    assert driver.balance(eve.address) == 0
    assert driver.balance(alice.address) == before - 600
    assert driver.sequence(alice.address) == 1
    assert handlers.handle_send is not broken


def test_malformed_query_arguments_get_an_error_code_not_an_exception(driver):
    for path in ("/slashing/signing_info/zz", "/slashing/signing_info/" + "00" * 19, "/staking/candidate/amio1xyz",
                 "/locks/list/notanaddress", "/distribution/rewards/", "/bank/balance/" + "x" * 500):
        response = driver.query(path)
        assert response.code in (2, 3), (path, response.code, response.log)
        assert response.log

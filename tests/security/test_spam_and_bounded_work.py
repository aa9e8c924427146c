"""Spam and queue flooding, and the work one block or one tx can cause."""

from __future__ import annotations

import hashlib

from abci_app.codec import decode_tx
from abci_app.proto import abci
from abci_app.router import Router, VerifiedTxCache
from chain_modules.apppool.types import MsgRegisterApp
from chain_modules.auth.errors import ErrGasLimitTooHigh, ErrInsufficientFeeFunds, ErrWrongSequence
from chain_modules.auth.types import TxParams
from chain_modules.bank.errors import ErrTooManyOutputs
from chain_modules.bank.types import MAX_MULTI_SEND_OUTPUTS, MsgMultiSend, Output
from chain_modules.common.encoding import decode
from chain_modules.compute.errors import ErrTooManyOpenTasks
from chain_modules.compute.types import MsgSubmitTask
from tests.app import golden_scenario as golden
from tests.reliability.workload import ALICE, BOB
from tests.security.support import Twin, code_of
from tests.support import KEYS, multi_send, send, signed

alice, eve, mallory = KEYS["alice"], KEYS["eve"], KEYS["mallory"]


def submit(customer, nonce: int, timeout: int = 600) -> MsgSubmitTask:
    return MsgSubmitTask(customer.address, golden.APP, hashlib.sha256(b"spam %d" % nonce).digest(), 100, "small", 1,
                         1_000_000, 10**9, timeout)


def test_a_tx_that_cannot_pay_its_fee_never_enters_the_mempool(driver):
    """Hole: free mempool spam. An account without funds is refused at CheckTx, so its txs are never gossiped."""
    assert driver.balance(mallory.address) == 0
    response = driver.check(send(mallory, eve.address, 1, 0))
    assert code_of(response) == (ErrInsufficientFeeFunds.codespace, ErrInsufficientFeeFunds.code)


def test_the_same_tx_enters_the_mempool_once(driver):
    """Hole: mempool flooding with copies. CheckTx runs on the mempool state, where the first copy took the sequence."""
    tx = send(alice, eve.address, 1, 0)
    assert driver.check(tx).code == 0
    assert code_of(driver.check(tx)) == (ErrWrongSequence.codespace, ErrWrongSequence.code)


def test_txs_rejected_by_checktx_do_not_fill_the_signature_cache(driver):
    """Hole: memory flooding. Validly signed txs with a wrong sequence pass the signature check but fail CheckTx;
    the verified-signature cache keeps only txs that fully passed."""
    cache = driver.app.router.verified
    before = len(cache)
    for sequence in range(5, 105):
        assert driver.check(send(alice, eve.address, 1, sequence)).code == ErrWrongSequence.code
    assert len(cache) == before


def test_the_signature_cache_is_bounded_by_entries_and_bytes():
    """Hole: unbounded memory. The cache evicts its oldest entries beyond its capacity and byte budget."""
    txs = [decode_tx(send(alice, eve.address, 1, sequence)) for sequence in range(20)]
    by_entries = VerifiedTxCache(capacity=5)
    by_bytes = VerifiedTxCache(capacity=1_000, max_bytes=3_000)
    for tx in txs:
        by_entries.add(tx)
        by_bytes.add(tx)
    assert len(by_entries) == 5 and by_entries.get(txs[0].raw) is None and by_entries.get(txs[-1].raw) is not None
    assert 0 < len(by_bytes) < 20


def test_a_customer_cannot_open_more_tasks_than_the_open_task_limit(tmp_path):
    """Hole: queue flooding. Each customer has at most max_open_tasks_per_customer open tasks."""
    state = golden.app_state()
    state["compute"]["params"]["max_open_tasks_per_customer"] = 3
    twin = Twin(tmp_path, state)
    try:
        for nonce in range(3):
            assert twin.run(ALICE, submit(ALICE, nonce)).code == 0
        twin.fails_cleanly(ALICE, submit(ALICE, 99), ErrTooManyOpenTasks)
        assert twin.run(BOB, submit(BOB, 100)).code == 0  # the limit is per customer
    finally:
        twin.close()


def test_one_block_allocates_at_most_max_allocations_per_block(tmp_path):
    """Hole: unbounded end-block work. However many tasks wait, one block allocates at most the cap."""
    state = golden.app_state()
    state["compute"]["params"]["max_allocations_per_block"] = 2
    twin = Twin(tmp_path, state)
    try:
        twin.blocks(8)  # to the first epoch: the master nodes are elected
        twin.heartbeat()
        for node in (twin.a, twin.b):
            for nonce in range(6):
                node.tx(ALICE if nonce % 2 else BOB, submit(ALICE if nonce % 2 else BOB, nonce))
        twin.blocks()
        allocated = []
        for _ in range(4):
            twin.blocks()
            allocated.append(sum(1 for event in twin.a.driver.last_response.events if event.type == "task_allocated"))
        assert max(allocated) <= 2 and sum(allocated) > 2, allocated
    finally:
        twin.close()


def test_a_tx_cannot_ask_for_more_gas_than_the_per_tx_maximum(driver):
    """Hole: unbounded work per tx. The gas limit is capped whatever fee is offered."""
    params = TxParams()
    tx = send(alice, eve.address, 1, 0, gas=params.max_gas_per_tx + 1, fee=params.max_gas_per_tx)
    assert code_of(driver.check(tx)) == (ErrGasLimitTooHigh.codespace, ErrGasLimitTooHigh.code)
    assert code_of(driver.block([tx])[0]) == (ErrGasLimitTooHigh.codespace, ErrGasLimitTooHigh.code)


def test_a_multi_send_pays_gas_per_output_and_has_a_maximum_of_outputs(driver):
    """Hole: unbounded work per message. Each output costs gas, and a multi-send has at most
    MAX_MULTI_SEND_OUTPUTS outputs."""
    small = MsgMultiSend(alice.address, tuple(Output(eve.address, 1) for _ in range(2)))
    large = MsgMultiSend(alice.address, tuple(Output(eve.address, 1) for _ in range(50)))
    assert large.gas() > small.gas()
    too_many = [(eve.address, 1)] * (MAX_MULTI_SEND_OUTPUTS + 1)
    result = driver.block([multi_send(alice, too_many, 0, fee=10**5, gas=10**7)])[0]
    assert code_of(result) == (ErrTooManyOutputs.codespace, ErrTooManyOutputs.code), result.log
    assert driver.balance(eve.address) == 0


def test_list_queries_answer_at_most_200_entries(driver):
    """Hole: query amplification. A list view stops after 200 entries however many exist."""
    txs = [signed(alice, [(MsgRegisterApp.TYPE, MsgRegisterApp(alice.address, hashlib.sha256(b"app %d" % i).digest(),
                                                                100, f"app{i}", "", ()).to_body())], i)
           for i in range(205)]
    results = driver.block(txs)
    assert sum(1 for r in results if r.code == 0) == 205
    assert len(decode(driver.query("/apppool/apps").value)) == 200


def test_checking_a_flood_of_proposals_changes_no_state_and_never_raises(driver):
    """Hole: a byzantine proposer flooding ProcessProposal. Judging proposals writes nothing."""
    before = driver.snapshot()
    for count in range(1, 60):
        txs = [send(alice, eve.address, 1, sequence) for sequence in range(count)] + [b"\x00" * count]
        request = abci.RequestProcessProposal(txs=txs, height=driver.height + 1)
        assert driver.app.process_proposal(request).status == abci.ResponseProcessProposal.REJECT
    assert driver.snapshot() == before
    assert isinstance(Router([]).verified, VerifiedTxCache)

"""Integer overflow at every amount field: 2^64 - 1 (the largest integer a tx can carry) in each amount, fee,
duration and counter fails with a registered code and changes nothing beyond the fee and sequence (Twin)."""

from __future__ import annotations

import hashlib

from chain_modules.auth.errors import ErrGasLimitTooHigh, ErrInsufficientFeeFunds, ErrWrongSequence
from chain_modules.bank.errors import ErrInsufficientFunds
from chain_modules.common.messages import ErrInvalidAmount
from chain_modules.bank.types import MsgMultiSend, MsgSend, Output
from chain_modules.compute.types import MsgConfirmTask, MsgRegisterWorker, MsgSubmitTask, MsgTopUpDeposit
from chain_modules.fog.types import MsgRedeem
from chain_modules.locks.types import MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from chain_modules.staking.types import MsgCreateMasterNode, MsgDelegate, MsgRedelegate, MsgUndelegate
from tests.app import golden_scenario as golden
from tests.reliability.workload import ALICE, BOB, MASTERS, OPERATORS, WORKERS
from tests.security.support import U64_MAX, code_of
from tests.support import KEYS, admission, create_super_node_msg, make_key, send

HALF = 2**63


def test_a_send_of_the_largest_amount_fails_cleanly(twin):
    """Hole: overflow in bank/send's amount."""
    twin.fails_cleanly(ALICE, MsgSend(ALICE.address, BOB.address, U64_MAX), ErrInvalidAmount)
    twin.fails_cleanly(ALICE, MsgSend(ALICE.address, BOB.address, HALF - 1), ErrInsufficientFunds)


def test_a_multi_send_whose_outputs_sum_past_2_to_the_64_fails_cleanly(twin):
    """Hole: a total that wraps. Two outputs of 2^63 - 1 sum past the signed 64-bit range, and three past 2^64."""
    outputs = (Output(BOB.address, HALF - 1), Output(KEYS["dave"].address, HALF - 1), Output(BOB.address, HALF - 1))
    twin.fails_cleanly(ALICE, MsgMultiSend(ALICE.address, outputs), ErrInsufficientFunds)


def test_staking_amounts_of_the_largest_value_fail_cleanly(twin):
    """Hole: overflow in staking/delegate, undelegate and redelegate amounts (shares computed from tokens)."""
    twin.fails_cleanly(ALICE, MsgDelegate(ALICE.address, OPERATORS[0].address, U64_MAX))
    twin.fails_cleanly(ALICE, MsgUndelegate(ALICE.address, OPERATORS[0].address, U64_MAX))
    twin.fails_cleanly(ALICE, MsgRedelegate(ALICE.address, OPERATORS[0].address, OPERATORS[1].address, U64_MAX))


def test_bonds_of_the_largest_value_fail_cleanly(twin):
    """Hole: overflow in a super node's self bond and a master node's bond."""
    operator = KEYS["dave"]
    twin.fails_cleanly(operator, create_super_node_msg(operator.address, make_key("security/big"), "big", 500, 100,
                                                       U64_MAX))
    twin.fails_cleanly(operator, MsgCreateMasterNode(operator.address, "big", "http://127.0.0.1:9999", "x",
                                                     OPERATORS[0].address, U64_MAX))


def test_lock_amounts_and_durations_of_the_largest_value_fail_cleanly(twin):
    """Hole: overflow in locks: an amount past the balance, and an end time (now + duration) past 2^64."""
    twin.fails_cleanly(ALICE, MsgCreateLock(ALICE.address, U64_MAX, 600))
    twin.fails_cleanly(ALICE, MsgCreateLock(ALICE.address, 1_000, U64_MAX))
    twin.fails_cleanly(ALICE, MsgBuyApiAccess(ALICE.address, U64_MAX, 600))
    twin.fails_cleanly(ALICE, MsgBuyApiAccess(ALICE.address, 1_000, U64_MAX))
    twin.fails_cleanly(ALICE, MsgWithdrawLock(ALICE.address, U64_MAX))


def test_task_fields_of_the_largest_value_fail_cleanly(twin):
    """Hole: overflow in compute/submit_task: escrow = price x max_fuel x replicas, deadline = now + timeout."""
    def task(**changes) -> MsgSubmitTask:
        fields = dict(customer=ALICE.address, app_hash=golden.APP, input_hash=hashlib.sha256(b"x").digest(),
                      input_size=100, class_name="small", replicas=1, max_fuel=1_000_000, max_price=10**9, timeout=600)
        fields.update(changes)
        return MsgSubmitTask(**fields)

    for changes in ({"max_fuel": U64_MAX}, {"replicas": U64_MAX}, {"input_size": U64_MAX}, {"timeout": U64_MAX}):
        twin.fails_cleanly(ALICE, task(**changes))
    # max_price is only a ceiling: the largest one is accepted and the escrow follows the class price
    assert twin.run(ALICE, task(max_price=U64_MAX)).code == 0
    escrow = twin.query(f"/compute/tasks/customer/{ALICE.bech32}")[0]["escrow"]
    assert 0 < escrow < 10**15
    twin.fails_cleanly(ALICE, MsgConfirmTask(ALICE.address, U64_MAX))


def test_worker_deposits_of_the_largest_value_fail_cleanly(twin):
    """Hole: overflow in a worker's deposit at registration and top-up (deposit + amount past 2^64)."""
    worker = KEYS["dave"]
    twin.fails_cleanly(worker, MsgRegisterWorker(worker.address, MASTERS[0].address, 2, 0, 2_048, 2_048, 1, False,
                                                 U64_MAX, *admission(MASTERS[0], worker.address)))
    twin.fails_cleanly(WORKERS[0], MsgTopUpDeposit(WORKERS[0].address, U64_MAX))


def test_a_redemption_of_the_largest_fog_amount_fails_cleanly(twin):
    """Hole: overflow in fog/redeem (the payout is amount x pool / supply)."""
    twin.fails_cleanly(WORKERS[0], MsgRedeem(WORKERS[0].address, U64_MAX))


def test_the_largest_fee_gas_limit_and_sequence_fail_the_ante_checks_and_change_nothing(driver):
    """Hole: overflow in the envelope: fee, gas limit and sequence of 2^64 - 1."""
    alice, eve = KEYS["alice"], KEYS["eve"]
    before = driver.snapshot()
    cases = [
        (send(alice, eve.address, 1, 0, fee=U64_MAX, gas=50_000), ErrInsufficientFeeFunds),
        (send(alice, eve.address, 1, 0, fee=10**6, gas=U64_MAX), ErrGasLimitTooHigh),
        (send(alice, eve.address, 1, U64_MAX), ErrWrongSequence),
    ]
    for raw, error in cases:
        assert code_of(driver.block([raw])[0]) == (error.codespace, error.code)
    assert driver.snapshot() == before

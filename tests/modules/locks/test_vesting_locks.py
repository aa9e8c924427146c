"""Vesting tokens can be locked (like delegations) and come back still locked."""

import pytest

from chain_modules.bank import api as bank_api
from chain_modules.bank.errors import ErrInsufficientFunds, ErrLockedByVesting
from chain_modules.bank.handlers import handle_send
from chain_modules.bank.state import get_delegated_vesting
from chain_modules.bank.types import MsgSend, VestingSchedule
from chain_modules.locks.epoch import end_block
from chain_modules.locks.handlers import handle_buy_api_access, handle_create_lock, handle_withdraw_lock
from chain_modules.locks.invariants import check_all
from chain_modules.locks.types import DAY, YEAR, MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from tests.modules.locks.helpers import ALICE, BOB, MONTH, NOW, balances, context, pool, pre_state

LOCKED_FOR_YEARS = VestingSchedule("linear", 1_000_000, NOW, NOW + 10 * YEAR)  # almost all locked for years


def test_fully_vesting_tokens_can_be_locked():
    state = pre_state({ALICE.address: 1_000_000}, {ALICE.address: LOCKED_FOR_YEARS})
    assert bank_api.spendable(state, ALICE.address, NOW) == 0
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 600_000, 90 * DAY))
    assert balances(state, ALICE.address) == [400_000]
    assert pool(state) == 600_000
    assert get_delegated_vesting(state, ALICE.address) == (600_000, 0)
    check_all(state, NOW)


def test_vesting_tokens_come_back_locked_after_the_lock_ends():
    state = pre_state({ALICE.address: 1_000_000}, {ALICE.address: LOCKED_FOR_YEARS})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 600_000, MONTH))
    end = NOW + MONTH
    end_block(state, context(end))
    handle_withdraw_lock(state, context(end), MsgWithdrawLock(ALICE.address, 1))
    assert balances(state, ALICE.address) == [1_000_000]
    assert get_delegated_vesting(state, ALICE.address) == (0, 0)
    still_locked = LOCKED_FOR_YEARS.locked(end)
    assert bank_api.locked_amount(state, ALICE.address, end) == still_locked
    with pytest.raises(ErrLockedByVesting):
        handle_send(state, context(end), MsgSend(ALICE.address, BOB.address, 1_000_000 - still_locked + 1))


def test_a_lock_uses_vesting_tokens_first_and_returns_free_tokens_first():
    half = VestingSchedule("linear", 1_000, NOW - 5 * MONTH, NOW + 5 * MONTH)  # 500 locked at NOW
    state = pre_state({ALICE.address: 1_000}, {ALICE.address: half})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 800, MONTH))
    assert get_delegated_vesting(state, ALICE.address) == (500, 300)
    assert bank_api.spendable(state, ALICE.address, NOW) == 200  # the unlocked half, less the 300 free tokens locked
    end_block(state, context(NOW + MONTH))
    handle_withdraw_lock(state, context(NOW + MONTH), MsgWithdrawLock(ALICE.address, 1))
    assert get_delegated_vesting(state, ALICE.address) == (0, 0)
    assert bank_api.spendable(state, ALICE.address, NOW + MONTH) == 1_000 - half.locked(NOW + MONTH)


def test_vesting_tokens_can_buy_api_access():
    state = pre_state({ALICE.address: 1_000_000}, {ALICE.address: LOCKED_FOR_YEARS})
    handle_buy_api_access(state, context(), MsgBuyApiAccess(ALICE.address, DAY * 10, DAY))
    assert get_delegated_vesting(state, ALICE.address) == (DAY * 10, 0)


def test_vesting_account_cannot_lock_more_than_its_balance():
    state = pre_state({ALICE.address: 1_000_000}, {ALICE.address: LOCKED_FOR_YEARS})
    with pytest.raises(ErrInsufficientFunds):
        handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1_000_001, MONTH))

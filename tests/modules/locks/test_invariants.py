"""The locks invariants hold on honest state and catch each kind of corruption."""

import pytest

from chain_modules.bank.state import set_balance
from chain_modules.locks import keys
from chain_modules.locks.api import LOCKS_POOL
from chain_modules.locks.epoch import end_block
from chain_modules.locks.handlers import handle_buy_api_access, handle_create_lock
from chain_modules.locks.invariants import check_all, check_pool, check_records, check_sums
from chain_modules.locks.types import DAY, MsgBuyApiAccess, MsgCreateLock
from chain_modules.common.errors import registered_errors
from tests.modules.locks.helpers import ALICE, BOB, MONTH, NOW, context, pre_state


def honest():
    state = pre_state({ALICE.address: 10**9, BOB.address: 10**9})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 100, MONTH))
    handle_create_lock(state, context(), MsgCreateLock(BOB.address, 200, 2 * MONTH))
    handle_buy_api_access(state, context(), MsgBuyApiAccess(ALICE.address, DAY * 10, DAY))
    return state


def test_invariants_hold_on_honest_state_before_and_after_end_block():
    state = honest()
    check_all(state, NOW)
    end_block(state, context(NOW + MONTH))
    check_all(state, NOW + MONTH)


def test_pool_invariant_catches_a_pool_that_does_not_match_the_locks():
    state = honest()
    set_balance(state, LOCKS_POOL, 1)
    with pytest.raises(AssertionError, match="locks pool"):
        check_pool(state)


def test_sums_invariant_catches_wrong_totals():
    state = honest()
    state.set(keys.TOTAL_KEY, (1).to_bytes(16, "big") + (1).to_bytes(16, "big"))
    with pytest.raises(AssertionError, match="total lock sums"):
        check_sums(state)


def test_sums_invariant_catches_an_ended_lock_left_in_the_queue():
    state = honest()
    with pytest.raises(AssertionError, match="queued wrongly"):
        check_sums(state, NOW + MONTH)


def test_records_invariant_catches_a_broken_owner_index():
    state = honest()
    state.delete(keys.by_owner_key(ALICE.address, 1))
    with pytest.raises(AssertionError, match="owner index"):
        check_records(state)


def test_error_codes_are_registered_in_the_locks_codespace():
    codes = {(e.codespace, e.code): e.__name__ for e in registered_errors() if e.codespace == "locks"}
    assert codes == {
        ("locks", 2): "ErrInvalidDuration",
        ("locks", 3): "ErrTooManyLocks",
        ("locks", 4): "ErrUnknownLock",
        ("locks", 5): "ErrNotLockOwner",
        ("locks", 6): "ErrLockNotExpired",
        ("locks", 7): "ErrInsufficientAccessAmount",
    }

"""locks/withdraw_lock: pre state, message, post state; one test_invalid_<reason> per error code."""

import pytest

from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.bank.errors import ErrInvalidAddress
from chain_modules.locks.api import lock_weight, total_lock_weight
from chain_modules.locks.epoch import end_block
from chain_modules.locks.errors import ErrLockNotExpired, ErrNotLockOwner, ErrUnknownLock
from chain_modules.locks.handlers import handle_buy_api_access, handle_create_lock, handle_withdraw_lock
from chain_modules.locks.invariants import check_all
from chain_modules.locks.state import get_account, get_lock
from chain_modules.locks.types import DAY, MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from tests.modules.locks.helpers import ALICE, BOB, MONTH, NOW, balances, context, events_of, pool, pre_state, settle, snapshot

END = NOW + MONTH


def with_lock(amount: int = 400, expire: bool = True):
    """Alice holds lock 1 of ``amount`` ending at END; with ``expire``, end_block at END has run."""
    state = pre_state({ALICE.address: 1_000, BOB.address: 1_000})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, amount, MONTH))
    if expire:
        end_block(state, context(END))
    return settle(state)


# -- handle_withdraw_lock: success -------------------------------------------------------------


def test_withdraw_returns_the_tokens_and_deletes_the_lock():
    state = with_lock()
    handle_withdraw_lock(state, context(END + 10), MsgWithdrawLock(ALICE.address, 1))
    assert balances(state, ALICE.address) == [1_000]
    assert pool(state) == 0
    assert get_lock(state, 1) is None
    assert get_account(state, ALICE.address) == (0, 0, 0)
    check_all(state, END + 10)


def test_withdraw_is_allowed_exactly_at_the_end():
    state = with_lock()
    handle_withdraw_lock(state, context(END), MsgWithdrawLock(ALICE.address, 1))
    assert balances(state, ALICE.address) == [1_000]


def test_withdraw_emits_bank_events_then_lock_withdrawn():
    state = with_lock()
    handle_withdraw_lock(state, context(END), MsgWithdrawLock(ALICE.address, 1))
    assert [event.type for event in state.events] == ["coin_spent", "coin_received", "lock_withdrawn"]
    assert events_of(state, "lock_withdrawn") == [{"lock_id": "1", "owner": ALICE.bech32, "kind": "investor", "amount": "400uamio"}]


def test_withdraw_before_end_block_expires_the_lock_first():
    # the lock ended between the last block and this one: end_block has not taken it out of the sums yet
    state = with_lock(expire=False)
    assert total_lock_weight(state, END) == 0
    handle_withdraw_lock(state, context(END + 3), MsgWithdrawLock(ALICE.address, 1))
    assert [event.type for event in state.events] == ["lock_expired", "coin_spent", "coin_received", "lock_withdrawn"]
    assert get_account(state, ALICE.address) == (0, 0, 0)
    assert total_lock_weight(state, END + 3) == 0
    check_all(state, END + 3)
    end_block(state, context(END + 3))  # nothing left for end_block: no second lock_expired
    assert [event.type for event in state.events].count("lock_expired") == 1


def test_withdraw_keeps_the_other_locks_and_their_weight():
    state = pre_state({ALICE.address: 1_000})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 100, MONTH))
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 200, 3 * MONTH))
    end_block(state, context(END))
    handle_withdraw_lock(state, context(END), MsgWithdrawLock(ALICE.address, 1))
    assert get_lock(state, 2) is not None
    assert lock_weight(state, ALICE.address, END) == 200 * 2 * MONTH
    assert balances(state, ALICE.address) == [800]
    check_all(state, END)


def test_withdraw_of_an_ended_api_lock_keeps_the_recorded_access_end():
    state = pre_state({ALICE.address: 10**9})
    handle_buy_api_access(state, context(), MsgBuyApiAccess(ALICE.address, 10 * DAY * 10, 10 * DAY))
    handle_withdraw_lock(state, context(NOW + 10 * DAY), MsgWithdrawLock(ALICE.address, 1))
    assert balances(state, ALICE.address) == [10**9]
    check_all(state, NOW + 10 * DAY)


# -- handle_withdraw_lock: one test per error code ------------------------------------------------


def test_invalid_unknown_lock_changes_nothing():
    state = with_lock()
    before = snapshot(state)
    with pytest.raises(ErrUnknownLock, match="no lock with id 2") as raised:
        handle_withdraw_lock(state, context(END), MsgWithdrawLock(ALICE.address, 2))
    assert (raised.value.codespace, raised.value.code) == ("locks", 4)
    assert snapshot(state) == before


def test_invalid_unknown_lock_when_already_withdrawn():
    state = with_lock()
    handle_withdraw_lock(state, context(END), MsgWithdrawLock(ALICE.address, 1))
    state = settle(state)
    before = snapshot(state)
    with pytest.raises(ErrUnknownLock):
        handle_withdraw_lock(state, context(END), MsgWithdrawLock(ALICE.address, 1))
    assert snapshot(state) == before


def test_invalid_not_the_owner_changes_nothing():
    state = with_lock()
    before = snapshot(state)
    with pytest.raises(ErrNotLockOwner) as raised:
        handle_withdraw_lock(state, context(END), MsgWithdrawLock(BOB.address, 1))
    assert (raised.value.codespace, raised.value.code) == ("locks", 5)
    assert snapshot(state) == before


def test_invalid_not_expired_yet_changes_nothing():
    state = with_lock(expire=False)
    before = snapshot(state)
    with pytest.raises(ErrLockNotExpired, match="1s left") as raised:
        handle_withdraw_lock(state, context(END - 1), MsgWithdrawLock(ALICE.address, 1))
    assert (raised.value.codespace, raised.value.code) == ("locks", 6)
    assert snapshot(state) == before


# -- MsgWithdrawLock.from_body ----------------------------------------------------------------------


def test_from_body_inverts_to_body():
    msg = MsgWithdrawLock(ALICE.address, 2**64 - 1)
    assert MsgWithdrawLock.from_body(msg.to_body()) == msg
    assert msg.signer == ALICE.address and msg.gas() == 8_000


@pytest.mark.parametrize("lock_id", [-1, 2**64, "1", True, None, 1.0])
def test_from_body_rejects_a_lock_id_that_is_not_a_u64(lock_id):
    with pytest.raises(ErrInvalidMessage):
        MsgWithdrawLock.from_body({"owner": ALICE.address, "lock_id": lock_id})


def test_from_body_rejects_extra_fields_and_bad_owners():
    with pytest.raises(ErrInvalidMessage):
        MsgWithdrawLock.from_body({"owner": ALICE.address, "lock_id": 1, "amount": 5})
    with pytest.raises(ErrInvalidAddress):
        MsgWithdrawLock.from_body({"owner": "amio1...", "lock_id": 1})

"""locks/create_lock: pre state, message, post state; one test_invalid_<reason> per error code."""

import pytest

from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.bank.errors import ErrInsufficientFunds, ErrInvalidAddress, ErrInvalidAmount
from chain_modules.locks.api import lock_weight, total_lock_weight
from chain_modules.locks.errors import ErrInvalidDuration, ErrTooManyLocks
from chain_modules.locks.handlers import handle_create_lock
from chain_modules.locks.invariants import check_all
from chain_modules.locks.state import get_lock
from chain_modules.locks.types import DAY, YEAR, KIND_INVESTOR, Lock, LockParams, MsgCreateLock
from tests.modules.locks.helpers import ALICE, BOB, MONTH, NOW, balances, context, events_of, pool, pre_state, settle, snapshot

# -- handle_create_lock: success ------------------------------------------------------------


def test_create_lock_moves_the_amount_into_the_pool_and_records_the_lock():
    state = pre_state({ALICE.address: 1_000})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 400, 90 * DAY))
    assert balances(state, ALICE.address) == [600]
    assert pool(state) == 400
    assert get_lock(state, 1) == Lock(1, ALICE.address, KIND_INVESTOR, 400, NOW, NOW + 90 * DAY)
    check_all(state, NOW)


def test_create_lock_gives_chain_wide_sequential_ids():
    state = pre_state({ALICE.address: 1_000, BOB.address: 1_000})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1, MONTH))
    handle_create_lock(state, context(), MsgCreateLock(BOB.address, 2, MONTH))
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 3, MONTH))
    assert [(get_lock(state, i).owner, get_lock(state, i).amount) for i in (1, 2, 3)] == [
        (ALICE.address, 1), (BOB.address, 2), (ALICE.address, 3),
    ]


def test_create_lock_adds_amount_times_duration_to_the_weight():
    state = pre_state({ALICE.address: 1_000, BOB.address: 1_000})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 400, 90 * DAY))
    handle_create_lock(state, context(), MsgCreateLock(BOB.address, 100, 30 * DAY))
    assert lock_weight(state, ALICE.address, NOW) == 400 * 90 * DAY
    assert lock_weight(state, ALICE.address, NOW + DAY) == 400 * 89 * DAY
    assert total_lock_weight(state, NOW + DAY) == 400 * 89 * DAY + 100 * 29 * DAY


def test_create_lock_accepts_the_minimum_and_maximum_durations():
    state = pre_state({ALICE.address: 1_000})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1, 30 * DAY))
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1, 4 * YEAR))
    assert get_lock(state, 2).end == NOW + 4 * YEAR


def test_create_lock_of_the_whole_balance_succeeds():
    state = pre_state({ALICE.address: 1_000})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1_000, MONTH))
    assert balances(state, ALICE.address) == [0]
    assert pool(state) == 1_000


def test_create_lock_emits_bank_events_then_lock_created():
    state = pre_state({ALICE.address: 1_000})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 400, MONTH))
    assert [event.type for event in state.events] == ["coin_spent", "coin_received", "lock_created"]
    assert events_of(state, "lock_created") == [{
        "lock_id": "1", "owner": ALICE.bech32, "kind": "investor", "amount": "400uamio",
        "start": str(NOW), "end": str(NOW + MONTH),
    }]


def test_create_lock_follows_duration_params_from_state():
    params = LockParams(min_lock_seconds=60, max_lock_seconds=120)
    state = pre_state({ALICE.address: 1_000}, params=params)
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 5, 60))
    with pytest.raises(ErrInvalidDuration):
        handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 5, 121))


# -- handle_create_lock: one test per error code ---------------------------------------------


@pytest.mark.parametrize("duration", [30 * DAY - 1, 4 * YEAR + 1])
def test_invalid_duration_outside_the_params_changes_nothing(duration):
    state = pre_state({ALICE.address: 1_000})
    before = snapshot(state)
    with pytest.raises(ErrInvalidDuration, match=r"\[2592000s, 126144000s\]") as raised:
        handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 400, duration))
    assert (raised.value.codespace, raised.value.code) == ("locks", 2)
    assert snapshot(state) == before


def test_invalid_too_many_locks_changes_nothing():
    state = pre_state({ALICE.address: 1_000}, params=LockParams(max_locks_per_account=3))
    for _ in range(3):
        handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1, MONTH))
    state = settle(state)
    before = snapshot(state)
    with pytest.raises(ErrTooManyLocks, match="3 locks, the maximum is 3") as raised:
        handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1, MONTH))
    assert (raised.value.codespace, raised.value.code) == ("locks", 3)
    assert snapshot(state) == before


def test_too_many_locks_is_per_account():
    state = pre_state({ALICE.address: 1_000, BOB.address: 1_000}, params=LockParams(max_locks_per_account=1))
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1, MONTH))
    handle_create_lock(state, context(), MsgCreateLock(BOB.address, 1, MONTH))
    assert pool(state) == 2


def test_invalid_insufficient_funds_changes_nothing():
    state = pre_state({ALICE.address: 1_000})
    before = snapshot(state)
    with pytest.raises(ErrInsufficientFunds) as raised:
        handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1_001, MONTH))
    assert (raised.value.codespace, raised.value.code) == ("bank", 2)
    assert snapshot(state) == before


# -- MsgCreateLock.from_body -------------------------------------------------------------------


def body(**overrides) -> dict:
    fields = {"owner": ALICE.address, "amount": 5, "duration": MONTH}
    fields.update(overrides)
    return fields


def test_from_body_inverts_to_body():
    msg = MsgCreateLock(ALICE.address, 123, 45 * DAY)
    assert MsgCreateLock.from_body(msg.to_body()) == msg
    assert msg.signer == ALICE.address and msg.gas() == 10_000


def test_from_body_rejects_an_extra_or_missing_field():
    with pytest.raises(ErrInvalidMessage):
        MsgCreateLock.from_body(body(memo=""))
    fields = body()
    del fields["duration"]
    with pytest.raises(ErrInvalidMessage):
        MsgCreateLock.from_body(fields)


@pytest.mark.parametrize("duration", ["30d", 1.0, None, True])
def test_from_body_rejects_a_duration_that_is_not_an_integer(duration):
    with pytest.raises(ErrInvalidMessage):
        MsgCreateLock.from_body(body(duration=duration))


@pytest.mark.parametrize("duration", [0, -1, 2**40 + 1])
def test_from_body_rejects_a_duration_out_of_range(duration):
    with pytest.raises(ErrInvalidDuration):
        MsgCreateLock.from_body(body(duration=duration))


@pytest.mark.parametrize("amount", [0, -5, True, "5"])
def test_from_body_rejects_an_amount_that_is_not_a_positive_integer(amount):
    with pytest.raises(ErrInvalidAmount):
        MsgCreateLock.from_body(body(amount=amount))


def test_from_body_rejects_an_owner_of_the_wrong_length():
    with pytest.raises(ErrInvalidAddress):
        MsgCreateLock.from_body(body(owner=b"\x01" * 19))

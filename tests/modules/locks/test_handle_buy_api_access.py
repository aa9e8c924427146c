"""locks/buy_api_access: pre state, message, post state; one test_invalid_<reason> per error code."""

import pytest

from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.bank.errors import ErrInsufficientFunds
from chain_modules.locks.api import api_access_until, has_api_access, lock_weight, total_lock_weight
from chain_modules.locks.epoch import end_block
from chain_modules.locks.errors import ErrInsufficientAccessAmount, ErrInvalidDuration, ErrTooManyLocks
from chain_modules.locks.handlers import handle_buy_api_access, handle_create_lock
from chain_modules.locks.invariants import check_all
from chain_modules.locks.state import get_lock
from chain_modules.locks.types import DAY, YEAR, KIND_API, Lock, LockParams, MsgBuyApiAccess, MsgCreateLock
from tests.modules.locks.helpers import ALICE, BOB, MONTH, NOW, balances, context, events_of, pool, pre_state, settle, snapshot

RATE = 10  # the default uamio per second
RICH = 10**12


def buy(state, duration: int, amount: int | None = None, now: int = NOW, owner=ALICE):
    handle_buy_api_access(state, context(now), MsgBuyApiAccess(owner.address, amount or duration * RATE, duration))


# -- handle_buy_api_access: success ---------------------------------------------------------------


def test_buy_api_access_locks_the_price_and_grants_access_for_the_duration():
    state = pre_state({ALICE.address: RICH})
    buy(state, MONTH)
    assert get_lock(state, 1) == Lock(1, ALICE.address, KIND_API, MONTH * RATE, NOW, NOW + MONTH)
    assert balances(state, ALICE.address) == [RICH - MONTH * RATE]
    assert pool(state) == MONTH * RATE
    assert api_access_until(state, ALICE.address) == NOW + MONTH
    assert has_api_access(state, ALICE.address, NOW)
    assert has_api_access(state, ALICE.address, NOW + MONTH - 1)
    assert not has_api_access(state, ALICE.address, NOW + MONTH)
    check_all(state, NOW)


def test_no_api_access_without_an_api_lock():
    state = pre_state({ALICE.address: RICH})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 10**9, YEAR))  # investor locks give no access
    assert api_access_until(state, ALICE.address) == 0
    assert not has_api_access(state, ALICE.address, NOW)


def test_buy_api_access_accepts_more_than_the_price_and_locks_all_of_it():
    state = pre_state({ALICE.address: RICH})
    buy(state, DAY, amount=DAY * RATE + 7)
    assert pool(state) == DAY * RATE + 7
    assert api_access_until(state, ALICE.address) == NOW + DAY  # the surplus buys no extra time


def test_buying_again_while_access_is_active_extends_it():
    state = pre_state({ALICE.address: RICH})
    buy(state, MONTH)
    buy(state, MONTH, now=NOW + DAY)
    assert api_access_until(state, ALICE.address) == NOW + 2 * MONTH
    assert get_lock(state, 2).start == NOW + DAY and get_lock(state, 2).end == NOW + 2 * MONTH
    check_all(state, NOW + DAY)


def test_buying_after_access_ended_starts_from_now():
    state = pre_state({ALICE.address: RICH})
    buy(state, DAY)
    end_block(state, context(NOW + 5 * DAY))
    buy(state, DAY, now=NOW + 5 * DAY)
    assert api_access_until(state, ALICE.address) == NOW + 6 * DAY


def test_api_locks_have_no_lock_weight():
    state = pre_state({ALICE.address: RICH})
    buy(state, YEAR)
    assert lock_weight(state, ALICE.address, NOW) == 0
    assert total_lock_weight(state, NOW) == 0


def test_buy_api_access_of_the_maximum_duration_succeeds():
    state = pre_state({ALICE.address: RICH})
    buy(state, YEAR)
    assert api_access_until(state, ALICE.address) == NOW + YEAR


def test_buy_api_access_emits_lock_created_and_api_access_bought():
    state = pre_state({ALICE.address: RICH})
    buy(state, DAY)
    assert [event.type for event in state.events] == ["coin_spent", "coin_received", "lock_created", "api_access_bought"]
    assert events_of(state, "lock_created")[0]["kind"] == "api"
    assert events_of(state, "api_access_bought") == [{
        "lock_id": "1", "owner": ALICE.bech32, "amount": f"{DAY * RATE}uamio", "duration": str(DAY),
        "access_until": str(NOW + DAY),
    }]


def test_price_follows_the_rate_param():
    state = pre_state({ALICE.address: RICH}, params=LockParams(api_access_rate=3))
    handle_buy_api_access(state, context(), MsgBuyApiAccess(ALICE.address, 3 * 100, 100))
    with pytest.raises(ErrInsufficientAccessAmount, match="required 300uamio"):
        handle_buy_api_access(state, context(), MsgBuyApiAccess(ALICE.address, 299, 100))


# -- handle_buy_api_access: one test per error code -------------------------------------------------


def test_invalid_duration_above_the_maximum_changes_nothing():
    state = pre_state({ALICE.address: RICH})
    before = snapshot(state)
    with pytest.raises(ErrInvalidDuration, match="exceeds the maximum") as raised:
        buy(state, YEAR + 1)
    assert (raised.value.codespace, raised.value.code) == ("locks", 2)
    assert snapshot(state) == before


def test_invalid_duration_when_the_extension_reaches_beyond_the_maximum_changes_nothing():
    state = pre_state({ALICE.address: RICH})
    buy(state, YEAR - DAY)
    state = settle(state)
    before = snapshot(state)
    with pytest.raises(ErrInvalidDuration, match="beyond the maximum"):
        buy(state, 2 * DAY)
    assert snapshot(state) == before


def test_invalid_insufficient_access_amount_names_both_amounts_and_changes_nothing():
    state = pre_state({ALICE.address: RICH})
    before = snapshot(state)
    with pytest.raises(ErrInsufficientAccessAmount) as raised:
        buy(state, DAY, amount=DAY * RATE - 1)
    assert (raised.value.codespace, raised.value.code) == ("locks", 7)
    assert f"amount {DAY * RATE - 1}uamio" in raised.value.log
    assert f"required {DAY * RATE}uamio" in raised.value.log
    assert snapshot(state) == before


def test_invalid_too_many_locks_changes_nothing():
    state = pre_state({ALICE.address: RICH}, params=LockParams(max_locks_per_account=2))
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1, MONTH))
    buy(state, DAY)
    state = settle(state)
    before = snapshot(state)
    with pytest.raises(ErrTooManyLocks) as raised:
        buy(state, DAY)
    assert (raised.value.codespace, raised.value.code) == ("locks", 3)
    assert snapshot(state) == before


def test_invalid_insufficient_funds_changes_nothing():
    state = pre_state({ALICE.address: DAY * RATE - 1, BOB.address: RICH})
    before = snapshot(state)
    with pytest.raises(ErrInsufficientFunds):
        buy(state, DAY)
    assert snapshot(state) == before


# -- MsgBuyApiAccess.from_body -----------------------------------------------------------------------


def test_from_body_inverts_to_body():
    msg = MsgBuyApiAccess(ALICE.address, 864_000, DAY)
    assert MsgBuyApiAccess.from_body(msg.to_body()) == msg
    assert msg.signer == ALICE.address and msg.gas() == 10_000


def test_from_body_rejects_malformed_bodies():
    with pytest.raises(ErrInvalidMessage):
        MsgBuyApiAccess.from_body({"owner": ALICE.address, "amount": 1})
    with pytest.raises(ErrInvalidMessage):
        MsgBuyApiAccess.from_body([ALICE.address, 1, 1])
    with pytest.raises(ErrInvalidDuration):
        MsgBuyApiAccess.from_body({"owner": ALICE.address, "amount": 1, "duration": 0})

"""Query views: JSON-able dicts that survive msgpack (weights beyond 64 bits are strings)."""

import json

from chain_modules.common.encoding import decode, encode
from chain_modules.common.amount import TOTAL_SUPPLY_UAMIO
from chain_modules.locks.epoch import end_block
from chain_modules.locks.handlers import handle_buy_api_access, handle_create_lock
from chain_modules.locks.types import DAY, YEAR, LockParams, MsgBuyApiAccess, MsgCreateLock
from chain_modules.locks.views import api_access_view, locks_of, params_view, weight_view
from tests.modules.locks.helpers import ALICE, BOB, MONTH, NOW, context, pre_state


def sample_state():
    state = pre_state({ALICE.address: 10**12, BOB.address: 10**6})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1_000, MONTH))
    handle_buy_api_access(state, context(), MsgBuyApiAccess(ALICE.address, DAY * 10, DAY))
    return state


def roundtrip(value):
    json.dumps(value)
    assert decode(encode(value)) == value
    return value


def test_locks_of_lists_every_lock_with_its_status_and_weight():
    view = roundtrip(locks_of(sample_state(), ALICE.address, NOW + DAY))
    assert view["address"] == ALICE.bech32 and view["count"] == 2 and view["max_locks"] == 32
    assert view["total_amount"] == 1_000 + DAY * 10
    investor, api_lock = view["locks"]
    assert investor == {"id": 1, "kind": "investor", "amount": 1_000, "start": NOW, "end": NOW + MONTH,
                        "remaining_seconds": MONTH - DAY, "withdrawable": False, "weight": str(1_000 * (MONTH - DAY))}
    assert api_lock["kind"] == "api" and api_lock["withdrawable"] and api_lock["weight"] == "0"


def test_locks_of_an_account_without_locks_is_empty():
    view = roundtrip(locks_of(sample_state(), BOB.address, NOW))
    assert view["locks"] == [] and view["count"] == 0 and view["total_amount"] == 0


def test_weight_view_of_an_account_and_of_the_chain():
    state = sample_state()
    assert roundtrip(weight_view(state, ALICE.address, NOW)) == {
        "address": ALICE.bech32, "time": NOW, "weight": str(1_000 * MONTH), "locked_amount": 1_000,
    }
    assert roundtrip(weight_view(state, None, NOW + MONTH)) == {"address": None, "time": NOW + MONTH, "weight": "0", "locked_amount": 0}


def test_weight_view_carries_weights_beyond_64_bits():
    state = pre_state({ALICE.address: TOTAL_SUPPLY_UAMIO})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, TOTAL_SUPPLY_UAMIO, 4 * YEAR))
    view = roundtrip(weight_view(state, None, NOW))
    assert int(view["weight"]) == TOTAL_SUPPLY_UAMIO * 4 * YEAR > 2**64
    end_block(state, context(NOW + 4 * YEAR))
    assert weight_view(state, ALICE.address, NOW + 4 * YEAR)["weight"] == "0"


def test_api_access_view_reports_active_access_and_the_price():
    state = sample_state()
    assert roundtrip(api_access_view(state, ALICE.address, NOW + 10)) == {
        "address": ALICE.bech32, "time": NOW + 10, "active": True, "access_until": NOW + DAY,
        "remaining_seconds": DAY - 10, "rate": 10, "max_seconds": YEAR,
    }
    ended = api_access_view(state, ALICE.address, NOW + DAY)
    assert not ended["active"] and ended["remaining_seconds"] == 0
    never = api_access_view(state, BOB.address, NOW)
    assert not never["active"] and never["access_until"] == 0


def test_params_view_is_the_params_dict():
    assert roundtrip(params_view(sample_state())) == LockParams().to_dict()

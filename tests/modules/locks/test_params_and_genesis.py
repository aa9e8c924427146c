"""LockParams validation and genesis."""

import pytest

from abci_app.store import MemoryState, Overlay
from chain_modules.common.encoding import decode, encode
from chain_modules.common.context import BlockContext
from chain_modules.common.module import GenesisContext
from chain_modules.locks.module import MODULE
from chain_modules.locks.keys import PARAMS_KEY
from chain_modules.locks.state import get_params
from chain_modules.locks.types import DAY, YEAR, LockParams


def test_default_params():
    assert LockParams().to_dict() == {
        "min_lock_seconds": 30 * DAY, "max_lock_seconds": 4 * YEAR, "api_access_rate": 10,
        "max_api_access_seconds": YEAR, "max_locks_per_account": 32,
    }


def test_params_from_dict_inverts_to_dict_and_fills_defaults():
    params = LockParams(min_lock_seconds=60, api_access_rate=3)
    assert LockParams.from_dict(params.to_dict()) == params
    assert LockParams.from_dict({"api_access_rate": 3}) == LockParams(api_access_rate=3)


@pytest.mark.parametrize("data, message", [
    ({"unknown": 1}, "unknown locks param 'unknown'"),
    ({"api_access_rate": 0}, "'api_access_rate' must be a positive integer"),
    ({"max_locks_per_account": -1}, "'max_locks_per_account' must be a positive integer"),
    ({"min_lock_seconds": True}, "'min_lock_seconds' must be a positive integer"),
    ({"max_lock_seconds": 1.5}, "'max_lock_seconds' must be a positive integer"),
    ({"max_lock_seconds": 2**41}, "'max_lock_seconds' must be a positive integer"),
    ({"min_lock_seconds": 100, "max_lock_seconds": 99}, "exceeds 'max_lock_seconds'"),
])
def test_params_from_dict_rejects_bad_values_naming_the_field(data, message):
    with pytest.raises(ValueError, match=message):
        LockParams.from_dict(data)


def test_api_access_price_is_duration_times_rate():
    assert LockParams(api_access_rate=7).api_access_price(30 * DAY) == 7 * 30 * DAY


def test_missing_params_read_as_defaults():
    assert get_params(Overlay(MemoryState())) == LockParams()


def test_init_genesis_stores_the_params_canonically():
    state = Overlay(MemoryState())
    params = LockParams(max_locks_per_account=8)
    section = MODULE.genesis.parse({"params": params.to_dict()}, GenesisContext(0, {}))
    MODULE.genesis.init(state, BlockContext("test", 0, 0), section)
    assert get_params(state) == params
    assert state.writes == {PARAMS_KEY: encode(params.to_dict())}
    assert decode(state.writes[PARAMS_KEY]) == params.to_dict()

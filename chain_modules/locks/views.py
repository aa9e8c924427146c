"""Query views: pure functions of state returning JSON-able dicts (msgpack-encoded by the query layer).

Weights (uamio-seconds) can exceed 64 bits, which msgpack integers cannot
hold, so they are decimal strings; everything else is an integer, a string,
a bool or None.
"""

from __future__ import annotations

from chain_modules.common.address import encode_address
from chain_modules.common.state import StateRead
from chain_modules.locks import api
from chain_modules.locks import state as st
from chain_modules.locks.types import Lock


def _lock_view(lock: Lock, now: int) -> dict:
    return {
        "id": lock.id,
        "kind": lock.kind,
        "amount": lock.amount,
        "start": lock.start,
        "end": lock.end,
        "remaining_seconds": max(0, lock.end - now),
        "withdrawable": lock.expired(now),
        "weight": str(lock.weight(now)),
    }


def locks_of(state: StateRead, address: bytes, now: int) -> dict:
    """Every stored lock of ``address`` (ended ones until withdrawn), by id."""
    locks = [_lock_view(lock, now) for lock in st.iter_locks_of(state, address)]
    return {
        "address": encode_address(address),
        "time": now,
        "locks": locks,
        "count": len(locks),
        "max_locks": st.get_params(state).max_locks_per_account,
        "total_amount": sum(lock["amount"] for lock in locks),
    }


def weight_view(state: StateRead, address: bytes | None, now: int) -> dict:
    """Lock weight (sum of amount x remaining seconds of unexpired investor locks) of ``address``,
    or of the whole chain when ``address`` is None."""
    if address is None:
        weight = api.total_lock_weight(state, now)
    else:
        weight = api.lock_weight(state, address, now)
    return {
        "address": None if address is None else encode_address(address),
        "time": now,
        "weight": str(weight),
        "locked_amount": api.locked_amount(state, address, now),
    }


def api_access_view(state: StateRead, address: bytes, now: int) -> dict:
    until = api.api_access_until(state, address)
    params = st.get_params(state)
    return {
        "address": encode_address(address),
        "time": now,
        "active": api.has_api_access(state, address, now),
        "access_until": until,
        "remaining_seconds": max(0, until - now),
        "rate": params.api_access_rate,
        "max_seconds": params.max_api_access_seconds,
    }


def params_view(state: StateRead) -> dict:
    return st.get_params(state).to_dict()

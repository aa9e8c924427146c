"""The only code that reads and writes distribution keys."""

from __future__ import annotations

from chain_modules.common.encoding import decode, encode_fast
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.distribution import keys


def _int(state: StateRead, key: bytes) -> int:
    raw = state.get(key)
    return 0 if raw is None else int.from_bytes(raw, "big")


def _set_int(state: StateWrite, key: bytes, value: int) -> None:
    if value == 0:
        state.delete(key)
    else:
        state.set(key, value.to_bytes(16, "big"))


def get_current(state: StateRead, operator: bytes) -> tuple[int, int] | None:
    """(current period, rewards accumulated in it) of a candidate, or None before it is initialised."""
    raw = state.get(keys.current_key(operator))
    return None if raw is None else tuple(decode(raw))  # type: ignore[return-value]


def set_current(state: StateWrite, operator: bytes, period: int, rewards: int) -> None:
    state.set(keys.current_key(operator), encode_fast([period, rewards]))


def get_historical(state: StateRead, operator: bytes, period: int) -> tuple[int, int]:
    """(cumulative reward ratio x RATIO_SCALE, reference count)."""
    raw = state.get(keys.historical_key(operator, period))
    if raw is None:
        raise KeyError(f"no historical rewards for period {period}")
    ratio, references = decode(raw)
    return int.from_bytes(ratio, "big"), references


def set_historical(state: StateWrite, operator: bytes, period: int, ratio: int, references: int) -> None:
    if references == 0:
        state.delete(keys.historical_key(operator, period))
    else:
        # the scaled ratio outgrows 64 bits (msgpack's integers): stored as 32 big-endian bytes
        state.set(keys.historical_key(operator, period), encode_fast([ratio.to_bytes(32, "big"), references]))


def get_starting(state: StateRead, delegator: bytes, operator: bytes) -> tuple[int, int] | None:
    """(previous period, stake) of a delegation's current reward interval."""
    raw = state.get(keys.starting_key(delegator, operator))
    return None if raw is None else tuple(decode(raw))  # type: ignore[return-value]


def set_starting(state: StateWrite, delegator: bytes, operator: bytes, period: int, stake: int) -> None:
    state.set(keys.starting_key(delegator, operator), encode_fast([period, stake]))


def delete_starting(state: StateWrite, delegator: bytes, operator: bytes) -> None:
    state.delete(keys.starting_key(delegator, operator))


def get_commission(state: StateRead, operator: bytes) -> int:
    return _int(state, keys.commission_key(operator))


def set_commission(state: StateWrite, operator: bytes, amount: int) -> None:
    _set_int(state, keys.commission_key(operator), amount)


def get_outstanding(state: StateRead, operator: bytes) -> int:
    return _int(state, keys.outstanding_key(operator))


def set_outstanding(state: StateWrite, operator: bytes, amount: int) -> None:
    _set_int(state, keys.outstanding_key(operator), amount)


def iter_outstanding(state: StateRead):
    strip = len(keys.OUTSTANDING_PREFIX)
    for key, raw in state.iter_prefix(keys.OUTSTANDING_PREFIX):
        yield key[strip:], int.from_bytes(raw, "big")


def get_community(state: StateRead) -> int:
    return _int(state, keys.COMMUNITY_KEY)


def set_community(state: StateWrite, amount: int) -> None:
    _set_int(state, keys.COMMUNITY_KEY, amount)


def set_slash_event(state: StateWrite, operator: bytes, period: int, removed: int, tokens_before: int) -> None:
    state.set(keys.slash_event_key(operator, period), encode_fast([removed, tokens_before]))


def iter_slash_events(state: StateRead, operator: bytes, first_period: int, last_period: int | None):
    """(period, removed, tokens before) of the slashes of ``operator`` in [first_period, last_period]."""
    prefix = keys.SLASH_EVENT_PREFIX + operator
    for key, raw in state.iter_prefix(prefix):
        period = int.from_bytes(key[len(prefix):], "big")
        if period < first_period:
            continue
        if last_period is not None and period > last_period:
            break
        removed, tokens_before = decode(raw)
        yield period, removed, tokens_before

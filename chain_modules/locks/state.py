"""The only code that reads and writes locks keys.

Besides the lock records, the module keeps running sums so that lock weight
is O(1) to read: for the investor locks that have not yet been expired by
end_block, A = sum of amounts and B = sum of amount x end, globally and per
account. The weight of those locks at time t is B - t x A. Every lock sits
in the expiry queue (keyed by end time) until it is expired; expiring an
investor lock takes it out of the sums.
"""

from __future__ import annotations

from typing import Iterator

from chain_modules.common.encoding import decode, encode
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.locks import keys
from chain_modules.locks.types import KIND_INVESTOR, Lock, LockParams

_ADDR = 20
_SUM_BYTES = 16  # B = sum of amount x end exceeds 64 bits; msgpack integers do not


def get_params(state: StateRead) -> LockParams:
    raw = state.get(keys.PARAMS_KEY)
    return LockParams() if raw is None else LockParams.from_dict(decode(raw))


def set_params(state: StateWrite, params: LockParams) -> None:
    state.set(keys.PARAMS_KEY, encode(params.to_dict()))


# -- ids and records -------------------------------------------------------------------


def peek_next_lock_id(state: StateRead) -> int:
    raw = state.get(keys.NEXT_ID_KEY)
    return 1 if raw is None else int.from_bytes(raw, "big")


def take_next_lock_id(state: StateWrite) -> int:
    """The chain-wide sequential id of a new lock (the first is 1)."""
    lock_id = peek_next_lock_id(state)
    state.set(keys.NEXT_ID_KEY, keys.u64(lock_id + 1))
    return lock_id


def get_lock(state: StateRead, lock_id: int) -> Lock | None:
    raw = state.get(keys.lock_key(lock_id))
    return None if raw is None else Lock.from_list(lock_id, decode(raw))


def iter_locks(state: StateRead) -> Iterator[Lock]:
    """Every stored lock, by id."""
    strip = len(keys.LOCK_PREFIX)
    for key, raw in state.iter_prefix(keys.LOCK_PREFIX):
        yield Lock.from_list(int.from_bytes(key[strip:], "big"), decode(raw))


def iter_lock_ids_of(state: StateRead, owner: bytes) -> Iterator[int]:
    prefix = keys.BY_OWNER_PREFIX + owner
    for key, _ in state.iter_prefix(prefix):
        yield int.from_bytes(key[len(prefix):], "big")


def iter_locks_of(state: StateRead, owner: bytes) -> Iterator[Lock]:
    """The stored locks of ``owner``, by id."""
    for lock_id in iter_lock_ids_of(state, owner):
        lock = get_lock(state, lock_id)
        assert lock is not None, f"owner index points at missing lock {lock_id}"
        yield lock


def iter_owner_index(state: StateRead) -> Iterator[tuple[bytes, int]]:
    """(owner, lock id) of every entry of the owner index, for invariants."""
    strip = len(keys.BY_OWNER_PREFIX)
    for key, _ in state.iter_prefix(keys.BY_OWNER_PREFIX):
        body = key[strip:]
        yield body[:_ADDR], int.from_bytes(body[_ADDR:], "big")


# -- running sums ----------------------------------------------------------------------


def _sums_to_bytes(amount_sum: int, end_sum: int) -> bytes:
    return amount_sum.to_bytes(_SUM_BYTES, "big") + end_sum.to_bytes(_SUM_BYTES, "big")


def _sums_from_bytes(raw: bytes) -> tuple[int, int]:
    return int.from_bytes(raw[:_SUM_BYTES], "big"), int.from_bytes(raw[_SUM_BYTES : 2 * _SUM_BYTES], "big")


def get_total_sums(state: StateRead) -> tuple[int, int]:
    """(A, B) over every unexpired investor lock of the chain."""
    raw = state.get(keys.TOTAL_KEY)
    return (0, 0) if raw is None else _sums_from_bytes(raw)


def _set_total_sums(state: StateWrite, amount_sum: int, end_sum: int) -> None:
    assert amount_sum >= 0 and end_sum >= 0, "lock sums went negative"
    if amount_sum == 0 and end_sum == 0:
        state.delete(keys.TOTAL_KEY)
    else:
        state.set(keys.TOTAL_KEY, _sums_to_bytes(amount_sum, end_sum))


def get_account(state: StateRead, owner: bytes) -> tuple[int, int, int]:
    """(number of stored locks, A, B) of ``owner``; A and B over its unexpired investor locks."""
    raw = state.get(keys.account_key(owner))
    if raw is None:
        return 0, 0, 0
    amount_sum, end_sum = _sums_from_bytes(raw[8:])
    return int.from_bytes(raw[:8], "big"), amount_sum, end_sum


def _set_account(state: StateWrite, owner: bytes, count: int, amount_sum: int, end_sum: int) -> None:
    assert count >= 0 and amount_sum >= 0 and end_sum >= 0, "lock account sums went negative"
    if count == 0:
        assert amount_sum == 0 and end_sum == 0, "an account without locks has lock weight"
        state.delete(keys.account_key(owner))
    else:
        state.set(keys.account_key(owner), keys.u64(count) + _sums_to_bytes(amount_sum, end_sum))


def iter_accounts(state: StateRead) -> Iterator[tuple[bytes, int, int, int]]:
    """(owner, count, A, B) of every account holding a lock, for invariants."""
    strip = len(keys.ACCOUNT_PREFIX)
    for key, raw in state.iter_prefix(keys.ACCOUNT_PREFIX):
        amount_sum, end_sum = _sums_from_bytes(raw[8:])
        yield key[strip:], int.from_bytes(raw[:8], "big"), amount_sum, end_sum


# -- lifecycle: add, expire, delete -------------------------------------------------------


def add_lock(state: StateWrite, lock: Lock) -> None:
    """Store a new lock, index it by owner, queue its expiry and, for an investor lock, add it to the sums."""
    state.set(keys.lock_key(lock.id), encode(lock.to_list()))
    state.set(keys.by_owner_key(lock.owner, lock.id), b"")
    state.set(keys.expiry_queue_key(lock.end, lock.id), b"")
    count, amount_sum, end_sum = get_account(state, lock.owner)
    if lock.kind == KIND_INVESTOR:
        total_amount, total_end = get_total_sums(state)
        _set_total_sums(state, total_amount + lock.amount, total_end + lock.amount * lock.end)
        amount_sum, end_sum = amount_sum + lock.amount, end_sum + lock.amount * lock.end
    _set_account(state, lock.owner, count + 1, amount_sum, end_sum)


def is_queued(state: StateRead, lock: Lock) -> bool:
    """Whether ``lock`` still waits in the expiry queue (and, if investor, still counts in the sums)."""
    return state.get(keys.expiry_queue_key(lock.end, lock.id)) is not None


def expire_lock(state: StateWrite, lock: Lock) -> None:
    """Take a queued lock out of the expiry queue and, for an investor lock, out of the sums."""
    assert is_queued(state, lock), f"lock {lock.id} is not queued"
    state.delete(keys.expiry_queue_key(lock.end, lock.id))
    if lock.kind == KIND_INVESTOR:
        total_amount, total_end = get_total_sums(state)
        _set_total_sums(state, total_amount - lock.amount, total_end - lock.amount * lock.end)
        count, amount_sum, end_sum = get_account(state, lock.owner)
        _set_account(state, lock.owner, count, amount_sum - lock.amount, end_sum - lock.amount * lock.end)


def delete_lock(state: StateWrite, lock: Lock) -> None:
    """Remove an expired lock's record and index entry (its tokens are the caller's business)."""
    assert not is_queued(state, lock), f"lock {lock.id} must be expired before it is deleted"
    state.delete(keys.lock_key(lock.id))
    state.delete(keys.by_owner_key(lock.owner, lock.id))
    count, amount_sum, end_sum = get_account(state, lock.owner)
    _set_account(state, lock.owner, count - 1, amount_sum, end_sum)


def iter_expiry_queue(state: StateRead) -> Iterator[tuple[int, int]]:
    """(end, lock id) of every queued lock, earliest end first."""
    strip = len(keys.EXPIRY_QUEUE_PREFIX)
    for key, _ in state.iter_prefix(keys.EXPIRY_QUEUE_PREFIX):
        yield int.from_bytes(key[strip : strip + 8], "big"), int.from_bytes(key[strip + 8 :], "big")


def iter_due(state: StateRead, now: int) -> Iterator[Lock]:
    """Queued locks whose end is <= now, earliest first; stops at the first later one."""
    for end, lock_id in iter_expiry_queue(state):
        if end > now:
            break
        lock = get_lock(state, lock_id)
        assert lock is not None, f"expiry queue points at missing lock {lock_id}"
        yield lock


# -- API access ----------------------------------------------------------------------------


def get_api_until(state: StateRead, owner: bytes) -> int:
    """The latest end of any API lock ``owner`` ever bought (0 if none)."""
    raw = state.get(keys.api_until_key(owner))
    return 0 if raw is None else int.from_bytes(raw, "big")


def set_api_until(state: StateWrite, owner: bytes, until: int) -> None:
    state.set(keys.api_until_key(owner), keys.u64(until))


def iter_api_until(state: StateRead) -> Iterator[tuple[bytes, int]]:
    strip = len(keys.API_UNTIL_PREFIX)
    for key, raw in state.iter_prefix(keys.API_UNTIL_PREFIX):
        yield key[strip:], int.from_bytes(raw, "big")

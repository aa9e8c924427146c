"""locks invariants, checked by tests after every block."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.state import StateRead
from chain_modules.locks import state as st
from chain_modules.locks.api import LOCKS_POOL
from chain_modules.locks.types import KIND_API, KIND_INVESTOR, KINDS


def check_pool(state: StateRead) -> None:
    """The locks pool holds exactly the sum of the amounts of all stored locks."""
    total = 0
    for lock in st.iter_locks(state):
        assert lock.amount > 0, f"lock {lock.id} has a non-positive amount"
        total += lock.amount
    pool = bank_api.get_balance(state, LOCKS_POOL)
    assert pool == total, f"locks pool holds {pool}uamio, locks add up to {total}uamio"


def check_records(state: StateRead) -> None:
    """Records, the owner index, the expiry queue, the lock counts, the id counter and API access agree."""
    locks = {lock.id: lock for lock in st.iter_locks(state)}
    next_id = st.peek_next_lock_id(state)
    for lock in locks.values():
        assert lock.kind in KINDS, f"lock {lock.id} has kind {lock.kind!r}"
        assert 0 < lock.id < next_id, f"lock id {lock.id} not below the next id {next_id}"
        assert lock.start < lock.end, f"lock {lock.id} ends before it starts"
    index = set(st.iter_owner_index(state))
    assert index == {(lock.owner, lock.id) for lock in locks.values()}, "owner index differs from the lock records"
    for end, lock_id in st.iter_expiry_queue(state):
        assert lock_id in locks, f"expiry queue holds unknown lock {lock_id}"
        assert locks[lock_id].end == end, f"expiry queue holds lock {lock_id} at the wrong end time"
    counts: dict[bytes, int] = {}
    for lock in locks.values():
        counts[lock.owner] = counts.get(lock.owner, 0) + 1
    stored = {owner: count for owner, count, _a, _b in st.iter_accounts(state)}
    assert stored == counts, "per-account lock counts differ from the lock records"
    latest_api_end: dict[bytes, int] = {}
    for lock in locks.values():
        if lock.kind == KIND_API:
            latest_api_end[lock.owner] = max(latest_api_end.get(lock.owner, 0), lock.end)
    for owner, end in latest_api_end.items():
        assert st.get_api_until(state, owner) >= end, f"API access of {owner.hex()} ends before one of its API locks"


def check_sums(state: StateRead, now: int | None = None) -> None:
    """The running sums equal a brute-force recomputation over the queued investor locks.

    With ``now`` (the time of the last end_block), also: nothing with end <=
    now is still queued and every stored lock with end > now is, so the sums
    cover exactly the investor locks that have not ended.
    """
    queued = {lock_id for _end, lock_id in st.iter_expiry_queue(state)}
    total_amount = total_end = 0
    per_account: dict[bytes, tuple[int, int]] = {}
    for lock in st.iter_locks(state):
        if now is not None:
            assert (lock.id in queued) == (lock.end > now), f"lock {lock.id} (end {lock.end}) queued wrongly at {now}"
        if lock.kind != KIND_INVESTOR or lock.id not in queued:
            continue
        total_amount += lock.amount
        total_end += lock.amount * lock.end
        amount_sum, end_sum = per_account.get(lock.owner, (0, 0))
        per_account[lock.owner] = (amount_sum + lock.amount, end_sum + lock.amount * lock.end)
    assert st.get_total_sums(state) == (total_amount, total_end), "total lock sums differ from a recomputation"
    for owner, _count, amount_sum, end_sum in st.iter_accounts(state):
        assert (amount_sum, end_sum) == per_account.pop(owner, (0, 0)), f"lock sums of {owner.hex()} differ from a recomputation"
    assert not per_account, "an account with investor locks has no sums"


def check_all(state: StateRead, now: int | None = None) -> None:
    check_pool(state)
    check_records(state)
    check_sums(state, now)

"""What other modules (contribution/FOG, governance) and the gateway may use of locks."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.state import StateRead
from chain_modules.locks.state import get_account, get_api_until, get_lock, get_params, get_total_sums, iter_due
from chain_modules.locks.types import KIND_INVESTOR

LOCKS_POOL = bank_api.module_address("locks")

__all__ = [
    "LOCKS_POOL",
    "api_access_until",
    "get_lock",
    "get_params",
    "has_api_access",
    "investor_locked",
    "lock_weight",
    "locked_amount",
    "total_lock_weight",
    "total_investor_locked",
]


def _weight(amount_sum: int, end_sum: int, state: StateRead, owner: bytes | None, now: int) -> int:
    """B - now x A, less what the locks that ended at or before ``now`` but are still queued add to it.

    Those locks contribute amount x (end - now) <= 0 to B - now x A until
    end_block expires them; there are none outside the block in which they
    end, so the correction loop is bounded by the locks ending in one block.
    """
    weight = end_sum - now * amount_sum
    for lock in iter_due(state, now):
        if lock.kind == KIND_INVESTOR and (owner is None or lock.owner == owner):
            weight -= lock.amount * (lock.end - now)
    return weight


def lock_weight(state: StateRead, address: bytes, now: int) -> int:
    """Sum over the unexpired investor locks of ``address`` of amount x (end - now), in uamio-seconds.

    O(1) in the number of locks. ``now`` must not be earlier than the last
    end_block (queries use the last block time, handlers the current one).
    """
    _count, amount_sum, end_sum = get_account(state, address)
    return _weight(amount_sum, end_sum, state, address, now)


def total_lock_weight(state: StateRead, now: int) -> int:
    """Sum of lock_weight over every account, in O(1) in the number of locks."""
    amount_sum, end_sum = get_total_sums(state)
    return _weight(amount_sum, end_sum, state, None, now)


def locked_amount(state: StateRead, address: bytes | None, now: int) -> int:
    """Uamio in the unexpired investor locks of ``address`` (of everyone when None)."""
    amount_sum = get_total_sums(state)[0] if address is None else get_account(state, address)[1]
    for lock in iter_due(state, now):
        if lock.kind == KIND_INVESTOR and (address is None or lock.owner == address):
            amount_sum -= lock.amount
    return amount_sum


def api_access_until(state: StateRead, address: bytes) -> int:
    """Block time (seconds) until which ``address`` has API access; 0 if it never bought any."""
    return get_api_until(state, address)


def has_api_access(state: StateRead, address: bytes, now: int) -> bool:
    """Whether ``address`` may use the gateway's application API at ``now``."""
    return now < get_api_until(state, address)


def investor_locked(state: StateRead, address: bytes) -> int:
    """Uamio in the investor locks of ``address`` that end_block has not expired yet (governance's voting power).

    Unlike ``locked_amount`` this does not look at the time: a lock counts until the end_block that expires it
    (and calls ``after_investor_lock_ended``), so a follower that adds at creation and subtracts at that hook
    stays equal to it."""
    return get_account(state, address)[1]


def total_investor_locked(state: StateRead) -> int:
    """The sum of ``investor_locked`` over every account, in O(1)."""
    return get_total_sums(state)[0]

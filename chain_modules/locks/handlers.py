"""locks message handlers: checks first, then writes, then events."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.context import BlockContext, call_hooks
from chain_modules.common.state import StateWrite
from chain_modules.locks import state as st
from chain_modules.locks.epoch import expire
from chain_modules.locks.api import LOCKS_POOL
from chain_modules.locks.errors import (
    ErrInsufficientAccessAmount,
    ErrInvalidDuration,
    ErrLockNotExpired,
    ErrNotLockOwner,
    ErrTooManyLocks,
    ErrUnknownLock,
)
from chain_modules.locks.events import (
    event_api_access_bought,
    event_lock_created,
    event_lock_expired,
    event_lock_withdrawn,
)
from chain_modules.locks.types import KIND_API, KIND_INVESTOR, Lock, LockParams, MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock


def _check_room(state: StateWrite, params: LockParams, owner: bytes) -> None:
    count, _amount_sum, _end_sum = st.get_account(state, owner)
    if count >= params.max_locks_per_account:
        raise ErrTooManyLocks(
            f"account holds {count} locks, the maximum is {params.max_locks_per_account}; withdraw an ended lock first"
        )


def handle_create_lock(state: StateWrite, ctx: BlockContext, msg: MsgCreateLock) -> None:
    """Move msg.amount of msg.owner (spendable or vesting) into the locks pool as an investor lock
    that ends msg.duration seconds from now and has weight until then.

    Raises: ErrInvalidDuration, ErrTooManyLocks, bank.ErrInsufficientFunds
    """
    params = st.get_params(state)
    if not params.min_lock_seconds <= msg.duration <= params.max_lock_seconds:
        raise ErrInvalidDuration(
            f"lock duration {msg.duration}s is outside [{params.min_lock_seconds}s, {params.max_lock_seconds}s]"
        )
    _check_room(state, params, msg.owner)

    bank_api.delegate_coins(state, msg.owner, LOCKS_POOL, msg.amount, ctx.time)
    lock = Lock(st.take_next_lock_id(state), msg.owner, KIND_INVESTOR, msg.amount, ctx.time, ctx.time + msg.duration)
    st.add_lock(state, lock)
    state.emit(event_lock_created(lock))
    call_hooks(ctx, "after_investor_lock_created", state, ctx, lock.owner, lock.id, lock.amount)


def handle_withdraw_lock(state: StateWrite, ctx: BlockContext, msg: MsgWithdrawLock) -> None:
    """Return the tokens of an ended lock to its owner (vesting tokens come back locked) and delete it.

    A lock that ended in this block but was not yet expired by end_block is
    expired first, so every lock gets its lock_expired event.
    Raises: ErrUnknownLock, ErrNotLockOwner, ErrLockNotExpired
    """
    lock = st.get_lock(state, msg.lock_id)
    if lock is None:
        raise ErrUnknownLock(f"no lock with id {msg.lock_id}")
    if lock.owner != msg.owner:
        raise ErrNotLockOwner(f"lock {lock.id} belongs to another account")
    if not lock.expired(ctx.time):
        raise ErrLockNotExpired(f"lock {lock.id} ends at {lock.end}, block time is {ctx.time} ({lock.end - ctx.time}s left)")

    if st.is_queued(state, lock):
        expire(state, ctx, lock)
    bank_api.undelegate_coins(state, LOCKS_POOL, lock.owner, lock.amount)
    st.delete_lock(state, lock)
    state.emit(event_lock_withdrawn(lock))
    if lock.kind == KIND_INVESTOR:
        call_hooks(ctx, "after_investor_lock_withdrawn", state, ctx, lock.owner, lock.id)


def handle_buy_api_access(state: StateWrite, ctx: BlockContext, msg: MsgBuyApiAccess) -> None:
    """Lock msg.amount of msg.owner as an API lock that buys msg.duration seconds of gateway access.

    Access already bought is extended: the new lock ends msg.duration after
    the later of now and the current access end, and access may reach at
    most max_api_access_seconds ahead. The price is ceil(duration x rate);
    a larger amount is accepted and locked as a whole.
    Raises: ErrInvalidDuration, ErrInsufficientAccessAmount, ErrTooManyLocks, bank.ErrInsufficientFunds
    """
    params = st.get_params(state)
    now = ctx.time
    if msg.duration > params.max_api_access_seconds:
        raise ErrInvalidDuration(
            f"API access duration {msg.duration}s exceeds the maximum {params.max_api_access_seconds}s"
        )
    current_until = st.get_api_until(state, msg.owner)
    end = max(now, current_until) + msg.duration
    if end - now > params.max_api_access_seconds:
        raise ErrInvalidDuration(
            f"access already runs until {current_until}; {msg.duration}s more would end {end - now}s from now, "
            f"beyond the maximum of {params.max_api_access_seconds}s ahead"
        )
    required = params.api_access_price(msg.duration)
    if msg.amount < required:
        raise ErrInsufficientAccessAmount(
            f"amount {msg.amount}uamio is below the required {required}uamio "
            f"for {msg.duration}s of API access at {params.api_access_rate}uamio/s"
        )
    _check_room(state, params, msg.owner)

    bank_api.delegate_coins(state, msg.owner, LOCKS_POOL, msg.amount, now)
    lock = Lock(st.take_next_lock_id(state), msg.owner, KIND_API, msg.amount, now, end)
    st.add_lock(state, lock)
    st.set_api_until(state, msg.owner, end)
    state.emit(event_lock_created(lock))
    state.emit(event_api_access_bought(lock, msg.duration, end))

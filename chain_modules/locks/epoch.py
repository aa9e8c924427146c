"""End of block: expire the locks whose end has come. The work is bounded by the locks ending
in this block, never by the number of locks or accounts."""

from __future__ import annotations

from chain_modules.common.context import BlockContext, call_hooks
from chain_modules.common.state import StateWrite
from chain_modules.locks import state as st
from chain_modules.locks.events import event_lock_expired
from chain_modules.locks.types import KIND_INVESTOR, Lock


def end_block(state: StateWrite, ctx: BlockContext) -> None:
    """Take every lock with end <= block time out of the expiry queue (and investor locks out of
    the weight sums); the tokens stay in the pool until the owner withdraws them."""
    for lock in list(st.iter_due(state, ctx.time)):
        expire(state, ctx, lock)


def expire(state: StateWrite, ctx: BlockContext, lock: Lock) -> None:
    """Take a lock out of the expiry queue (and an investor lock out of the weight sums and the lockers' FOG)."""
    st.expire_lock(state, lock)
    state.emit(event_lock_expired(lock))
    if lock.kind == KIND_INVESTOR:
        call_hooks(ctx, "after_investor_lock_ended", state, ctx, lock.owner, lock.id, lock.amount)

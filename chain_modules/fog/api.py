"""What other modules may use of fog: the hooks that feed it (compute's work, locks' locks) and balances."""

from __future__ import annotations

from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.fog import logic
from chain_modules.fog import state as st
from chain_modules.fog.logic import REDEMPTION

__all__ = ["FogHooks", "REDEMPTION", "balance_of"]


def balance_of(state: StateRead, address: bytes) -> int:
    """The settled FOG balance of ``address`` (ufog)."""
    return st.get_account(state, address).balance


class FogHooks:
    """Called by compute (heartbeats, verified results, slashes, hand-backs) and locks (investor locks) through
    BlockContext.hooks; the app registers them from fog's manifest."""

    def after_heartbeat(self, state: StateWrite, ctx: BlockContext, worker: bytes, master: bytes) -> None:
        logic.on_heartbeat(state, ctx, worker, master)

    def after_verified_result(self, state: StateWrite, ctx: BlockContext, worker: bytes, master: bytes,
                              class_name: str, fuel: int) -> None:
        logic.on_verified_result(state, ctx, worker, master, class_name, fuel)

    def after_worker_slashed(self, state: StateWrite, ctx: BlockContext, worker: bytes) -> None:
        logic.forfeit(state, ctx, worker, "slashed")

    def after_probe_ended(self, state: StateWrite, ctx: BlockContext, worker: bytes, task_id: int, class_name: str,
                          passed: bool) -> None:
        logic.on_probe_ended(state, ctx, worker, task_id, class_name, passed)

    def after_job_handed_back(self, state: StateWrite, ctx: BlockContext, worker: bytes) -> None:
        logic.forfeit(state, ctx, worker, "handed_back")

    def after_investor_lock_created(self, state: StateWrite, ctx: BlockContext, owner: bytes, lock_id: int, amount: int) -> None:
        logic.on_lock_created(state, ctx, owner, lock_id, amount)

    def after_investor_lock_ended(self, state: StateWrite, ctx: BlockContext, owner: bytes, lock_id: int, amount: int) -> None:
        logic.on_lock_ended(state, ctx, owner, lock_id, amount)

    def after_investor_lock_withdrawn(self, state: StateWrite, ctx: BlockContext, owner: bytes, lock_id: int) -> None:
        logic.on_lock_withdrawn(state, ctx, owner, lock_id)

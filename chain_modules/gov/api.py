"""What other modules and the app may use of gov: the hooks that keep the tally current, and the upgrade plan."""

from __future__ import annotations

from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.gov import state as st
from chain_modules.gov import tally
from chain_modules.gov.proposals import GOV_POOL

__all__ = ["GOV_POOL", "GovHooks", "get_upgrade_plan", "get_upgrade_done", "mark_upgrade_done"]


def get_upgrade_plan(state: StateRead) -> tuple[str, int, int] | None:
    """The scheduled upgrade (name, height, proposal id), or None."""
    return st.get_upgrade_plan(state)


def get_upgrade_done(state: StateRead, name: str) -> int | None:
    """The height at which the upgrade ``name`` was applied, or None."""
    return st.get_upgrade_done(state, name)


def mark_upgrade_done(state: StateWrite, name: str, height: int) -> None:
    """A build that knows the plan applied it at ``height``: clear the plan and remember it."""
    st.clear_upgrade_plan(state)
    st.set_upgrade_done(state, name, height)


class GovHooks:
    """Called by staking (delegations, slashes) and locks (investor locks) through BlockContext.hooks, so that the
    running tally of every proposal in its voting period follows the stake (chain_modules/gov/tally.py)."""

    def before_delegation_modified(self, state: StateWrite, delegator: bytes, operator: bytes) -> None:
        pass

    def after_delegation_modified(self, state: StateWrite, delegator: bytes, operator: bytes) -> None:
        tally.on_delegation_modified(state, delegator, operator)

    def before_candidate_slashed(self, state: StateWrite, operator: bytes, removed: int, tokens_before: int) -> None:
        tally.on_candidate_slashed(state, operator, removed, tokens_before)

    def after_investor_lock_created(self, state: StateWrite, ctx: BlockContext, owner: bytes, lock_id: int, amount: int) -> None:
        tally.on_locked_changed(state, owner, amount)

    def after_investor_lock_ended(self, state: StateWrite, ctx: BlockContext, owner: bytes, lock_id: int, amount: int) -> None:
        tally.on_locked_changed(state, owner, -amount)

"""Hooks that let modules which depend on staking (distribution, later slashing) act when stake changes.

staking calls them; it does not import those modules. The app puts the hook
objects in BlockContext.hooks, in a fixed order, so every node runs the same
code in the same order; module unit tests run without them.
"""

from __future__ import annotations

from typing import Protocol

from chain_modules.common.context import BlockContext, call_hooks
from chain_modules.common.state import StateWrite


class StakingHooks(Protocol):
    def after_candidate_created(self, state: StateWrite, operator: bytes) -> None: ...

    def before_delegation_modified(self, state: StateWrite, delegator: bytes, operator: bytes) -> None: ...

    def after_delegation_modified(self, state: StateWrite, delegator: bytes, operator: bytes) -> None: ...

    def before_candidate_slashed(self, state: StateWrite, operator: bytes, removed: int, tokens_before: int) -> None: ...


def after_candidate_created(ctx: BlockContext, state: StateWrite, operator: bytes) -> None:
    call_hooks(ctx, "after_candidate_created", state, operator)


def before_delegation_modified(ctx: BlockContext, state: StateWrite, delegator: bytes, operator: bytes) -> None:
    call_hooks(ctx, "before_delegation_modified", state, delegator, operator)


def after_delegation_modified(ctx: BlockContext, state: StateWrite, delegator: bytes, operator: bytes) -> None:
    call_hooks(ctx, "after_delegation_modified", state, delegator, operator)


def before_candidate_slashed(ctx: BlockContext, state: StateWrite, operator: bytes, removed: int, tokens_before: int) -> None:
    call_hooks(ctx, "before_candidate_slashed", state, operator, removed, tokens_before)

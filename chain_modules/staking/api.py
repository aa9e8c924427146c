"""What other modules (slashing, distribution, compute) may use of staking."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.bank.errors import ErrInvalidAmount
from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.staking import hooks
from chain_modules.staking.state import (
    get_candidate,
    get_delegation_shares,
    get_operator_by_consensus_address,
    get_operator_by_consensus_key,
    get_params,
    iter_candidates,
    iter_validator_set,
    set_candidate,
    set_delegation_shares,
)
from chain_modules.staking.types import Candidate

BONDED_POOL = bank_api.module_address("staking_bonded")
UNBONDING_POOL = bank_api.module_address("staking_unbonding")

__all__ = [
    "BONDED_POOL",
    "UNBONDING_POOL",
    "bond",
    "delegation_tokens",
    "get_candidate",
    "get_delegation_shares",
    "get_operator_by_consensus_address",
    "get_operator_by_consensus_key",
    "get_params",
    "iter_candidates",
    "iter_validator_set",
    "self_bond",
]


def delegation_tokens(state: StateRead, delegator: bytes, operator: bytes) -> int:
    candidate = get_candidate(state, operator)
    if candidate is None:
        return 0
    return candidate.tokens_for_shares(get_delegation_shares(state, delegator, operator))


def self_bond(state: StateRead, candidate: Candidate) -> int:
    return candidate.tokens_for_shares(get_delegation_shares(state, candidate.operator, candidate.operator))


def bond(state: StateWrite, ctx: BlockContext, delegator: bytes, candidate: Candidate, amount: int) -> tuple[Candidate, int]:
    """Move ``amount`` from the delegator into the bonded pool behind ``candidate``; return it updated and the new shares.

    Raises: bank.ErrInvalidAmount (too small to buy one share), bank.ErrInsufficientFunds
    """
    shares = candidate.shares_for_tokens(amount)
    if shares == 0:
        if candidate.tokens == 0:
            raise ErrInvalidAmount("the candidate's stake was slashed to nothing; delegations are refused")
        raise ErrInvalidAmount(f"{amount}uamio is too small to buy a share of this candidate")
    bank_api.delegate_coins(state, delegator, BONDED_POOL, amount, ctx.time)
    hooks.before_delegation_modified(ctx, state, delegator, candidate.operator)
    updated = candidate.with_(tokens=candidate.tokens + amount, shares=candidate.shares + shares)
    set_candidate(state, updated, candidate)
    set_delegation_shares(state, delegator, candidate.operator, get_delegation_shares(state, delegator, candidate.operator) + shares)
    hooks.after_delegation_modified(ctx, state, delegator, candidate.operator)
    return updated, shares

"""What other modules (slashing, distribution, compute) may use of staking."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.bank.errors import ErrInvalidAmount
from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.staking import hooks
from chain_modules.staking import keys as staking_keys
from chain_modules.staking import state as st
from chain_modules.staking.state import (
    consensus_address,
    get_candidate,
    get_delegation_shares,
    get_operator_by_consensus_address,
    get_operator_by_consensus_key,
    get_params,
    iter_candidates,
    iter_delegations,
    iter_validator_set,
    set_candidate,
    set_delegation_shares,
)
from chain_modules.staking.types import Candidate

BONDED_POOL = bank_api.module_address("staking_bonded")
BPS_ = 10_000
UNBONDING_POOL = bank_api.module_address("staking_unbonding")

__all__ = [
    "BONDED_POOL",
    "consensus_address",
    "iter_delegations",
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
    "jail",
    "unjail",
    "slash",
    "penalise_master_node",
    "min_super_self_bond",
    "min_master_bond",
    "set_active_workers",
    "is_active_master",
    "consenting_sponsor",
    "iter_eligible_super_nodes",
    "iter_active_masters",
]


def min_super_self_bond(state: StateRead) -> int:
    """The minimum self-bond of a super node at the current network size."""
    params = get_params(state)
    return params.scaled_bond(params.min_super_self_bond, st.get_active_workers(state))


def min_master_bond(state: StateRead) -> int:
    """The minimum bond of a master node at the current network size."""
    params = get_params(state)
    return params.scaled_bond(params.min_master_bond, st.get_active_workers(state))


def set_active_workers(state: StateWrite, count: int) -> None:
    """Record the network size (active workers) that scales the minimum bonds; the compute module feeds it."""
    st.set_active_workers(state, count)


def iter_eligible_super_nodes(state: StateRead):
    """Operators of eligible (not jailed, not tombstoned, staked) super nodes, most stake first."""
    return st.iter_by_power(state, "super")


def consenting_sponsor(state: StateRead, master: bytes) -> bytes | None:
    """The super node that consents now to sponsor ``master`` (the one it registered with), or None."""
    candidate = get_candidate(state, master)
    consent = st.get_sponsor_consent(state, master)
    return consent if candidate is not None and consent == candidate.sponsor else None


def is_active_master(state: StateRead, operator: bytes) -> bool:
    return st.is_active_master(state, operator)


def iter_active_masters(state: StateRead):
    """Operators of the active master nodes, in address order."""
    return st.iter_active_masters(state)


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


def jail(state: StateWrite, operator: bytes, until: int, tombstone: bool = False) -> None:
    """Take the candidate out of the election (at once: see epoch.end_block) until ``until``; tombstone forever."""
    candidate = get_candidate(state, operator)
    assert candidate is not None
    set_candidate(state, candidate.with_(jailed=True, jailed_until=max(until, candidate.jailed_until),
                                         tombstoned=candidate.tombstoned or tombstone), candidate)


def unjail(state: StateWrite, operator: bytes) -> None:
    candidate = get_candidate(state, operator)
    assert candidate is not None
    set_candidate(state, candidate.with_(jailed=False), candidate)


def slash(
    state: StateWrite, ctx: BlockContext, operator: bytes, infraction_height: int, power: int, fraction_bps: int,
    destination: bytes,
) -> int:
    """Slash ``fraction_bps`` of the stake the candidate had at ``infraction_height`` (``power`` then; a power
    lowered by the power cap is scaled back to the stake behind it).

    Unbonding entries and redelegations that started at or after the
    infraction pay their share first (they were bonded when the fault
    happened); the candidate's tokens pay the rest. Slashed tokens move to
    ``destination`` (never destroyed: the supply is fixed). Returns the total.
    """
    params = get_params(state)
    powers = st.get_validator_powers(state, operator)
    if powers is not None and powers[0] != powers[1] and powers[0] > 0:
        # the power cap lowered this validator's voting power: the slash follows its stake
        power = power * powers[1] // powers[0]
    target = power * params.power_reduction * fraction_bps // BPS_
    return _slash_since(state, ctx, operator, infraction_height, fraction_bps, target, destination)


def _slash_since(state: StateWrite, ctx: BlockContext, operator: bytes, since_height: int, fraction_bps: int,
                 target: int, destination: bytes) -> int:
    """Take ``target`` from the candidate: unbonding and redelegation entries that began at or after
    ``since_height`` pay ``fraction_bps`` of their initial amount first, its tokens pay the rest."""
    total = 0

    unbonding_cut = 0
    for delegator in list(st.iter_unbonding_delegators_of(state, operator)):
        entries = st.get_unbonding(state, delegator, operator)
        changed = []
        for entry in entries:
            if entry.creation_height >= since_height and entry.balance > 0:
                cut = min(entry.balance, entry.initial_balance * fraction_bps // BPS_)
                unbonding_cut += cut
                entry = type(entry)(entry.creation_height, entry.completion_time, entry.initial_balance, entry.balance - cut)
            changed.append(entry)
        st.set_unbonding(state, delegator, operator, changed)
    if unbonding_cut:
        bank_api.transfer_module(state, UNBONDING_POOL, destination, unbonding_cut)
    total += unbonding_cut

    redelegation_cut = 0
    for delegator, source, destination_candidate, entries in list(_redelegations_from(state, operator)):
        for entry in entries:
            if entry.creation_height < since_height:
                continue
            shares = min(entry.destination_shares * fraction_bps // BPS_,
                         get_delegation_shares(state, delegator, destination_candidate))
            if shares == 0:
                continue
            target_candidate = get_candidate(state, destination_candidate)
            assert target_candidate is not None
            tokens = target_candidate.tokens_for_shares(shares)
            hooks.before_delegation_modified(ctx, state, delegator, destination_candidate)
            set_delegation_shares(state, delegator, destination_candidate, get_delegation_shares(state, delegator, destination_candidate) - shares)
            set_candidate(state, target_candidate.with_(tokens=target_candidate.tokens - tokens, shares=target_candidate.shares - shares), target_candidate)
            hooks.after_delegation_modified(ctx, state, delegator, destination_candidate)
            redelegation_cut += tokens
    if redelegation_cut:
        bank_api.transfer_module(state, BONDED_POOL, destination, redelegation_cut)
    total += redelegation_cut

    return total + _cut_tokens(state, ctx, operator, max(0, target - total), destination)


def _stake_since(state: StateRead, operator: bytes, since_height: int) -> int:
    """The candidate's tokens plus what left it (unbonding, redelegation) at or after ``since_height``."""
    candidate = get_candidate(state, operator)
    stake = 0 if candidate is None else candidate.tokens
    for delegator in st.iter_unbonding_delegators_of(state, operator):
        stake += sum(e.initial_balance for e in st.get_unbonding(state, delegator, operator) if e.creation_height >= since_height)
    for _delegator, _source, _destination, entries in _redelegations_from(state, operator):
        stake += sum(e.initial_balance for e in entries if e.creation_height >= since_height)
    return stake


def _cut_tokens(state: StateWrite, ctx: BlockContext, operator: bytes, amount: int, destination: bytes) -> int:
    """Remove up to ``amount`` of the candidate's tokens (all delegations lose in proportion)."""
    candidate = get_candidate(state, operator)
    assert candidate is not None
    cut = min(candidate.tokens, amount)
    if cut:
        hooks.before_candidate_slashed(ctx, state, operator, cut, candidate.tokens)
        set_candidate(state, candidate.with_(tokens=candidate.tokens - cut), candidate)
        bank_api.transfer_module(state, BONDED_POOL, destination, cut)
    return cut


def penalise_master_node(state: StateWrite, ctx: BlockContext, operator: bytes, since_height: int, amount: int,
                         sponsor: bytes, destination: bytes) -> tuple[int, int]:
    """The compute module's hook for a fault the master node alone controls: take ``amount`` from the master's
    stake as it was at ``since_height`` (unbondings and redelegations begun since pay their share, so leaving
    while a task is open does not escape), and ``sponsor_share_bps`` of what was taken from ``sponsor`` (the
    super node that consented to sponsor the master when the task was allocated; empty for none), both to
    ``destination``. Returns (master amount, sponsor amount)."""
    candidate = get_candidate(state, operator)
    if candidate is None or candidate.kind != "master" or amount <= 0:
        return 0, 0
    params = get_params(state)
    stake = _stake_since(state, operator, since_height)
    if stake == 0:
        return 0, 0
    fraction_bps = min(BPS_, -(-amount * BPS_ // stake))
    master_cut = _slash_since(state, ctx, operator, since_height, fraction_bps, min(amount, stake), destination)
    sponsor_cut = 0
    if sponsor and get_candidate(state, sponsor) is not None:
        sponsor_cut = _cut_tokens(state, ctx, sponsor, master_cut * params.sponsor_share_bps // BPS_, destination)
    return master_cut, sponsor_cut


def _redelegations_from(state: StateRead, source: bytes):
    prefix = staking_keys.REDELEGATION_BY_SOURCE_PREFIX + source
    for key, _ in list(state.iter_prefix(prefix)):
        body = key[len(prefix):]
        delegator, destination = body[:20], body[20:]
        yield delegator, source, destination, st.get_redelegation(state, delegator, source, destination)

"""End of block: complete matured unbondings and redelegations, and at each epoch boundary elect
the validator set. The work is bounded by the matured entries and the number of candidates
considered (N plus the ineligible ones skipped), never by the number of delegators."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateWrite
from chain_modules.staking import state as st
from chain_modules.common.events import bech32
from chain_modules.staking.api import UNBONDING_POOL, min_master_bond, min_super_self_bond, self_bond
from chain_modules.staking.events import event_complete_unbonding, event_master_node_update, event_validator_update
from chain_modules.staking.types import BPS, StakingParams


def end_block(state: StateWrite, ctx: BlockContext) -> list[tuple[bytes, int]]:
    """Returns the validator updates (consensus pubkey, power; 0 removes) for CometBFT."""
    complete_unbondings(state, ctx.time)
    for delegator, source, destination in st.pop_matured_redelegations(state, ctx.time):
        entries = [e for e in st.get_redelegation(state, delegator, source, destination) if e.completion_time > ctx.time]
        st.set_redelegation(state, delegator, source, destination, entries)
    params = st.get_params(state)
    if ctx.height % params.epoch_blocks == 0:
        elect_master_nodes(state, params)
    if ctx.height % params.epoch_blocks == 0 or _a_validator_became_ineligible(state):
        return apply_election(state, params)
    return []


def elect_master_nodes(state: StateWrite, params: StakingParams) -> None:
    """The top max_master_nodes eligible master nodes (bond >= the minimum) become the active master nodes."""
    minimum = min_master_bond(state)
    elected: list[bytes] = []
    for operator in st.iter_by_power(state, "master"):
        if len(elected) == params.max_master_nodes:
            break
        candidate = st.get_candidate(state, operator)
        assert candidate is not None
        if self_bond(state, candidate) >= minimum:
            elected.append(operator)
    current = list(st.iter_active_masters(state))
    for operator in sorted(set(current) | set(elected)):
        active = operator in elected
        if active != (operator in current):
            st.set_active_master(state, operator, active)
            state.emit(event_master_node_update(operator, active))


def _a_validator_became_ineligible(state) -> bool:
    """A jailed or tombstoned validator leaves the set at once, not at the next epoch (O(N) reads)."""
    for operator, _pubkey, _power in st.iter_validator_set(state):
        candidate = st.get_candidate(state, operator)
        if candidate is None or not candidate.eligible:
            return True
    return False


def complete_unbondings(state: StateWrite, now: int) -> None:
    for delegator, candidate in st.pop_matured_unbondings(state, now):
        entries = st.get_unbonding(state, delegator, candidate)
        matured = [e for e in entries if e.completion_time <= now]
        remaining = [e for e in entries if e.completion_time > now]
        amount = sum(e.balance for e in matured)
        st.set_unbonding(state, delegator, candidate, remaining)
        if amount:
            bank_api.undelegate_coins(state, UNBONDING_POOL, delegator, amount)
            state.emit(event_complete_unbonding(delegator, candidate, amount))


def elect(state, params: StakingParams) -> dict[bytes, tuple[bytes, int]]:
    """The top max_super_nodes eligible candidates by tokens: operator -> (consensus pubkey, power), with every
    power capped so that no validator holds max_power_share_bps of the set's power or more (cap_powers)."""
    return {operator: (pubkey, power) for operator, (pubkey, power, _stake) in elect_with_stake(state, params).items()}


def elect_with_stake(state, params: StakingParams) -> dict[bytes, tuple[bytes, int, int]]:
    """elect, with the power each one's stake would give before the cap: operator -> (pubkey, power, stake power)."""
    stake_powers: dict[bytes, tuple[bytes, int]] = {}
    minimum = min_super_self_bond(state)
    for operator in st.iter_by_power(state, "super"):
        if len(stake_powers) == params.max_super_nodes:
            break
        candidate = st.get_candidate(state, operator)
        assert candidate is not None
        power = candidate.tokens // params.power_reduction
        if power == 0:
            break  # the index is sorted: nobody after this one has power either
        if self_bond(state, candidate) < minimum:
            continue
        stake_powers[operator] = (candidate.consensus_pubkey, power)
    capped = cap_powers([power for _pubkey, power in stake_powers.values()], params.max_power_share_bps)
    return {operator: (pubkey, min(power, capped), power) for operator, (pubkey, power) in stake_powers.items()}


def cap_powers(powers: list[int], max_share_bps: int) -> int:
    """The largest cap C such that, with every power lowered to at most C, no validator holds more than
    max_share_bps of the total: C x 10000 <= max_share_bps x sum(min(p, C)). Returns max(powers) when no cap
    is needed. The condition holds for every C up to the largest one and for none above it (its left side
    grows faster than its right once fewer than 10000 / max_share_bps powers exceed C), so a binary search
    finds it in O(N log max power). When no cap can satisfy it (fewer than 10000 / max_share_bps validators,
    so fewer than 4 with the default), powers are left as the stake gives them: such a set tolerates no fault
    whatever the powers, and equal powers would make every member's absence halt the chain."""
    if not powers:
        return 0

    def fits(cap: int) -> bool:
        return cap * BPS <= max_share_bps * sum(min(power, cap) for power in powers)

    highest = max(powers)
    if fits(highest):
        return highest
    if not fits(1):
        return highest
    low, high = 1, highest  # fits(low) and not fits(high)
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low


def apply_election(state: StateWrite, params: StakingParams) -> list[tuple[bytes, int]]:
    elected = elect_with_stake(state, params)
    if not elected:
        return []  # never hand CometBFT an empty validator set: keep the current one
    current = {operator: (pubkey, power) for operator, pubkey, power in st.iter_validator_set(state)}
    updates: list[tuple[bytes, int]] = []
    for operator in sorted(set(current) | set(elected)):
        old, new = current.get(operator), elected.get(operator)
        if new is None:
            assert old is not None
            updates.append((old[0], 0))
            st.set_validator(state, operator, old[0], 0)
            state.emit(event_validator_update(operator, old[0], 0))
            continue
        pubkey, power, stake_power = new
        if (pubkey, power) != old:
            updates.append((pubkey, power))
            state.emit(event_validator_update(operator, pubkey, power))
        if (pubkey, power) != old or st.get_validator_powers(state, operator) != (power, stake_power):
            st.set_validator(state, operator, pubkey, power, stake_power)
    return updates

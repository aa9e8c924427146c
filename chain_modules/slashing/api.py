"""Slashing rules, run by the app at the start of each block (evidence, then liveness).

The work per block is O(validators in the last commit + evidence items).
Slashed tokens go to the distribution pool's community amount: the supply
is fixed, so nothing is destroyed (docs/modules/slashing.md).
"""

from __future__ import annotations

from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateWrite
from chain_modules.distribution import api as distribution_api
from chain_modules.slashing import state as st
from chain_modules.slashing.events import event_slash_double_sign, event_slash_downtime
from chain_modules.slashing.types import BPS, FOREVER
from chain_modules.staking import api as staking_api


def _slash_to_community(state: StateWrite, ctx: BlockContext, operator: bytes, infraction_height: int, power: int, fraction_bps: int) -> int:
    amount = staking_api.slash(state, ctx, operator, infraction_height, power, fraction_bps, distribution_api.DISTRIBUTION_POOL)
    if amount:
        distribution_api.add_to_community(state, amount)
    return amount


def handle_double_sign(state: StateWrite, ctx: BlockContext, address: bytes, infraction_height: int, power: int) -> None:
    """Slash the double-signing candidate (stake at the infraction, later unbondings included), jail and tombstone it."""
    operator = staking_api.get_operator_by_consensus_address(state, address)
    if operator is None:
        return
    candidate = staking_api.get_candidate(state, operator)
    if candidate is None or candidate.tombstoned:
        return  # already punished for good: one slash per tombstone, as in the Cosmos SDK
    params = st.get_params(state)
    amount = _slash_to_community(state, ctx, operator, infraction_height, power, params.slash_fraction_double_sign_bps)
    staking_api.jail(state, operator, FOREVER, tombstone=True)
    state.emit(event_slash_double_sign(operator, amount, infraction_height))


def handle_liveness(state: StateWrite, ctx: BlockContext, address: bytes, power: int, signed: bool) -> None:
    """Record one vote of the last commit; jail and slash a validator that missed too many of the window
    and has missed every vote for at least min_downtime_seconds of block time."""
    operator = staking_api.get_operator_by_consensus_address(state, address)
    if operator is None:
        return
    params = st.get_params(state)
    window = params.signed_blocks_window
    info = st.get_signing_info(state, address)
    if info is None:
        info = [ctx.height, 0, 0, bytes(window // 8), 0]
    start_height, seen, missed, bitmap, missing_since = info
    bitmap = bytearray(bitmap)
    index = seen % window
    byte, bit = divmod(index, 8)
    was_missed = bool(bitmap[byte] & (1 << bit))
    if not signed and not was_missed:
        bitmap[byte] |= 1 << bit
        missed += 1
    elif signed and was_missed:
        bitmap[byte] &= ~(1 << bit) & 0xFF
        missed -= 1
    seen += 1
    missing_since = 0 if signed else (missing_since or ctx.time)
    max_missed = window - window * params.min_signed_bps // BPS
    candidate = staking_api.get_candidate(state, operator)
    down_long_enough = params.min_downtime_seconds == 0 or (
        missing_since != 0 and ctx.time - missing_since >= params.min_downtime_seconds)
    if seen >= window and missed > max_missed and down_long_enough and candidate is not None and not candidate.jailed:
        # the fault happened while the commit was being formed: count the stake at the previous height
        amount = _slash_to_community(state, ctx, operator, max(ctx.height - 2, 1), power, params.slash_fraction_downtime_bps)
        if _others_can_fill_the_set(state, operator, params.min_validators_after_jail):
            until = ctx.time + params.downtime_jail_seconds
            staking_api.jail(state, operator, until)
            jailed_until = str(until)
        else:
            jailed_until = "not jailed: too few other super nodes to keep a set that tolerates a fault"
        state.emit(event_slash_downtime(operator, amount, missed, jailed_until))
        start_height, seen, missed, bitmap, missing_since = ctx.height, 0, 0, bytearray(window // 8), 0
    st.set_signing_info(state, address, start_height, seen, missed, bytes(bitmap), missing_since)


def _others_can_fill_the_set(state: StateWrite, operator: bytes, needed: int) -> bool:
    """Whether at least ``needed`` eligible super nodes other than ``operator`` exist (reads at most needed + 1
    entries of the power index)."""
    others = 0
    for candidate in staking_api.iter_eligible_super_nodes(state):
        if candidate != operator:
            others += 1
            if others >= needed:
                return True
    return others >= needed


def begin_block(state: StateWrite, ctx: BlockContext, votes: list[tuple[bytes, int, bool]], evidence: list[tuple[bytes, int, int]]) -> None:
    """``votes``: (consensus address, power, signed) of the last commit; ``evidence``: (address, height, power)."""
    for address, infraction_height, power in evidence:
        handle_double_sign(state, ctx, address, infraction_height, power)
    for address, power, signed in sorted(votes):
        handle_liveness(state, ctx, address, power, signed)

"""slashing message handlers."""

from __future__ import annotations

from chain_modules.common.context import BlockContext
from chain_modules.slashing.events import event_unjail
from chain_modules.common.state import StateWrite
from chain_modules.slashing.errors import ErrJailPeriodActive, ErrNotJailed, ErrSelfBondTooLow, ErrTombstoned, ErrUnknownCandidate
from chain_modules.slashing.types import MsgUnjail
from chain_modules.staking import api as staking_api


def handle_unjail(state: StateWrite, ctx: BlockContext, msg: MsgUnjail) -> None:
    """Unjail msg.operator's candidate: it can be elected again at the next epoch.

    Raises: ErrUnknownCandidate, ErrNotJailed, ErrTombstoned, ErrJailPeriodActive, ErrSelfBondTooLow
    """
    candidate = staking_api.get_candidate(state, msg.operator)
    if candidate is None:
        raise ErrUnknownCandidate()
    if candidate.tombstoned:
        raise ErrTombstoned()
    if not candidate.jailed:
        raise ErrNotJailed()
    if ctx.time < candidate.jailed_until:
        raise ErrJailPeriodActive(f"jailed until {candidate.jailed_until}, block time is {ctx.time}")
    minimum = staking_api.min_super_self_bond(state)
    if staking_api.self_bond(state, candidate) < minimum:
        raise ErrSelfBondTooLow(f"self-bond must be at least {minimum}uamio")
    staking_api.unjail(state, msg.operator)
    state.emit(event_unjail(msg.operator))

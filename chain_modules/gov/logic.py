"""Proposal lifecycle: deposits, the start of voting, and the end of each period (docs/modules/gov.md)."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.context import BlockContext
from chain_modules.common.errors import ChainError
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.distribution import api as distribution_api
from chain_modules.distribution.api import DISTRIBUTION_POOL
from chain_modules.gov import proposals
from chain_modules.gov import state as st
from chain_modules.gov.errors import ErrTooManyDepositors, ErrTooManyVotingProposals
from chain_modules.gov.events import (
    event_deposit,
    event_deposits_settled,
    event_expedited_converted,
    event_proposal_ended,
    event_voting_started,
)
from chain_modules.gov.proposals import GOV_POOL, ParamTable
from chain_modules.gov.types import (
    BPS,
    DEPOSIT_PERIOD,
    EXPIRED,
    FAILED,
    PASSED,
    REJECTED,
    VETOED,
    VOTING_PERIOD,
    GovParams,
    Proposal,
)
from chain_modules.locks import api as locks_api
from chain_modules.staking import api as staking_api


def add_deposit(state: StateWrite, ctx: BlockContext, params: GovParams, proposal: Proposal, depositor: bytes,
                amount: int) -> Proposal:
    """Move ``amount`` from the depositor to the gov pool for ``proposal``; start its voting period when the
    deposit reaches the minimum. Returns the proposal as stored.

    Raises: ErrTooManyDepositors, ErrTooManyVotingProposals, bank.ErrInsufficientFunds, bank.ErrLockedByVesting
    """
    before = st.get_deposit(state, proposal.id, depositor)
    depositors = proposal.depositors + (1 if before == 0 else 0)
    if depositors > params.max_depositors:
        raise ErrTooManyDepositors(f"proposal {proposal.id} has {proposal.depositors} depositors, the maximum")
    total = proposal.total_deposit + amount
    activates = total >= params.needed_deposit(proposal.expedited)
    if activates and st.get_voting_count(state) >= params.max_voting_proposals:
        raise ErrTooManyVotingProposals(
            f"{params.max_voting_proposals} proposals are in their voting period (the maximum); this deposit would "
            "start another: deposit again when one has ended")
    bank_api.transfer(state, depositor, GOV_POOL, amount, ctx.time)
    st.set_deposit(state, proposal.id, depositor, before + amount)
    proposal = proposal.with_(total_deposit=total, depositors=depositors)
    state.emit(event_deposit(proposal.id, depositor, amount, total))
    if activates:
        proposal = start_voting(state, ctx, params, proposal)
    st.set_proposal(state, proposal)
    return proposal


def start_voting(state: StateWrite, ctx: BlockContext, params: GovParams, proposal: Proposal) -> Proposal:
    st.unqueue(state, False, proposal.deposit_end, proposal.id)
    period = params.expedited_voting_period_seconds if proposal.expedited else params.voting_period_seconds
    proposal = proposal.with_(status=VOTING_PERIOD, voting_start=ctx.time, voting_end=ctx.time + period)
    st.queue(state, True, proposal.voting_end, proposal.id)
    st.set_voting_count(state, st.get_voting_count(state) + 1)
    st.set_tally(state, proposal.id, [0, 0, 0, 0])
    state.emit(event_voting_started(proposal.id, proposal.voting_end))
    return proposal


def total_voting_power(state: StateRead) -> int:
    """Every bonded token plus every investor-locked token: the quorum's base."""
    return bank_api.get_balance(state, staking_api.BONDED_POOL) + locks_api.total_investor_locked(state)


def decide(params: GovParams, result: list[int], total_power: int, expedited: bool) -> str:
    """PASSED, REJECTED or VETOED, from a tally (docs/modules/gov.md, "Tally")."""
    yes, no, abstain, veto = result
    turnout = yes + no + abstain + veto
    if turnout == 0 or turnout * BPS < params.quorum_bps * total_power:
        return REJECTED
    if veto * BPS > params.veto_bps * turnout:
        return VETOED
    threshold = params.expedited_threshold_bps if expedited else params.threshold_bps
    if yes + no + veto > 0 and yes * BPS > threshold * (yes + no + veto):
        return PASSED
    return REJECTED


def _settle_deposits(state: StateWrite, proposal_id: int, refund: bool) -> None:
    """Refund every deposit of the proposal, or burn them all to the community pool (at most max_depositors)."""
    total = 0
    for _id, depositor, amount in list(st.iter_deposits(state, proposal_id)):
        st.set_deposit(state, proposal_id, depositor, 0)
        total += amount
        if refund:
            bank_api.transfer_module(state, GOV_POOL, depositor, amount)
    if total and not refund:
        bank_api.transfer_module(state, GOV_POOL, DISTRIBUTION_POOL, total)
        distribution_api.add_to_community(state, total)
    state.emit(event_deposits_settled(proposal_id, refund, total))


def expire(state: StateWrite, proposal: Proposal) -> None:
    """A proposal that did not reach the minimum deposit in its deposit period: its deposits are burned."""
    st.unqueue(state, False, proposal.deposit_end, proposal.id)
    st.set_proposal(state, proposal.with_(status=EXPIRED, note="the deposit period ended below the minimum deposit"))
    _settle_deposits(state, proposal.id, refund=False)
    state.emit(event_proposal_ended(proposal.id, EXPIRED, [0, 0, 0, 0], 0, "deposit period ended"))


def finish(state: StateWrite, ctx: BlockContext, table: ParamTable, params: GovParams, proposal: Proposal) -> None:
    """Close a voting period: decide from the running tally; pass, reject, veto, or (an expedited proposal that
    did not pass and was not vetoed) continue as a regular proposal."""
    result = st.get_tally(state, proposal.id)
    power = total_voting_power(state)
    outcome = decide(params, result, power, proposal.expedited)
    st.unqueue(state, True, proposal.voting_end, proposal.id)
    if proposal.expedited and outcome == REJECTED:
        end = proposal.voting_start + params.voting_period_seconds
        if end > ctx.time:
            converted = proposal.with_(expedited=False, voting_end=end,
                                       note="expedited: did not pass the expedited threshold; voting continues")
            st.queue(state, True, end, proposal.id)
            st.set_proposal(state, converted)
            state.emit(event_expedited_converted(proposal.id, end))
            return
        outcome = decide(params, result, power, False)
    note = ""
    if outcome == PASSED:
        try:  # execute checks everything before it writes: a ChainError leaves state as it was
            proposals.execute(state, ctx, table, proposal)
        except ChainError as error:
            outcome, note = FAILED, error.log
    st.set_voting_count(state, st.get_voting_count(state) - 1)
    st.set_proposal(state, proposal.with_(status=outcome, final_tally=tuple(result), total_power=power, note=note))
    _settle_deposits(state, proposal.id, refund=outcome != VETOED)
    state.emit(event_proposal_ended(proposal.id, outcome, result, power, note))


def end_block(state: StateWrite, ctx: BlockContext, table: ParamTable) -> None:
    """Close at most max_endings_per_block periods that have ended, soonest first (deposit periods, then voting
    periods); the others wait for the next block."""
    params = st.get_params(state)
    budget = params.max_endings_per_block
    for end, proposal_id in list(_due(state, False, ctx.time, budget)):
        proposal = st.get_proposal(state, proposal_id)
        assert proposal is not None and proposal.status == DEPOSIT_PERIOD
        expire(state, proposal)
        budget -= 1
    for end, proposal_id in list(_due(state, True, ctx.time, budget)):
        proposal = st.get_proposal(state, proposal_id)
        assert proposal is not None and proposal.status == VOTING_PERIOD
        finish(state, ctx, table, params, proposal)


def _due(state: StateRead, voting: bool, now: int, limit: int):
    if limit <= 0:
        return
    for end, proposal_id in st.iter_queue(state, voting):
        if end > now:
            return
        yield end, proposal_id
        limit -= 1
        if limit == 0:
            return

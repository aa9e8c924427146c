"""gov message handlers: checks first, then writes, then events."""

from __future__ import annotations

from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateWrite
from chain_modules.gov import logic, proposals, tally
from chain_modules.gov import state as st
from chain_modules.gov.errors import (
    ErrInitialDepositTooLow,
    ErrNoVotingPower,
    ErrNotInDepositPeriod,
    ErrNotInVotingPeriod,
    ErrTooManyDelegations,
    ErrUnknownProposal,
)
from chain_modules.gov.events import event_proposal_submitted, event_vote
from chain_modules.gov.proposals import ParamTable
from chain_modules.gov.types import DEPOSIT_PERIOD, VOTING_PERIOD, MsgDeposit, MsgSubmitProposal, MsgVote, Proposal
from chain_modules.locks import api as locks_api
from chain_modules.staking import api as staking_api


def handle_submit_proposal(state: StateWrite, ctx: BlockContext, msg: MsgSubmitProposal, param_table: ParamTable) -> None:
    """Store a proposal in its deposit period with the proposer's initial deposit (its voting period starts at
    once when that deposit reaches the minimum). What it asks is checked against the chain now, and again when
    it passes.

    Raises: ErrInitialDepositTooLow, ErrInvalidParamChange, ErrParamNeedsMigration, ErrUnknownApp,
    ErrInsufficientCommunityPool, ErrInvalidUpgradeHeight, ErrTooManyVotingProposals, bank.ErrInsufficientFunds,
    bank.ErrLockedByVesting
    """
    params = st.get_params(state)
    least = params.initial_deposit(msg.expedited)
    if msg.initial_deposit < least:
        raise ErrInitialDepositTooLow(
            f"initial deposit {msg.initial_deposit}uamio is below {least}uamio ({params.min_initial_deposit_bps} bps "
            f"of the {'expedited ' if msg.expedited else ''}minimum deposit {params.needed_deposit(msg.expedited)}uamio)")
    proposals.check(state, ctx, param_table, msg.kind, msg.content)

    proposal_id = st.peek_next_id(state)
    deposit_end = ctx.time + params.max_deposit_seconds
    proposal = Proposal(proposal_id, msg.proposer, msg.kind, msg.content, msg.title, msg.summary, msg.expedited,
                        DEPOSIT_PERIOD, ctx.time, deposit_end)
    state.emit(event_proposal_submitted(proposal_id, msg.proposer, msg.kind, msg.expedited, deposit_end))
    # add_deposit checks everything (depositors, voting slots, funds) before it writes anything
    proposal = logic.add_deposit(state, ctx, params, proposal, msg.proposer, msg.initial_deposit)
    st.take_next_id(state)
    if proposal.status == DEPOSIT_PERIOD:
        st.queue(state, False, deposit_end, proposal_id)


def handle_deposit(state: StateWrite, ctx: BlockContext, msg: MsgDeposit) -> None:
    """Add to the deposit of a proposal in its deposit period; reaching the minimum starts its voting period.

    Raises: ErrUnknownProposal, ErrNotInDepositPeriod, ErrTooManyDepositors, ErrTooManyVotingProposals,
    bank.ErrInsufficientFunds, bank.ErrLockedByVesting
    """
    proposal = st.get_proposal(state, msg.proposal_id)
    if proposal is None:
        raise ErrUnknownProposal(f"no proposal {msg.proposal_id}")
    if proposal.status != DEPOSIT_PERIOD or ctx.time >= proposal.deposit_end:
        raise ErrNotInDepositPeriod(f"proposal {proposal.id} is {proposal.status}"
                                    + (" (its deposit period has ended)" if proposal.status == DEPOSIT_PERIOD else "")
                                    + "; deposits are taken only in the deposit period")
    logic.add_deposit(state, ctx, st.get_params(state), proposal, msg.depositor, msg.amount)


def handle_vote(state: StateWrite, ctx: BlockContext, msg: MsgVote) -> None:
    """Count the voter's bonded AMIO (its shares in every candidate it delegates to; a candidate's operator also
    decides for its delegators who do not vote) and its investor-locked AMIO for ``option``, replacing its
    earlier vote on the proposal.

    Raises: ErrUnknownProposal, ErrNotInVotingPeriod, ErrTooManyDelegations, ErrNoVotingPower
    """
    proposal = st.get_proposal(state, msg.proposal_id)
    if proposal is None:
        raise ErrUnknownProposal(f"no proposal {msg.proposal_id}")
    if proposal.status != VOTING_PERIOD or ctx.time >= proposal.voting_end:
        raise ErrNotInVotingPeriod(f"proposal {proposal.id} is {proposal.status}"
                                   + (" (its voting period has ended)" if proposal.status == VOTING_PERIOD else ""))
    params = st.get_params(state)
    delegations = tally.count_delegations(state, msg.voter, params.max_vote_delegations)
    if delegations > params.max_vote_delegations:
        raise ErrTooManyDelegations(f"the voter has more than {params.max_vote_delegations} delegations; "
                                    "redelegate to fewer candidates to vote")
    candidate = staking_api.get_candidate(state, msg.voter)
    if delegations == 0 and locks_api.investor_locked(state, msg.voter) == 0 and (candidate is None or candidate.shares == 0):
        raise ErrNoVotingPower("the voter has no bonded AMIO, no investor-locked AMIO and operates no candidate")

    tally.remove_vote(state, proposal.id, msg.voter)
    tally.add_vote(state, proposal.id, msg.voter, msg.option)
    state.emit(event_vote(proposal.id, msg.voter, msg.option))

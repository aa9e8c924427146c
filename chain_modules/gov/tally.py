"""The tally, kept up to date as votes and stake change, so that closing a voting period reads it in O(1).

The formula (docs/modules/gov.md, "Tally"): for each candidate V with tokens T_V and shares S_V, and each
option o, let s_V[o] be the shares in V of the delegators who voted o themselves. Then

    counted_V[o] = s_V[o] x T_V // S_V  +  (o == vote of V's operator) x (S_V - sum_o s_V[o]) x T_V // S_V

(a delegator who did not vote inherits its candidate's vote; a candidate whose operator did not vote counts only
its voting delegators), and

    tally[o] = sum_V counted_V[o]  +  sum over voters D who voted o of the investor-locked AMIO of D.

A token is either in the bonded pool (behind one candidate) or in the locks pool, never both, so an account
that delegates and locks counts each of its tokens once: its delegations through the formula, its locks as
locked AMIO.

The running sums change only where an input changes: a vote touches the voter's delegations; a delegation
change touches (delegator, candidate); a slash touches the candidate; a lock touches its owner. Each is done
for every proposal in its voting period (at most ``max_voting_proposals``). Nothing walks all voters,
delegators or accounts.
"""

from __future__ import annotations

from chain_modules.common.state import StateRead, StateWrite
from chain_modules.gov import state as st
from chain_modules.gov.types import OPTIONS
from chain_modules.locks import api as locks_api
from chain_modules.staking import api as staking_api

N = len(OPTIONS)


def counted(record: list[int], tokens: int, shares: int, operator_option: str | None) -> list[int]:
    """counted_V of the formula above, from a candidate record's voted shares."""
    voted = record[:N]
    if shares == 0:
        return [0] * N
    result = [voted[i] * tokens // shares for i in range(N)]
    if operator_option is not None:
        result[OPTIONS.index(operator_option)] += (shares - sum(voted)) * tokens // shares
    return result


def refresh_candidate(state: StateWrite, proposal_id: int, operator: bytes, tokens: int | None = None) -> None:
    """Recount one candidate's part of one proposal's tally from its record and its stake now (``tokens`` when
    the caller knows the stake it is about to have: a slash)."""
    record = st.get_candidate_record(state, proposal_id, operator) or [0] * (2 * N)
    candidate = staking_api.get_candidate(state, operator)
    vote = st.get_vote(state, proposal_id, operator)
    option = vote[0] if vote is not None and candidate is not None else None
    if candidate is None:
        new = [0] * N
    else:
        new = counted(record, candidate.tokens if tokens is None else tokens, candidate.shares, option)
    old = record[N:]
    if new != old:
        tally = st.get_tally(state, proposal_id)
        st.set_tally(state, proposal_id, [tally[i] + new[i] - old[i] for i in range(N)])
    keep = any(record[:N]) or option is not None
    st.set_candidate_record(state, proposal_id, operator, record[:N] + new if keep else None)


def _move_shares(state: StateWrite, proposal_id: int, voter: bytes, candidate: bytes, option: str, shares: int) -> None:
    """Set the voter's counted shares on ``candidate`` to ``shares`` and recount the candidate."""
    before = st.get_vote_shares(state, proposal_id, voter, candidate)
    if before != shares:
        record = st.get_candidate_record(state, proposal_id, candidate) or [0] * (2 * N)
        index = OPTIONS.index(option)
        record[index] += shares - before
        st.set_candidate_record(state, proposal_id, candidate, record)
        st.set_vote_shares(state, proposal_id, voter, candidate, shares)
    refresh_candidate(state, proposal_id, candidate)


def count_delegations(state: StateRead, voter: bytes, limit: int) -> int:
    """The voter's delegations, counted up to ``limit + 1`` (enough to refuse a vote that would count too many)."""
    count = 0
    for _delegator, _candidate, _shares in staking_api.iter_delegations(state, voter):
        count += 1
        if count > limit:
            break
    return count


def remove_vote(state: StateWrite, proposal_id: int, voter: bytes) -> None:
    """Take a voter's vote out of the tally (before it votes again)."""
    vote = st.get_vote(state, proposal_id, voter)
    if vote is None:
        return
    option, locked = vote
    for candidate, _shares in list(st.iter_vote_shares(state, proposal_id, voter)):
        _move_shares(state, proposal_id, voter, candidate, option, 0)
    if locked:
        tally = st.get_tally(state, proposal_id)
        tally[OPTIONS.index(option)] -= locked
        st.set_tally(state, proposal_id, tally)
    st.delete_vote(state, proposal_id, voter)
    refresh_candidate_if_operator(state, proposal_id, voter)


def refresh_candidate_if_operator(state: StateWrite, proposal_id: int, voter: bytes) -> None:
    """A voter that operates a candidate decides the vote its non-voting delegators inherit: recount it."""
    if staking_api.get_candidate(state, voter) is not None:
        refresh_candidate(state, proposal_id, voter)


def add_vote(state: StateWrite, proposal_id: int, voter: bytes, option: str) -> None:
    """Count a vote: the voter's shares in every candidate it delegates to, and its investor-locked AMIO."""
    locked = locks_api.investor_locked(state, voter)
    st.set_vote(state, proposal_id, voter, option, locked)
    if locked:
        tally = st.get_tally(state, proposal_id)
        tally[OPTIONS.index(option)] += locked
        st.set_tally(state, proposal_id, tally)
    for _delegator, candidate, shares in list(staking_api.iter_delegations(state, voter)):
        _move_shares(state, proposal_id, voter, candidate, option, shares)
    refresh_candidate_if_operator(state, proposal_id, voter)


def voting_proposals(state: StateRead) -> list[int]:
    """Ids of the proposals in their voting period (at most max_voting_proposals), in id order."""
    return sorted(proposal_id for _end, proposal_id in st.iter_queue(state, voting=True))


# -- what the hooks call when stake or locks change ----------------------------------------------------


def on_delegation_modified(state: StateWrite, delegator: bytes, operator: bytes) -> None:
    """A delegation's shares, and the candidate's tokens and shares, changed: follow them."""
    for proposal_id in voting_proposals(state):
        vote = st.get_vote(state, proposal_id, delegator)
        if vote is not None:
            shares = staking_api.get_delegation_shares(state, delegator, operator)
            _move_shares(state, proposal_id, delegator, operator, vote[0], shares)
        elif st.get_candidate_record(state, proposal_id, operator) is not None:
            refresh_candidate(state, proposal_id, operator)


def on_candidate_slashed(state: StateWrite, operator: bytes, removed: int, tokens_before: int) -> None:
    """The candidate is about to lose ``removed`` of its ``tokens_before`` tokens; its shares stay."""
    for proposal_id in voting_proposals(state):
        if st.get_candidate_record(state, proposal_id, operator) is not None:
            refresh_candidate(state, proposal_id, operator, tokens=tokens_before - removed)


def on_locked_changed(state: StateWrite, owner: bytes, delta: int) -> None:
    """The owner's investor-locked AMIO changed by ``delta`` (a lock created, or one expired)."""
    for proposal_id in voting_proposals(state):
        vote = st.get_vote(state, proposal_id, owner)
        if vote is None:
            continue
        option, locked = vote
        st.set_vote(state, proposal_id, owner, option, locked + delta)
        tally = st.get_tally(state, proposal_id)
        tally[OPTIONS.index(option)] += delta
        st.set_tally(state, proposal_id, tally)


# -- a recount from scratch, for tests, invariants and the bench ----------------------------------------


def recount(state: StateRead, proposal_id: int) -> list[int]:
    """The tally of the formula, computed from every vote and every delegation of the voters (unbounded: for
    checks only, never in a block)."""
    voted: dict[bytes, list[int]] = {}
    tally = [0] * N
    options: dict[bytes, str] = {}
    for voter, option, _locked in st.iter_votes(state, proposal_id):
        options[voter] = option
        tally[OPTIONS.index(option)] += locks_api.investor_locked(state, voter)
        for _delegator, candidate, shares in staking_api.iter_delegations(state, voter):
            voted.setdefault(candidate, [0] * N)[OPTIONS.index(option)] += shares
    operators = set(voted) | {voter for voter in options if staking_api.get_candidate(state, voter) is not None}
    for operator in sorted(operators):
        candidate = staking_api.get_candidate(state, operator)
        if candidate is None:
            continue
        part = counted(voted.get(operator, [0] * N), candidate.tokens, candidate.shares, options.get(operator))
        tally = [tally[i] + part[i] for i in range(N)]
    return tally

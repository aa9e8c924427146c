"""gov invariants, checked by tests after every block and on an exported genesis."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.state import StateRead
from chain_modules.gov import state as st
from chain_modules.gov import tally
from chain_modules.gov.proposals import GOV_POOL
from chain_modules.gov.types import DEPOSIT_PERIOD, OPEN_STATUSES, VOTING_PERIOD


def check_deposits(state: StateRead) -> None:
    """The gov pool holds exactly the deposits of open proposals; each open proposal's total is the sum of its
    deposit records; ended proposals hold none; the queues and the voting count agree with the statuses."""
    held: dict[int, int] = {}
    depositors: dict[int, int] = {}
    for proposal_id, _depositor, amount in st.iter_deposits(state):
        assert amount > 0
        held[proposal_id] = held.get(proposal_id, 0) + amount
        depositors[proposal_id] = depositors.get(proposal_id, 0) + 1
    open_total = 0
    voting = 0
    queued = {(False, pid): end for end, pid in st.iter_queue(state, False)}
    queued.update({(True, pid): end for end, pid in st.iter_queue(state, True)})
    for proposal in st.iter_proposals(state):
        if proposal.status in OPEN_STATUSES:
            assert held.get(proposal.id, 0) == proposal.total_deposit, f"proposal {proposal.id}: deposits != records"
            assert depositors.get(proposal.id, 0) == proposal.depositors
            open_total += proposal.total_deposit
        else:
            assert proposal.id not in held, f"ended proposal {proposal.id} still holds deposits"
        if proposal.status == DEPOSIT_PERIOD:
            assert queued.pop((False, proposal.id)) == proposal.deposit_end
        if proposal.status == VOTING_PERIOD:
            voting += 1
            assert queued.pop((True, proposal.id)) == proposal.voting_end
    assert not queued, f"queue entries without an open proposal: {sorted(queued)}"
    assert voting == st.get_voting_count(state), "voting count != proposals in their voting period"
    assert bank_api.get_balance(state, GOV_POOL) == open_total, \
        f"gov pool {bank_api.get_balance(state, GOV_POOL)} != open proposals' deposits {open_total}"


def check_tally(state: StateRead) -> None:
    """The running tally of every proposal in its voting period equals a recount from scratch."""
    for _end, proposal_id in st.iter_queue(state, True):
        running = st.get_tally(state, proposal_id)
        recounted = tally.recount(state, proposal_id)
        assert running == recounted, f"proposal {proposal_id}: running tally {running} != recount {recounted}"

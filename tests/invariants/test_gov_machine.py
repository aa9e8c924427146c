"""Random governance histories: submissions (plain and expedited, too-small deposits too), deposits, votes and
changed votes, delegations, undelegations and redelegations during voting, investor locks created and expiring,
slashes, and blocks that end deposit and voting periods.

After every step:

- the gov pool holds exactly the deposits of the open proposals, as a model that follows every accepted deposit
  and every end says (refunded, or burned to the community pool when expired or vetoed);
- no AMIO is created or lost: bank's supply invariant holds and the supply is what it was;
- the running tally of every proposal in its voting period equals a recount written here from the documented
  formula, straight from the staking and locks records (not with gov's code);
- gov's own invariants hold.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from abci_app.store import Overlay
from chain_modules.bank import invariants as bank_invariants
from chain_modules.bank.state import get_balance, get_supply
from chain_modules.common.errors import ChainError
from chain_modules.distribution.api import DISTRIBUTION_POOL
from chain_modules.gov import invariants
from chain_modules.gov import state as gov_state
from chain_modules.gov.api import GOV_POOL
from chain_modules.gov.types import EXPIRED, OPEN_STATUSES, OPTIONS, VETOED, VOTING_PERIOD
from chain_modules.locks import state as locks_state
from chain_modules.staking import api as staking_api
from chain_modules.staking import state as staking_state
from tests.modules.gov.helpers import D1, D2, D3, LOCKER, PROPOSER, V1, V2, GovWorld, world

VOTERS = [V1, V2, D1, D2, D3, LOCKER, PROPOSER]
DELEGATORS = [D1, D2, D3, LOCKER, PROPOSER]
CANDIDATES = [V1, V2]


def recount(state, proposal_id: int) -> list[int]:
    """The documented formula, from the raw records: per candidate, the voted shares by option and the operator's
    vote for the rest, each term floored; plus each voter's investor-locked AMIO."""
    votes = {voter: option for voter, option, _locked in gov_state.iter_votes(state, proposal_id)}
    tally = [0, 0, 0, 0]
    for voter, option in votes.items():
        tally[OPTIONS.index(option)] += locks_state.get_account(state, voter)[1]
    for candidate in staking_state.iter_candidates(state):
        voted = [0, 0, 0, 0]
        for delegator, operator, shares in staking_state.iter_delegations(state):
            if operator == candidate.operator and delegator in votes:
                voted[OPTIONS.index(votes[delegator])] += shares
        if candidate.shares == 0:
            continue
        for index in range(4):
            tally[index] += voted[index] * candidate.tokens // candidate.shares
        if candidate.operator in votes:
            rest = (candidate.shares - sum(voted)) * candidate.tokens // candidate.shares
            tally[OPTIONS.index(votes[candidate.operator])] += rest
    return tally


class GovMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.world: GovWorld = world()
        self.supply = get_supply(self.world.state)
        self.deposits: dict[int, int] = {}  # open proposal -> deposits the model has seen accepted
        self.burned = 0
        self.community = get_balance(self.world.state, DISTRIBUTION_POOL)
        self.ids: list[int] = []

    def attempt(self, action) -> bool:
        """Run a step on a child overlay, kept only when it succeeds (as the router does)."""
        parent = self.world.state
        child = Overlay(parent)
        self.world.state = child
        try:
            action()
        except ChainError:
            return False
        finally:
            self.world.state = parent
        child.write_through()
        return True

    def pick(self, data) -> int:
        return data.draw(st.sampled_from(self.ids)) if self.ids else 1

    # -- proposals ---------------------------------------------------------------------------------------

    @rule(proposer=st.sampled_from(VOTERS), deposit=st.sampled_from([100, 250, 600, 1_000, 1_300, 5_000]),
          expedited=st.booleans())
    def submit(self, proposer, deposit, expedited) -> None:
        proposal_id = gov_state.peek_next_id(self.world.state)
        if self.attempt(lambda: self.world.submit(deposit=deposit, expedited=expedited, proposer=proposer)):
            self.ids.append(proposal_id)
            self.deposits[proposal_id] = deposit

    @rule(data=st.data(), depositor=st.sampled_from(VOTERS), amount=st.sampled_from([1, 100, 500, 750, 4_000]))
    def deposit(self, data, depositor, amount) -> None:
        proposal_id = self.pick(data)
        if self.attempt(lambda: self.world.deposit(proposal_id, amount, depositor)):
            self.deposits[proposal_id] += amount

    @rule(data=st.data(), voter=st.sampled_from(VOTERS), option=st.sampled_from(OPTIONS))
    def vote(self, data, voter, option) -> None:
        proposal_id = self.pick(data)
        self.attempt(lambda: self.world.vote(proposal_id, voter, option))

    # -- stake and locks change during voting ------------------------------------------------------------

    @rule(delegator=st.sampled_from(DELEGATORS + CANDIDATES), candidate=st.sampled_from(CANDIDATES),
          amount=st.integers(1, 6_000))
    def delegate(self, delegator, candidate, amount) -> None:
        self.attempt(lambda: self.world.delegate(delegator, candidate, amount))

    @rule(delegator=st.sampled_from(DELEGATORS + CANDIDATES), candidate=st.sampled_from(CANDIDATES),
          amount=st.integers(1, 6_000))
    def undelegate(self, delegator, candidate, amount) -> None:
        self.attempt(lambda: self.world.undelegate(delegator, candidate, amount))

    @rule(delegator=st.sampled_from(DELEGATORS), source=st.sampled_from(CANDIDATES), amount=st.integers(1, 6_000))
    def redelegate(self, delegator, source, amount) -> None:
        destination = V2 if source == V1 else V1
        self.attempt(lambda: self.world.redelegate(delegator, source, destination, amount))

    @rule(owner=st.sampled_from(VOTERS), amount=st.integers(1, 5_000), duration=st.integers(10, 400))
    def lock(self, owner, amount, duration) -> None:
        self.attempt(lambda: self.world.lock(owner, amount, duration))

    @rule(candidate=st.sampled_from(CANDIDATES), bps=st.sampled_from([1, 500, 3_333, 10_000]))
    def slash(self, candidate, bps) -> None:
        record = staking_state.get_candidate(self.world.state, candidate.address)
        power = record.tokens // 100
        w = self.world
        before = get_balance(w.state, DISTRIBUTION_POOL)

        def cut() -> None:
            staking_api.slash(w.state, w.ctx(), candidate.address, w.height, power, bps, DISTRIBUTION_POOL)
        self.attempt(cut)
        # slashed stake also goes to the distribution pool: the model follows it beside the burned deposits
        self.community += get_balance(self.world.state, DISTRIBUTION_POOL) - before

    # -- blocks ------------------------------------------------------------------------------------------

    @rule(seconds=st.sampled_from([1, 10, 50, 99, 100, 101, 200, 300]))
    def advance(self, seconds) -> None:
        before = {pid: gov_state.get_proposal(self.world.state, pid) for pid in self.deposits}
        self.world.advance(seconds)
        for proposal_id, old in before.items():
            new = gov_state.get_proposal(self.world.state, proposal_id)
            if new.status not in OPEN_STATUSES and old.status in OPEN_STATUSES:
                amount = self.deposits.pop(proposal_id)
                if new.status in (EXPIRED, VETOED):
                    self.burned += amount

    # -- checks ------------------------------------------------------------------------------------------

    @invariant()
    def deposits_held_are_the_open_proposals_deposits(self) -> None:
        assert get_balance(self.world.state, GOV_POOL) == sum(self.deposits.values())
        for proposal_id, amount in self.deposits.items():
            proposal = gov_state.get_proposal(self.world.state, proposal_id)
            assert proposal.status in OPEN_STATUSES and proposal.total_deposit == amount
        invariants.check_deposits(self.world.state)

    @invariant()
    def no_token_is_created_or_lost(self) -> None:
        bank_invariants.check_supply(self.world.state)
        assert get_supply(self.world.state) == self.supply
        assert get_balance(self.world.state, DISTRIBUTION_POOL) == self.community + self.burned

    @invariant()
    def the_tally_equals_a_recount(self) -> None:
        for proposal_id in self.deposits:
            proposal = gov_state.get_proposal(self.world.state, proposal_id)
            if proposal.status == VOTING_PERIOD:
                assert gov_state.get_tally(self.world.state, proposal_id) == recount(self.world.state, proposal_id)
        invariants.check_tally(self.world.state)


GovMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
TestGovMachine = GovMachine.TestCase

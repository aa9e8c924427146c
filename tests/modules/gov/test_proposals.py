"""The proposal lifecycle: deposits, voting, the tally formula, and what each kind does when it passes."""

from __future__ import annotations

from dataclasses import replace

from chain_modules.apppool import state as apppool_state
from chain_modules.compute import state as compute_state
from chain_modules.gov import state as st
from chain_modules.distribution.api import DISTRIBUTION_POOL
from chain_modules.gov.api import GOV_POOL
from chain_modules.gov.tally import recount
from chain_modules.staking import api as staking_api
from chain_modules.gov.types import EXPIRED, FAILED, PASSED, REJECTED, VETOED, VOTING_PERIOD
from tests.modules.gov.helpers import (
    APP_HASH, COMMUNITY, D1, D2, D3, EACH, LOCKER, PARAMS, PROPOSER, V1, V2, supply_is_conserved, world,
)

# the world's stake: V1 10,000 + D1 5,000 + D2 5,000 = 20,000 behind V1; V2 10,000 + D1 3,000 = 13,000 behind V2;
# LOCKER 20,000 locked. Total voting power 53,000.
TOTAL = 53_000


def end_voting(w, proposal_id: int) -> None:
    w.now = w.proposal(proposal_id).voting_end
    w.end_block()
    w.check()
    supply_is_conserved(w)


def test_a_proposal_enters_voting_when_its_deposits_reach_the_minimum():
    w = world()
    proposal_id = w.submit(deposit=250)
    assert w.proposal(proposal_id).status == "deposit_period"
    w.deposit(proposal_id, 700, D3)
    assert w.proposal(proposal_id).status == "deposit_period"
    w.now += 10
    w.deposit(proposal_id, 50, D1)
    proposal = w.proposal(proposal_id)
    assert (proposal.status, proposal.total_deposit, proposal.depositors) == (VOTING_PERIOD, 1_000, 3)
    assert proposal.voting_end == w.now + PARAMS.voting_period_seconds
    assert w.amio(GOV_POOL) == 1_000
    w.check()


def test_delegators_inherit_their_super_nodes_vote_unless_they_vote():
    w = world()
    proposal_id = w.submit(deposit=1_000)
    w.vote(proposal_id, V1, "yes")
    assert w.tally(proposal_id) == [20_000, 0, 0, 0]  # V1's whole stake, its delegators' included
    w.vote(proposal_id, D2, "no")
    assert w.tally(proposal_id) == [15_000, 5_000, 0, 0]
    w.vote(proposal_id, D1, "abstain")  # D1's 5,000 on V1 and 3,000 on V2 (V2 has not voted)
    assert w.tally(proposal_id) == [10_000, 5_000, 8_000, 0]
    w.vote(proposal_id, D1, "yes")  # a second vote replaces the first
    assert w.tally(proposal_id) == [18_000, 5_000, 0, 0]
    w.check()


def test_an_account_that_delegates_and_locks_counts_each_token_once():
    w = world()
    w.lock(D1, 4_000, 1_000)
    proposal_id = w.submit(deposit=1_000)
    w.vote(proposal_id, D1, "yes")
    assert w.tally(proposal_id) == [5_000 + 3_000 + 4_000, 0, 0, 0]
    w.vote(proposal_id, LOCKER, "no")
    assert w.tally(proposal_id) == [12_000, 20_000, 0, 0]
    w.check()


def test_the_tally_follows_stake_and_locks_that_change_during_voting():
    w = world()
    proposal_id = w.submit(deposit=1_000)
    w.vote(proposal_id, V1, "yes")
    w.vote(proposal_id, D1, "no")
    w.vote(proposal_id, LOCKER, "abstain")
    w.delegate(D3, V1, 2_000)  # a new delegator inherits V1's yes
    assert w.tally(proposal_id) == [17_000, 8_000, 20_000, 0]
    w.redelegate(D2, V1, V2, 1_000)  # leaves V1's yes; V2 has not voted
    assert w.tally(proposal_id) == [16_000, 8_000, 20_000, 0]
    w.undelegate(D1, V2, 3_000)
    assert w.tally(proposal_id) == [16_000, 5_000, 20_000, 0]
    w.lock(LOCKER, 1_000, 50)
    assert w.tally(proposal_id) == [16_000, 5_000, 21_000, 0]
    w.advance(60)  # the new lock expires
    w.end_block()
    assert w.tally(proposal_id) == [16_000, 5_000, 20_000, 0]
    before = w.tally(proposal_id)
    slashed = staking_api.slash(w.state, w.ctx(), V1.address, w.height, 210, 1_000, DISTRIBUTION_POOL)  # 10% of 21,000
    assert slashed > 0
    assert w.tally(proposal_id) == recount(w.state, proposal_id) != before
    w.check()


def test_a_passed_param_change_applies_to_the_target_module():
    w = world()
    proposal_id = w.submit("param_change", {"changes": [{"module": "compute", "params": {"price_step_bps": 900}},
                                                        {"module": "gov", "params": {"quorum_bps": 4_000}}]}, deposit=1_000)
    w.vote(proposal_id, V1, "yes")
    w.vote(proposal_id, V2, "yes")
    end_voting(w, proposal_id)
    proposal = w.proposal(proposal_id)
    assert proposal.status == PASSED and proposal.final_tally == (33_000, 0, 0, 0) and proposal.total_power == TOTAL
    assert compute_state.get_params(w.state).price_step_bps == 900
    assert st.get_params(w.state).quorum_bps == 4_000
    assert w.amio(PROPOSER.address) == EACH  # refunded
    assert {e.type for e in w.state.events} >= {"params_changed", "proposal_ended", "proposal_deposits_refunded"}


def test_a_param_change_that_no_longer_validates_when_it_passes_fails_and_changes_nothing():
    w = world()
    proposal_id = w.submit("param_change", {"changes": [{"module": "gov", "params": {"threshold_bps": 6_000}}]},
                           deposit=1_000)
    w.vote(proposal_id, V1, "yes")
    st.set_params(w.state, replace(PARAMS, expedited_threshold_bps=5_500, threshold_bps=5_000))
    end_voting(w, proposal_id)
    proposal = w.proposal(proposal_id)
    assert proposal.status == FAILED and "expedited_threshold_bps" in proposal.note
    assert st.get_params(w.state).threshold_bps == 5_000
    assert w.amio(PROPOSER.address) == EACH


def test_app_pool_proposals_verify_unverify_and_block():
    w = world()
    for action, verified, blocked in (("verify", True, False), ("unverify", False, False), ("block", False, True)):
        proposal_id = w.submit("app_pool", {"action": action, "module_hash": APP_HASH}, deposit=1_000)
        w.vote(proposal_id, V1, "yes")
        end_voting(w, proposal_id)
        assert w.proposal(proposal_id).status == PASSED
        app = apppool_state.get_app(w.state, APP_HASH)
        assert (app.verified, app.blocked) == (verified, blocked)


def test_a_community_spend_pays_from_the_community_pool():
    w = world()
    proposal_id = w.submit("community_spend", {"recipient": D3.address, "amount": 30_000}, deposit=1_000)
    w.vote(proposal_id, V1, "yes")
    end_voting(w, proposal_id)
    assert w.proposal(proposal_id).status == PASSED
    assert w.amio(D3.address) == EACH + 30_000 and w.community() == COMMUNITY - 30_000


def test_a_community_spend_the_pool_can_no_longer_pay_fails():
    w = world()
    first = w.submit("community_spend", {"recipient": D3.address, "amount": 30_000}, deposit=1_000)
    second = w.submit("community_spend", {"recipient": D2.address, "amount": 30_000}, deposit=1_000)
    for proposal_id in (first, second):
        w.vote(proposal_id, V1, "yes")
    end_voting(w, first)
    assert [w.proposal(first).status, w.proposal(second).status] == [PASSED, FAILED]
    assert "community pool holds 20000uamio" in w.proposal(second).note
    assert w.amio(D2.address) == EACH - 5_000  # only its delegation left; nothing paid


def test_an_upgrade_plan_is_scheduled():
    w = world()
    proposal_id = w.submit("upgrade", {"name": "v2", "height": 1_000}, deposit=1_000)
    w.vote(proposal_id, V1, "yes")
    end_voting(w, proposal_id)
    assert st.get_upgrade_plan(w.state) == ("v2", 1_000, proposal_id)


def test_an_expired_proposal_burns_its_deposits_to_the_community_pool():
    w = world()
    proposal_id = w.submit(deposit=250)
    w.deposit(proposal_id, 100, D3)
    w.now += PARAMS.max_deposit_seconds
    w.end_block()
    assert w.proposal(proposal_id).status == EXPIRED
    assert w.community() == COMMUNITY + 350 and w.amio(GOV_POOL) == 0
    assert w.amio(PROPOSER.address) == EACH - 250
    w.check()
    supply_is_conserved(w)


def test_a_vetoed_proposal_burns_and_a_rejected_one_refunds():
    w = world()
    vetoed = w.submit(deposit=1_000)
    w.vote(vetoed, V1, "no_with_veto")  # 20,000 of 33,000 voting
    w.vote(vetoed, V2, "yes")
    rejected = w.submit(deposit=1_000, proposer=D3)
    w.vote(rejected, V1, "no")
    w.vote(rejected, V2, "yes")
    end_voting(w, vetoed)
    assert w.proposal(vetoed).status == VETOED and w.proposal(rejected).status == REJECTED
    assert w.community() == COMMUNITY + 1_000
    assert w.amio(PROPOSER.address) == EACH - 1_000 and w.amio(D3.address) == EACH


def test_without_quorum_a_proposal_is_rejected_and_refunded():
    w = world()
    proposal_id = w.submit(deposit=1_000)
    w.vote(proposal_id, V2, "yes")  # 13,000 of 53,000 < 33.4%
    end_voting(w, proposal_id)
    assert w.proposal(proposal_id).status == REJECTED and w.amio(PROPOSER.address) == EACH


def test_an_expedited_proposal_passes_early_with_two_thirds():
    w = world()
    proposal_id = w.submit(deposit=5_000, expedited=True)
    assert w.proposal(proposal_id).voting_end == w.now + PARAMS.expedited_voting_period_seconds
    w.vote(proposal_id, V1, "yes")  # 20,000
    w.vote(proposal_id, LOCKER, "yes")  # 20,000
    w.vote(proposal_id, V2, "no")  # 13,000: 40,000 / 53,000 = 75% > 66.7%
    end_voting(w, proposal_id)
    assert w.proposal(proposal_id).status == PASSED


def test_an_expedited_proposal_below_its_threshold_continues_as_a_regular_one():
    w = world()
    proposal_id = w.submit(deposit=5_000, expedited=True)
    start = w.now
    w.vote(proposal_id, V1, "yes")  # 20,000 yes against 13,000 no: 60%, below 66.7% but above 50%
    w.vote(proposal_id, V2, "no")
    end_voting(w, proposal_id)
    proposal = w.proposal(proposal_id)
    assert (proposal.status, proposal.expedited, proposal.voting_end) == (VOTING_PERIOD, False, start + PARAMS.voting_period_seconds)
    end_voting(w, proposal_id)
    assert w.proposal(proposal_id).status == PASSED


def test_end_block_closes_at_most_max_endings_per_block():
    w = world()
    ids = [w.submit(deposit=1_000) for _ in range(3)]
    w.now = w.proposal(ids[0]).voting_end
    w.end_block()
    assert [w.proposal(i).status for i in ids] == [REJECTED, REJECTED, VOTING_PERIOD]
    w.check()
    w.now += 1
    w.end_block()
    assert w.proposal(ids[2]).status == REJECTED
    w.check()

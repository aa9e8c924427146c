"""One invalid test per gov error code (and the bank errors a deposit can meet): the handler raises it and
leaves the state exactly as it was (gov handlers check everything before they write)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chain_modules.bank.errors import ErrInsufficientFunds
from chain_modules.common.errors import ChainError
from chain_modules.gov import errors
from chain_modules.gov.types import MsgSubmitProposal
from tests.modules.gov.helpers import APP_HASH, COMMUNITY, D1, D2, D3, NOBODY, PARAMS, PROPOSER, V1, freeze, world


def unchanged(w, action, error: type[ChainError]) -> ChainError:
    w = freeze(w)
    before = dict(w.state.iter_prefix(b""))
    with pytest.raises(error) as raised:
        action(w)
    assert dict(w.state.iter_prefix(b"")) == before
    assert w.state.writes == {}
    return raised.value


def voting_world():
    w = world()
    proposal_id = w.submit(deposit=1_000)
    assert w.proposal(proposal_id).status == "voting_period"
    return w, proposal_id


def test_every_gov_error_code_is_registered_once_from_2():
    codes = sorted(cls.code for cls in vars(errors).values()
                   if isinstance(cls, type) and issubclass(cls, errors.GovError) and "code" in cls.__dict__)
    assert codes == list(range(2, 16))


def test_invalid_unknown_proposal():
    w = world()
    unchanged(w, lambda w: w.deposit(7, 100), errors.ErrUnknownProposal)
    unchanged(w, lambda w: w.vote(7, V1, "yes"), errors.ErrUnknownProposal)


@pytest.mark.parametrize("kind, content", [
    ("text", {"extra": 1}),
    ("param_change", {"changes": []}),
    ("param_change", {"changes": [{"module": "gov", "params": {}}]}),
    ("app_pool", {"action": "approve", "module_hash": APP_HASH}),
    ("app_pool", {"action": "verify", "module_hash": b"short"}),
    ("community_spend", {"recipient": D1.address, "amount": 0}),
    ("upgrade", {"name": "Bad Name", "height": 100}),
    ("referendum", {}),
])
def test_invalid_proposal_content(kind, content):
    body = MsgSubmitProposal(PROPOSER.address, "text", {}, "t", "", 250, False).to_body()
    with pytest.raises(errors.ErrInvalidProposalContent):
        MsgSubmitProposal.from_body({**body, "kind": kind, "content": content})


def test_invalid_vote_option_is_a_content_error():
    from chain_modules.gov.types import MsgVote

    with pytest.raises(errors.ErrInvalidProposalContent):
        MsgVote.from_body({"voter": D1.address, "proposal_id": 1, "option": "maybe"})


def test_invalid_initial_deposit_too_low():
    error = unchanged(world(), lambda w: w.submit(deposit=249), errors.ErrInitialDepositTooLow)
    assert "250uamio" in error.log
    unchanged(world(), lambda w: w.submit(deposit=1_249, expedited=True), errors.ErrInitialDepositTooLow)


@pytest.mark.parametrize("change, words", [
    ({"module": "nosuch", "params": {"x": 1}}, "has no params"),
    ({"module": "compute", "params": {"price_step_bps": 20_000}}, "price_step_bps"),
    ({"module": "compute", "params": {"no_such_param": 1}}, "no param"),
    ({"module": "gov", "params": {"quorum_bps": -1}}, "quorum_bps"),
    ({"module": "staking", "params": {"max_power_share_bps": 5_000}}, "max_power_share_bps"),
])
def test_invalid_param_change_refused_by_the_target_module(change, words):
    error = unchanged(world(), lambda w: w.submit("param_change", {"changes": [change]}), errors.ErrInvalidParamChange)
    assert words in error.log


@pytest.mark.parametrize("change, words", [
    ({"module": "compute", "params": {"heartbeat_timeout_seconds": 90}}, "heartbeat expiry queue"),
    ({"module": "fog", "params": {"windows_per_epoch": 3}}, "windows_per_epoch"),
    ({"module": "staking", "params": {"power_reduction": 7}}, "power_reduction"),
])
def test_invalid_param_change_that_needs_a_migration(change, words):
    error = unchanged(world(), lambda w: w.submit("param_change", {"changes": [change]}), errors.ErrParamNeedsMigration)
    assert words in error.log


def test_invalid_removing_or_reshaping_a_resource_class_needs_a_migration():
    from chain_modules.compute.types import DEFAULT_CLASSES

    classes = [c.to_dict() for c in DEFAULT_CLASSES]
    error = unchanged(world(), lambda w: w.submit("param_change", {"changes": [
        {"module": "compute", "params": {"classes": classes[:-1]}}]}), errors.ErrParamNeedsMigration)
    assert "cannot be removed" in error.log
    reshaped = [dict(classes[0], ram_mb=1_024)] + classes[1:]
    error = unchanged(world(), lambda w: w.submit("param_change", {"changes": [
        {"module": "compute", "params": {"classes": reshaped}}]}), errors.ErrParamNeedsMigration)
    assert "ram_mb" in error.log


def test_invalid_app_pool_proposal_for_an_unregistered_app():
    unchanged(world(), lambda w: w.submit("app_pool", {"action": "verify", "module_hash": b"\x07" * 32}),
              errors.ErrUnknownApp)


def test_invalid_community_spend_above_the_pool():
    error = unchanged(world(), lambda w: w.submit("community_spend", {"recipient": D3.address, "amount": COMMUNITY + 1}),
                      errors.ErrInsufficientCommunityPool)
    assert f"{COMMUNITY}uamio" in error.log


def test_invalid_upgrade_height_not_in_the_future():
    w = world()
    unchanged(w, lambda w: w.submit("upgrade", {"name": "v2", "height": w.height}), errors.ErrInvalidUpgradeHeight)


def test_invalid_deposit_outside_the_deposit_period():
    w, voting = voting_world()
    unchanged(w, lambda w: w.deposit(voting, 100, D3), errors.ErrNotInDepositPeriod)
    waiting = w.submit(deposit=250)
    w.now += PARAMS.max_deposit_seconds  # ended, not yet closed by end_block
    unchanged(w, lambda w: w.deposit(waiting, 100, D3), errors.ErrNotInDepositPeriod)


def test_invalid_vote_outside_the_voting_period():
    w = world()
    waiting = w.submit(deposit=250)
    unchanged(w, lambda w: w.vote(waiting, V1, "yes"), errors.ErrNotInVotingPeriod)
    w, voting = voting_world()
    w.now += PARAMS.voting_period_seconds
    unchanged(w, lambda w: w.vote(voting, V1, "yes"), errors.ErrNotInVotingPeriod)


def test_invalid_too_many_proposals_voting():
    w = world()
    for _ in range(PARAMS.max_voting_proposals):
        w.submit(deposit=1_000)
    unchanged(w, lambda w: w.submit(deposit=1_000), errors.ErrTooManyVotingProposals)
    waiting = w.submit(deposit=250)  # below the minimum: it waits in its deposit period
    unchanged(w, lambda w: w.deposit(waiting, 750), errors.ErrTooManyVotingProposals)


def test_invalid_too_many_depositors():
    w = world()
    proposal_id = w.submit(deposit=250)
    w.deposit(proposal_id, 10, D1)
    w.deposit(proposal_id, 10, D2)
    unchanged(w, lambda w: w.deposit(proposal_id, 10, D3), errors.ErrTooManyDepositors)
    w.deposit(proposal_id, 10, D1)  # a depositor already counted may add more


def test_invalid_vote_without_voting_power():
    w, proposal_id = voting_world()
    unchanged(w, lambda w: w.vote(proposal_id, NOBODY, "yes"), errors.ErrNoVotingPower)


def test_invalid_vote_counting_too_many_delegations():
    w = world(replace(PARAMS, max_vote_delegations=1))
    proposal_id = w.submit(deposit=1_000)
    unchanged(w, lambda w: w.vote(proposal_id, D1, "yes"), errors.ErrTooManyDelegations)  # D1 delegates to V1 and V2
    w.vote(proposal_id, D2, "yes")


def test_invalid_deposit_beyond_the_balance():
    w = world()
    proposal_id = w.submit(deposit=250)
    unchanged(w, lambda w: w.deposit(proposal_id, 10**9, D3), ErrInsufficientFunds)
    unchanged(w, lambda w: w.submit(deposit=10**9), ErrInsufficientFunds)

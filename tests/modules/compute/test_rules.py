"""chain_modules.compute.rules: the compute rules the chain and the services share, one copy each."""

from __future__ import annotations

import pytest

from chain_modules.compute import api, rules, types

GOOD = dict(same_pool=True, online=True, slots=2, running=1, fits=True, deposit=1_000, min_deposit=1_000, any_app=False,
            app_verified=True, excluded=False, assigned=False)


def test_reputation_starts_at_half_and_rounds_down() -> None:
    assert rules.reputation_bps(0, 0) == 5_000
    assert rules.reputation_bps(9, 0) == 9_090  # 10/11
    assert rules.reputation_bps(0, 1) == 3_333  # 1/3
    assert rules.reputation_bps(2_500, 2_499) == 5_000  # 2501/5001 is 5000.99... bps


@pytest.mark.parametrize("short", range(4))
def test_a_machine_fits_a_class_only_with_every_resource_at_least_the_classs(short: int) -> None:
    need = [4, 1, 8_192, 1_024]
    machine = list(need)
    assert rules.fits_class(*machine, *need)
    machine[short] -= 1
    assert not rules.fits_class(*machine, *need)


def test_only_online_workers_with_the_minimum_deposit_are_available() -> None:
    assert rules.is_available(True, 1_000, 1_000)
    assert not rules.is_available(True, 999, 1_000)
    assert not rules.is_available(False, 10**9, 1_000)


def test_free_slots_never_go_below_zero() -> None:
    assert [rules.free_slots(2, running) for running in range(4)] == [2, 1, 0, 0]


def test_an_eligible_worker_has_no_refusal() -> None:
    assert rules.assignment_refusal(**GOOD) is None
    assert rules.assignment_refusal(**{**GOOD, "app_verified": False, "any_app": True}) is None


@pytest.mark.parametrize("change, reason", [
    ({"same_pool": False}, rules.OTHER_POOL),
    ({"online": False}, rules.OFFLINE),
    ({"running": 2}, rules.NO_FREE_SLOT),
    ({"fits": False}, rules.LACKS_RESOURCES),
    ({"deposit": 999}, rules.DEPOSIT_TOO_LOW),
    ({"app_verified": False}, rules.VERIFIED_APPS_ONLY),
    ({"excluded": True}, rules.EXCLUDED),
    ({"assigned": True}, rules.ALREADY_ASSIGNED),
])
def test_each_broken_rule_is_the_refusal(change: dict, reason: str) -> None:
    assert rules.assignment_refusal(**{**GOOD, **change}) == reason


def test_the_first_broken_rule_in_the_chains_order_is_the_one_reported() -> None:
    everything_wrong = dict(same_pool=False, online=False, slots=1, running=1, fits=False, deposit=0, min_deposit=1,
                            any_app=False, app_verified=False, excluded=True, assigned=True)
    reasons = []
    for name, fixed in [("same_pool", True), ("online", True), ("slots", 2), ("fits", True), ("deposit", 1),
                        ("any_app", True), ("excluded", False), ("assigned", False)]:
        reasons.append(rules.assignment_refusal(**everything_wrong))
        everything_wrong[name] = fixed
    assert reasons == [rules.OTHER_POOL, rules.OFFLINE, rules.NO_FREE_SLOT, rules.LACKS_RESOURCES, rules.DEPOSIT_TOO_LOW,
                       rules.VERIFIED_APPS_ONLY, rules.EXCLUDED, rules.ALREADY_ASSIGNED]
    assert rules.assignment_refusal(**everything_wrong) is None


def test_a_master_may_release_only_an_allocated_task_no_worker_holds() -> None:
    assert rules.may_release(types.ALLOCATED, 0)
    assert not rules.may_release(types.ALLOCATED, 1)
    assert not rules.may_release(types.COMMITTING, 0)
    assert not rules.may_release(types.SUBMITTED, 0)


def test_a_participant_commits_or_hands_back_only_while_committing_and_once() -> None:
    assert rules.commit_refusal(types.COMMITTING, types.P_ASSIGNED) is None
    assert rules.commit_refusal(types.REVEALING, types.P_ASSIGNED) == rules.WRONG_STATE
    assert rules.commit_refusal(types.COMMITTING, None) == rules.NOT_PARTICIPANT
    assert rules.commit_refusal(types.COMMITTING, types.P_COMMITTED) == rules.ALREADY_COMMITTED


def test_a_participant_reveals_only_while_revealing_after_committing() -> None:
    assert rules.reveal_refusal(types.REVEALING, types.P_COMMITTED) is None
    assert rules.reveal_refusal(types.COMMITTING, types.P_COMMITTED) == rules.WRONG_STATE
    assert rules.reveal_refusal(types.REVEALING, None) == rules.NOT_PARTICIPANT
    assert rules.reveal_refusal(types.REVEALING, types.P_ASSIGNED) == rules.NOT_COMMITTED
    assert rules.reveal_refusal(types.REVEALING, types.P_REVEALED) == rules.NOT_COMMITTED


def test_the_rules_name_the_states_as_the_records_do() -> None:
    assert (rules.COMMITTING, rules.REVEALING) == (types.COMMITTING, types.REVEALING)
    assert (rules.ASSIGNED, rules.COMMITTED) == (types.P_ASSIGNED, types.P_COMMITTED)
    assert rules.BPS == types.BPS


def test_the_services_reach_the_very_same_functions_through_the_api() -> None:
    for name in ("assignment_refusal", "commit_refusal", "fits_class", "free_slots", "is_available", "may_release",
                 "reputation_bps", "reveal_refusal"):
        assert getattr(api, name) is getattr(rules, name)
        assert name in api.__all__

"""The attack of the security review, block by block: one person plays master node, customer and workers, makes
a task fail through its own workers, and tries to collect a compensation from the master's and the sponsor's
stakes. It must end with a net loss for the attacker, and a sponsor must lose nothing it did not consent to
(docs/modules/compute.md, "Who pays for a failure")."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chain_modules.staking import state as staking_state
from chain_modules.staking.errors import ErrNoSponsorConsent
from chain_modules.staking.handlers import handle_create_master_node, handle_withdraw_sponsorship
from chain_modules.staking.types import MsgCreateMasterNode, MsgWithdrawSponsorship
from tests.modules.compute.helpers import (
    COMMIT_SECONDS,
    CUSTOMER,
    MASTER_A,
    PARAMS,
    SUPER,
    WORKERS,
    assign,
    candidate_tokens,
    check,
    commit,
    events_of,
    make_world,
    submit,
)
from tests.support import make_key

ATTACKER_WORKERS = WORKERS[:4]


def attacker_wealth(world) -> int:
    """What the attacker owns: the customer's balance, its master's stake and its workers' deposits and balances."""
    workers = sum(world.worker(w).deposit + world.balance(w.address) for w in ATTACKER_WORKERS)
    return world.balance(CUSTOMER.address) + candidate_tokens(world, MASTER_A) + world.balance(MASTER_A.address) + workers


def play_the_attack(world) -> int:
    """The customer's task goes to its own master; one of its workers commits, the others miss every commit
    deadline until the replacement rounds are used up. Returns the task id."""
    task_id = submit(world, replicas=2)
    world.advance()
    assert world.task(task_id).master == MASTER_A.address
    w0, w1, w2, w3 = ATTACKER_WORKERS
    assign(world, task_id, [w0, w1])
    commit(world, task_id, w0)
    for replacement in (w2, w3):
        for _ in range(COMMIT_SECONDS + 1):
            world.advance()
        assign(world, task_id, [replacement])
    for _ in range(COMMIT_SECONDS + 1):
        world.advance()
    check(world)
    return task_id


@pytest.mark.parametrize("compensation_bps", [1_000, 500, 10_000])
def test_a_customer_running_the_master_and_the_workers_ends_with_a_loss(compensation_bps):
    world = make_world(replace(PARAMS, max_reassignments=2, compensation_bps=compensation_bps))
    before, sponsor_before = attacker_wealth(world), candidate_tokens(world, SUPER)
    task_id = play_the_attack(world)
    task = world.task(task_id)
    assert task.state == "refunded"
    lost_by_workers = 3 * 100  # w1, w2 and w3 each forfeited 10% of a 1,000 deposit
    assert task.compensation == min(lost_by_workers, task.refunded * compensation_bps // 10_000)
    net = attacker_wealth(world) - before
    assert net == task.compensation - lost_by_workers <= 0  # and every one of those transactions paid a fee
    assert candidate_tokens(world, SUPER) == sponsor_before  # the master assigned: no stake pays
    assert candidate_tokens(world, MASTER_A) == 5_000


def test_the_review_scenario_no_longer_pays_from_a_sponsor_that_never_agreed():
    world = make_world()
    stranger = make_key("master-without-consent")
    from chain_modules.bank.state import set_balance

    set_balance(world.state, stranger.address, 10_000)
    with pytest.raises(ErrNoSponsorConsent):
        handle_create_master_node(world.state, world.ctx(), MsgCreateMasterNode(
            stranger.address, "m", "http://127.0.0.1:9/", "local", SUPER.address, 5_000))
    assert staking_state.get_candidate(world.state, stranger.address) is None


def test_a_withdrawn_consent_stops_new_tasks_and_binds_the_sponsor_only_to_earlier_ones():
    world = make_world()
    earlier = submit(world, replicas=1)
    world.advance()
    assert world.task(earlier).master == MASTER_A.address and world.task(earlier).sponsor == SUPER.address
    handle_withdraw_sponsorship(world.state, world.ctx(), MsgWithdrawSponsorship(SUPER.address, MASTER_A.address))
    later = submit(world, replicas=1)
    world.advance()
    assert world.task(later).state == "submitted"  # no master with a consenting sponsor
    # the earlier task's master misses its assign deadline: the sponsor that consented then still answers for it
    sponsor_before = candidate_tokens(world, SUPER)
    for _ in range(PARAMS.assign_timeout_seconds + 1):
        world.advance()
    master_cut = world.task(earlier).escrow * PARAMS.master_penalty_bps // 10_000
    assert sponsor_before - candidate_tokens(world, SUPER) == master_cut * 2_000 // 10_000
    [penalised] = events_of(world, "task_master_penalised")
    assert penalised["sponsor"] == SUPER.bech32


def test_a_master_that_undelegates_after_the_allocation_still_pays_its_penalty_from_the_unbonding_entry():
    """The compensation escape of the review: leaving the stake while a task is open must not dodge the penalty."""
    from chain_modules.staking.handlers import handle_undelegate
    from chain_modules.staking.types import MsgUndelegate

    world = make_world()
    task_id = submit(world, replicas=1)
    world.advance()
    task = world.task(task_id)
    assert task.master == MASTER_A.address
    handle_undelegate(world.state, world.ctx(), MsgUndelegate(MASTER_A.address, MASTER_A.address, 4_000))
    assert candidate_tokens(world, MASTER_A) == 1_000
    for _ in range(PARAMS.assign_timeout_seconds + 1):
        world.advance()
    [penalised] = events_of(world, "task_master_penalised")
    penalty = task.escrow * PARAMS.master_penalty_bps // 10_000
    assert penalised["amount"] == f"{penalty}uamio"
    [entry] = staking_state.get_unbonding(world.state, MASTER_A.address, MASTER_A.address)
    from_entry = 4_000 - entry.balance
    assert from_entry > 0  # the unbonding tokens paid their share ...
    assert candidate_tokens(world, MASTER_A) == 1_000 - (penalty - from_entry)  # ... and the tokens the rest
    check(world)

"""Every deadline path of a task, driven block by block through compute end_block, with the compute
invariants checked after every block.

Numbers (helpers.PARAMS): price 1000 uamio per megafuel, fee 10, deposits 1000 slashed 10% (100) per fault,
10 s steps. A master node bonds 5000. A master that lets its assign deadline pass loses master_penalty_bps = 10%
of the escrow from its stake and its consenting sponsor sponsor_share_bps = 20% of that, to the community pool;
a refunded customer is compensated only from the deposits the task's failed workers forfeited.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from chain_modules.compute import state as st
from chain_modules.compute.api import DEPOSITS, ESCROW, REVENUE_POOL
from chain_modules.compute.types import cost
from tests.modules.compute.helpers import (
    CUSTOMER,
    MASTER_A,
    MASTER_B,
    PARAMS,
    RESULT,
    SUPER,
    WORKERS,
    WRONG,
    World,
    assign,
    cancel,
    candidate_tokens,
    check,
    commit,
    confirm,
    deliver,
    events_of,
    make_world,
    reveal,
    submit,
    total_balances,
)

W0, W1, W2, W3, W4, W5 = WORKERS
THIRD = bytes.fromhex("33" * 32)
ESCROW_2X1M = cost(1_000, 2 * 1_000_000) + 10  # two replicas of 1 megafuel at 1000, plus the fee
def cuts(escrow: int) -> tuple[int, int]:
    """What a master that misses its assign deadline (master_penalty_bps of the escrow) and its sponsor (20% of
    that) lose."""
    master = escrow * PARAMS.master_penalty_bps // 10_000
    return master, master * 2_000 // 10_000
SLOW_STEPS = replace(PARAMS, assign_timeout_seconds=100, commit_timeout_seconds=100, reveal_timeout_seconds=100,
                     confirm_timeout_seconds=100)


def block(world: World, seconds: int = 1) -> None:
    world.advance(seconds)
    check(world)


def run_through(world: World, time: int) -> None:
    """End blocks one second apart until the block at ``time`` has ended."""
    while world.now <= time:
        block(world)


def stakes(world: World) -> tuple[int, int, int]:
    return candidate_tokens(world, MASTER_A), candidate_tokens(world, MASTER_B), candidate_tokens(world, SUPER)


def allocated(world: World, **submit_args) -> int:
    task_id = submit(world, **submit_args)
    block(world)
    assert world.task(task_id).state == "allocated"
    return task_id


# -- assign deadline -------------------------------------------------------------------------------


def test_assign_deadline_reallocates_to_another_master():
    world = make_world(workers=6, masters=(MASTER_A, MASTER_B))
    total = total_balances(world)
    task_id = allocated(world, replicas=2)
    first = world.task(task_id)
    assert first.master == MASTER_A.address  # four free slots beat two at equal reputation
    assert st.get_master_stats(world.state, MASTER_A.address)["pending"] == 2
    run_through(world, first.step_deadline)
    task = world.task(task_id)
    assert task.state == "allocated" and task.master == MASTER_B.address
    assert task.reallocations == 1 and task.excluded_masters == (MASTER_A.address,)
    assert task.step_deadline == first.step_deadline + PARAMS.assign_timeout_seconds
    assert [e["previous_master"] for e in events_of(world, "task_reallocated")] == [MASTER_A.bech32]
    stats_a = st.get_master_stats(world.state, MASTER_A.address)
    assert (stats_a["failed"], stats_a["pending"], stats_a["penalties"]) == (1, 0, 1)
    assert st.get_master_stats(world.state, MASTER_B.address)["pending"] == 2
    # missing the assign deadline is the master's own failure: its stake and its sponsor's pay, to the community pool
    master_cut, sponsor_cut = cuts(first.escrow)
    assert stakes(world) == (5_000 - master_cut, 5_000, 10_000 - sponsor_cut)
    [penalised] = events_of(world, "task_master_penalised")
    assert penalised["amount"] == f"{master_cut}uamio" and penalised["sponsor_amount"] == f"{sponsor_cut}uamio"
    assert world.task(task_id).compensation == 0

    deliver(world, task_id, [W4, W5])
    confirm(world, task_id)
    assert world.task(task_id).state == "settled"
    assert total_balances(world) == total
    check(world)


def test_reallocated_task_is_not_given_back_to_a_master_that_missed_it():
    world = make_world(workers=6, masters=(MASTER_A, MASTER_B))
    task_id = allocated(world, replicas=2)
    run_through(world, world.task(task_id).step_deadline)
    run_through(world, world.task(task_id).step_deadline)  # MASTER_B misses too: nobody is left
    task = world.task(task_id)
    assert task.state == "submitted" and task.master == b"" and task.reallocations == 2
    assert task.excluded_masters == (MASTER_A.address, MASTER_B.address)
    assert list(st.iter_queue(world.state)) == [task_id]
    for _ in range(5):
        block(world)
    assert world.task(task_id).state == "submitted"


def test_reallocation_gives_up_after_max_reallocations_with_a_full_refund_and_no_compensation():
    """Both masters missed their deadlines and are penalised, but the customer is paid nothing from them: it
    could be the one who made them miss (by never uploading to a master that does not release)."""
    world = make_world(replace(PARAMS, max_reallocations=1), workers=6, masters=(MASTER_A, MASTER_B))
    total = total_balances(world)
    before = world.balance(CUSTOMER)
    task_id = allocated(world, replicas=2)
    run_through(world, world.task(task_id).step_deadline)
    assert world.task(task_id).master == MASTER_B.address
    run_through(world, world.task(task_id).step_deadline)
    task = world.task(task_id)
    assert task.state == "refunded" and task.refunded == ESCROW_2X1M and task.escrow == 0
    assert task.compensation == 0
    master_cut, sponsor_cut = cuts(task.refunded)
    assert stakes(world) == (5_000 - master_cut, 5_000 - master_cut, 10_000 - 2 * sponsor_cut)
    assert world.balance(CUSTOMER) == before
    stats_b = st.get_master_stats(world.state, MASTER_B.address)
    assert (stats_b["failed"], stats_b["penalties"], stats_b["pending"]) == (1, 1, 0)
    [refunded] = events_of(world, "task_refunded")
    assert refunded["reason"] == "no master node assigned workers in time"
    assert total_balances(world) == total


def test_task_no_other_master_can_take_is_refunded_at_the_final_deadline_without_compensation():
    world = make_world()
    before = world.balance(CUSTOMER)
    task_id = allocated(world, replicas=2, timeout=25)
    run_through(world, world.task(task_id).step_deadline)
    assert world.task(task_id).state == "submitted"
    run_through(world, world.task(task_id).deadline)
    task = world.task(task_id)
    assert task.state == "refunded" and task.compensation == 0
    assert world.balance(CUSTOMER) == before
    assert candidate_tokens(world, MASTER_A) == 5_000 - cuts(task.refunded)[0]  # it missed its assign deadline
    assert st.get_master_stats(world.state, MASTER_A.address)["failed"] == 1
    assert list(st.iter_queue(world.state)) == []


# -- commit deadline -------------------------------------------------------------------------------


def test_commit_deadline_slashes_the_late_worker_and_asks_for_a_replacement():
    world = make_world()
    task_id = allocated(world, replicas=2)
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    run_through(world, world.task(task_id).step_deadline)
    task = world.task(task_id)
    assert task.state == "allocated" and task.needed() == 1 and task.reassignments == 1
    assert [p.worker for p in task.participants] == [W0.address] and task.excluded_workers == (W1.address,)
    late = world.worker(W1)
    assert (late.deposit, late.slashed, late.failed, late.running) == (900, 1, 1, 0)
    assert world.worker(W0).running == 1  # the committed worker keeps its slot
    # the forfeit waits in the escrow account with the task
    assert task.forfeits == 100 and world.balance(REVENUE_POOL) == 0 and world.balance(DEPOSITS) == 3_900
    assert st.get_master_stats(world.state, MASTER_A.address)["pending"] == 1
    [slashed] = events_of(world, "worker_slashed")
    assert slashed["reason"] == "missed commit deadline" and slashed["amount"] == "100uamio"
    [needs] = events_of(world, "task_needs_workers")
    assert needs["needed"] == "1"

    assign(world, task_id, [W2])
    commit(world, task_id, W2)
    assert world.task(task_id).state == "revealing"
    reveal(world, task_id, W0)
    reveal(world, task_id, W2)
    assert world.task(task_id).state == "delivered"
    check(world)


def test_commit_deadline_with_no_commit_drops_every_worker():
    world = make_world()
    task_id = allocated(world, replicas=2)
    assign(world, task_id, [W0, W1])
    run_through(world, world.task(task_id).step_deadline)
    task = world.task(task_id)
    assert task.state == "allocated" and task.participants == () and task.needed() == 2
    assert world.worker(W0).slashed == world.worker(W1).slashed == 1
    deliver(world, task_id, [W2, W3])
    assert world.task(task_id).state == "delivered"


def test_commit_deadline_fails_the_task_after_max_reassignments():
    world = make_world(replace(PARAMS, max_reassignments=1))
    total = total_balances(world)
    before = world.balance(CUSTOMER)
    task_id = allocated(world, replicas=2)
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    run_through(world, world.task(task_id).step_deadline)
    assign(world, task_id, [W2])
    run_through(world, world.task(task_id).step_deadline)  # W2 misses its commit too: no replacement rounds left
    task = world.task(task_id)
    assert task.state == "refunded" and task.reassignments == 1
    # W1 and W2 forfeited 100 each: that compensates the customer; the master assigned, so its stake is untouched
    assert task.compensation == 200
    assert world.balance(CUSTOMER) == before + 200
    assert stakes(world) == (5_000, 5_000, 10_000)
    assert [world.worker(w).slashed for w in (W0, W1, W2)] == [0, 1, 1]
    assert [world.worker(w).running for w in (W0, W1, W2)] == [0, 0, 0]
    assert events_of(world, "task_refunded")[0]["reason"] == "too many replacement rounds"
    assert total_balances(world) == total


# -- reveal deadline -------------------------------------------------------------------------------


def test_reveal_deadline_slashes_non_revealers_and_resolves_with_the_rest():
    world = make_world()
    task_id = allocated(world, replicas=3)
    assign(world, task_id, [W0, W1, W2])
    for worker in (W0, W1, W2):
        commit(world, task_id, worker)
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    run_through(world, world.task(task_id).step_deadline)
    task = world.task(task_id)
    assert task.state == "delivered" and task.result_hash == RESULT and task.excluded_workers == (W2.address,)
    assert [p.worker for p in task.participants] == [W0.address, W1.address]
    assert [world.worker(w).completed for w in (W0, W1, W2)] == [1, 1, 0]
    assert world.worker(W2).slashed == 1 and world.worker(W2).deposit == 900
    assert [world.worker(w).running for w in (W0, W1, W2)] == [0, 0, 0]
    assert events_of(world, "worker_slashed")[0]["reason"] == "missed reveal deadline"


def test_reveal_deadline_without_a_majority_of_the_target_asks_for_a_replacement():
    world = make_world()
    task_id = allocated(world, replicas=2)
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    commit(world, task_id, W1)
    reveal(world, task_id, W0)
    run_through(world, world.task(task_id).step_deadline)
    task = world.task(task_id)
    assert task.state == "allocated" and task.needed() == 1 and task.reassignments == 1
    assert world.worker(W0).running == 1 and world.worker(W1).running == 0 and world.worker(W1).slashed == 1
    assign(world, task_id, [W2])
    commit(world, task_id, W2)
    reveal(world, task_id, W2)  # W0 already revealed: the round ends with W2's reveal
    task = world.task(task_id)
    assert task.state == "delivered" and task.result_hash == RESULT
    check(world)


def test_reveal_deadline_with_nobody_revealing_slashes_everyone():
    world = make_world()
    task_id = allocated(world, replicas=2)
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    commit(world, task_id, W1)
    run_through(world, world.task(task_id).step_deadline)
    task = world.task(task_id)
    assert task.state == "allocated" and task.participants == () and task.needed() == 2
    assert task.forfeits == 200 and world.balance(REVENUE_POOL) == 0


# -- confirm deadline ------------------------------------------------------------------------------


def test_confirm_deadline_settles_automatically():
    world = make_world()
    total = total_balances(world)
    before = world.balance(CUSTOMER)
    task_id = allocated(world, replicas=2)
    deliver(world, task_id, [W0, W1])
    run_through(world, world.task(task_id).step_deadline)
    task = world.task(task_id)
    payment = cost(1_000, 2 * 5_000) + 10
    assert task.state == "settled" and task.paid == payment and task.refunded == ESCROW_2X1M - payment
    assert world.balance(CUSTOMER) == before - payment and world.balance(REVENUE_POOL) == payment
    assert events_of(world, "task_settled")[0]["how"] == "auto-confirmed"
    assert total_balances(world) == total


def test_confirm_before_the_deadline_leaves_nothing_for_the_deadline():
    world = make_world()
    task_id = allocated(world, replicas=2)
    deliver(world, task_id, [W0, W1])
    confirm(world, task_id)
    deadline = world.task(task_id).deadline
    run_through(world, deadline)
    assert world.task(task_id).state == "settled"
    assert events_of(world, "task_settled")[0]["how"] == "confirmed"
    assert len(events_of(world, "task_settled")) == 1


# -- final deadline in each open state ------------------------------------------------------------------


def test_final_deadline_of_a_task_no_master_ever_took_refunds_without_compensation():
    world = make_world(masters=())
    total = total_balances(world)
    before = world.balance(CUSTOMER)
    task_id = submit(world, replicas=2, timeout=20)
    run_through(world, world.task(task_id).deadline)
    task = world.task(task_id)
    assert task.state == "refunded" and task.compensation == 0 and task.refunded == ESCROW_2X1M
    assert world.balance(CUSTOMER) == before
    assert stakes(world) == (5_000, 5_000, 10_000)
    assert total_balances(world) == total


def drive_to(world: World, stage: str) -> int:
    task_id = allocated(world, replicas=3, timeout=20)
    if stage in ("committing", "revealing"):
        assign(world, task_id, [W0, W1, W2])
        commit(world, task_id, W0)
    if stage == "revealing":
        commit(world, task_id, W1)
        commit(world, task_id, W2)
        reveal(world, task_id, W1)
    assert world.task(task_id).state == stage
    return task_id


def test_final_deadline_before_any_assignment_refunds_in_full_without_compensation():
    world = make_world(SLOW_STEPS)
    before = world.balance(CUSTOMER)
    task_id = drive_to(world, "allocated")
    run_through(world, world.task(task_id).deadline)
    task = world.task(task_id)
    assert task.state == "refunded" and task.compensation == 0 and task.refunded == cost(1_000, 3 * 1_000_000) + 10
    assert world.balance(CUSTOMER) == before
    assert stakes(world) == (5_000, 5_000, 10_000)
    assert st.get_master_stats(world.state, MASTER_A.address)["pending"] == 0
    check(world)


def exhaust_replacement_rounds(world: World, task_id: int) -> None:
    """W0 commits; every replacement misses its commit until max_reassignments (1) is used up: a step failure."""
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    run_through(world, world.task(task_id).step_deadline)
    assign(world, task_id, [W2])
    run_through(world, world.task(task_id).step_deadline)


def test_the_compensation_is_capped_at_a_share_of_the_escrow_and_never_touches_a_stake():
    world = make_world(replace(PARAMS, max_reassignments=1, compensation_bps=500))
    task_id = allocated(world, replicas=2)
    escrow = world.task(task_id).escrow
    revenue = world.balance(REVENUE_POOL)
    exhaust_replacement_rounds(world, task_id)
    task = world.task(task_id)
    assert task.state == "refunded"
    # 200 forfeited, 5% of the 2010 escrow is 100: the customer gets 100, the revenue pool the other 100
    assert task.compensation == escrow * 500 // 10_000 == 100
    assert world.balance(REVENUE_POOL) - revenue == 100
    assert stakes(world) == (5_000, 5_000, 10_000)


def test_a_master_penalty_is_capped_by_the_stake_it_had_when_the_task_was_allocated():
    world = make_world(replace(PARAMS, master_penalty_bps=10_000, max_fuel=10**9))
    task_id = allocated(world, replicas=2, max_fuel=10**8)  # escrow 200,010: far above the 5,000 stake
    run_through(world, world.task(task_id).step_deadline)
    assert world.task(task_id).master != MASTER_A.address
    assert candidate_tokens(world, MASTER_A) == 0  # the master pays what it has, no more
    assert candidate_tokens(world, SUPER) == 10_000 - 5_000 * 2_000 // 10_000


@pytest.mark.parametrize("stage", ["allocated", "committing", "revealing"])
def test_the_final_deadline_refunds_in_full_and_nobody_pays_a_compensation(stage):
    """The customer picks the final deadline and when to upload: a compensation here could be timed."""
    world = make_world(SLOW_STEPS)
    total = total_balances(world)
    before = world.balance(CUSTOMER)
    task_id = drive_to(world, stage)
    escrow = world.task(task_id).escrow
    run_through(world, world.task(task_id).deadline)
    task = world.task(task_id)
    assert task.state == "refunded" and task.refunded == escrow == cost(1_000, 3 * 1_000_000) + 10
    assert task.escrow == 0 and task.step_deadline == 0 and task.compensation == 0
    assert stakes(world) == (5_000, 5_000, 10_000)
    assert world.balance(CUSTOMER) == before
    assert world.balance(ESCROW) == 0
    assert [world.worker(w).running for w in WORKERS[:4]] == [0, 0, 0, 0]
    assert [world.worker(w).slashed for w in WORKERS[:4]] == [0, 0, 0, 0]
    stats = st.get_master_stats(world.state, MASTER_A.address)
    assert (stats["failed"], stats["penalties"], stats["pending"]) == (0, 0, 0)
    [refunded] = events_of(world, "task_refunded")
    assert refunded["reason"] == "final deadline passed" and refunded["compensation"] == "0uamio"
    assert total_balances(world) == total


def test_final_deadline_of_a_delivered_task_settles_it():
    world = make_world(SLOW_STEPS)
    task_id = allocated(world, replicas=2, timeout=20)
    deliver(world, task_id, [W0, W1])
    run_through(world, world.task(task_id).deadline)
    task = world.task(task_id)
    assert task.state == "settled" and task.paid == cost(1_000, 2 * 5_000) + 10
    assert events_of(world, "task_settled")[0]["how"] == "auto-confirmed at the final deadline"
    assert stakes(world) == (5_000, 5_000, 10_000)


def test_final_deadline_and_step_deadline_in_the_same_block_close_the_task_once():
    world = make_world()
    task_id = allocated(world, replicas=2, timeout=10)  # final deadline = assign deadline
    task = world.task(task_id)
    assert task.deadline == task.step_deadline
    run_through(world, task.deadline)
    assert world.task(task_id).state == "refunded"
    assert events_of(world, "task_reallocated") == [] and len(events_of(world, "task_refunded")) == 1


def test_deadlines_beyond_max_deadlines_per_block_wait_for_the_next_block():
    world = make_world(replace(PARAMS, max_deadlines_per_block=1), masters=())
    first = submit(world, replicas=1, timeout=10)
    second = submit(world, replicas=1, timeout=10)
    run_through(world, world.task(first).deadline)
    assert (world.task(first).state, world.task(second).state) == ("refunded", "submitted")
    block(world)
    assert world.task(second).state == "refunded"


# -- audits and tie-breakers -----------------------------------------------------------------------


def drawn(world: World, task_id: int, worker=W0, result: bytes = RESULT) -> None:
    """Assign the lone worker of an allocated single-replica task and commit: the audit is drawn at the end of the
    block after the commit's (docs/modules/compute.md, "Replication and audits")."""
    assign(world, task_id, [worker])
    commit(world, task_id, worker, result=result)
    block(world)
    assert world.task(task_id).state == "committing"  # the commit's own block does not draw
    block(world)


def test_audited_single_replica_task_gets_a_second_worker_after_the_commit_and_the_customer_pays_for_one():
    world = make_world(replace(PARAMS, audit_probability_bps=10_000))
    before = world.balance(CUSTOMER)
    task_id = allocated(world, replicas=1)
    task = world.task(task_id)
    assert not task.audit and task.target == 1 and task.needed() == 1  # nothing known at allocation
    assert task.escrow == cost(1_000, 1_000_000) + 10
    assert events_of(world, "task_allocated")[0]["audit"] == "false"
    drawn(world, task_id)
    task = world.task(task_id)
    assert task.state == "allocated" and task.audit and task.target == 2 and task.needed() == 1
    assert (task.reassignments, task.extra) == (0, 0)  # neither a replacement round nor a tie-breaker
    assign(world, task_id, [W1])
    commit(world, task_id, W1)
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    confirm(world, task_id)
    task = world.task(task_id)
    assert task.state == "settled" and task.paid == cost(1_000, 5_000) + 10
    assert world.balance(CUSTOMER) == before - task.paid
    assert world.worker(W0).completed == world.worker(W1).completed == 1


def test_audit_that_disagrees_calls_a_tie_breaker():
    world = make_world(replace(PARAMS, audit_probability_bps=10_000))
    task_id = allocated(world, replicas=1)
    drawn(world, task_id, result=WRONG)
    assign(world, task_id, [W1])
    commit(world, task_id, W1)
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    task = world.task(task_id)
    assert task.state == "allocated" and task.target == 3 and task.extra == 1 and task.needed() == 1
    deliver(world, task_id, [W2])
    task = world.task(task_id)
    assert task.state == "delivered" and task.result_hash == RESULT and world.worker(W0).slashed == 1


def test_single_replica_task_is_not_audited_at_probability_zero():
    world = make_world()
    task_id = allocated(world, replicas=1)
    drawn(world, task_id)
    task = world.task(task_id)
    assert task.state == "revealing" and task.audit_drawn and not task.audit and task.target == 1


def test_reallocated_audited_task_keeps_its_audit_replica():
    world = make_world(replace(PARAMS, audit_probability_bps=10_000), workers=6, masters=(MASTER_A, MASTER_B))
    task_id = allocated(world, replicas=1)
    drawn(world, task_id)
    first = world.task(task_id).master
    run_through(world, world.task(task_id).step_deadline)  # the master never names the auditor
    block(world)
    task = world.task(task_id)
    assert task.master == MASTER_B.address != first and task.audit and task.target == 2 and task.needed() == 2
    assert task.participants == () and task.reallocations == 1


@pytest.mark.parametrize("max_extra", [0, 1])
def test_no_majority_after_the_last_tie_breaker_refunds_without_compensation(max_extra):
    """Nobody can tell the liars apart, and a customer running the workers could split the vote on purpose."""
    world = make_world(replace(PARAMS, max_extra_replicas=max_extra))
    total = total_balances(world)
    before = world.balance(CUSTOMER)
    task_id = allocated(world, replicas=2)
    deliver(world, task_id, [W0, W1], results=[RESULT, WRONG])
    if max_extra:
        deliver(world, task_id, [W2], results=[THIRD])
    task = world.task(task_id)
    assert task.state == "refunded" and task.extra == max_extra
    assert task.compensation == 0
    assert world.balance(CUSTOMER) == before
    assert st.get_master_stats(world.state, MASTER_A.address)["failed"] == 1
    assert all(world.worker(w).running == 0 and world.worker(w).slashed == 0 for w in WORKERS[:4])
    assert events_of(world, "task_refunded")[0]["reason"] == "no majority result"
    assert total_balances(world) == total
    check(world)


# -- allocation: what the queue and the capacity counters promise ------------------------------------------


def test_tasks_no_master_can_take_do_not_block_the_queue():
    world = make_world(replace(PARAMS, max_allocations_per_block=2))
    blockers = [submit(world, replicas=5) for _ in range(2)]  # every pool has 4 workers or fewer: never allocatable
    task_id = submit(world, replicas=1)
    for _ in range(3):
        block(world)
    assert [world.task(b).state for b in blockers] == ["submitted", "submitted"]
    assert world.task(task_id).state == "allocated"


def test_allocation_skips_a_pool_whose_workers_are_below_the_minimum_deposit():
    world = make_world(workers=6, masters=(MASTER_A, MASTER_B))
    first = allocated(world, replicas=4)
    assert world.task(first).master == MASTER_A.address
    assign(world, first, [W0, W1, W2, W3])
    run_through(world, world.task(first).step_deadline)  # nobody commits: all four slashed to 900
    assert [world.worker(w).deposit for w in (W0, W1, W2, W3)] == [900] * 4
    cancel(world, first)
    second = allocated(world, replicas=2)
    assert world.task(second).master == MASTER_B.address  # MASTER_A has no worker it may assign

"""A task from submission to settlement, and every deadline path, at the handler + end_block level."""

from __future__ import annotations

import pytest

from chain_modules.compute.api import DEPOSITS, ESCROW, REVENUE_POOL
from chain_modules.compute.types import cost
from tests.modules.compute.helpers import (
    COMMIT_SECONDS,
    CUSTOMER,
    MASTER_A,
    MASTER_B,
    PARAMS,
    RESULT,
    WORKERS,
    WRONG,
    assign,
    commit,
    make_world,
    open_escrow_sum,
    reveal,
    submit,
)
from chain_modules.compute import handlers
from chain_modules.compute.types import MsgConfirmTask
from chain_modules.staking import api as staking_api

W0, W1, W2, W3 = WORKERS[:4]


def test_honest_two_replica_task_settles_and_pays_verified_fuel():
    world = make_world()
    before = world.balance(CUSTOMER)
    task_id = submit(world, replicas=2, max_fuel=1_000_000)
    escrow = cost(1_000, 2_000_000) + 10
    assert world.balance(CUSTOMER) == before - escrow
    assert world.balance(ESCROW) == escrow == open_escrow_sum(world)
    world.advance()
    task = world.task(task_id)
    assert task.state == "allocated" and task.master == MASTER_A.address and task.target == 2
    assign(world, task_id, [W0, W1])
    assert world.worker(W0).running == 1
    commit(world, task_id, W0)
    commit(world, task_id, W1)
    assert world.task(task_id).state == "revealing"
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    task = world.task(task_id)
    assert task.state == "delivered" and task.result_hash == RESULT and task.fuel_used == 5_000
    assert world.worker(W0).running == 0 and world.worker(W0).completed == 1
    handlers.handle_confirm_task(world.state, world.ctx(), MsgConfirmTask(CUSTOMER.address, task_id))
    task = world.task(task_id)
    payment = cost(1_000, 5_000 * 2) + 10
    assert task.state == "settled" and task.paid == payment and task.refunded == escrow - payment
    assert world.balance(CUSTOMER) == before - payment
    assert world.balance(REVENUE_POOL) == payment
    assert world.balance(ESCROW) == 0 == open_escrow_sum(world)


def test_lying_worker_is_outvoted_and_slashed():
    world = make_world()
    task_id = submit(world, replicas=3)
    world.advance()
    assign(world, task_id, [W0, W1, W2])
    commit(world, task_id, W0)
    commit(world, task_id, W1, result=WRONG)
    commit(world, task_id, W2)
    for worker in (W0, W1, W2):
        reveal(world, task_id, worker)
    task = world.task(task_id)
    assert task.state == "delivered" and task.result_hash == RESULT
    liar = world.worker(W1)
    assert liar.deposit == 900 and liar.slashed == 1 and liar.failed == 1
    assert world.worker(W0).deposit == 1_000 and world.worker(W0).completed == 1
    # the liar's forfeit waits in the escrow account with the task, and goes to the revenue pool at settlement
    assert task.forfeits == 100 and world.balance(REVENUE_POOL) == 0
    handlers.handle_confirm_task(world.state, world.ctx(), MsgConfirmTask(CUSTOMER.address, task_id))
    settled = world.task(task_id)
    assert settled.state == "settled" and settled.forfeits == 0 and settled.compensation == 0
    assert world.balance(REVENUE_POOL) == settled.paid + 100


def test_no_majority_adds_a_tie_breaker_replica():
    world = make_world()
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    commit(world, task_id, W1, result=WRONG)
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    task = world.task(task_id)
    assert task.state == "allocated" and task.target == 3 and task.extra == 1 and task.needed() == 1
    assign(world, task_id, [W2])
    commit(world, task_id, W2)
    reveal(world, task_id, W2)
    task = world.task(task_id)
    assert task.state == "delivered" and task.result_hash == RESULT
    assert world.worker(W1).slashed == 1 and world.worker(W1).running == 0


def test_a_tie_breaker_that_joins_after_the_reveals_confirms_the_result_but_earns_no_credit():
    """Both results were public when it was assigned: it could copy one, so agreeing earns it nothing."""
    world = make_world()
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    commit(world, task_id, W1, result=WRONG)
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    assign(world, task_id, [W2])
    late = {p.worker: p.late for p in world.task(task_id).participants}
    assert late == {W0.address: False, W1.address: False, W2.address: True}
    commit(world, task_id, W2)
    reveal(world, task_id, W2)
    task = world.task(task_id)
    assert task.state == "delivered" and task.result_hash == RESULT  # its vote still decides
    assert (world.worker(W0).completed, world.worker(W2).completed) == (1, 0)
    assert world.worker(W2).slashed == 0 and world.worker(W2).running == 0


def test_a_late_joiner_that_copies_the_losing_result_is_slashed():
    world = make_world()
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    commit(world, task_id, W1, result=WRONG)
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    assign(world, task_id, [W2])
    commit(world, task_id, W2, result=WRONG)
    reveal(world, task_id, W2)
    task = world.task(task_id)
    assert task.state == "delivered" and task.result_hash == WRONG
    assert world.worker(W0).slashed == 1 and (world.worker(W1).completed, world.worker(W2).completed) == (1, 0)


def test_a_replacement_for_a_missing_revealer_is_late_and_one_for_a_missing_committer_is_not():
    world = make_world()
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    world.advance(seconds=COMMIT_SECONDS)
    world.advance()
    assign(world, task_id, [W2])  # nothing was revealed yet: W2 works blind, like the round's first members
    assert not world.task(task_id).participant(W2.address).late
    commit(world, task_id, W2)
    reveal(world, task_id, W0)
    world.advance(seconds=10)  # W2 misses its reveal deadline; W0's result is public
    world.advance()
    task = world.task(task_id)
    assert task.state == "allocated" and task.needed() == 1
    assign(world, task_id, [W3])
    assert world.task(task_id).participant(W3.address).late
    commit(world, task_id, W3)
    reveal(world, task_id, W3)
    assert world.task(task_id).state == "delivered"
    assert (world.worker(W0).completed, world.worker(W3).completed) == (1, 0)


def test_missed_commit_is_slashed_and_replaced():
    world = make_world()
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    world.advance(seconds=COMMIT_SECONDS)
    world.advance()
    task = world.task(task_id)
    assert task.state == "allocated" and task.needed() == 1 and W1.address in task.excluded_workers
    assert world.worker(W1).deposit == 900 and world.worker(W1).running == 0
    assign(world, task_id, [W2])
    commit(world, task_id, W2)
    reveal(world, task_id, W0)
    reveal(world, task_id, W2)
    assert world.task(task_id).state == "delivered"


def test_master_that_never_assigns_loses_the_task_to_another_master():
    world = make_world(workers=6, masters=(MASTER_A, MASTER_B))
    task_id = submit(world, replicas=2)
    world.advance()
    first = world.task(task_id).master
    world.advance(seconds=PARAMS.assign_timeout_seconds)
    world.advance()
    task = world.task(task_id)
    assert task.reallocations == 1 and first in task.excluded_masters
    assert task.state == "allocated" and task.master != first


def test_final_deadline_refunds_in_full():
    world = make_world()
    before = world.balance(CUSTOMER)
    task_id = submit(world, replicas=2, timeout=20)
    world.advance()
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)  # W1 never commits; the master's replacement round is still open at the deadline
    for _ in range(25):
        world.advance()
    task = world.task(task_id)
    assert task.state == "refunded" and task.refunded == cost(1_000, 2 * 1_000_000) + 10 and task.escrow == 0
    # W1 forfeited 10% of its deposit for the missed commit: that, and nobody's stake, compensates the customer
    assert task.compensation == 100 and task.forfeits == 0
    assert world.balance(CUSTOMER) == before + 100
    assert world.balance(ESCROW) == 0
    assert world.worker(W0).running == 0


def test_workers_that_use_up_the_replacement_rounds_compensate_the_customer_from_their_deposits():
    from dataclasses import replace as _replace

    world = make_world(_replace(PARAMS, max_reassignments=1))
    before = world.balance(CUSTOMER)
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    for _ in range(COMMIT_SECONDS + 1):
        world.advance()
    assign(world, task_id, [W2])
    for _ in range(COMMIT_SECONDS + 1):
        world.advance()
    task = world.task(task_id)
    escrow = cost(1_000, 2 * 1_000_000) + 10
    # W1 then W2 missed their commits and forfeited 100 each; the cap (10% of the escrow) is 201
    assert task.state == "refunded" and task.compensation == 200 < escrow // 10
    assert world.balance(CUSTOMER) == before + task.compensation
    assert world.worker(W1).deposit == world.worker(W2).deposit == 900
    master = staking_api.get_candidate(world.state, MASTER_A.address)
    assert master.tokens == 5_000  # the master's stake is not touched: it did assign, its workers failed


def test_cancel_before_assignment_returns_everything():
    world = make_world()
    before = world.balance(CUSTOMER)
    task_id = submit(world)
    world.advance()
    from chain_modules.compute.types import MsgCancelTask
    handlers.handle_cancel_task(world.state, world.ctx(), MsgCancelTask(CUSTOMER.address, task_id))
    assert world.task(task_id).state == "cancelled"
    assert world.balance(CUSTOMER) == before
    from chain_modules.compute import state as st
    assert st.get_master_stats(world.state, MASTER_A.address)["pending"] == 0


def test_worker_goes_offline_without_heartbeat_and_capacity_follows():
    world = make_world()
    from chain_modules.compute import state as st
    assert st.get_capacity(world.state, PARAMS, MASTER_A.address)["small"] == [4, 4, 4]
    for _ in range(PARAMS.heartbeat_timeout_seconds + 1):
        world.advance()
    assert not world.worker(W0).online
    assert st.get_capacity(world.state, PARAMS, MASTER_A.address)["small"] == [0, 0, 0]
    assert world.balance(DEPOSITS) == 4_000


def test_uptime_counts_the_time_between_heartbeats_while_online():
    from chain_modules.compute.types import MsgHeartbeat

    world = make_world()
    beat = lambda: handlers.handle_heartbeat(world.state, world.ctx(), MsgHeartbeat(W0.address))  # noqa: E731
    for _ in range(10):
        world.advance()
    beat()
    assert world.worker(W0).uptime == 10
    for _ in range(PARAMS.heartbeat_timeout_seconds + 5):  # silent past the timeout: offline, no uptime
        world.advance()
    assert not world.worker(W0).online
    beat()
    assert world.worker(W0).uptime == 10 and world.worker(W0).online
    world.advance(seconds=3)
    beat()
    assert world.worker(W0).uptime == 13


def test_heartbeat_expiry_is_bounded_per_block():
    from dataclasses import replace as _replace

    world = make_world(_replace(PARAMS, max_deadlines_per_block=3))
    for _ in range(PARAMS.heartbeat_timeout_seconds):
        world.advance()
    world.advance()  # all four expire now, but only three per block
    assert sum(1 for w in WORKERS[:4] if not world.worker(w).online) == 3
    world.advance()
    assert all(not world.worker(w).online for w in WORKERS[:4])


def test_an_unregistered_worker_gets_its_deposit_back_after_the_unbonding_time():
    from chain_modules.compute.types import MsgUnregisterWorker

    world = make_world()
    before = world.balance(W0)
    handlers.handle_unregister_worker(world.state, world.ctx(), MsgUnregisterWorker(W0.address))
    assert world.worker(W0) is None and world.balance(W0) == before
    assert world.balance(DEPOSITS) == 4_000  # still held, and counted by the invariants
    release = world.now + PARAMS.worker_unbonding_seconds
    while world.now < release:
        world.advance(seconds=min(3_600, release - world.now))
    assert world.balance(W0) == before
    world.advance()
    assert world.balance(W0) == before + 1_000 and world.balance(DEPOSITS) == 3_000


def test_the_network_size_given_to_staking_is_the_epochs_average_not_one_block():
    from chain_modules.staking import state as staking_state
    from tests.modules.compute.helpers import register

    world = make_world(workers=0)
    world.advance()  # make_world starts on an epoch height: go to the last block of the next whole epoch
    while world.height % PARAMS.price_epoch_blocks:
        world.advance()
    for worker in WORKERS[:4]:  # a burst of registrations in the epoch's last block
        register(world, worker, MASTER_A)
    world.advance()
    assert staking_state.get_active_workers(world.state) == 4 // PARAMS.price_epoch_blocks  # 4 online in 1 of 5 blocks
    for _ in range(PARAMS.price_epoch_blocks):
        world.advance()
    assert staking_state.get_active_workers(world.state) == 4


def test_allocation_needs_as_many_distinct_workers_with_a_free_slot_as_the_task_has_replicas():
    from tests.modules.compute.helpers import register

    world = make_world(workers=0)
    register(world, W0, MASTER_A, slots=4)
    register(world, W1, MASTER_A, slots=1)
    first = submit(world, replicas=1)
    world.advance()
    assign(world, first, [W1])  # W1 is full; W0 alone has four free slots
    second = submit(world, replicas=2)
    world.advance()
    assert world.task(second).state == "submitted"  # one worker cannot hold two replicas of one task
    third = submit(world, replicas=1)
    world.advance()
    assert world.task(third).state == "allocated"


def test_a_master_that_never_got_the_job_releases_the_task_without_a_failure():
    from chain_modules.compute import state as st
    from chain_modules.compute.errors import ErrNotTaskMaster, ErrWrongState
    from chain_modules.compute.types import MsgReleaseTask

    world = make_world(workers=6, masters=(MASTER_A, MASTER_B))
    task_id = submit(world, replicas=2)
    world.advance()
    first = world.task(task_id).master
    other = MASTER_B.address if first == MASTER_A.address else MASTER_A.address
    with pytest.raises(ErrNotTaskMaster):
        handlers.handle_release_task(world.state, world.ctx(), MsgReleaseTask(other, task_id))
    handlers.handle_release_task(world.state, world.ctx(), MsgReleaseTask(first, task_id))
    task = world.task(task_id)
    assert task.state == "submitted" and task.reallocations == 1 and first in task.excluded_masters
    stats = st.get_master_stats(world.state, first)
    assert (stats["failed"], stats["released"], stats["pending"]) == (0, 1, 0)
    world.advance()
    task = world.task(task_id)
    assert task.state == "allocated" and task.master == other
    assign(world, task_id, [w for w in WORKERS if st.get_worker(world.state, w.address).master == other][:2])
    with pytest.raises(ErrWrongState):  # its workers hold it now
        handlers.handle_release_task(world.state, world.ctx(), MsgReleaseTask(other, task_id))


def test_a_task_is_allocated_only_from_the_block_after_its_submission():
    """A block's seed is public before its txs are chosen: a seeded tie-break in the submission's own block could be
    timed. (The audit of a single replica is drawn even later: after its worker's commit, test_audit_after_commit.)"""
    from chain_modules.compute import state as st

    world = make_world()
    task_id = submit(world, replicas=1, end_block=False)
    world.advance()  # the submission's block ends: not allocated
    task = world.task(task_id)
    assert task.state == "submitted" and task.target == 0 and list(st.iter_queue(world.state)) == [task_id]
    world.advance()
    assert world.task(task_id).state == "allocated"

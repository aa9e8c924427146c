"""The security review's hole 4: a customer made honest workers miss their commit deadline with a job longer
than the deadline allowed, and got them slashed. Now the deadline follows the work (docs/modules/compute.md,
"Deadlines follow the work"): a class guarantees a fuel rate, a task's max_fuel is capped at what the class runs
in max_run_seconds, the commit window is commit_timeout_seconds plus max_fuel / fuel_rate, and a worker that
cannot finish in time hands the job back without a slash.

Numbers (helpers.PARAMS): class "small" guarantees 500,000,000 fuel per second; commit_timeout_seconds is 10.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from chain_modules.compute import errors, handlers
from chain_modules.compute.types import MsgHandBackTask
from tests.modules.compute.helpers import (
    PARAMS,
    WORKERS,
    assign,
    check,
    commit,
    events_of,
    make_world,
    reveal,
    submit,
)

W0, W1, W2, W3 = WORKERS[:4]
RATE = PARAMS.classes[0].fuel_rate


def hand_back(world, task_id: int, worker) -> None:
    handlers.handle_hand_back_task(world.state, world.ctx(), MsgHandBackTask(worker.address, task_id))


def test_the_commit_window_grows_with_max_fuel_at_the_class_rate():
    world = make_world(replace(PARAMS, max_fuel=10**13))
    long_task = submit(world, replicas=1, max_fuel=120 * RATE)  # two minutes of work at the class's rate
    world.advance()
    assign(world, long_task, [W0])
    assert world.task(long_task).step_deadline == world.now + PARAMS.commit_timeout_seconds + 120
    # an honest worker keeping the rate commits after 2 minutes of work: well before the deadline, no slash
    for _ in range(120):
        world.advance()
    commit(world, long_task, W0)
    world.advance()
    world.advance()  # its audit is drawn in the block after the commit's (not audited: probability 0)
    assert world.worker(W0).slashed == 0 and world.task(long_task).state == "revealing"
    check(world)


def test_a_task_larger_than_the_class_runs_in_max_run_seconds_is_refused():
    world = make_world(replace(PARAMS, max_fuel=10**15, max_run_seconds=600))
    before = dict(world.state.iter_prefix(b""))
    with pytest.raises(errors.ErrInvalidFuel, match="max_run_seconds") as raised:
        submit(world, replicas=1, max_fuel=600 * RATE + 1)
    assert raised.value.codespace == "compute"
    assert dict(world.state.iter_prefix(b"")) == before
    submit(world, replicas=1, max_fuel=600 * RATE)  # exactly the limit is accepted
    check(world)


def test_a_worker_hands_back_a_job_it_cannot_finish_without_a_slash_and_is_replaced():
    world = make_world()
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    hand_back(world, task_id, W1)
    task = world.task(task_id)
    # W0 had committed: the master is asked for a replacement at once, W0 keeps its commitment and slot
    assert task.state == "allocated" and task.needed() == 1 and W1.address in task.excluded_workers
    assert [p.worker for p in task.participants] == [W0.address]
    w1 = world.worker(W1)
    assert (w1.slashed, w1.failed, w1.handed_back, w1.running, w1.deposit) == (0, 0, 1, 0, 1_000)
    assert task.forfeits == 0
    [event] = events_of(world, "task_handed_back")
    assert event["worker"] == W1.bech32
    assign(world, task_id, [W2])
    commit(world, task_id, W2)
    reveal(world, task_id, W0)
    reveal(world, task_id, W2)
    assert world.task(task_id).state == "delivered"
    check(world)


def test_a_round_with_a_handed_back_seat_does_not_reveal_before_it_is_whole():
    world = make_world()
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, [W0, W1])
    hand_back(world, task_id, W1)  # W0 is still computing: the task waits in committing
    assert world.task(task_id).state == "committing"
    commit(world, task_id, W0)
    # every member committed, but the round is not whole: nobody reveals until the replacement has committed
    task = world.task(task_id)
    assert task.state == "committing" and task.needed() == 1
    check(world)


@pytest.mark.parametrize("case", ["not committing", "not a participant", "already committed"])
def test_invalid_hand_back_leaves_state_unchanged(case):
    world = make_world()
    task_id = submit(world, replicas=2)
    world.advance()
    if case != "not committing":
        assign(world, task_id, [W0, W1])
    if case == "already committed":
        commit(world, task_id, W0)
    worker = W3 if case == "not a participant" else W0
    expected = {"not committing": errors.ErrWrongState, "not a participant": errors.ErrNotParticipant,
                "already committed": errors.ErrAlreadyCommitted}[case]
    before = dict(world.state.iter_prefix(b""))
    with pytest.raises(expected):
        hand_back(world, task_id, worker)
    assert dict(world.state.iter_prefix(b"")) == before


def test_the_time_budget_query_gives_the_deadline_an_assignment_gets():
    from chain_modules.compute import views

    world = make_world(replace(PARAMS, max_fuel=10**13, max_run_seconds=600))
    budget = views.time_budget(world.state, "small", 120 * RATE)
    assert budget["run_seconds"] == 120 and budget["fuel_rate"] == RATE and budget["allowed"]
    assert budget["commit_window_seconds"] == PARAMS.commit_timeout_seconds + 120
    assert budget["largest_max_fuel"] == 600 * RATE
    assert budget["min_timeout_seconds"] == (PARAMS.assign_timeout_seconds + PARAMS.commit_timeout_seconds + 120
                                             + PARAMS.reveal_timeout_seconds)
    task_id = submit(world, replicas=1, max_fuel=120 * RATE)
    world.advance()
    assign(world, task_id, [W0])
    assert world.task(task_id).step_deadline == world.now + budget["commit_window_seconds"]  # what the chain set
    assert not views.time_budget(world.state, "small", 600 * RATE + 1)["allowed"]  # submit refuses it
    assert views.time_budget(world.state, "no-such-class", 1) is None

"""compute/worker_offline: a worker that stops leaves assignment at once, keeps its deposit and the tasks it holds,
and is never slashed for leaving; a heartbeat brings it back."""

from __future__ import annotations

import pytest

from chain_modules.compute import errors, handlers
from chain_modules.compute import state as st
from chain_modules.compute.types import MsgHandBackTask, MsgWorkerOffline
from tests.modules.compute.helpers import (
    MASTER_A,
    PARAMS,
    WORKERS,
    World,
    assign,
    check,
    commit,
    events_of,
    heartbeat,
    make_world,
    reveal,
    snapshot,
    submit,
)
from tests.support import make_key

W0, W1, W2, W3 = WORKERS[:4]


def allocated(world: World) -> int:
    task_id = submit(world)
    world.advance()  # a task is allocated from the block after its submission on
    return task_id


def go_offline(world: World, worker) -> None:
    handlers.handle_worker_offline(world.state, world.ctx(), MsgWorkerOffline(worker.address))


def rejected(world: World, error: type[Exception], action, match: str) -> None:
    before = snapshot(world)
    with pytest.raises(error, match=match) as raised:
        action()
    assert type(raised.value) is error
    assert snapshot(world) == before
    check(world)


def test_a_worker_going_offline_leaves_assignment_and_capacity_at_once_and_keeps_its_deposit():
    world = make_world()
    before = world.worker(W0)
    capacity = st.get_capacity(world.state, PARAMS, MASTER_A.address)["small"]
    online = st.get_online_workers(world.state)

    go_offline(world, W0)

    after = world.worker(W0)
    assert not after.online
    assert after.deposit == before.deposit and after.last_heartbeat == before.last_heartbeat
    assert after.uptime == before.uptime and after.slashed == 0 and after.failed == 0
    assert list(st.get_capacity(world.state, PARAMS, MASTER_A.address)["small"]) == [c - 1 for c in capacity]
    assert st.get_online_workers(world.state) == online - 1
    [event] = events_of(world, "worker_offline")
    assert event["reason"] == "worker_offline" and event["running"] == "0"
    check(world)


def test_a_worker_that_went_offline_is_not_assigned_and_the_task_goes_to_the_others():
    world = make_world()
    go_offline(world, W0)
    task_id = allocated(world)
    rejected(world, errors.ErrWorkerNotEligible, lambda: assign(world, task_id, [W0, W1]), match="offline")
    assign(world, task_id, [W1, W2])
    assert [p.worker for p in world.task(task_id).participants] == [W1.address, W2.address]


def test_a_master_whose_workers_all_went_offline_gets_no_task():
    world = make_world()
    for worker in (W0, W1, W2, W3):
        go_offline(world, worker)
    task_id = allocated(world)
    assert world.task(task_id).state == "submitted"  # no master has room: it waits in the queue


def test_the_heartbeat_expiry_does_not_fire_again_for_a_worker_that_went_offline():
    world = make_world()
    go_offline(world, W0)
    world.state.take_events()
    for _ in range(PARAMS.heartbeat_timeout_seconds + 2):
        heartbeat(world, W1, W2, W3)
        world.advance()
    assert [e["worker"] for e in events_of(world, "worker_offline")] == []
    check(world)


def test_a_heartbeat_brings_a_worker_that_went_offline_back():
    world = make_world()
    go_offline(world, W0)
    world.advance(seconds=5)
    heartbeat(world, W0)
    assert world.worker(W0).online
    assert [e["worker"] for e in events_of(world, "worker_online")]
    task_id = allocated(world)
    assign(world, task_id, [W0, W1])
    check(world)


def test_a_worker_that_goes_offline_while_holding_a_task_finishes_it_unslashed():
    world = make_world()
    task_id = allocated(world)
    assign(world, task_id, [W0, W1])
    go_offline(world, W0)
    assert world.worker(W0).running == 1  # it keeps its slot: the task is still its to finish
    for worker in (W0, W1):
        commit(world, task_id, worker)
    for worker in (W0, W1):
        reveal(world, task_id, worker)
    assert world.task(task_id).state == "delivered"
    record = world.worker(W0)
    assert record.slashed == 0 and record.completed == 1 and record.running == 0 and record.deposit == 1_000
    check(world)


def test_a_worker_that_goes_offline_hands_back_its_job_without_a_slash():
    world = make_world()
    task_id = allocated(world)
    assign(world, task_id, [W0, W1])
    go_offline(world, W0)
    handlers.handle_hand_back_task(world.state, world.ctx(), MsgHandBackTask(W0.address, task_id))
    record = world.worker(W0)
    assert record.slashed == 0 and record.handed_back == 1 and record.running == 0 and record.deposit == 1_000
    assert W0.address in world.task(task_id).excluded_workers
    check(world)


def test_invalid_worker_offline_when_already_offline():
    world = make_world()
    go_offline(world, W0)
    world.state.take_events()
    rejected(world, errors.ErrWorkerAlreadyOffline, lambda: go_offline(world, W0), match="already offline")


def test_invalid_worker_offline_after_the_heartbeat_expired():
    world = make_world()
    for _ in range(PARAMS.heartbeat_timeout_seconds + 1):
        world.advance()
    assert not world.worker(W0).online
    world.state.take_events()
    rejected(world, errors.ErrWorkerAlreadyOffline, lambda: go_offline(world, W0), match="already offline")


def test_invalid_worker_offline_of_an_unknown_worker():
    world = make_world()
    rejected(world, errors.ErrUnknownWorker, lambda: go_offline(world, make_key("stranger")), match="not a registered")


def test_after_unregistering_a_query_shows_the_pending_deposit_and_when_it_comes_back():
    from chain_modules.compute import views
    from chain_modules.compute.types import MsgUnregisterWorker

    world = make_world()
    assert views.pending_deposits(world.state, W0.address, world.now)["pending"] == []
    handlers.handle_unregister_worker(world.state, world.ctx(), MsgUnregisterWorker(W0.address))
    release = world.now + PARAMS.worker_unbonding_seconds
    view = views.pending_deposits(world.state, W0.address, world.now + 10)
    assert view["pending"] == [{"amount": 1_000, "release_time": release,
                                "seconds_left": PARAMS.worker_unbonding_seconds - 10}]
    assert view["total"] == 1_000 and view["complete"]
    assert views.pending_deposits(world.state, W1.address, world.now)["pending"] == []  # only its own
    while world.now <= release:
        world.advance(seconds=PARAMS.worker_unbonding_seconds // 4)
    assert views.pending_deposits(world.state, W0.address, world.now)["pending"] == []  # paid back

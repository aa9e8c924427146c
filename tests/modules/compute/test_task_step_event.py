"""Every step of a task emits, besides its own task_<kind> event, the common ``task`` event (id, step, state),
so that one query on ``task.id`` finds the task's whole history."""

from __future__ import annotations

from chain_modules.compute import handlers
from chain_modules.compute.types import MsgConfirmTask
from tests.modules.compute.helpers import CUSTOMER, WORKERS, assign, commit, make_world, reveal, submit


def _steps(events) -> list[tuple[str, dict]]:
    return [(event.type, dict(event.attributes)) for event in events]


def test_each_task_event_is_followed_by_the_common_task_event_with_its_id_and_step():
    world = make_world()
    world.state.take_events()
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, WORKERS[:2])
    for worker in WORKERS[:2]:
        commit(world, task_id, worker)
    for worker in WORKERS[:2]:
        reveal(world, task_id, worker)
    handlers.handle_confirm_task(world.state, world.ctx(), MsgConfirmTask(CUSTOMER.address, task_id))
    events = _steps(world.state.take_events())

    specific = [(index, kind) for index, (kind, _attributes) in enumerate(events) if kind.startswith("task_")]
    assert specific, "the lifecycle emitted no task events"
    for index, kind in specific:
        common_type, attributes = events[index + 1]
        assert common_type == "task"
        assert attributes == {"id": str(task_id), "step": kind.removeprefix("task_"),
                              "state": events[index][1]["state"]}
    steps = [attributes["step"] for kind, attributes in events if kind == "task"]
    for step in ("submitted", "allocated", "assigned", "result_committed", "reveal_started", "result_revealed",
                 "delivered", "settled"):
        assert step in steps, (step, steps)
    assert len(steps) == len(specific)

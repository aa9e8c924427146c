"""compute events: one per step of a task's life, worker registration and slashing, price moves."""

from __future__ import annotations

from chain_modules.common.events import Event, bech32, make_event, uamio
from chain_modules.common.state import StateWrite
from chain_modules.compute.types import Task, Worker

TASK_STEP = "task"


def event_task(kind: str, task: Task, **extra: object) -> Event:
    """task_<kind> with the task id, state and customer, plus ``extra`` attributes."""
    return make_event(f"task_{kind}", task_id=task.id, state=task.state, customer=bech32(task.customer), **extra)


def emit_task_step(state: StateWrite, event: Event) -> None:
    """Emit a task_<kind> event and, after it, the common ``task`` event (``id``, ``step``, ``state``).

    Every step of every task carries the same event type, so one tx_search or block-event query
    (``task.id=7``) finds a task's whole history, whatever its steps were called."""
    attributes = dict(event.attributes)
    state.emit(event)
    state.emit(make_event(TASK_STEP, id=attributes["task_id"], step=event.type.removeprefix("task_"),
                          state=attributes["state"]))


def event_task_allocated(task: Task, endpoint: str) -> Event:
    return event_task("allocated", task, master=bech32(task.master), endpoint=endpoint, class_name=task.class_name,
                      target=task.target, audit=str(task.audit).lower(), step_deadline=task.step_deadline)


def event_worker(kind: str, worker: Worker, **extra: object) -> Event:
    return make_event(f"worker_{kind}", worker=bech32(worker.address), master=bech32(worker.master), **extra)


def event_deposit_released(worker: bytes, amount: int) -> Event:
    return make_event("worker_deposit_released", worker=bech32(worker), amount=uamio(amount))


def event_price_updated(class_name: str, epoch: int, price: int, old_price: int, utilisation_bps: int) -> Event:
    return make_event("price_updated", class_name=class_name, epoch=epoch, price=price, old_price=old_price,
                      utilisation_bps=utilisation_bps)

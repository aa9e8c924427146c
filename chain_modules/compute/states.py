"""The task state machine: the states, the events that move a task, and the one transition table.

Pure and dependency-free, so that the chain (types.py, handlers, logic) and the shared rules (rules.py) that the
services follow read the same table.
"""

from __future__ import annotations

from enum import StrEnum


class TaskState(StrEnum):
    """Where a task is. The first five are open, the last three final. Stored and shown as the plain string."""

    SUBMITTED = "submitted"  # waiting in the allocation queue
    ALLOCATED = "allocated"  # a master node must assign workers (all of them, or replacements)
    COMMITTING = "committing"  # assigned workers post commitments
    REVEALING = "revealing"  # committed workers reveal
    DELIVERED = "delivered"  # a majority result is accepted; waiting for the customer's confirmation
    SETTLED = "settled"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class TaskEvent(StrEnum):
    """What moves a task from one state to the next (docs/modules/compute.md, "Task states")."""

    ALLOCATE = "allocate"  # end block: a master node takes it from the queue
    ASSIGN = "assign"  # compute/assign_workers
    REVEAL = "reveal"  # the round is whole and every member committed
    DELIVER = "deliver"  # a majority result
    NEED_WORKERS = "need_workers"  # a replacement round or a tie-breaker: the master must assign again
    REQUEUE = "requeue"  # compute/release_task, or the master missed its assign deadline: back to the queue
    SETTLE = "settle"  # compute/confirm_task or the confirm deadline
    REFUND = "refund"  # a failure or the final deadline
    CANCEL = "cancel"  # compute/cancel_task


SUBMITTED, ALLOCATED, COMMITTING, REVEALING, DELIVERED, SETTLED, REFUNDED, CANCELLED = TaskState
OPEN_STATES = (SUBMITTED, ALLOCATED, COMMITTING, REVEALING, DELIVERED)
FINAL_STATES = (SETTLED, REFUNDED, CANCELLED)
STATES = tuple(TaskState)
WORK_STATES = (ALLOCATED, COMMITTING, REVEALING)  # states in which participants hold a worker slot

# The one transition table: every state change of a task goes through it (Task.move). A final state has none.
TRANSITIONS: dict[TaskState, dict[TaskEvent, TaskState]] = {
    SUBMITTED: {TaskEvent.ALLOCATE: ALLOCATED, TaskEvent.CANCEL: CANCELLED, TaskEvent.REFUND: REFUNDED},
    ALLOCATED: {TaskEvent.ASSIGN: COMMITTING, TaskEvent.REQUEUE: SUBMITTED, TaskEvent.CANCEL: CANCELLED,
                TaskEvent.REFUND: REFUNDED},
    COMMITTING: {TaskEvent.REVEAL: REVEALING, TaskEvent.NEED_WORKERS: ALLOCATED, TaskEvent.REFUND: REFUNDED},
    REVEALING: {TaskEvent.DELIVER: DELIVERED, TaskEvent.NEED_WORKERS: ALLOCATED, TaskEvent.REFUND: REFUNDED},
    DELIVERED: {TaskEvent.SETTLE: SETTLED},
    SETTLED: {},
    REFUNDED: {},
    CANCELLED: {},
}


def next_state(state: TaskState, event: TaskEvent) -> TaskState | None:
    """The state ``event`` moves a task in ``state`` to, or None when the table does not allow it."""
    return TRANSITIONS[state].get(event)

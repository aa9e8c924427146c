"""The compute rules that the chain enforces and the services follow, each written once.

The chain applies them in its handlers and its capacity counters; the master
node applies the same functions to choose the workers it names in an
assignment, and the worker to decide which steps it may still send, so a
service never offers the chain a step the chain refuses by a rule of its own.

Pure: plain values in, plain values out, integer arithmetic only, no state,
no clock. They are consensus code: a change here changes what the chain
accepts. Other modules and the services reach them through
``chain_modules.compute.api``.
"""

from __future__ import annotations

from chain_modules.compute.states import COMMITTING, REVEALING, TaskEvent, TaskState, next_state

BPS = 10_000

# participant statuses the rules speak of (the same strings as chain_modules.compute.types)
ASSIGNED = "assigned"
COMMITTED = "committed"

# why a worker may not be named in an assignment, in the order the chain checks (and reports) them
OTHER_POOL = "other_pool"
OFFLINE = "offline"
NO_FREE_SLOT = "no_free_slot"
LACKS_RESOURCES = "lacks_resources"
DEPOSIT_TOO_LOW = "deposit_too_low"
VERIFIED_APPS_ONLY = "verified_apps_only"
EXCLUDED = "excluded"
ALREADY_ASSIGNED = "already_assigned"

# why a participant may not commit (or hand back) or reveal now
WRONG_STATE = "wrong_state"
NOT_PARTICIPANT = "not_participant"
ALREADY_COMMITTED = "already_committed"
NOT_COMMITTED = "not_committed"


def reputation_bps(completed: int, failed: int) -> int:
    """(completed + 1) / (completed + failed + 2), in basis points rounded down: a Laplace-smoothed success rate,
    so a newcomer starts at 5000 and one result moves it by a bounded step. The same figure ranks master nodes
    (allocation) and workers (the master's choice)."""
    return (completed + 1) * BPS // (completed + failed + 2)


def fits_class(cpu_cores: int, gpu: int, ram_mb: int, storage_mb: int,
               class_cpu_cores: int, class_gpu: int, class_ram_mb: int, class_storage_mb: int) -> bool:
    """Whether a machine with these resources can run tasks of a class that needs the ``class_*`` resources."""
    return (cpu_cores >= class_cpu_cores and gpu >= class_gpu and ram_mb >= class_ram_mb
            and storage_mb >= class_storage_mb)


def is_available(online: bool, deposit: int, min_deposit: int) -> bool:
    """Whether a worker may be given work at all: online (a heartbeat within the timeout) with at least the minimum
    deposit at stake. Only available workers count in a master's capacity."""
    return online and deposit >= min_deposit


def free_slots(slots: int, running: int) -> int:
    """The tasks a worker may still take."""
    return max(0, slots - running)


def assignment_refusal(*, same_pool: bool, online: bool, slots: int, running: int, fits: bool, deposit: int,
                       min_deposit: int, any_app: bool, app_verified: bool, excluded: bool,
                       assigned: bool, probed: bool = False) -> str | None:
    """Why a master may not name this worker for a task now (one of the reasons above), or None when it may.

    ``same_pool``: the worker is in the pool of the task's master; ``fits``: its resources fit the task's class
    (fits_class); ``app_verified``: the task's application is verified in the application pool; ``excluded``: it
    missed a deadline of this task or handed it back; ``assigned``: it already takes part in the task; ``probed``:
    the task is a liveness probe of this worker, which takes it even without a free slot (a probe is small, and a
    busy worker must not miss it)."""
    if not same_pool:
        return OTHER_POOL
    if not online:
        return OFFLINE
    if free_slots(slots, running) == 0 and not probed:
        return NO_FREE_SLOT
    if not fits:
        return LACKS_RESOURCES
    if not is_available(online, deposit, min_deposit):
        return DEPOSIT_TOO_LOW
    if not app_verified and not any_app:
        return VERIFIED_APPS_ONLY
    if excluded:
        return EXCLUDED
    if assigned:
        return ALREADY_ASSIGNED
    return None


def may_release(task_state: str, participants: int) -> bool:
    """A master may hand a task back only while it waits for the master's first workers: allocated, and no worker
    holds it (the transition table's requeue, which only an allocated task allows)."""
    return participants == 0 and next_state(TaskState(task_state), TaskEvent.REQUEUE) is not None


def commit_refusal(task_state: str, status: str | None) -> str | None:
    """Why a worker may not commit a result for a task, nor hand the job back, now (``status``: its participant
    status, None when it does not take part), or None when it may."""
    if task_state != COMMITTING:
        return WRONG_STATE
    if status is None:
        return NOT_PARTICIPANT
    if status != ASSIGNED:
        return ALREADY_COMMITTED
    return None


def reveal_refusal(task_state: str, status: str | None) -> str | None:
    """Why a worker may not reveal its committed result for a task now, or None when it may."""
    if task_state != REVEALING:
        return WRONG_STATE
    if status is None:
        return NOT_PARTICIPANT
    if status != COMMITTED:
        return NOT_COMMITTED
    return None

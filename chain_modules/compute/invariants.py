"""compute invariants, checked by tests after every block (and by the state machine after every message).

Each check recomputes a stored counter or index from the records it
summarises (tasks, workers) and compares. The indexes have no iterator in
state.py, so the checks that must also catch stale index entries read the
key prefixes directly; they only ever read.
"""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.state import StateRead
from chain_modules.compute import keys
from chain_modules.compute import state as st
from chain_modules.compute.api import DEPOSITS, ESCROW
from chain_modules.compute.types import (
    ALLOCATED,
    COMMITTING,
    FINAL_STATES,
    MAX_U64,
    P_ASSIGNED,
    P_COMMITTED,
    P_REVEALED,
    SETTLED,
    STATES,
    SUBMITTED,
    WORK_STATES,
    ComputeParams,
    Task,
    Worker,
    cost,
)

_ADDRESS = 20
_PARTICIPANT_STATUSES = (P_ASSIGNED, P_COMMITTED, P_REVEALED)


def _name(address: bytes) -> str:
    return address.hex()[:12]


def _initial_escrow(task: Task) -> int:
    return cost(task.price, task.max_fuel * task.replicas) + task.fee


def check_tasks(state: StateRead, tasks: list[Task]) -> None:
    """Every task is in a known state with a consistent shape; final tasks hold nothing."""
    next_id = st.peek_next_task_id(state)
    for task in tasks:
        label = f"task {task.id}"
        assert task.state in STATES, f"{label} is in unknown state {task.state!r}"
        assert 0 < task.id < next_id, f"{label}: id not below the next task id {next_id}"
        workers = [p.worker for p in task.participants]
        assert len(set(workers)) == len(workers), f"{label} lists a participant twice"
        for participant in task.participants:
            assert participant.status in _PARTICIPANT_STATUSES, f"{label}: participant status {participant.status!r}"
            assert participant.worker not in task.excluded_workers, f"{label}: excluded worker is still a participant"
        if task.state in FINAL_STATES:
            assert task.escrow == 0, f"{label} is {task.state} but still holds {task.escrow}uamio of escrow"
            assert task.forfeits == 0, f"{label} is {task.state} but still holds {task.forfeits}uamio of forfeits"
            assert task.step_deadline == 0, f"{label} is {task.state} but has a step deadline"
            settled_total = task.paid + task.refunded
            assert settled_total == _initial_escrow(task), (
                f"{label} is {task.state}: paid {task.paid} + refunded {task.refunded} != escrow {_initial_escrow(task)}"
            )
            if task.state != SETTLED:
                assert task.paid == 0, f"{label} is {task.state} but the customer paid {task.paid}uamio"
            continue
        assert task.escrow == _initial_escrow(task), (
            f"{label} is open with escrow {task.escrow}uamio, its submission escrowed {_initial_escrow(task)}uamio"
        )
        if task.state == SUBMITTED:
            assert task.master == b"" and not task.participants, f"{label} is submitted but has a master or workers"
        else:
            assert task.master, f"{label} is {task.state} without a master node"
            assert task.step_deadline, f"{label} is {task.state} without a step deadline"
        if task.state in WORK_STATES:
            assert len(task.participants) <= task.target, (
                f"{label} has {len(task.participants)} participants for a target of {task.target}"
            )


def check_escrow(state: StateRead, tasks: list[Task]) -> None:
    """The escrow account holds exactly the escrow and the forfeits of the open tasks."""
    held = bank_api.get_balance(state, ESCROW)
    owed = sum(task.escrow + task.forfeits for task in tasks if task.state not in FINAL_STATES)
    assert held == owed, f"escrow account holds {held}uamio, open tasks escrow {owed}uamio"


def check_deposits(state: StateRead, workers: list[Worker]) -> None:
    """The deposit account holds exactly the deposits of the registered workers and those waiting for release."""
    held = bank_api.get_balance(state, DEPOSITS)
    owed = sum(worker.deposit for worker in workers) + sum(amount for _t, _w, amount in st.iter_deposit_releases(state))
    assert held == owed, f"deposit account holds {held}uamio, workers' deposits add up to {owed}uamio"


def check_worker_slots(tasks: list[Task], workers: list[Worker]) -> None:
    """A worker's running count is the number of working tasks it participates in, and fits its slots."""
    running: dict[bytes, int] = {}
    for task in tasks:
        if task.state in WORK_STATES:
            for participant in task.participants:
                running[participant.worker] = running.get(participant.worker, 0) + 1
    known = {worker.address for worker in workers}
    missing = sorted(set(running) - known)
    assert not missing, f"tasks hold slots of unregistered workers {[_name(a) for a in missing]}"
    for worker in workers:
        expected = running.get(worker.address, 0)
        assert worker.running == expected, (
            f"worker {_name(worker.address)} counts {worker.running} running tasks, participates in {expected}"
        )
        assert worker.running <= worker.slots, f"worker {_name(worker.address)} runs more tasks than it has slots"


def check_capacity(state: StateRead, params: ComputeParams, workers: list[Worker]) -> None:
    """The capacity counters (per master, per master for any-app workers, network total, online count) equal a
    recomputation from the workers; only online workers with the minimum deposit count."""
    empty = lambda: {c.name: [0, 0, 0] for c in params.classes}  # noqa: E731
    per_master: dict[bytes, dict[str, list[int]]] = {}
    per_master_any: dict[bytes, dict[str, list[int]]] = {}
    total = empty()
    online = 0
    for worker in workers:
        counts = per_master.setdefault(worker.master, empty())
        any_counts = per_master_any.setdefault(worker.master, empty())
        if not worker.online:
            continue
        online += 1
        if worker.deposit < params.worker_min_deposit:
            continue
        for resource_class in params.classes:
            if worker.fits(resource_class):
                buckets = [counts[resource_class.name], total[resource_class.name]]
                if worker.any_app:
                    buckets.append(any_counts[resource_class.name])
                free = max(0, worker.slots - worker.running)
                for bucket in buckets:
                    bucket[0] += 1 if free else 0
                    bucket[1] += worker.slots
                    bucket[2] += free
    for prefix, expected_of, any_app in ((keys.CAPACITY_PREFIX, per_master, False), (keys.CAPACITY_ANY_PREFIX, per_master_any, True)):
        stored_masters = {key[len(prefix):] for key, _ in state.iter_prefix(prefix)}
        for master in sorted(stored_masters | set(expected_of)):
            expected = expected_of.get(master, empty())
            stored = st.get_capacity(state, params, master, any_app=any_app)
            assert stored == expected, (
                f"{'any-app ' if any_app else ''}capacity of master {_name(master)} is {stored}, its workers give {expected}"
            )
    stored_total = st.get_capacity(state, params, None)
    assert stored_total == total, f"network capacity is {stored_total}, the workers give {total}"
    stored_online = st.get_online_workers(state)
    assert stored_online == online, f"online worker count is {stored_online}, {online} workers are online"


def check_worker_indexes(state: StateRead, params: ComputeParams, workers: list[Worker]) -> None:
    """The per-master worker index and the heartbeat expiry queue match the worker records."""
    indexed = {key[len(keys.WORKERS_BY_MASTER_PREFIX):] for key, _ in state.iter_prefix(keys.WORKERS_BY_MASTER_PREFIX)}
    expected = {worker.master + worker.address for worker in workers}
    assert indexed == expected, "the workers-by-master index differs from the worker records"
    queued = {key[len(keys.HEARTBEAT_EXPIRY_PREFIX):] for key, _ in state.iter_prefix(keys.HEARTBEAT_EXPIRY_PREFIX)}
    expiring = {keys.u64(w.last_heartbeat + params.heartbeat_timeout_seconds) + w.address for w in workers if w.online}
    assert queued == expiring, "the heartbeat expiry queue differs from the online workers"


def check_master_pending(state: StateRead, tasks: list[Task]) -> None:
    """A master's "pending" counter is the sum of the workers its allocated tasks still need."""
    pending: dict[bytes, int] = {}
    for task in tasks:
        if task.state == ALLOCATED:
            pending[task.master] = pending.get(task.master, 0) + task.needed()
    stored = {key[len(keys.MASTER_STATS_PREFIX):] for key, _ in state.iter_prefix(keys.MASTER_STATS_PREFIX)}
    for master in sorted(stored | set(pending)):
        counted = st.get_master_stats(state, master)["pending"]
        assert counted == pending.get(master, 0), (
            f"master {_name(master)} has pending {counted}, its allocated tasks need {pending.get(master, 0)}"
        )


def check_queue(state: StateRead, tasks: list[Task]) -> None:
    """The allocation queue holds exactly the submitted tasks."""
    queued = list(st.iter_queue(state))
    submitted = sorted(task.id for task in tasks if task.state == SUBMITTED)
    assert sorted(queued) == submitted, f"allocation queue holds {queued}, submitted tasks are {submitted}"
    positions = {key[len(keys.QUEUE_POSITION_PREFIX):]: raw for key, raw in state.iter_prefix(keys.QUEUE_POSITION_PREFIX)}
    assert positions == {keys.u64(task_id): raw_position for raw_position, task_id in
                         ((key[len(keys.QUEUE_PREFIX):], int.from_bytes(raw, "big"))
                          for key, raw in state.iter_prefix(keys.QUEUE_PREFIX))}, "queue position index differs from the queue"


def check_deadlines(state: StateRead, tasks: list[Task]) -> None:
    """The deadline queue holds each open task's final deadline and step deadline, and nothing else."""
    queued = set(st.iter_due_deadlines(state, MAX_U64))
    expected = set()
    for task in tasks:
        if task.state in FINAL_STATES:
            continue
        expected.add((task.deadline, task.id, keys.FINAL))
        if task.step_deadline:
            expected.add((task.step_deadline, task.id, keys.STEP))
    assert queued == expected, (
        f"deadline queue differs: stale {sorted(queued - expected)}, missing {sorted(expected - queued)}"
    )


def check_audit_draws(state: StateRead, tasks: list[Task]) -> None:
    """The audit-draw index lists exactly the committing single-replica tasks whose round is whole, every member
    committed and no audit drawn yet, each at its draw height; no other task has a draw height, and an audited
    task's audit was drawn."""
    expected = set()
    for task in tasks:
        label = f"task {task.id}"
        waiting = (task.state == COMMITTING and task.replicas == 1 and not task.audit_drawn and task.needed() == 0
                   and all(p.status == P_COMMITTED for p in task.participants))
        if waiting:
            assert task.draw_height, f"{label} waits for its audit draw without a draw height"
            expected.add((task.draw_height, task.id))
        else:
            assert task.draw_height == 0, f"{label} is {task.state} with a draw height but does not wait for a draw"
        assert task.audit_drawn or not task.audit, f"{label} is audited but its audit was never drawn"
        assert task.replicas == 1 or not task.audit_drawn, f"{label} has {task.replicas} replicas and an audit draw"
    strip = len(keys.AUDIT_PENDING_PREFIX)
    stored = {(int.from_bytes(key[strip:strip + 8], "big"), int.from_bytes(key[strip + 8:], "big"))
              for key, _ in state.iter_prefix(keys.AUDIT_PENDING_PREFIX)}
    assert stored == expected, (
        f"audit-draw index differs: stale {sorted(stored - expected)}, missing {sorted(expected - stored)}"
    )


def _index(state: StateRead, prefix: bytes) -> set[tuple[bytes, int]]:
    entries = set()
    for key, _ in state.iter_prefix(prefix):
        body = key[len(prefix):]
        entries.add((body[:_ADDRESS], int.from_bytes(body[_ADDRESS:], "big")))
    return entries


def check_open_indexes(state: StateRead, tasks: list[Task]) -> None:
    """The open-task indexes by customer, master and worker list exactly the open tasks."""
    by_customer, by_master, by_worker = set(), set(), set()
    for task in tasks:
        if task.state in FINAL_STATES:
            continue
        by_customer.add((task.customer, task.id))
        if task.master:
            by_master.add((task.master, task.id))
        if task.state in WORK_STATES:
            by_worker.update((p.worker, task.id) for p in task.participants)
    for name, prefix, expected in (("customer", keys.OPEN_BY_CUSTOMER_PREFIX, by_customer),
                                   ("master", keys.OPEN_BY_MASTER_PREFIX, by_master),
                                   ("worker", keys.OPEN_BY_WORKER_PREFIX, by_worker)):
        stored = _index(state, prefix)
        assert stored == expected, (
            f"open-by-{name} index differs: stale {sorted((_name(a), i) for a, i in stored - expected)}, "
            f"missing {sorted((_name(a), i) for a, i in expected - stored)}"
        )


def check_open_counts(state: StateRead, tasks: list[Task]) -> None:
    """Each customer's open-task counter equals its open tasks, and no counter is kept for zero."""
    expected: dict[bytes, int] = {}
    for task in tasks:
        if task.state not in FINAL_STATES:
            expected[task.customer] = expected.get(task.customer, 0) + 1
    stored = {key[len(keys.OPEN_COUNT_PREFIX):]: int.from_bytes(raw, "big")
              for key, raw in state.iter_prefix(keys.OPEN_COUNT_PREFIX)}
    assert stored == expected, "open-task counters differ from the open tasks"


def check(state: StateRead) -> None:
    """All compute invariants; raises AssertionError naming the first that fails."""
    params = st.get_params(state)
    tasks = list(st.iter_tasks(state))
    workers = list(st.iter_workers(state))
    check_tasks(state, tasks)
    check_escrow(state, tasks)
    check_deposits(state, workers)
    check_worker_slots(tasks, workers)
    check_capacity(state, params, workers)
    check_worker_indexes(state, params, workers)
    check_master_pending(state, tasks)
    check_queue(state, tasks)
    check_deadlines(state, tasks)
    check_audit_draws(state, tasks)
    check_open_indexes(state, tasks)
    check_open_counts(state, tasks)

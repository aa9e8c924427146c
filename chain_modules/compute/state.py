"""The only code that reads and writes compute keys.

Capacity counters make allocation O(masters x classes) whatever the number
of workers: for each master node and class, and for the whole network, the
number of online workers that fit the class, their slots, and their free
slots. ``set_worker`` keeps them, the per-master worker index and the
heartbeat expiry queue in step with every worker change, by difference.
"""

from __future__ import annotations

from typing import Iterator

from chain_modules.common.encoding import decode, encode
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.compute import keys, rules
from chain_modules.compute.types import (
    COMMITTING,
    FINAL_STATES,
    WORK_STATES,
    ComputeParams,
    Task,
    Worker,
)

_ADDR = 20


def get_params(state: StateRead) -> ComputeParams:
    raw = state.get(keys.PARAMS_KEY)
    return ComputeParams() if raw is None else ComputeParams.from_dict(decode(raw))


def set_params(state: StateWrite, params: ComputeParams) -> None:
    """Store the params; a change of classes or of the minimum deposit recounts the capacity counters."""
    old = None if state.get(keys.PARAMS_KEY) is None else get_params(state)
    state.set(keys.PARAMS_KEY, encode(params.to_dict()))
    if old is not None and (old.classes != params.classes or old.worker_min_deposit != params.worker_min_deposit):
        rebuild_capacity(state, params)


# -- prices ----------------------------------------------------------------------------------


def get_price(state: StateRead, params: ComputeParams, class_name: str) -> int:
    raw = state.get(keys.price_key(class_name))
    if raw is not None:
        return int.from_bytes(raw, "big")
    resource_class = params.resource_class(class_name)
    assert resource_class is not None, f"unknown class {class_name}"
    return resource_class.price


def set_price(state: StateWrite, class_name: str, price: int) -> None:
    state.set(keys.price_key(class_name), keys.u64(price))


def get_price_epoch(state: StateRead) -> int:
    raw = state.get(keys.PRICE_EPOCH_KEY)
    return 0 if raw is None else int.from_bytes(raw, "big")


def set_price_epoch(state: StateWrite, epoch: int) -> None:
    state.set(keys.PRICE_EPOCH_KEY, keys.u64(epoch))


def add_price_history(state: StateWrite, class_name: str, epoch: int, entry: list, keep: int) -> None:
    """Record an epoch's price and drop every entry older than the last ``keep`` epochs."""
    state.set(keys.price_history_key(class_name, epoch), encode(entry))
    for old_epoch, _entry in list(iter_price_history(state, class_name)):
        if old_epoch > epoch - keep:
            break
        state.delete(keys.price_history_key(class_name, old_epoch))


def iter_price_history(state: StateRead, class_name: str) -> Iterator[tuple[int, list]]:
    prefix = keys.PRICE_HISTORY_PREFIX + class_name.encode() + b"/"
    for key, raw in state.iter_prefix(prefix):
        yield int.from_bytes(key[len(prefix):], "big"), decode(raw)


def get_epoch_samples(state: StateRead) -> dict:
    """Sums over the blocks of the current price epoch: {"online", "classes": {class: [busy, slots]}}."""
    raw = state.get(keys.EPOCH_SAMPLES_KEY)
    return {"online": 0, "classes": {}} if raw is None else decode(raw)


def delete_epoch_samples(state: StateWrite) -> None:
    state.delete(keys.EPOCH_SAMPLES_KEY)


def set_epoch_samples(state: StateWrite, samples: dict) -> None:
    state.set(keys.EPOCH_SAMPLES_KEY, encode(samples))


# -- deposits waiting to be released ---------------------------------------------------------


def add_deposit_release(state: StateWrite, time: int, worker: bytes, amount: int) -> None:
    key = keys.DEPOSIT_RELEASE_PREFIX + keys.u64(time) + worker
    previous = state.get(key)
    state.set(key, keys.u64(amount + (0 if previous is None else int.from_bytes(previous, "big"))))


def iter_deposit_releases(state: StateRead, until: int | None = None) -> Iterator[tuple[int, bytes, int]]:
    """(release time, worker, amount), earliest first; stops after ``until`` when given."""
    strip = len(keys.DEPOSIT_RELEASE_PREFIX)
    for key, raw in state.iter_prefix(keys.DEPOSIT_RELEASE_PREFIX):
        time = int.from_bytes(key[strip:strip + 8], "big")
        if until is not None and time > until:
            break
        yield time, key[strip + 8:], int.from_bytes(raw, "big")


def delete_deposit_release(state: StateWrite, time: int, worker: bytes) -> None:
    state.delete(keys.DEPOSIT_RELEASE_PREFIX + keys.u64(time) + worker)


# -- tasks ---------------------------------------------------------------------------------


def take_next_task_id(state: StateWrite) -> int:
    raw = state.get(keys.NEXT_TASK_KEY)
    task_id = 1 if raw is None else int.from_bytes(raw, "big")
    state.set(keys.NEXT_TASK_KEY, keys.u64(task_id + 1))
    return task_id


def peek_next_task_id(state: StateRead) -> int:
    raw = state.get(keys.NEXT_TASK_KEY)
    return 1 if raw is None else int.from_bytes(raw, "big")


def get_task(state: StateRead, task_id: int) -> Task | None:
    raw = state.get(keys.task_key(task_id))
    return None if raw is None else Task.from_list(task_id, decode(raw))


def set_task(state: StateWrite, task: Task, old: Task | None) -> None:
    """Store ``task`` and keep the open-task indexes, the deadline queue and the audit-draw index in step with
    ``old``."""
    state.set(keys.task_key(task.id), encode(task.to_list()))
    old_open = old is not None and old.state not in FINAL_STATES
    new_open = task.state not in FINAL_STATES
    if old_open != new_open:
        _set_open_count(state, task.customer, get_open_count(state, task.customer) + (1 if new_open else -1))
    if old_open:
        state.delete(keys.OPEN_BY_CUSTOMER_PREFIX + old.customer + keys.u64(old.id))
        if old.master:
            state.delete(keys.OPEN_BY_MASTER_PREFIX + old.master + keys.u64(old.id))
    if old is not None and old.state in WORK_STATES:
        for participant in old.participants:
            state.delete(keys.OPEN_BY_WORKER_PREFIX + participant.worker + keys.u64(old.id))
    if old_open:
        if old.step_deadline:
            state.delete(keys.deadline_key(old.step_deadline, old.id, keys.STEP))
        state.delete(keys.deadline_key(old.deadline, old.id, keys.FINAL))
    if new_open:
        state.set(keys.OPEN_BY_CUSTOMER_PREFIX + task.customer + keys.u64(task.id), b"")
        if task.master:
            state.set(keys.OPEN_BY_MASTER_PREFIX + task.master + keys.u64(task.id), b"")
    if task.state in WORK_STATES:
        for participant in task.participants:
            state.set(keys.OPEN_BY_WORKER_PREFIX + participant.worker + keys.u64(task.id), b"")
    if new_open:
        if task.step_deadline:
            state.set(keys.deadline_key(task.step_deadline, task.id, keys.STEP), b"")
        state.set(keys.deadline_key(task.deadline, task.id, keys.FINAL), b"")
    if old is not None and old.state == COMMITTING and old.draw_height:
        state.delete(keys.audit_pending_key(old.draw_height, old.id))
    if task.state == COMMITTING and task.draw_height:
        state.set(keys.audit_pending_key(task.draw_height, task.id), b"")


def get_open_count(state: StateRead, customer: bytes) -> int:
    """Open tasks of a customer (for the max_open_tasks_per_customer limit)."""
    raw = state.get(keys.OPEN_COUNT_PREFIX + customer)
    return 0 if raw is None else int.from_bytes(raw, "big")


def _set_open_count(state: StateWrite, customer: bytes, count: int) -> None:
    assert count >= 0, "open task count went negative"
    if count:
        state.set(keys.OPEN_COUNT_PREFIX + customer, keys.u64(count))
    else:
        state.delete(keys.OPEN_COUNT_PREFIX + customer)


def iter_tasks(state: StateRead) -> Iterator[Task]:
    strip = len(keys.TASK_PREFIX)
    for key, raw in state.iter_prefix(keys.TASK_PREFIX):
        yield Task.from_list(int.from_bytes(key[strip:], "big"), decode(raw))


def _iter_ids(state: StateRead, prefix: bytes) -> Iterator[int]:
    for key, _ in state.iter_prefix(prefix):
        yield int.from_bytes(key[len(prefix):], "big")


def iter_open_task_ids(state: StateRead, index: str, address: bytes) -> Iterator[int]:
    """Open task ids of a customer, master or worker (``index`` names which), by id."""
    prefix = {"customer": keys.OPEN_BY_CUSTOMER_PREFIX, "master": keys.OPEN_BY_MASTER_PREFIX,
              "worker": keys.OPEN_BY_WORKER_PREFIX}[index]
    return _iter_ids(state, prefix + address)


def enqueue(state: StateWrite, task_id: int) -> None:
    """Put a task at the back of the allocation queue."""
    raw = state.get(keys.QUEUE_NEXT_KEY)
    position = 0 if raw is None else int.from_bytes(raw, "big")
    state.set(keys.QUEUE_NEXT_KEY, keys.u64(position + 1))
    state.set(keys.QUEUE_PREFIX + keys.u64(position), keys.u64(task_id))
    state.set(keys.QUEUE_POSITION_PREFIX + keys.u64(task_id), keys.u64(position))


def dequeue(state: StateWrite, task_id: int) -> None:
    raw = state.get(keys.QUEUE_POSITION_PREFIX + keys.u64(task_id))
    assert raw is not None, f"task {task_id} is not queued"
    state.delete(keys.QUEUE_PREFIX + raw)
    state.delete(keys.QUEUE_POSITION_PREFIX + keys.u64(task_id))


def iter_queue(state: StateRead) -> Iterator[int]:
    """Queued task ids, front first."""
    for _key, raw in state.iter_prefix(keys.QUEUE_PREFIX):
        yield int.from_bytes(raw, "big")


def iter_due_deadlines(state: StateRead, now: int) -> Iterator[tuple[int, int, bytes]]:
    """(time, task id, kind) of deadlines at or before ``now``, earliest first."""
    strip = len(keys.DEADLINE_PREFIX)
    for key, _ in state.iter_prefix(keys.DEADLINE_PREFIX):
        time = int.from_bytes(key[strip:strip + 8], "big")
        if time > now:
            break
        yield time, int.from_bytes(key[strip + 8:strip + 16], "big"), key[strip + 16:]


def iter_pending_draws(state: StateRead, before_height: int) -> Iterator[tuple[int, int]]:
    """(commit height, task id) of the tasks waiting for their audit draw whose round was completed by a commit in
    a block before ``before_height``, earliest first."""
    strip = len(keys.AUDIT_PENDING_PREFIX)
    for key, _ in state.iter_prefix(keys.AUDIT_PENDING_PREFIX):
        height = int.from_bytes(key[strip:strip + 8], "big")
        if height >= before_height:
            break
        yield height, int.from_bytes(key[strip + 8:], "big")


# -- workers and capacity ------------------------------------------------------------------


def get_worker(state: StateRead, address: bytes) -> Worker | None:
    raw = state.get(keys.WORKER_PREFIX + address)
    return None if raw is None else Worker.from_list(address, decode(raw))


def iter_workers(state: StateRead) -> Iterator[Worker]:
    strip = len(keys.WORKER_PREFIX)
    for key, raw in state.iter_prefix(keys.WORKER_PREFIX):
        yield Worker.from_list(key[strip:], decode(raw))


def iter_worker_addresses_of(state: StateRead, master: bytes) -> Iterator[bytes]:
    prefix = keys.WORKERS_BY_MASTER_PREFIX + master
    for key, _ in state.iter_prefix(prefix):
        yield key[len(prefix):]


def _empty_capacity(params: ComputeParams) -> dict:
    return {c.name: [0, 0, 0] for c in params.classes}


def _capacity_key(master: bytes | None, any_app: bool) -> bytes:
    if master is None:
        return keys.CAPACITY_TOTAL_KEY
    return (keys.CAPACITY_ANY_PREFIX if any_app else keys.CAPACITY_PREFIX) + master


def get_capacity(state: StateRead, params: ComputeParams, master: bytes | None, any_app: bool = False) -> dict:
    """{class: [workers with a free slot, slots, free slots]} over the online workers with at least the minimum
    deposit that fit the class, of a master (None: the whole network); ``any_app`` counts only workers that run
    unverified apps."""
    raw = state.get(_capacity_key(master, any_app))
    capacity = _empty_capacity(params)
    if raw is not None:
        for name, counts in decode(raw).items():
            if name in capacity:
                capacity[name] = list(counts)
    return capacity


def _set_capacity(state: StateWrite, master: bytes | None, capacity: dict, any_app: bool = False) -> None:
    key = _capacity_key(master, any_app)
    if all(counts == [0, 0, 0] for counts in capacity.values()):
        state.delete(key)
    else:
        state.set(key, encode(capacity))


def _contribution(worker: Worker | None, min_deposit: int) -> tuple[int, int, int]:
    """What a worker adds to the capacity counters (workers with a free slot, slots, free slots): only online
    workers that may be assigned count."""
    if worker is None or not rules.is_available(worker.online, worker.deposit, min_deposit):
        return 0, 0, 0
    free = rules.free_slots(worker.slots, worker.running)
    return (1 if free else 0), worker.slots, free


def set_worker(state: StateWrite, params: ComputeParams, worker: Worker, old: Worker | None,
               heartbeat_timeout: int) -> None:
    """Store ``worker`` (replacing ``old``), adjusting capacity counters, the master index and the expiry queue."""
    state.set(keys.WORKER_PREFIX + worker.address, encode(worker.to_list()))
    if old is None:
        state.set(keys.WORKERS_BY_MASTER_PREFIX + worker.master + worker.address, b"")
    _adjust_capacity(state, params, old, worker)
    if old is not None and old.online:
        state.delete(keys.HEARTBEAT_EXPIRY_PREFIX + keys.u64(old.last_heartbeat + heartbeat_timeout) + old.address)
    if worker.online:
        state.set(keys.HEARTBEAT_EXPIRY_PREFIX + keys.u64(worker.last_heartbeat + heartbeat_timeout) + worker.address, b"")


def delete_worker(state: StateWrite, params: ComputeParams, worker: Worker, heartbeat_timeout: int) -> None:
    state.delete(keys.WORKER_PREFIX + worker.address)
    state.delete(keys.WORKERS_BY_MASTER_PREFIX + worker.master + worker.address)
    _adjust_capacity(state, params, worker, None)
    if worker.online:
        state.delete(keys.HEARTBEAT_EXPIRY_PREFIX + keys.u64(worker.last_heartbeat + heartbeat_timeout) + worker.address)


def _adjust_capacity(state: StateWrite, params: ComputeParams, old: Worker | None, new: Worker | None) -> None:
    was_online = old is not None and old.online
    is_online = new is not None and new.online
    if was_online != is_online:
        set_online_workers(state, get_online_workers(state) + (1 if is_online else -1))
    before, after = _contribution(old, params.worker_min_deposit), _contribution(new, params.worker_min_deposit)
    if before == after and (old is None or new is None or old.any_app == new.any_app):
        return
    any_worker = new if new is not None else old
    assert any_worker is not None
    master = any_worker.master
    counters = {(master, False): get_capacity(state, params, master), (None, False): get_capacity(state, params, None),
                (master, True): get_capacity(state, params, master, any_app=True)}
    for worker, sign, contribution in ((old, -1, before), (new, 1, after)):
        if worker is None or contribution == (0, 0, 0):
            continue
        targets = [(master, False), (None, False)] + ([(master, True)] if worker.any_app else [])
        for resource_class in params.classes:
            if not worker.fits(resource_class):
                continue
            for target in targets:
                row = counters[target][resource_class.name]
                for index in range(3):
                    row[index] += sign * contribution[index]
                    assert row[index] >= 0, "capacity counter went negative"
    for (owner, any_app), capacity in counters.items():
        _set_capacity(state, owner, capacity, any_app)


def rebuild_capacity(state: StateWrite, params: ComputeParams) -> None:
    """Recount every capacity counter from the worker records (after a change of classes or minimum deposit)."""
    for prefix in (keys.CAPACITY_PREFIX, keys.CAPACITY_ANY_PREFIX):
        for key, _ in list(state.iter_prefix(prefix)):
            state.delete(key)
    state.delete(keys.CAPACITY_TOTAL_KEY)
    state.delete(keys.ONLINE_WORKERS_KEY)
    for worker in list(iter_workers(state)):
        _adjust_capacity(state, params, None, worker)


def get_online_workers(state: StateRead) -> int:
    raw = state.get(keys.ONLINE_WORKERS_KEY)
    return 0 if raw is None else int.from_bytes(raw, "big")


def set_online_workers(state: StateWrite, count: int) -> None:
    assert count >= 0, "online worker count went negative"
    state.set(keys.ONLINE_WORKERS_KEY, keys.u64(count))


def iter_due_heartbeats(state: StateRead, now: int) -> Iterator[bytes]:
    """Addresses of online workers whose heartbeat expired at or before ``now``."""
    strip = len(keys.HEARTBEAT_EXPIRY_PREFIX)
    for key, _ in state.iter_prefix(keys.HEARTBEAT_EXPIRY_PREFIX):
        if int.from_bytes(key[strip:strip + 8], "big") > now:
            break
        yield key[strip + 8:]


# -- master nodes --------------------------------------------------------------------------


def get_master_stats(state: StateRead, master: bytes) -> dict:
    """Reputation counters and the replicas reserved by allocated tasks waiting for assignment."""
    raw = state.get(keys.MASTER_STATS_PREFIX + master)
    stats = {"completed": 0, "failed": 0, "penalties": 0, "pending": 0, "released": 0}
    if raw is not None:
        stats.update(decode(raw))
    return stats


def set_master_stats(state: StateWrite, master: bytes, stats: dict) -> None:
    state.set(keys.MASTER_STATS_PREFIX + master, encode(stats))


def bump_master(state: StateWrite, master: bytes, **deltas: int) -> None:
    stats = get_master_stats(state, master)
    for name, delta in deltas.items():
        stats[name] += delta
        assert stats[name] >= 0, f"master counter {name} went negative"
    set_master_stats(state, master, stats)

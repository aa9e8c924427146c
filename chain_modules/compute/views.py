"""Query views: pure functions of state returning msgpack-able dicts (hashes as hex, addresses as bech32)."""

from __future__ import annotations

from chain_modules.common.address import encode_address
from chain_modules.common.state import StateRead
from chain_modules.compute import logic, rules
from chain_modules.compute import state as st
from chain_modules.compute.types import Task, Worker
from chain_modules.staking import api as staking_api

MAX_LIST = 200
MAX_RELEASE_SCAN = 10_000  # pending deposit releases a query looks through (they are few: one per unregistration)


def _addr(address: bytes) -> str:
    return encode_address(address) if address else ""


def task_view(state: StateRead, task: Task) -> dict:
    candidate = staking_api.get_candidate(state, task.master) if task.master else None
    return {
        "id": task.id,
        "customer": _addr(task.customer),
        "app_hash": task.app_hash.hex(),
        "input_hash": task.input_hash.hex(),
        "input_size": task.input_size,
        "class_name": task.class_name,
        "replicas": task.replicas,
        "max_fuel": task.max_fuel,
        "price": task.price,
        "fee": task.fee,
        "escrow": task.escrow,
        "state": task.state,
        "deadline": task.deadline,
        "step_deadline": task.step_deadline,
        "master": _addr(task.master),
        "master_endpoint": candidate.endpoint if candidate else "",
        "participants": [
            {"worker": _addr(p.worker), "status": p.status, "result_hash": p.result_hash.hex(), "fuel": p.fuel,
             "late": p.late, "audited": p.audited}
            for p in task.participants
        ],
        "needed": task.needed() if task.state == "allocated" else 0,
        "target": task.target,
        "audit": task.audit,
        "audit_drawn": task.audit_drawn,
        "draw_height": task.draw_height,
        "extra": task.extra,
        "reassignments": task.reassignments,
        "reallocations": task.reallocations,
        "excluded_masters": [_addr(m) for m in task.excluded_masters],
        "excluded_workers": [_addr(w) for w in task.excluded_workers],
        "result_hash": task.result_hash.hex(),
        "fuel_used": task.fuel_used,
        "paid": task.paid,
        "refunded": task.refunded,
        "compensation": task.compensation,
        "heights": [[step, height] for step, height in task.heights],
        # a liveness probe: the worker it probes and its protocol input (the master stores it as the input blob)
        "probe_worker": _addr(task.probe_worker),
        "probe_input": task.probe_input.hex(),
    }


def task_views(state: StateRead, index: str, address: bytes) -> list[dict]:
    views = []
    for task_id in st.iter_open_task_ids(state, index, address):
        task = st.get_task(state, task_id)
        assert task is not None
        views.append(task_view(state, task))
        if len(views) >= MAX_LIST:
            break
    return views


def worker_view(worker: Worker, now: int) -> dict:
    return {
        "address": _addr(worker.address),
        "master": _addr(worker.master),
        "cpu_cores": worker.cpu_cores,
        "gpu": worker.gpu,
        "ram_mb": worker.ram_mb,
        "storage_mb": worker.storage_mb,
        "slots": worker.slots,
        "running": worker.running,
        "any_app": worker.any_app,
        "deposit": worker.deposit,
        "online": worker.online,
        "last_heartbeat": worker.last_heartbeat,
        "seconds_since_heartbeat": max(0, now - worker.last_heartbeat),
        "completed": worker.completed,
        "failed": worker.failed,
        "slashed": worker.slashed,
        "registered_at": worker.registered_at,
        "uptime_seconds": worker.uptime,
        "handed_back": worker.handed_back,
    }


def workers_of(state: StateRead, master: bytes, now: int) -> list[dict]:
    """The first MAX_LIST workers of a master's pool, by address."""
    views = []
    for address in st.iter_worker_addresses_of(state, master):
        worker = st.get_worker(state, address)
        assert worker is not None
        views.append(worker_view(worker, now))
        if len(views) >= MAX_LIST:
            break
    return views


def master_view(state: StateRead, master: bytes) -> dict:
    params = st.get_params(state)
    stats = st.get_master_stats(state, master)
    capacity = st.get_capacity(state, params, master)
    return {
        "master": _addr(master),
        "active": staking_api.is_active_master(state, master),
        "completed": stats["completed"],
        "failed": stats["failed"],
        "penalties": stats["penalties"],
        "released": stats["released"],
        "pending_replicas": stats["pending"],
        "reputation_bps": rules.reputation_bps(stats["completed"], stats["failed"]),
        "capacity": {name: {"workers_free": c[0], "slots": c[1], "free": c[2]} for name, c in capacity.items()},
    }


def classes_view(state: StateRead) -> list[dict]:
    params = st.get_params(state)
    total = st.get_capacity(state, params, None)
    return [
        {**c.to_dict(), "genesis_price": c.price, "price": st.get_price(state, params, c.name),
         "workers_free": total[c.name][0], "slots": total[c.name][1], "free_slots": total[c.name][2]}
        for c in params.classes
    ]


def pending_deposits(state: StateRead, address: bytes, now: int) -> dict:
    """The deposits of ``address`` waiting for release after compute/unregister_worker, earliest first, with the
    seconds left; ``complete`` is False when the scan stopped at MAX_RELEASE_SCAN entries."""
    entries, scanned = [], 0
    for time, worker, amount in st.iter_deposit_releases(state):
        scanned += 1
        if scanned > MAX_RELEASE_SCAN:
            break
        if worker == address:
            entries.append({"amount": amount, "release_time": time, "seconds_left": max(0, time - now)})
    return {"address": _addr(address), "pending": entries, "total": sum(e["amount"] for e in entries),
            "complete": scanned <= MAX_RELEASE_SCAN}


def time_budget(state: StateRead, class_name: str, max_fuel: int) -> dict | None:
    """The time a task of ``class_name`` with ``max_fuel`` gets at each step (docs/modules/compute.md, "Deadlines
    follow the work"), or None for an unknown class. ``min_timeout_seconds`` is the shortest customer timeout that
    covers one round of every step; ``allowed`` is False when the chain refuses that max_fuel for the class."""
    params = st.get_params(state)
    resource_class = params.resource_class(class_name)
    if resource_class is None:
        return None
    run = resource_class.run_seconds(max_fuel)
    commit_window = logic.commit_window_for(params, class_name, max_fuel)
    largest = resource_class.fuel_rate * params.max_run_seconds
    return {
        "class_name": class_name,
        "max_fuel": max_fuel,
        "fuel_rate": resource_class.fuel_rate,
        "run_seconds": run,
        "max_run_seconds": params.max_run_seconds,
        "largest_max_fuel": min(largest, params.max_fuel),
        "allowed": 1 <= max_fuel <= params.max_fuel and run <= params.max_run_seconds,
        "assign_timeout_seconds": params.assign_timeout_seconds,
        "commit_window_seconds": commit_window,
        "reveal_timeout_seconds": params.reveal_timeout_seconds,
        "confirm_timeout_seconds": params.confirm_timeout_seconds,
        "min_timeout_seconds": max(params.min_task_seconds,
                                   params.assign_timeout_seconds + commit_window + params.reveal_timeout_seconds),
        "max_timeout_seconds": params.max_task_seconds,
    }


def price_history(state: StateRead, class_name: str) -> list[dict]:
    return [
        {"epoch": epoch, "height": entry[0], "price": entry[1], "utilisation_bps": entry[2], "slots": entry[3]}
        for epoch, entry in st.iter_price_history(state, class_name)
    ]

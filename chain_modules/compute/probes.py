"""Liveness probes: a small task the protocol gives a worker that fog drew, to show it computes in its class.

A probe is a task like any other (committed, revealed and verified by replication) with these differences
(docs/modules/fog.md, "Liveness probes"):

- the protocol submits it: its customer is the ``compute_probe`` module account, it escrows nothing and pays
  nothing (price and fee 0), and it runs the app the ``probe_app`` param names, with a protocol input;
- it skips the queue: it is allocated at once to the probed worker's master, whose first assignment must
  include the probed worker (who takes it even without a free slot), plus one more worker of its pool;
- it moves no AMIO: a missed step or a minority result counts as the worker's failure (reputation), without a
  slash; for the probed worker, failing the probe forfeits the epoch's availability (fog);
- it ends at its first missed step, with no replacement round: a probe that does not pass fails;
- delivered, it settles at once (nobody confirms it), and fog learns whether the probed worker passed.
"""

from __future__ import annotations

import hashlib

from chain_modules.bank import api as bank_api
from chain_modules.common.context import BlockContext
from chain_modules.common.events import bech32
from chain_modules.common.state import StateWrite
from chain_modules.compute import state as st
from chain_modules.compute.events import emit_task_step, event_task, event_task_allocated
from chain_modules.compute.types import ComputeParams, ResourceClass, Task, TaskEvent, Worker
from chain_modules.staking import api as staking_api

PROBE_CUSTOMER = bank_api.module_address("compute_probe")
PROBE_REPLICAS = 2
WORK_BYTES = 8  # the input starts with the work count (u64, little-endian); the rest is protocol randomness
RANDOM_BYTES = 24


def probe_input(params: ComputeParams, randomness: bytes) -> bytes:
    """The input of a probe: probe_work as a little-endian u64, then 24 bytes of the draw's randomness (the
    hash_chain example's input format: that many hash iterations over those bytes)."""
    assert len(randomness) >= RANDOM_BYTES
    return params.probe_work.to_bytes(WORK_BYTES, "little") + randomness[:RANDOM_BYTES]


def probe_class(params: ComputeParams, worker: Worker) -> ResourceClass | None:
    """The largest class the worker's registered resources fit (by cores plus 4 per GPU, then name): passing its
    probe proves the capability the worker claims."""
    fitting = [c for c in params.classes if worker.fits(c)]
    return max(fitting, key=lambda c: (c.cpu_cores + 4 * c.gpu, c.name), default=None)


def start_probe(state: StateWrite, ctx: BlockContext, worker_address: bytes, randomness: bytes) -> Task | None:
    """Give ``worker_address`` a probe now; the task, or None when no probe can run (no probe_app, the worker is
    gone or fits no class, or its master no longer takes work)."""
    params = st.get_params(state)
    worker = st.get_worker(state, worker_address)
    if not params.probe_app or worker is None:
        return None
    resource_class = probe_class(params, worker)
    sponsor = staking_api.consenting_sponsor(state, worker.master)
    if resource_class is None or sponsor is None or not staking_api.is_active_master(state, worker.master):
        return None
    data = probe_input(params, randomness)
    task = Task(st.take_next_task_id(state), PROBE_CUSTOMER, params.probe_app_hash, hashlib.sha256(data).digest(),
                len(data), resource_class.name, PROBE_REPLICAS, params.probe_max_fuel, 0, 0, 0,
                ctx.time + params.probe_timeout_seconds, probe_worker=worker_address,
                probe_input=data).mark("submitted", ctx.height)
    allocated = task.move(TaskEvent.ALLOCATE, master=worker.master, target=PROBE_REPLICAS, sponsor=sponsor,
                          allocated_height=ctx.height,
                          step_deadline=ctx.time + params.assign_timeout_seconds).mark("allocated", ctx.height)
    st.bump_master(state, worker.master, pending=allocated.needed())
    st.set_task(state, allocated, None)
    candidate = staking_api.get_candidate(state, worker.master)
    emit_task_step(state, event_task("probe", allocated, worker=bech32(worker_address), master=bech32(worker.master),
                          class_name=resource_class.name, input=data.hex()))
    emit_task_step(state, event_task_allocated(allocated, candidate.endpoint if candidate else ""))
    return allocated

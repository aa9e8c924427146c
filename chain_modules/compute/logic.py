"""The task lifecycle: transitions shared by the message handlers and end_block.

Every function takes the task as it is and stores what it becomes with
``st.set_task(state, new, old)``; tokens only move between the customer,
the escrow account, the worker deposit account and the revenue pool, so
no path creates or destroys any. States and transitions are drawn in
docs/modules/compute.md.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from chain_modules.apppool import api as apppool_api
from chain_modules.bank import api as bank_api
from chain_modules.common.events import bech32, uamio
from chain_modules.common.context import BlockContext, call_hooks
from chain_modules.common.state import StateWrite
from chain_modules.compute import rules
from chain_modules.compute import state as st
from chain_modules.compute.api import DEPOSITS, ESCROW, REVENUE_POOL
from chain_modules.compute.events import emit_task_step, event_task, event_task_allocated, event_worker
from chain_modules.distribution import api as distribution_api
from chain_modules.compute.types import (
    ALLOCATED,
    BPS,
    CANCELLED,
    COMMITTING,
    DELIVERED,
    P_ASSIGNED,
    P_COMMITTED,
    P_REVEALED,
    REFUNDED,
    REVEALING,
    SETTLED,
    SUBMITTED,
    ComputeParams,
    Participant,
    Task,
    TaskEvent,
    cost,
)
from chain_modules.staking import api as staking_api


def _seeded(ctx: BlockContext, *parts: bytes) -> int:
    return int.from_bytes(hashlib.sha256(ctx.seed + b"".join(parts)).digest()[:8], "big")


# -- workers -------------------------------------------------------------------------------


def occupy(state: StateWrite, params: ComputeParams, worker_address: bytes, delta: int) -> None:
    """Take (+1) or give back (-1) a slot of a worker."""
    worker = st.get_worker(state, worker_address)
    assert worker is not None, "a participant's worker record is missing"
    assert worker.running + delta >= 0, "worker running count went negative"
    st.set_worker(state, params, worker.with_(running=worker.running + delta), worker, params.heartbeat_timeout_seconds)


def penalise(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task, worker_address: bytes, reason: str) -> int:
    """Slash worker_slash_bps of a worker's deposit into the escrow account, as the task's forfeits, and count
    the failure (in a probe, only count it). Returns the amount: the caller adds it to the task's ``forfeits``."""
    worker = st.get_worker(state, worker_address)
    assert worker is not None
    if task.probe_worker:  # a probe moves no AMIO: the failure counts, and fog hears how the probed worker did
        st.set_worker(state, params, worker.with_(failed=worker.failed + 1), worker, params.heartbeat_timeout_seconds)
        state.emit(event_worker("probe_failed", worker, task_id=task.id, reason=reason))
        return 0
    amount = worker.deposit * params.worker_slash_bps // BPS
    if amount:
        bank_api.transfer_module(state, DEPOSITS, ESCROW, amount)
    updated = worker.with_(deposit=worker.deposit - amount, failed=worker.failed + 1, slashed=worker.slashed + 1)
    st.set_worker(state, params, updated, worker, params.heartbeat_timeout_seconds)
    state.emit(event_worker("slashed", updated, task_id=task.id, reason=reason, amount=uamio(amount)))
    call_hooks(ctx, "after_worker_slashed", state, ctx, worker_address)
    return amount


def _credit(state: StateWrite, params: ComputeParams, worker_address: bytes) -> None:
    worker = st.get_worker(state, worker_address)
    assert worker is not None
    st.set_worker(state, params, worker.with_(completed=worker.completed + 1), worker, params.heartbeat_timeout_seconds)


def _release_all(state: StateWrite, params: ComputeParams, task: Task) -> None:
    if task.state in (ALLOCATED, COMMITTING, REVEALING):
        for participant in task.participants:
            occupy(state, params, participant.worker, -1)


# -- allocation ----------------------------------------------------------------------------


def choose_master(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task, target: int,
                  masters: list[bytes]) -> bytes | None:
    """The active master with room for ``target`` workers of the task's class that may run its app: most free
    slots x reputation, ties broken by a seeded hash of (task, master)."""
    app = apppool_api.get_app(state, task.app_hash)
    verified = app is not None and app.verified
    best: tuple | None = None
    for master in masters:
        if master in task.excluded_masters:
            continue
        capacity = st.get_capacity(state, params, master, any_app=not verified)[task.class_name]
        stats = st.get_master_stats(state, master)
        # reserved replicas may each take the last free slot of a distinct worker: count them against both
        free = capacity[2] - stats["pending"]
        if capacity[0] - stats["pending"] < target or free < target:
            continue
        key = (-free * rules.reputation_bps(stats["completed"], stats["failed"]), _seeded(ctx, b"alloc", task.id.to_bytes(8, "big"), master))
        if best is None or key < best[0]:
            best = (key, master)
    return None if best is None else best[1]


def allocate_queue(state: StateWrite, ctx: BlockContext, params: ComputeParams) -> None:
    """Give queued tasks, front first, to active master nodes; at most max_allocations_per_block tries.

    A task no master can take now goes to the back of the queue, so tasks that wait for capacity never
    keep the ones behind them from being tried."""
    queue = []
    for task_id in st.iter_queue(state):
        queue.append(task_id)
        if len(queue) >= params.max_allocations_per_block:
            break
    if not queue:
        return
    # only masters whose sponsor consents now take new tasks (a withdrawn consent stops new allocations)
    sponsors = {m: sponsor for m in staking_api.iter_active_masters(state)
                if (sponsor := staking_api.consenting_sponsor(state, m)) is not None}
    masters = list(sponsors)
    for task_id in queue:
        task = st.get_task(state, task_id)
        assert task is not None and task.state == SUBMITTED
        if task.heights[0][1] == ctx.height:
            # the block's seed was known before its txs were chosen: a task is allocated (its tie-break seeded) from
            # the block after its submission on, so nobody can time a submission to a known draw
            continue
        target = task.target or task.replicas
        # a single-replica task whose audit is not drawn yet goes only to a master with room for the auditor the
        # draw may ask for after the commit (draw_audit), when it may ask for one; it reserves one worker
        room = target + (1 if awaits_audit_draw(task) and params.audit_probability_bps else 0)
        master = choose_master(state, ctx, params, task, room, masters)
        st.dequeue(state, task.id)
        if master is None:
            st.enqueue(state, task.id)
            continue
        updated = task.move(TaskEvent.ALLOCATE, master=master, target=target, sponsor=sponsors[master],
                             allocated_height=ctx.height,
                             step_deadline=ctx.time + params.assign_timeout_seconds).mark(ALLOCATED, ctx.height)
        st.bump_master(state, master, pending=updated.needed())
        st.set_task(state, updated, task)
        candidate = staking_api.get_candidate(state, master)
        emit_task_step(state, event_task_allocated(updated, candidate.endpoint if candidate else ""))


# -- rounds ----------------------------------------------------------------------------------


def commit_window(params: ComputeParams, task: Task) -> int:
    """Seconds from an assignment to its commit deadline: the time the task's class guarantees for max_fuel, plus
    commit_timeout_seconds for fetching the job and sending the commitment. The deadline follows the work, so a
    worker that keeps its class's rate always commits in time, however long the job."""
    return commit_window_for(params, task.class_name, task.max_fuel)


def commit_window_for(params: ComputeParams, class_name: str, max_fuel: int) -> int:
    """commit_window of a task of ``class_name`` with ``max_fuel``: commit_timeout_seconds + ceil(max_fuel /
    fuel_rate) (no run time for a class the params no longer have)."""
    resource_class = params.resource_class(class_name)
    run = resource_class.run_seconds(max_fuel) if resource_class is not None else 0
    return params.commit_timeout_seconds + run


def await_assignment(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task, old: Task,
                     replacement: bool, step: str = "reassigning") -> None:
    """Ask the master for the workers the round still needs (replacements count against max_reassignments;
    tie-breakers and the auditor do not). ``step`` names the move in the task's heights."""
    if replacement and task.reassignments >= params.max_reassignments:
        fail(state, ctx, params, task, old, "too many replacement rounds")
        return
    updated = task.move(TaskEvent.NEED_WORKERS, step_deadline=ctx.time + params.assign_timeout_seconds,
                         reassignments=task.reassignments + (1 if replacement else 0)).mark(step, ctx.height)
    st.bump_master(state, task.master, pending=updated.needed())
    st.set_task(state, updated, old)
    emit_task_step(state, event_task("needs_workers", updated, master=bech32(updated.master), needed=updated.needed()))


def awaits_audit_draw(task: Task) -> bool:
    """Whether the task is a single-replica task whose audit is still to be drawn: its first round, once whole and
    committed, waits for the draw instead of revealing."""
    return task.replicas == 1 and not task.audit_drawn


def start_reveals(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task) -> Task:
    """The round is whole and every member committed: the reveal phase starts. Returns the task to store."""
    updated = task.move(TaskEvent.REVEAL, step_deadline=ctx.time + params.reveal_timeout_seconds)
    emit_task_step(state, event_task("reveal_started", updated, reveal_deadline=updated.step_deadline))
    return updated


def draw_audit(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task) -> None:
    """Draw the audit of a single-replica task whose lone worker committed in an earlier block, with this block's
    seed: ``sha256(seed ‖ "audit" ‖ task id)`` (first 8 bytes) mod 10,000 below audit_probability_bps.

    The seed of this block comes from the precommits of the previous one, so nobody knew it when the commit was
    included, and the worker committed without knowing whether it would be checked. Audited: the target grows to
    two and the master names one more worker (not a replacement round, not a tie-breaker; it joins before any
    reveal). Not audited: the reveals start. Drawn once: audit_drawn stays set for the task's life."""
    assert task.state == COMMITTING and 0 < task.draw_height < ctx.height and awaits_audit_draw(task)
    drawn = task.with_(audit_drawn=True, draw_height=0)
    if _seeded(ctx, b"audit", task.id.to_bytes(8, "big")) % BPS < params.audit_probability_bps:
        audited = drawn.with_(audit=True, target=drawn.target + 1,
                              participants=tuple(p.with_(audited=True) for p in drawn.participants))
        emit_task_step(state, event_task("audit_drawn", audited, audited="true", draw_height=task.draw_height))
        await_assignment(state, ctx, params, audited, task, replacement=False, step="audited")
        return
    emit_task_step(state, event_task("audit_drawn", drawn, audited="false", draw_height=task.draw_height))
    st.set_task(state, start_reveals(state, ctx, params, drawn.mark("not_audited", ctx.height)), task)


def work_fuel(params: ComputeParams, participant: Participant, fuel: int) -> int:
    """The fuel a verified result counts as work: its fuel, or fuel x 10,000 / audit_probability_bps for the lone
    worker of an audited single-replica task. An unaudited single result is not verified and counts nothing, so
    an honest single-replica worker counts, on average, the fuel it ran, and a worker that lies when it works alone
    counts nothing for its lies (and is slashed when the audit falls on one)."""
    if participant.audited and params.audit_probability_bps:
        return fuel * BPS // params.audit_probability_bps
    return fuel


def drop(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task, status: str, reason: str) -> Task:
    """Remove the participants still in ``status`` at a deadline: penalise them, free their slots, exclude them."""
    late = [p.worker for p in task.participants if p.status == status]
    forfeited = 0
    for worker in late:
        forfeited += penalise(state, ctx, params, task, worker, reason)
        occupy(state, params, worker, -1)
    return task.with_(participants=tuple(p for p in task.participants if p.status != status),
                      excluded_workers=task.excluded_workers + tuple(late), forfeits=task.forfeits + forfeited)


def resolve(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task, old: Task) -> None:
    """Count the reveals: a group of (result, fuel) with a strict majority of the round's target wins."""
    revealed = [p for p in task.participants if p.status == P_REVEALED]
    groups = Counter((p.result_hash, p.fuel) for p in revealed)
    quorum = task.target // 2 + 1
    winner = next(((result, fuel) for (result, fuel), count in sorted(groups.items()) if count >= quorum), None)
    if winner is not None:
        result_hash, fuel = winner
        forfeited = 0
        passed = False
        for participant in revealed:
            if (participant.result_hash, participant.fuel) == winner:
                if not participant.late:  # a late joiner could have copied the winner: it confirms, it earns nothing
                    _credit(state, params, participant.worker)
                    passed = passed or participant.worker == task.probe_worker
                    if groups[winner] >= 2 and not task.probe_worker:  # verified: another worker computed it too
                        call_hooks(ctx, "after_verified_result", state, ctx, participant.worker, task.master,
                                   task.class_name, work_fuel(params, participant, fuel))
            else:
                forfeited += penalise(state, ctx, params, task, participant.worker, "minority result")
        _release_all(state, params, task)
        updated = task.move(TaskEvent.DELIVER, forfeits=task.forfeits + forfeited, result_hash=result_hash, fuel_used=fuel,
                             step_deadline=ctx.time + params.confirm_timeout_seconds).mark(DELIVERED, ctx.height)
        st.bump_master(state, task.master, completed=1)
        st.set_task(state, updated, old)
        emit_task_step(state, event_task("delivered", updated, master=bech32(updated.master), result_hash=result_hash.hex(), fuel=fuel,
                              agreeing=groups[winner], confirm_deadline=updated.step_deadline))
        if task.probe_worker:  # nobody confirms a probe: it settles now, and fog learns how the probed worker did
            settle(state, ctx, updated, updated, "probe")
            _probe_ended(state, ctx, updated, passed)
        return
    if len(task.participants) < task.target:
        await_assignment(state, ctx, params, task, old, replacement=True)
    elif task.extra < params.max_extra_replicas:
        grown = task.with_(target=task.target + 1, extra=task.extra + 1)
        await_assignment(state, ctx, params, grown, old, replacement=False)
    else:
        # every reveal disagrees: someone lied but nobody can tell who, and a customer who ran the workers
        # could split the vote on purpose, so nobody is compensated (the master's reputation still counts it)
        fail(state, ctx, params, task, old, "no majority result", count_failure=True)


# -- endings -----------------------------------------------------------------------------


def settle(state: StateWrite, ctx: BlockContext, task: Task, old: Task, how: str) -> None:
    """The customer pays the verified fuel of its replicas plus the fee to the revenue pool; the rest comes back.
    The forfeits of workers that failed on the way go to the revenue pool: the customer got its result."""
    payment = cost(task.price, task.fuel_used * task.replicas) + task.fee
    assert payment <= task.escrow, "payment exceeds escrow"
    refund = task.escrow - payment
    if payment + task.forfeits:  # a probe pays nothing
        bank_api.transfer_module(state, ESCROW, REVENUE_POOL, payment + task.forfeits)
    if refund:
        bank_api.transfer_module(state, ESCROW, task.customer, refund)
    updated = task.move(TaskEvent.SETTLE, escrow=0, forfeits=0, paid=payment, refunded=refund,
                         step_deadline=0).mark(SETTLED, ctx.height)
    st.set_task(state, updated, old)
    emit_task_step(state, event_task("settled", updated, how=how, paid=uamio(payment), refunded=uamio(refund),
                          fuel=task.fuel_used))


def _compensate(state: StateWrite, params: ComputeParams, task: Task) -> int:
    """Pay the customer of a task that ends without a result from the deposits its failed workers forfeited, up to
    compensation_bps of the escrow; the rest of the forfeits goes to the revenue pool. Returns the compensation.

    Only those workers' own deposits pay, never a master's or a sponsor's stake: the chain cannot tell whether the
    workers that failed belong to the customer, so a customer gains from a failure at most what the failing
    workers lost (docs/modules/compute.md, "Who pays for a failure")."""
    compensation = min(task.forfeits, task.escrow * params.compensation_bps // BPS)
    if compensation:
        bank_api.transfer_module(state, ESCROW, task.customer, compensation)
    if task.forfeits - compensation:
        bank_api.transfer_module(state, ESCROW, REVENUE_POOL, task.forfeits - compensation)
    return compensation


def _probe_ended(state: StateWrite, ctx: BlockContext, task: Task, passed: bool) -> None:
    emit_task_step(state, event_task("probe_ended", task, worker=bech32(task.probe_worker), passed=str(passed).lower()))
    call_hooks(ctx, "after_probe_ended", state, ctx, task.probe_worker, task.id, task.class_name, passed)


def fail(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task, old: Task, reason: str,
         count_failure: bool = False, blame_master: bool = True) -> None:
    """Refund the escrow in full, with the failed workers' forfeits as compensation (_compensate). The master
    whose pool held the task (it assigned workers) counts a failure unless ``blame_master`` is false (the
    customer's own deadline), as does one named by ``count_failure``."""
    _release_all(state, params, task)
    if task.state == SUBMITTED:
        st.dequeue(state, task.id)
    if task.state == ALLOCATED and task.master:
        st.bump_master(state, task.master, pending=-task.needed())
    if task.master and ((task.participants and blame_master) or count_failure):
        st.bump_master(state, task.master, failed=1)
    compensation = _compensate(state, params, task)
    if task.escrow:  # a probe escrows nothing
        bank_api.transfer_module(state, ESCROW, task.customer, task.escrow)
    updated = task.move(TaskEvent.REFUND, refunded=task.escrow, escrow=0, forfeits=0, compensation=compensation,
                         step_deadline=0, draw_height=0).mark(REFUNDED, ctx.height)
    st.set_task(state, updated, old)
    emit_task_step(state, event_task("refunded", updated, reason=reason, refund=uamio(task.escrow),
                          compensation=uamio(compensation)))
    if task.probe_worker:
        _probe_ended(state, ctx, updated, False)


def cancel(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task) -> None:
    if task.state == SUBMITTED:
        st.dequeue(state, task.id)
    else:
        st.bump_master(state, task.master, pending=-task.needed())
    compensation = _compensate(state, params, task)
    bank_api.transfer_module(state, ESCROW, task.customer, task.escrow)
    updated = task.move(TaskEvent.CANCEL, refunded=task.escrow, escrow=0, forfeits=0, compensation=compensation,
                         step_deadline=0).mark(CANCELLED, ctx.height)
    st.set_task(state, updated, task)
    emit_task_step(state, event_task("cancelled", updated, refund=uamio(task.escrow)))


# -- deadlines -----------------------------------------------------------------------------


def step_deadline(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task) -> None:
    """The current step's deadline passed without the step being done."""
    if task.probe_worker and task.state != DELIVERED:
        _probe_deadline(state, ctx, params, task)
    elif task.state == ALLOCATED:
        _reallocate(state, ctx, params, task)
    elif task.state == COMMITTING:
        if task.draw_height:
            # every member committed in time (the last commit came in the deadline's own block): the audit draw of
            # a later block moves the task on, and the deadline waits in the queue until then
            return
        dropped = drop(state, ctx, params, task, P_ASSIGNED, "missed commit deadline")
        # the dropped workers' slots are already free; the rest still hold theirs
        await_assignment(state, ctx, params, dropped, task, replacement=True)
    elif task.state == REVEALING:
        dropped = drop(state, ctx, params, task, P_COMMITTED, "missed reveal deadline")
        resolve(state, ctx, params, dropped, task)
    elif task.state == DELIVERED:
        settle(state, ctx, task, task, "auto-confirmed")


def _probe_deadline(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task) -> None:
    """A probe fails when its probed worker misses a step (or the master never names it): the workers that missed
    the step are dropped (a failure, no slash: a probe moves no AMIO) and the probe ends without blaming the
    master (the probed worker may have gone offline before the master could name it). When only other workers
    missed it, the probe goes on as any task does (a replacement is asked for), so an honest worker does not fail
    its probe for its partner."""
    probed = task.participant(task.probe_worker)
    missed = probed is None or (task.state == COMMITTING and probed.status == P_ASSIGNED) \
        or (task.state == REVEALING and probed.status == P_COMMITTED)
    if task.state not in (COMMITTING, REVEALING) or not missed:
        if task.state == COMMITTING:
            await_assignment(state, ctx, params, drop(state, ctx, params, task, P_ASSIGNED, "missed commit deadline"),
                             task, replacement=True)
        elif task.state == REVEALING:
            resolve(state, ctx, params, drop(state, ctx, params, task, P_COMMITTED, "missed reveal deadline"), task)
        else:
            fail(state, ctx, params, task, task, "probe: no worker was assigned in time", blame_master=False)
        return
    status = P_ASSIGNED if task.state == COMMITTING else P_COMMITTED
    ended = drop(state, ctx, params, task, status, f"missed {'commit' if task.state == COMMITTING else 'reveal'} deadline")
    fail(state, ctx, params, ended, task, f"probe: the probed worker missed the {task.state} step's deadline",
         blame_master=False)


def _reallocate(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task, released: bool = False) -> None:
    """Queue the task for another master: the master missed its assign deadline (a failure), or returned a task
    it never received the job for (``released``: counted apart, not a failure).

    Missing the assign deadline is the one failure a master alone controls (an honest master either assigns or,
    when the job never arrived, releases before the deadline), so only it costs the master's stake:
    master_penalty_bps of the escrow, taken from the stake it had at the allocation, and its sponsor's share,
    all to the community pool. Nobody who could have caused it is paid from it."""
    st.bump_master(state, task.master, **({"released": 1} if released else {"failed": 1}))
    if not released:
        amount = task.escrow * params.master_penalty_bps // BPS
        master_cut, sponsor_cut = staking_api.penalise_master_node(
            state, ctx, task.master, task.allocated_height, amount, task.sponsor, distribution_api.DISTRIBUTION_POOL)
        if master_cut + sponsor_cut:
            distribution_api.add_to_community(state, master_cut + sponsor_cut)
            st.bump_master(state, task.master, penalties=1)
        emit_task_step(state, event_task("master_penalised", task, master=bech32(task.master), amount=uamio(master_cut),
                              sponsor=bech32(task.sponsor) if task.sponsor else "", sponsor_amount=uamio(sponsor_cut)))
    if task.reallocations >= params.max_reallocations:
        fail(state, ctx, params, task, task, "no master node assigned workers in time")
        return
    st.bump_master(state, task.master, pending=-task.needed())
    _release_all(state, params, task)
    base = task.replicas + (1 if task.audit else 0)
    updated = task.move(TaskEvent.REQUEUE, master=b"", sponsor=b"", participants=(), target=base, extra=0, step_deadline=0,
                         reallocations=task.reallocations + 1,
                         excluded_masters=task.excluded_masters + (task.master,)).mark("reallocated", ctx.height)
    st.set_task(state, updated, task)
    st.enqueue(state, task.id)
    emit_task_step(state, event_task("reallocated", updated, previous_master=bech32(task.master), released=str(released).lower()))


def release(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task) -> None:
    """The master hands back a task it never received the module and input for (a probe, whose module and input
    the master has itself, fails: no other master has the probed worker)."""
    if task.probe_worker:
        fail(state, ctx, params, task, task, "probe: released by the master", blame_master=False)
        return
    _reallocate(state, ctx, params, task, released=True)


def final_deadline(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task) -> None:
    """The customer's deadline: a delivered task settles, any other is refunded in full, with the forfeits of
    workers that failed earlier steps as compensation (as in every refund). Workers still computing when the
    customer's deadline passes lose nothing: the customer chose the deadline."""
    if task.state == DELIVERED:
        settle(state, ctx, task, task, "auto-confirmed at the final deadline")
    else:
        fail(state, ctx, params, task, task, "final deadline passed", blame_master=False)

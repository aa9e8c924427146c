"""compute message handlers: checks first, then writes, then events."""

from __future__ import annotations

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from chain_modules.apppool import api as apppool_api
from chain_modules.bank import api as bank_api
from chain_modules.common.events import bech32, uamio
from chain_modules.common.context import BlockContext, call_hooks
from chain_modules.common.state import StateWrite
from chain_modules.compute import logic, rules
from chain_modules.compute import state as st
from chain_modules.common.address import address_bytes_from_pubkey
from chain_modules.compute.admission import admission_sign_bytes
from chain_modules.compute.api import DEPOSITS, ESCROW
from chain_modules.compute.errors import (
    ErrAlreadyCommitted,
    ErrClassNotAllowed,
    ErrCommitmentMismatch,
    ErrDepositTooLow,
    ErrInputTooLarge,
    ErrInvalidAdmission,
    ErrInvalidAssignment,
    ErrInvalidCapabilities,
    ErrInvalidFuel,
    ErrInvalidReplicas,
    ErrInvalidTimeout,
    ErrNotCommitted,
    ErrNotCustomer,
    ErrNotParticipant,
    ErrNotTaskMaster,
    ErrPriceAboveLimit,
    ErrProbeWorkerMissing,
    ErrTooManyOpenTasks,
    ErrUnknownApp,
    ErrUnknownClass,
    ErrUnknownMaster,
    ErrUnknownTask,
    ErrUnknownWorker,
    ErrWorkerAlreadyOffline,
    ErrWorkerBusy,
    ErrWorkerExists,
    ErrWorkerNotEligible,
    ErrWrongState,
)
from chain_modules.compute.events import emit_task_step, event_task, event_worker
from chain_modules.compute.types import (
    ALLOCATED,
    COMMITTING,
    DELIVERED,
    P_COMMITTED,
    P_REVEALED,
    REVEALING,
    SUBMITTED,
    TaskEvent,
    ComputeParams,
    MsgAssignWorkers,
    MsgCancelTask,
    MsgCommitResult,
    MsgConfirmTask,
    MsgHandBackTask,
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgReleaseTask,
    MsgRevealResult,
    MsgSubmitTask,
    MsgTopUpDeposit,
    MsgUnregisterWorker,
    MsgWorkerOffline,
    Participant,
    Task,
    Worker,
    commitment,
    cost,
)
from chain_modules.staking import api as staking_api


def _task(state: StateWrite, task_id: int) -> Task:
    task = st.get_task(state, task_id)
    if task is None:
        raise ErrUnknownTask(f"no task with id {task_id}")
    return task


def _worker(state: StateWrite, address: bytes) -> Worker:
    worker = st.get_worker(state, address)
    if worker is None:
        raise ErrUnknownWorker("the signer is not a registered worker")
    return worker


def handle_submit_task(state: StateWrite, ctx: BlockContext, msg: MsgSubmitTask) -> None:
    """Escrow price x max_fuel x replicas + fee from the customer and queue the task for allocation at block end.

    Raises: ErrUnknownClass, ErrInvalidReplicas, ErrInvalidFuel (also above what the class runs in max_run_seconds),
    ErrInputTooLarge, ErrInvalidTimeout,
    ErrUnknownApp, ErrClassNotAllowed, ErrTooManyOpenTasks, ErrPriceAboveLimit, bank.ErrInsufficientFunds, bank.ErrLockedByVesting
    """
    params = st.get_params(state)
    resource_class = params.resource_class(msg.class_name)
    if resource_class is None:
        raise ErrUnknownClass(f"no resource class {msg.class_name!r}; classes are {[c.name for c in params.classes]}")
    if not 1 <= msg.replicas <= params.max_replicas:
        raise ErrInvalidReplicas(f"replicas must be between 1 and {params.max_replicas}, got {msg.replicas}")
    if not 1 <= msg.max_fuel <= params.max_fuel:
        raise ErrInvalidFuel(f"max_fuel must be between 1 and {params.max_fuel}, got {msg.max_fuel}")
    if resource_class.run_seconds(msg.max_fuel) > params.max_run_seconds:
        raise ErrInvalidFuel(f"class {msg.class_name!r} guarantees {resource_class.fuel_rate} fuel per second: max_fuel "
                             f"{msg.max_fuel} would run {resource_class.run_seconds(msg.max_fuel)}s, above max_run_seconds "
                             f"{params.max_run_seconds} (at most {resource_class.fuel_rate * params.max_run_seconds} fuel)")
    if not 1 <= msg.input_size <= params.max_input_bytes:
        raise ErrInputTooLarge(f"input_size must be between 1 and {params.max_input_bytes} bytes, got {msg.input_size}")
    if not params.min_task_seconds <= msg.timeout <= params.max_task_seconds:
        raise ErrInvalidTimeout(f"timeout must be between {params.min_task_seconds}s and {params.max_task_seconds}s, got {msg.timeout}s")
    app = apppool_api.get_app(state, msg.app_hash)
    if app is None:
        raise ErrUnknownApp(f"module {msg.app_hash.hex()} is not registered in the application pool")
    if app.blocked:
        raise ErrUnknownApp(f"module {msg.app_hash.hex()} is blocked by a governance proposal")
    if app.classes and msg.class_name not in app.classes:
        raise ErrClassNotAllowed(f"application {app.name!r} runs on classes {list(app.classes)}, not {msg.class_name!r}")
    open_tasks = st.get_open_count(state, msg.customer)
    if open_tasks >= params.max_open_tasks_per_customer:
        raise ErrTooManyOpenTasks(f"the customer has {open_tasks} open tasks, the maximum is {params.max_open_tasks_per_customer}")
    price = st.get_price(state, params, msg.class_name)
    if price > msg.max_price:
        raise ErrPriceAboveLimit(f"class {msg.class_name!r} costs {price}uamio per megafuel, above your limit of {msg.max_price}")

    escrow = cost(price, msg.max_fuel * msg.replicas) + params.protocol_fee
    bank_api.transfer(state, msg.customer, ESCROW, escrow, ctx.time)
    task = Task(
        st.take_next_task_id(state), msg.customer, msg.app_hash, msg.input_hash, msg.input_size, msg.class_name,
        msg.replicas, msg.max_fuel, price, params.protocol_fee, escrow, ctx.time + msg.timeout,
    ).mark(SUBMITTED, ctx.height)
    st.set_task(state, task, None)
    st.enqueue(state, task.id)
    emit_task_step(state, event_task("submitted", task, app_hash=msg.app_hash.hex(), class_name=msg.class_name,
                          replicas=msg.replicas, max_fuel=msg.max_fuel, price=price, escrow=uamio(escrow),
                          deadline=task.deadline))


def handle_cancel_task(state: StateWrite, ctx: BlockContext, msg: MsgCancelTask) -> None:
    """Cancel a task before any worker was assigned; the whole escrow (fee included) comes back.

    Raises: ErrUnknownTask, ErrNotCustomer, ErrWrongState
    """
    task = _task(state, msg.task_id)
    if task.customer != msg.customer:
        raise ErrNotCustomer(f"task {task.id} belongs to another customer")
    if not task.allows(TaskEvent.CANCEL) or task.participants:
        raise ErrWrongState(f"task {task.id} is {task.state} with {len(task.participants)} workers; "
                            "only a task no worker was assigned to can be cancelled")
    logic.cancel(state, ctx, st.get_params(state), task)


def handle_confirm_task(state: StateWrite, ctx: BlockContext, msg: MsgConfirmTask) -> None:
    """Accept the delivered result and settle now.

    Raises: ErrUnknownTask, ErrNotCustomer, ErrWrongState
    """
    task = _task(state, msg.task_id)
    if task.customer != msg.customer:
        raise ErrNotCustomer(f"task {task.id} belongs to another customer")
    if not task.allows(TaskEvent.SETTLE):
        raise ErrWrongState(f"task {task.id} is {task.state}; only a delivered task can be confirmed")
    logic.settle(state, ctx, task, task, "confirmed")


def _check_eligible(state: StateWrite, ctx: BlockContext, params: ComputeParams, task: Task, address: bytes,
                    verified_app: bool) -> Worker:
    worker = st.get_worker(state, address)
    name = bech32(address)
    if worker is None:
        raise ErrWorkerNotEligible(f"{name} is not a registered worker")
    resource_class = params.resource_class(task.class_name)
    reason = rules.assignment_refusal(
        same_pool=worker.master == task.master, online=worker.online, slots=worker.slots, running=worker.running,
        fits=resource_class is not None and worker.fits(resource_class), deposit=worker.deposit,
        min_deposit=params.worker_min_deposit, any_app=worker.any_app, app_verified=verified_app,
        excluded=address in task.excluded_workers, assigned=task.participant(address) is not None,
        probed=address == task.probe_worker)
    if reason is not None:
        raise ErrWorkerNotEligible(_not_eligible_log(reason, name, worker, params, task))
    return worker


def _not_eligible_log(reason: str, name: str, worker: Worker, params: ComputeParams, task: Task) -> str:
    """The log of an assignment refusal (rules.assignment_refusal), worded as the chain has always worded it."""
    return {
        rules.OTHER_POOL: f"worker {name} belongs to another master node's pool",
        rules.OFFLINE: f"worker {name} is offline (no heartbeat within {params.heartbeat_timeout_seconds}s)",
        rules.NO_FREE_SLOT: f"worker {name} has no free slot ({worker.running}/{worker.slots} running)",
        rules.LACKS_RESOURCES: f"worker {name} does not have the resources of class {task.class_name!r}",
        rules.DEPOSIT_TOO_LOW: f"worker {name} deposit {worker.deposit}uamio is below the minimum {params.worker_min_deposit}",
        rules.VERIFIED_APPS_ONLY: f"worker {name} runs verified applications only and this one is not verified",
        rules.EXCLUDED: f"worker {name} already missed a deadline of this task",
        rules.ALREADY_ASSIGNED: f"worker {name} is already assigned to this task",
    }[reason]


def handle_assign_workers(state: StateWrite, ctx: BlockContext, msg: MsgAssignWorkers) -> None:
    """The task's master names exactly the workers the round still needs: distinct, online, capable workers of its pool.

    Raises: ErrUnknownTask, ErrNotTaskMaster, ErrWrongState, ErrInvalidAssignment, ErrProbeWorkerMissing,
    ErrWorkerNotEligible
    """
    params = st.get_params(state)
    task = _task(state, msg.task_id)
    if task.master != msg.master:
        raise ErrNotTaskMaster(f"task {task.id} is not allocated to the signer")
    if not task.allows(TaskEvent.ASSIGN):
        raise ErrWrongState(f"task {task.id} is {task.state}; workers are assigned while it is allocated")
    if len(set(msg.workers)) != len(msg.workers):
        raise ErrInvalidAssignment("the same worker appears twice")
    if len(msg.workers) != task.needed():
        raise ErrInvalidAssignment(f"task {task.id} needs {task.needed()} workers, got {len(msg.workers)}")
    if task.probe_worker and not task.participants and task.probe_worker not in msg.workers:
        raise ErrProbeWorkerMissing(f"task {task.id} is a liveness probe of {bech32(task.probe_worker)}: its first "
                                    "round must include that worker")
    app = apppool_api.get_app(state, task.app_hash)
    # a probe runs the app the compute params name: the params are its approval
    verified = (app is not None and app.verified) or bool(task.probe_worker)
    for address in msg.workers:
        _check_eligible(state, ctx, params, task, address, verified)

    for address in msg.workers:
        logic.occupy(state, params, address, +1)
    st.bump_master(state, task.master, pending=-task.needed())
    # a worker that joins once a result is public (a tie-breaker, a replacement of a missing revealer) could copy it
    late = any(p.status == P_REVEALED for p in task.participants)
    updated = task.move(
        TaskEvent.ASSIGN, participants=task.participants + tuple(Participant(w, late=late) for w in msg.workers),
        step_deadline=ctx.time + logic.commit_window(params, task),
    ).mark("assigned", ctx.height)
    st.set_task(state, updated, task)
    emit_task_step(state, event_task("assigned", updated, workers=",".join(bech32(w) for w in msg.workers),
                          commit_deadline=updated.step_deadline))


def handle_release_task(state: StateWrite, ctx: BlockContext, msg: MsgReleaseTask) -> None:
    """The task's master returns a task none of its workers hold (the customer never uploaded the job to it).

    Raises: ErrUnknownTask, ErrNotTaskMaster, ErrWrongState
    """
    params = st.get_params(state)
    task = _task(state, msg.task_id)
    if task.master != msg.master:
        raise ErrNotTaskMaster(f"task {task.id} is not allocated to the signer")
    if not rules.may_release(task.state, len(task.participants)):
        raise ErrWrongState(f"task {task.id} is {task.state} with {len(task.participants)} workers; "
                            "a master can only return a task none of its workers hold")
    logic.release(state, ctx, params, task)


def _committing_seat(state: StateWrite, task_id: int, worker: bytes, what: str) -> Task:
    """The task, while it is committing and ``worker`` is a participant that has not committed yet.

    Raises: ErrUnknownTask, ErrWrongState, ErrNotParticipant, ErrAlreadyCommitted
    """
    task = _task(state, task_id)
    participant = task.participant(worker)
    reason = rules.commit_refusal(task.state, None if participant is None else participant.status)
    if reason == rules.WRONG_STATE:
        raise ErrWrongState(f"task {task.id} is {task.state}; {what} while it is committing")
    if reason == rules.NOT_PARTICIPANT:
        raise ErrNotParticipant(f"the signer is not assigned to task {task.id}")
    if reason == rules.ALREADY_COMMITTED:
        raise ErrAlreadyCommitted(f"the signer already committed for task {task.id}")
    return task


def handle_commit_result(state: StateWrite, ctx: BlockContext, msg: MsgCommitResult) -> None:
    """Record a worker's commitment; when every participant has committed, the reveal phase starts, except for a
    single-replica task whose audit is not drawn yet: it stays committing until the end of a later block draws the
    audit with a seed nobody knew when this commit was included (logic.draw_audit).

    Raises: ErrUnknownTask, ErrWrongState, ErrNotParticipant, ErrAlreadyCommitted
    """
    params = st.get_params(state)
    task = _committing_seat(state, msg.task_id, msg.worker, "commitments are accepted")

    participant = task.participant(msg.worker)
    updated = task.with_participant(participant.with_(status=P_COMMITTED, commitment=msg.commitment))
    emit_task_step(state, event_task("result_committed", updated, worker=bech32(msg.worker)))
    # a round reveals only once it is whole and every member committed: nobody of the round has seen another's result
    if updated.needed() == 0 and all(p.status in (P_COMMITTED, P_REVEALED) for p in updated.participants):
        if logic.awaits_audit_draw(updated):
            # the lone worker committed without knowing whether it will be checked: the draw comes later
            updated = updated.with_(draw_height=ctx.height).mark("committed", ctx.height)
            emit_task_step(state, event_task("audit_pending", updated, draw_height=ctx.height))
        else:
            updated = logic.start_reveals(state, ctx, params, updated.mark("committed", ctx.height))
    st.set_task(state, updated, task)


def handle_hand_back_task(state: StateWrite, ctx: BlockContext, msg: MsgHandBackTask) -> None:
    """An assigned worker returns a job it cannot finish before the commit deadline, before committing: it leaves
    the task without a slash (its handed_back counter grows; fog takes back its availability of the epoch), and is
    excluded from it. When every remaining
    participant has committed, the master is asked for the replacement at once; otherwise at the commit deadline.

    Raises: ErrUnknownTask, ErrWrongState, ErrNotParticipant, ErrAlreadyCommitted
    """
    params = st.get_params(state)
    task = _committing_seat(state, msg.task_id, msg.worker, "a job is handed back")

    logic.occupy(state, params, msg.worker, -1)
    worker = st.get_worker(state, msg.worker)
    assert worker is not None
    st.set_worker(state, params, worker.with_(handed_back=worker.handed_back + 1), worker, params.heartbeat_timeout_seconds)
    updated = task.with_(participants=tuple(p for p in task.participants if p.worker != msg.worker),
                         excluded_workers=task.excluded_workers + (msg.worker,)).mark("handed_back", ctx.height)
    emit_task_step(state, event_task("handed_back", updated, worker=bech32(msg.worker)))
    call_hooks(ctx, "after_job_handed_back", state, ctx, msg.worker)
    if all(p.status == P_COMMITTED for p in updated.participants):
        logic.await_assignment(state, ctx, params, updated, task, replacement=True)
    else:
        st.set_task(state, updated, task)


def handle_reveal_result(state: StateWrite, ctx: BlockContext, msg: MsgRevealResult) -> None:
    """Open a commitment; when every participant has revealed, the results are counted.

    Raises: ErrUnknownTask, ErrWrongState, ErrNotParticipant, ErrNotCommitted, ErrInvalidFuel, ErrCommitmentMismatch
    """
    params = st.get_params(state)
    task = _task(state, msg.task_id)
    participant = task.participant(msg.worker)
    reason = rules.reveal_refusal(task.state, None if participant is None else participant.status)
    if reason == rules.WRONG_STATE:
        raise ErrWrongState(f"task {task.id} is {task.state}; reveals are accepted while it is revealing")
    if reason == rules.NOT_PARTICIPANT:
        raise ErrNotParticipant(f"the signer is not assigned to task {task.id}")
    if reason == rules.NOT_COMMITTED:
        raise ErrNotCommitted(f"the signer has no open commitment for task {task.id} (status {participant.status})")
    if msg.fuel > task.max_fuel:
        raise ErrInvalidFuel(f"revealed fuel {msg.fuel} exceeds the task's max_fuel {task.max_fuel}")
    if commitment(msg.result_hash, msg.fuel, msg.salt, msg.worker) != participant.commitment:
        raise ErrCommitmentMismatch("H(result_hash, fuel, salt, worker) differs from the commitment")

    updated = task.with_participant(participant.with_(status=P_REVEALED, result_hash=msg.result_hash, fuel=msg.fuel))
    emit_task_step(state, event_task("result_revealed", updated, worker=bech32(msg.worker), result_hash=msg.result_hash.hex(), fuel=msg.fuel))
    if all(p.status == P_REVEALED for p in updated.participants):
        logic.resolve(state, ctx, params, updated, task)
    else:
        st.set_task(state, updated, task)


def handle_register_worker(state: StateWrite, ctx: BlockContext, msg: MsgRegisterWorker) -> None:
    """Register the signer in a master node's pool with its capabilities; the deposit moves to the deposit account.

    Raises: ErrWorkerExists, ErrUnknownMaster, ErrInvalidAdmission, ErrInvalidCapabilities, ErrDepositTooLow,
    bank.ErrInsufficientFunds
    """
    params = st.get_params(state)
    if st.get_worker(state, msg.worker) is not None:
        raise ErrWorkerExists("the signer is already a registered worker; unregister first to move pools")
    candidate = staking_api.get_candidate(state, msg.master)
    if candidate is None or candidate.kind != "master":
        raise ErrUnknownMaster(f"{bech32(msg.master)} is not a master node candidate")
    if not _admitted(ctx.chain_id, msg):
        raise ErrInvalidAdmission(f"no valid admission of {bech32(msg.worker)} by master node {bech32(msg.master)}: "
                                  "ask the master node for one (POST /v1/admissions)")
    if not 1 <= msg.slots <= params.max_worker_slots:
        raise ErrInvalidCapabilities(f"slots must be between 1 and {params.max_worker_slots}, got {msg.slots}")
    if not any(c.fits(msg.cpu_cores, msg.gpu, msg.ram_mb, msg.storage_mb) for c in params.classes):
        raise ErrInvalidCapabilities("these resources fit no resource class")
    if msg.deposit < params.worker_min_deposit:
        raise ErrDepositTooLow(f"deposit {msg.deposit}uamio is below the minimum {params.worker_min_deposit}uamio")

    bank_api.transfer(state, msg.worker, DEPOSITS, msg.deposit, ctx.time)
    worker = Worker(msg.worker, msg.master, msg.cpu_cores, msg.gpu, msg.ram_mb, msg.storage_mb, msg.slots, msg.any_app,
                    msg.deposit, online=True, last_heartbeat=ctx.time, registered_at=ctx.time)
    st.set_worker(state, params, worker, None, params.heartbeat_timeout_seconds)
    state.emit(event_worker("registered", worker, slots=msg.slots, deposit=uamio(msg.deposit),
                            any_app=str(msg.any_app).lower()))


def _admitted(chain_id: str, msg: MsgRegisterWorker) -> bool:
    """Whether msg.admission is msg.master's operator signature admitting msg.worker on this chain."""
    if address_bytes_from_pubkey(msg.master_pubkey) != msg.master:
        return False
    try:
        VerifyKey(msg.master_pubkey).verify(admission_sign_bytes(chain_id, msg.master, msg.worker), msg.admission)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def handle_heartbeat(state: StateWrite, ctx: BlockContext, msg: MsgHeartbeat) -> None:
    """Mark the worker online until heartbeat_timeout_seconds from now.

    Raises: ErrUnknownWorker
    """
    params = st.get_params(state)
    worker = _worker(state, msg.worker)
    # a heartbeat that arrives while the worker is still online adds the time since the previous one
    uptime = worker.uptime + (ctx.time - worker.last_heartbeat if worker.online else 0)
    st.set_worker(state, params, worker.with_(online=True, last_heartbeat=ctx.time, uptime=uptime), worker,
                  params.heartbeat_timeout_seconds)
    if not worker.online:
        state.emit(event_worker("online", worker))
    call_hooks(ctx, "after_heartbeat", state, ctx, worker.address, worker.master)


def handle_worker_offline(state: StateWrite, ctx: BlockContext, msg: MsgWorkerOffline) -> None:
    """Take the worker out of assignment now, as a heartbeat expiry would later: it leaves its master's capacity
    and no master may name it (rules.OFFLINE). It stays registered with its deposit, its uptime counts nothing
    past its last heartbeat (as after an expiry), and the tasks it already holds keep their deadlines: it still
    commits, reveals or hands them back. Its next heartbeat brings it back online.

    Raises: ErrUnknownWorker, ErrWorkerAlreadyOffline
    """
    params = st.get_params(state)
    worker = _worker(state, msg.worker)
    if not worker.online:
        raise ErrWorkerAlreadyOffline(f"worker {bech32(worker.address)} is already offline; a heartbeat brings it back")
    st.set_worker(state, params, worker.with_(online=False), worker, params.heartbeat_timeout_seconds)
    state.emit(event_worker("offline", worker, last_heartbeat=worker.last_heartbeat, running=worker.running,
                            reason="worker_offline"))


def handle_top_up_deposit(state: StateWrite, ctx: BlockContext, msg: MsgTopUpDeposit) -> None:
    """Add to the worker's deposit.

    Raises: ErrUnknownWorker, bank.ErrInsufficientFunds
    """
    params = st.get_params(state)
    worker = _worker(state, msg.worker)
    bank_api.transfer(state, msg.worker, DEPOSITS, msg.amount, ctx.time)
    updated = worker.with_(deposit=worker.deposit + msg.amount)
    st.set_worker(state, params, updated, worker, params.heartbeat_timeout_seconds)
    state.emit(event_worker("deposit", updated, amount=uamio(msg.amount), deposit=uamio(updated.deposit)))


def handle_unregister_worker(state: StateWrite, ctx: BlockContext, msg: MsgUnregisterWorker) -> None:
    """Leave the pool: the record is deleted and the deposit comes back worker_unbonding_seconds later (a
    deposit that could leave at once would let borrowed tokens pose as workers for an epoch's measurements).

    Raises: ErrUnknownWorker, ErrWorkerBusy
    """
    params = st.get_params(state)
    worker = _worker(state, msg.worker)
    if worker.running:
        raise ErrWorkerBusy(f"the worker still holds {worker.running} running tasks")
    release = ctx.time + params.worker_unbonding_seconds
    if worker.deposit:
        st.add_deposit_release(state, release, worker.address, worker.deposit)
    st.delete_worker(state, params, worker, params.heartbeat_timeout_seconds)
    state.emit(event_worker("unregistered", worker, deposit=uamio(worker.deposit), release_time=release))

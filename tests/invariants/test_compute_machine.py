"""Random compute messages and blocks on the compute test world (two active master nodes, six workers, a
verified and an unverified application, two customers).

Every message runs on a child overlay that is merged only on success, as the
router does; a rejected message must leave the child untouched (handlers
check before they write). Where the outcome follows from the records alone
(cancel, confirm, commit, reveal, heartbeat, registration, and assignment of
eligible workers by the right master) the machine also asserts which error,
if any, the handler raises. After every step the compute invariants hold,
every task is in exactly one known state, a final task never changes again,
and the sum of all balances (accounts, escrow, deposits, revenue pool and
staking pools) is what it was at the start: compute moves tokens, it never
creates or destroys them.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from abci_app.store import MemoryState, Overlay
from chain_modules.apppool import state as apppool_state
from chain_modules.apppool.types import App
from chain_modules.common.errors import ChainError
from chain_modules.compute import epoch, handlers, invariants
from chain_modules.compute import state as compute_state
from chain_modules.compute.api import ESCROW
from chain_modules.compute.errors import (
    ErrAlreadyCommitted,
    ErrCommitmentMismatch,
    ErrInvalidFuel,
    ErrInvalidReplicas,
    ErrNotCommitted,
    ErrNotCustomer,
    ErrNotParticipant,
    ErrNotTaskMaster,
    ErrUnknownTask,
    ErrUnknownWorker,
    ErrWorkerAlreadyOffline,
    ErrWorkerBusy,
    ErrWorkerExists,
    ErrWrongState,
)
from chain_modules.compute.types import (
    ALLOCATED,
    COMMITTING,
    DELIVERED,
    FINAL_STATES,
    P_ASSIGNED,
    P_COMMITTED,
    REVEALING,
    STATES,
    SUBMITTED,
    MsgAssignWorkers,
    MsgCancelTask,
    MsgCommitResult,
    MsgConfirmTask,
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgRevealResult,
    MsgSubmitTask,
    MsgTopUpDeposit,
    MsgUnregisterWorker,
    MsgWorkerOffline,
    Task,
    commitment,
)
from tests.support import admission
from tests.modules.compute.helpers import (
    APP_HASH,
    CUSTOMER,
    INPUT_HASH,
    MASTER_A,
    MASTER_B,
    OTHER,
    PARAMS,
    RESULT,
    WORKERS,
    WRONG,
    make_world,
    register,
    total_balances,
)

MACHINE_PARAMS = replace(PARAMS, audit_probability_bps=5_000, max_reassignments=2, max_reallocations=2,
                         max_extra_replicas=1)
UNVERIFIED_APP = hashlib.sha256(b"an unverified job module").digest()
CUSTOMERS = [CUSTOMER, OTHER]
MASTERS = [MASTER_A, MASTER_B]
APPS = [APP_HASH, UNVERIFIED_APP]
# (master, slots, any_app, big): W0-W3 in MASTER_A's pool, W4-W5 in MASTER_B's; W1, W3, W4 and W5 fit "big" too
LAYOUT = [(MASTER_A, 1, False, False), (MASTER_A, 2, True, True), (MASTER_A, 1, True, False),
          (MASTER_A, 2, False, True), (MASTER_B, 2, True, True), (MASTER_B, 1, False, True)]

MAX_OPEN_TASKS = 6

picks = st.integers(0, 2**16)


def key_of(address: bytes):
    return next(worker for worker in WORKERS if worker.address == address)


def other_customer(address: bytes) -> bytes:
    return OTHER.address if address == CUSTOMER.address else CUSTOMER.address


class ComputeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = make_world(MACHINE_PARAMS, workers=0, masters=(MASTER_A, MASTER_B))
        apppool_state.set_app(self.world.state, App(UNVERIFIED_APP, OTHER.address, "unverified", "", 1_000, (), False))
        for worker, (master, slots, any_app, big) in zip(WORKERS, LAYOUT):
            cpu, ram = (8, 16_384) if big else (2, 2_048)
            register(self.world, worker, master, slots=slots, any_app=any_app, cpu=cpu, ram=ram)
        self.commit_block()
        self.total = total_balances(self.world)
        self.final: dict[int, Task] = {}
        self.openings: dict[tuple[int, bytes], tuple[bytes, int, bytes]] = {}  # (task, worker) -> (result, fuel, salt)

    # -- running things as the app does ---------------------------------------------------------

    @property
    def state(self) -> Overlay:
        return self.world.state

    def commit_block(self) -> None:
        """Flatten the overlay into a new base, as Commit does; keeps the overlay small and the machine fast."""
        self.world.state = Overlay(MemoryState(dict(self.state.iter_prefix(b""))))

    def deliver(self, handler, msg, expected: type[ChainError] | None | str = "any") -> bool:
        """Run ``msg`` on a child overlay, merged only on success; ``expected`` is the error the records predict."""
        child = Overlay(self.state)
        try:
            handler(child, self.world.ctx(), msg)
        except ChainError as error:
            assert not child.writes and not child.events, f"{type(error).__name__} left writes or events behind"
            if expected != "any":
                assert type(error) is expected, f"{type(msg).__name__} raised {type(error).__name__}, expected {expected}"
            return False
        assert expected in ("any", None), f"{type(msg).__name__} succeeded, expected {expected.__name__}"
        child.write_through()
        return True

    def tasks(self) -> list[Task]:
        return list(compute_state.iter_tasks(self.state))

    def pick_task(self, pick: int, prefer: tuple[str, ...] = ()) -> tuple[int, Task | None]:
        """Mostly a task in a ``prefer`` state (the one the message needs), else an open task, sometimes any task,
        now and then an id that does not exist."""
        tasks = self.tasks()
        if pick % 11 == 10 or not tasks:
            return compute_state.peek_next_task_id(self.state) + pick % 3, None
        preferred = [t for t in tasks if t.state in prefer]
        open_tasks = [t for t in tasks if t.state not in FINAL_STATES]
        pool = preferred if preferred and pick % 4 != 3 else open_tasks if open_tasks and pick % 5 != 4 else tasks
        task = pool[pick // 11 % len(pool)]
        return task.id, task

    def pick_participant(self, task: Task | None, pick: int):
        if task is not None and task.participants and pick % 7 != 6:
            return key_of(task.participants[pick % len(task.participants)].worker)
        return WORKERS[pick % len(WORKERS)]

    def eligible(self, task: Task) -> list[bytes]:
        """The workers a master may assign to ``task`` now, recomputed from the records."""
        params = compute_state.get_params(self.state)
        app = apppool_state.get_app(self.state, task.app_hash)
        resource_class = params.resource_class(task.class_name)
        chosen = []
        for worker in compute_state.iter_workers(self.state):
            if (worker.master == task.master and worker.online and worker.running < worker.slots
                    and worker.fits(resource_class) and worker.deposit >= params.worker_min_deposit
                    and (app.verified or worker.any_app) and worker.address not in task.excluded_workers
                    and task.participant(worker.address) is None):
                chosen.append(worker.address)
        return chosen

    # -- customers ---------------------------------------------------------------------------------------

    @rule(customer=st.integers(0, 1), app=st.integers(0, 1), replicas=st.sampled_from([1, 1, 2, 3, 0, 6]),
          big=st.booleans(), fuel=st.sampled_from([1, 10_000, 1_000_000]), timeout=st.sampled_from([30, 10, 60, 30, 200]))
    def submit(self, customer, app, replicas, big, fuel, timeout):
        if sum(1 for t in self.tasks() if t.state not in FINAL_STATES) >= MAX_OPEN_TASKS:
            return  # the network has a handful of slots: an ever longer queue teaches nothing
        msg = MsgSubmitTask(CUSTOMERS[customer].address, APPS[app], INPUT_HASH, 100, "big" if big else "small", replicas,
                            fuel, 10**6, timeout)
        self.deliver(handlers.handle_submit_task, msg, None if 1 <= replicas <= PARAMS.max_replicas else ErrInvalidReplicas)

    @rule(task=picks, wrong_customer=st.booleans())
    def cancel(self, task, wrong_customer):
        self.cancel_task(*self.pick_task(task, (SUBMITTED, ALLOCATED)), wrong_customer)

    def cancel_task(self, task_id: int, record: Task | None, wrong_customer: bool) -> None:
        owner = record.customer if record else CUSTOMER.address
        customer = other_customer(owner) if wrong_customer else owner
        if record is None:
            expected = ErrUnknownTask
        elif customer != record.customer:
            expected = ErrNotCustomer
        elif record.state not in (SUBMITTED, ALLOCATED) or record.participants:
            expected = ErrWrongState
        else:
            expected = None
        self.deliver(handlers.handle_cancel_task, MsgCancelTask(customer, task_id), expected)

    @rule(task=picks, wrong_customer=st.booleans())
    def confirm(self, task, wrong_customer):
        self.confirm_task(*self.pick_task(task, (DELIVERED,)), wrong_customer)

    def confirm_task(self, task_id: int, record: Task | None, wrong_customer: bool) -> None:
        owner = record.customer if record else CUSTOMER.address
        customer = other_customer(owner) if wrong_customer else owner
        if record is None:
            expected = ErrUnknownTask
        elif customer != record.customer:
            expected = ErrNotCustomer
        elif record.state != DELIVERED:
            expected = ErrWrongState
        else:
            expected = None
        self.deliver(handlers.handle_confirm_task, MsgConfirmTask(customer, task_id), expected)

    # -- master nodes ------------------------------------------------------------------------------------

    @rule(task=picks, how=st.sampled_from(["eligible", "eligible", "eligible", "wrong master", "random"]), choice=picks)
    def assign(self, task, how, choice):
        self.assign_task(*self.pick_task(task, (ALLOCATED,)), how, choice)

    def assign_task(self, task_id: int, record: Task | None, how: str, choice: int) -> None:
        if record is None:
            msg = MsgAssignWorkers(MASTER_A.address, task_id, (WORKERS[0].address,))
            self.deliver(handlers.handle_assign_workers, msg, ErrUnknownTask)
            return
        if how == "wrong master":
            master = MASTER_B.address if record.master == MASTER_A.address else MASTER_A.address
            msg = MsgAssignWorkers(master, task_id, (WORKERS[choice % 6].address,))
            self.deliver(handlers.handle_assign_workers, msg, ErrNotTaskMaster)
            return
        master = record.master or MASTERS[choice % 2].address
        if how == "eligible" and record.state == ALLOCATED:
            eligible = self.eligible(record)
            needed = record.needed()
            if len(eligible) >= needed:
                start = choice % len(eligible)
                workers = tuple((eligible[start:] + eligible[:start])[:needed])
                self.deliver(handlers.handle_assign_workers, MsgAssignWorkers(master, task_id, workers), None)
                return
        count = 1 + choice % 3
        workers = tuple(WORKERS[(choice // 3 + index * (1 + choice % 5)) % 6].address for index in range(count))
        self.deliver(handlers.handle_assign_workers, MsgAssignWorkers(master, task_id, workers))

    # -- workers -----------------------------------------------------------------------------------------

    @rule(task=picks, worker=picks, how=st.sampled_from(["honest", "honest", "honest", "wrong result", "wrong fuel",
                                                          "over max fuel"]))
    def commit(self, task, worker, how):
        task_id, record = self.pick_task(task, (COMMITTING,))
        self.commit_result(task_id, record, self.pick_participant(record, worker), how, worker)

    def commit_result(self, task_id: int, record: Task | None, key, how: str, variant: int) -> None:
        result = WRONG if how == "wrong result" else RESULT
        fuel = min(5_000, record.max_fuel) if record else 5_000
        fuel = {"wrong fuel": fuel + 1, "over max fuel": (record.max_fuel + 1) if record else 1}.get(how, fuel)
        salt = hashlib.sha256(key.address + task_id.to_bytes(8, "big") + variant.to_bytes(8, "big")).digest()
        participant = record.participant(key.address) if record else None
        if record is None:
            expected = ErrUnknownTask
        elif record.state != COMMITTING:
            expected = ErrWrongState
        elif participant is None:
            expected = ErrNotParticipant
        elif participant.status != P_ASSIGNED:
            expected = ErrAlreadyCommitted
        else:
            expected = None
        msg = MsgCommitResult(key.address, task_id, commitment(result, fuel, salt, key.address))
        if self.deliver(handlers.handle_commit_result, msg, expected):
            self.openings[(task_id, key.address)] = (result, fuel, salt)

    @rule(task=picks, worker=picks, tamper=st.sampled_from([False, False, False, True]))
    def reveal(self, task, worker, tamper):
        task_id, record = self.pick_task(task, (REVEALING,))
        self.reveal_result(task_id, record, self.pick_participant(record, worker), tamper)

    def reveal_result(self, task_id: int, record: Task | None, key, tamper: bool) -> None:
        result, fuel, salt = self.openings.get((task_id, key.address), (RESULT, 5_000, bytes(32)))
        if tamper:
            salt = hashlib.sha256(salt).digest()
        participant = record.participant(key.address) if record else None
        if record is None:
            expected = ErrUnknownTask
        elif record.state != REVEALING:
            expected = ErrWrongState
        elif participant is None:
            expected = ErrNotParticipant
        elif participant.status != P_COMMITTED:
            expected = ErrNotCommitted
        elif fuel > record.max_fuel:
            expected = ErrInvalidFuel
        elif tamper:
            expected = ErrCommitmentMismatch
        else:
            expected = None
        self.deliver(handlers.handle_reveal_result, MsgRevealResult(key.address, task_id, result, fuel, salt), expected)

    @rule(task=picks, steps=st.sampled_from([6, 3, 1]), choice=picks, liar=st.booleans())
    def honest_steps(self, task, steps, choice, liar):
        """Up to ``steps`` next steps of one task: assign eligible workers, commit, reveal, confirm; with ``liar``
        the first worker of the task commits a wrong result (the others then outvote it or call a tie-breaker)."""
        task_id, _record = self.pick_task(task, (ALLOCATED, COMMITTING, REVEALING, DELIVERED))
        for step in range(steps):
            record = compute_state.get_task(self.state, task_id)
            if record is None:
                return
            if record.state == ALLOCATED:
                self.assign_task(task_id, record, "eligible", choice + step)
            elif record.state == COMMITTING:
                waiting = next((p.worker for p in record.participants if p.status == P_ASSIGNED), None)
                if waiting is None:  # a single replica waiting for its audit draw: blocks go on, a later one draws
                    self.end_blocks(1, 1)
                    continue
                lying = liar and waiting == record.participants[0].worker
                self.commit_result(task_id, record, key_of(waiting), "wrong result" if lying else "honest", step)
            elif record.state == REVEALING:
                waiting = next(p.worker for p in record.participants if p.status == P_COMMITTED)
                self.reveal_result(task_id, record, key_of(waiting), False)
            elif record.state == DELIVERED:
                self.confirm_task(task_id, record, False)
            else:
                return

    @rule(worker=st.integers(0, 5))
    def heartbeat(self, worker):
        address = WORKERS[worker].address
        registered = compute_state.get_worker(self.state, address) is not None
        self.deliver(handlers.handle_heartbeat, MsgHeartbeat(address), None if registered else ErrUnknownWorker)

    @rule(worker=st.integers(0, 5))
    def go_offline(self, worker):
        address = WORKERS[worker].address
        record = compute_state.get_worker(self.state, address)
        expected = ErrUnknownWorker if record is None else None if record.online else ErrWorkerAlreadyOffline
        self.deliver(handlers.handle_worker_offline, MsgWorkerOffline(address), expected)

    @rule()
    def heartbeat_everyone(self):
        for worker in WORKERS:
            if compute_state.get_worker(self.state, worker.address) is not None:
                assert self.deliver(handlers.handle_heartbeat, MsgHeartbeat(worker.address), None)

    @rule(worker=st.integers(0, 5), amount=st.sampled_from([1, 100, 1_000]))
    def top_up(self, worker, amount):
        address = WORKERS[worker].address
        registered = compute_state.get_worker(self.state, address) is not None
        self.deliver(handlers.handle_top_up_deposit, MsgTopUpDeposit(address, amount), None if registered else ErrUnknownWorker)

    @rule(worker=st.integers(0, 5), really=st.integers(0, 3))
    def unregister(self, worker, really):
        if really != 3:
            return  # leaving the pool is rarer than the other messages
        record = compute_state.get_worker(self.state, WORKERS[worker].address)
        expected = ErrUnknownWorker if record is None else ErrWorkerBusy if record.running else None
        self.deliver(handlers.handle_unregister_worker, MsgUnregisterWorker(WORKERS[worker].address), expected)

    @rule(worker=st.integers(0, 5), master=st.integers(0, 1))
    def register(self, worker, master):
        address = WORKERS[worker].address
        _master, slots, any_app, big = LAYOUT[worker]
        cpu, ram = (8, 16_384) if big else (2, 2_048)
        msg = MsgRegisterWorker(address, MASTERS[master].address, cpu, 0, ram, 2_048, slots, any_app, 1_000,
                                *admission(MASTERS[master], address))
        exists = compute_state.get_worker(self.state, address) is not None
        self.deliver(handlers.handle_register_worker, msg, ErrWorkerExists if exists else None)

    # -- blocks ------------------------------------------------------------------------------------------

    @rule(blocks=st.integers(1, 3), seconds=st.sampled_from([1, 1, 2, 5, 11]))
    def end_blocks(self, blocks, seconds):
        for _ in range(blocks):
            child = Overlay(self.state)
            epoch.end_block(child, self.world.ctx())
            child.write_through(with_events=False)
            self.commit_block()
            invariants.check(self.state)
            self.world.now += seconds
            self.world.height += 1

    # -- invariants ----------------------------------------------------------------------------------------

    @invariant()
    def compute_invariants_hold(self):
        invariants.check(self.state)

    @invariant()
    def every_task_is_in_exactly_one_known_state(self):
        tasks = self.tasks()
        assert [t.id for t in tasks] == list(range(1, compute_state.peek_next_task_id(self.state)))
        counts = {name: sum(1 for t in tasks if t.state == name) for name in STATES}
        assert sum(counts.values()) == len(tasks), f"tasks outside the known states: {[t.state for t in tasks]}"

    @invariant()
    def a_final_task_never_changes(self):
        for task in self.tasks():
            if task.id in self.final:
                assert task == self.final[task.id], f"final task {task.id} changed"
            elif task.state in FINAL_STATES:
                self.final[task.id] = task

    @invariant()
    def no_token_is_created_or_lost(self):
        assert total_balances(self.world) == self.total
        open_escrow = sum(t.escrow + t.forfeits for t in self.tasks() if t.state not in FINAL_STATES)
        assert self.world.balance(ESCROW) == open_escrow


ComputeMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
TestComputeMachine = ComputeMachine.TestCase

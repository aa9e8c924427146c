"""Shared pieces of the compute module tests: a small world with a super node, two active master nodes,
a registered application and funded accounts, plus helpers that drive a task through its steps.

Params are small so that every number can be checked by hand: a price of 1000 uamio per megafuel,
a fee of 10 uamio, deposits of 1000 uamio slashed 10% per fault, 10 s steps.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from abci_app.store import MemoryState, Overlay
from chain_modules.apppool import state as apppool_state
from chain_modules.apppool.types import App, AppPoolParams
from chain_modules.bank.state import get_balance, set_balance, set_supply
from chain_modules.common.context import BlockContext
from chain_modules.compute import epoch, handlers
from chain_modules.compute import state as st
from chain_modules.compute.api import DEPOSITS, ESCROW, REVENUE_POOL
from chain_modules.compute.types import (
    ComputeParams,
    MsgAssignWorkers,
    MsgCommitResult,
    MsgRegisterWorker,
    MsgRevealResult,
    MsgSubmitTask,
    ResourceClass,
    Task,
    commitment,
)
from chain_modules.staking import state as staking_state
from chain_modules.staking.handlers import handle_consent_sponsorship, handle_create_master_node, handle_create_super_node
from chain_modules.staking.types import MsgConsentSponsorship, MsgCreateMasterNode, StakingParams
from tests.modules.staking.helpers import create_msg
from tests.support import TestKey, admission, make_key

NOW = 1_800_000_000
SUPPLY = 10**15

CUSTOMER = make_key("alice")
OTHER = make_key("bob")
SUPER = make_key("carol")
MASTER_A = make_key("master-a")
MASTER_B = make_key("master-b")
WORKERS = [make_key(f"worker-{i}") for i in range(6)]
AUTHORITY = make_key("authority")
APP_HASH = hashlib.sha256(b"the job module").digest()
INPUT_HASH = hashlib.sha256(b"the input").digest()
RESULT = hashlib.sha256(b"the right answer").digest()
WRONG = hashlib.sha256(b"a wrong answer").digest()

STAKING = StakingParams(epoch_blocks=5, max_super_nodes=3, unbonding_seconds=100, max_entries=3,
                        min_super_self_bond=1_000, min_master_bond=1_000, power_reduction=100)
PARAMS = ComputeParams(
    max_fuel=10_000_000, max_input_bytes=1_000_000, protocol_fee=10, worker_min_deposit=1_000, worker_slash_bps=1_000,
    heartbeat_timeout_seconds=30, assign_timeout_seconds=10, commit_timeout_seconds=10, reveal_timeout_seconds=10,
    confirm_timeout_seconds=10, min_task_seconds=10, max_task_seconds=1_000, audit_probability_bps=0,
    compensation_bps=1_000, master_penalty_bps=1_000, price_epoch_blocks=5, min_price=10, max_price=100_000,
    classes=(ResourceClass("small", 1, 0, 512, 1_024, 1_000), ResourceClass("big", 8, 0, 16_384, 1_024, 5_000)),
)
# the commit window of a task of submit()'s default max_fuel: commit_timeout_seconds + 1 s of run time at the class rate
COMMIT_SECONDS = PARAMS.commit_timeout_seconds + PARAMS.classes[0].run_seconds(1_000_000)


@dataclass
class World:
    state: Overlay
    now: int = NOW
    height: int = 10
    salts: dict = field(default_factory=dict)

    def ctx(self) -> BlockContext:
        return BlockContext("amino-test", self.height, self.now * 1_000_000_000, seed=self.height.to_bytes(32, "big"))

    def advance(self, seconds: int = 1, blocks: int = 1) -> None:
        """End the current block (compute end_block) and move to the next one."""
        epoch.end_block(self.state, self.ctx())
        self.now += seconds
        self.height += blocks

    def task(self, task_id: int) -> Task:
        task = st.get_task(self.state, task_id)
        assert task is not None
        return task

    def balance(self, key_or_address) -> int:
        address = key_or_address.address if isinstance(key_or_address, TestKey) else key_or_address
        return get_balance(self.state, address)

    def worker(self, key: TestKey):
        return st.get_worker(self.state, key.address)


def make_world(params: ComputeParams = PARAMS, verified: bool = True, workers: int = 4, any_app: bool = False,
               masters: tuple[TestKey, ...] = (MASTER_A,)) -> World:
    state = Overlay(MemoryState())
    set_supply(state, SUPPLY)
    for key in [CUSTOMER, OTHER, SUPER, MASTER_A, MASTER_B, AUTHORITY, *WORKERS]:
        set_balance(state, key.address, 10**9)
    staking_state.set_params(state, STAKING)
    st.set_params(state, params)
    apppool_state.set_params(state, AppPoolParams((AUTHORITY.address,)))
    apppool_state.set_app(state, App(APP_HASH, OTHER.address, "job", "", 1000, (), verified))
    world = World(state)
    handle_create_super_node(state, world.ctx(), create_msg(SUPER, 10_000))
    for master in (MASTER_A, MASTER_B):
        handle_consent_sponsorship(state, world.ctx(), MsgConsentSponsorship(SUPER.address, master.address))
        handle_create_master_node(state, world.ctx(), MsgCreateMasterNode(
            master.address, master.name, f"http://127.0.0.1:9{len(master.name)}/", "local", SUPER.address, 5_000))
    for master in masters:
        staking_state.set_active_master(state, master.address, True)
    for index in range(workers):
        register(world, WORKERS[index], MASTER_A if index < 4 else MASTER_B, any_app=any_app)
    state.take_events()
    return world


def register(world: World, worker: TestKey, master: TestKey, slots: int = 1, cpu: int = 2, ram: int = 2_048,
             any_app: bool = False, deposit: int = 1_000) -> None:
    handlers.handle_register_worker(world.state, world.ctx(), MsgRegisterWorker(
        worker.address, master.address, cpu, 0, ram, 2_048, slots, any_app, deposit, *admission(master, worker.address)))


def submit(world: World, replicas: int = 2, max_fuel: int = 1_000_000, class_name: str = "small",
           timeout: int = 500, customer: TestKey = CUSTOMER, end_block: bool = True) -> int:
    """Submit a task and (with ``end_block``) end its block in the same second: a task is allocated from the block
    after its submission on, so the test's next block end allocates it."""
    task_id = st.peek_next_task_id(world.state)
    handlers.handle_submit_task(world.state, world.ctx(), MsgSubmitTask(
        customer.address, APP_HASH, INPUT_HASH, 100, class_name, replicas, max_fuel, 10**6, timeout))
    if end_block:
        world.advance(seconds=0)
    return task_id


def assign(world: World, task_id: int, workers: list[TestKey], master: TestKey | None = None) -> None:
    master_address = master.address if master else world.task(task_id).master
    handlers.handle_assign_workers(world.state, world.ctx(), MsgAssignWorkers(
        master_address, task_id, tuple(w.address for w in workers)))


def commit(world: World, task_id: int, worker: TestKey, result: bytes = RESULT, fuel: int = 5_000) -> None:
    salt = hashlib.sha256(worker.address + task_id.to_bytes(8, "big") + bytes([len(world.salts)])).digest()
    world.salts[(task_id, worker.name)] = (result, fuel, salt)
    handlers.handle_commit_result(world.state, world.ctx(), MsgCommitResult(
        worker.address, task_id, commitment(result, fuel, salt, worker.address)))


def reveal(world: World, task_id: int, worker: TestKey) -> None:
    result, fuel, salt = world.salts[(task_id, worker.name)]
    handlers.handle_reveal_result(world.state, world.ctx(), MsgRevealResult(worker.address, task_id, result, fuel, salt))


def module_total(world: World) -> int:
    return sum(world.balance(a) for a in (ESCROW, DEPOSITS, REVENUE_POOL))


def open_escrow_sum(world: World) -> int:
    return sum(t.escrow + t.forfeits for t in st.iter_tasks(world.state) if t.state not in ("settled", "refunded", "cancelled"))


# -- appended: snapshots, the remaining message helpers and invariant checks ------------------------------


def snapshot(world: World) -> tuple[dict, list, dict]:
    """Everything a handler could change: pending writes, events and every visible key/value."""
    return dict(world.state.writes), list(world.state.events), dict(world.state.iter_prefix(b""))


def confirm(world: World, task_id: int, customer: TestKey = CUSTOMER) -> None:
    from chain_modules.compute.types import MsgConfirmTask

    handlers.handle_confirm_task(world.state, world.ctx(), MsgConfirmTask(customer.address, task_id))


def cancel(world: World, task_id: int, customer: TestKey = CUSTOMER) -> None:
    from chain_modules.compute.types import MsgCancelTask

    handlers.handle_cancel_task(world.state, world.ctx(), MsgCancelTask(customer.address, task_id))


def heartbeat(world: World, *workers: TestKey) -> None:
    from chain_modules.compute.types import MsgHeartbeat

    for worker in workers:
        handlers.handle_heartbeat(world.state, world.ctx(), MsgHeartbeat(worker.address))


def check(world: World) -> None:
    """The compute invariants, and the escrow account against the open tasks."""
    from chain_modules.compute import invariants

    invariants.check(world.state)
    assert world.balance(ESCROW) == open_escrow_sum(world)


def total_balances(world: World) -> int:
    """The sum of every stored balance: accounts, module accounts and staking pools."""
    from chain_modules.bank.state import iter_balances

    return sum(amount for _address, amount in iter_balances(world.state))


def candidate_tokens(world: World, key: TestKey) -> int:
    candidate = staking_state.get_candidate(world.state, key.address)
    assert candidate is not None
    return candidate.tokens


def deliver(world: World, task_id: int, workers: list[TestKey], results: list[bytes] | None = None) -> None:
    """Assign ``workers`` to an allocated task, then commit and reveal ``results`` (all RESULT by default)."""
    assign(world, task_id, workers)
    results = results or [RESULT] * len(workers)
    for worker, result in zip(workers, results):
        commit(world, task_id, worker, result=result)
    for worker in workers:
        reveal(world, task_id, worker)


def events_of(world: World, event_type: str) -> list[dict[str, str]]:
    return [dict(event.attributes) for event in world.state.events if event.type == event_type]

"""FOG economics through the real state machine: what each worker strategy earns per unit of capacity.

Run from the repository root:  .venv/bin/python bench/economics.py [--tiny] [--no-probes] [--epochs 20] [--load 0.5]
[--seed 1]

The real application (AminoApp on LevelDB in a temp dir, no CometBFT) is driven block by block with
tests/support.py's AppDriver, with real signed transactions only (fees at the minimum gas price). The script plays
every off-chain part:

- two master nodes (sponsored by the genesis super node). Each names, for each task the chain allocated to it, the
  workers of its pool that compute's own rule accepts (compute.rules.assignment_refusal) with the least work offered
  so far per core, so every strategy is offered work in proportion to its capacity; a first round it cannot staff
  before the assign deadline is released;
- four customers that keep about --load of the online cores busy with tasks (small, medium, large: 60/25/15%;
  1, 2 or 3 replicas: 50/30/20%) with real escrow, confirm what is delivered and cancel what no master takes;
- two investors who lock AMIO (the lockers' ninth): one lock ends with the activity, one still runs at the end;
- workers, each playing one strategy (STRATEGIES) on 1-, 2- and 4-core machines (slots = cores, a deposit of
  100 AMIO per core); a job runs about 5 s at its class's fuel rate and may run 10 s (max_fuel).

Fog runs with short params (60 s epochs of 3 windows, 600 s redemption periods), compute with short deadlines.
Submissions stop one epoch before the end of the activity, so the last epoch drains the tasks in flight. Then every
earner redeems all it may, the redemption period closes and the revenue pool pays out.

The report: a table per strategy (FOG and AMIO per unit of capacity and of deposit, deposit lost, fees, return on
deposit), the points by kind and the slashes, the replicas spent on audits, tie-breakers and replacements, tasks
settled with a wrong result, then PASS/FAIL lines: honest strictly ahead of every cheating strategy per core (FOG,
and AMIO net of deposits lost and fees), a split machine no better than one honest worker of the same size, AMIO
supply exactly 10^15 uamio, the FOG ledger and fog's invariants, every module's invariants. Exit status 1 on a FAIL.

The probes (the selective liar, and 8-core machines split in two 4-core workers) are the strategies that found
exploits; --no-probes leaves them out, and --tiny (13 workers, 4 epochs: a smoke run) never has them: their margins
need the full-size run. bench/README.md has the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from abci_app.codec import SignDoc, sign_tx  # noqa: E402
from abci_app.modules import MODULES  # noqa: E402
from chain_modules.apppool.types import AppPoolParams, MsgRegisterApp, MsgSetAppVerified  # noqa: E402
from chain_modules.auth.types import TxParams  # noqa: E402
from chain_modules.bank import state as bank_state  # noqa: E402
from chain_modules.bank.types import MsgMultiSend, Output  # noqa: E402
from chain_modules.common.encoding import decode  # noqa: E402
from chain_modules.compute import rules  # noqa: E402
from chain_modules.compute import state as compute_state  # noqa: E402
from chain_modules.compute.api import REVENUE_POOL  # noqa: E402
from chain_modules.compute.types import (  # noqa: E402
    ALLOCATED,
    COMMITTING,
    DELIVERED,
    FINAL_STATES,
    P_ASSIGNED,
    P_COMMITTED,
    P_REVEALED,
    REVEALING,
    SUBMITTED,
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
    Task,
    commitment,
)
from chain_modules.fog import invariants as fog_invariants  # noqa: E402
from chain_modules.fog import logic as fog_logic  # noqa: E402
from chain_modules.fog import state as fog_state  # noqa: E402
from chain_modules.fog.types import FogParams, MsgRedeem  # noqa: E402
from chain_modules.locks.types import LockParams, MsgCreateLock  # noqa: E402
from chain_modules.staking import api as staking_api  # noqa: E402
from chain_modules.staking.types import MsgConsentSponsorship, MsgCreateMasterNode, StakingParams  # noqa: E402
from genesis.build import GenesisValidator, SuperNodeSpec, build_app_state  # noqa: E402
from tests.support import BUCKET_NAMES, IEO_NAMES, KEYS, AppDriver, TestKey, admission, make_key  # noqa: E402

CHAIN_ID = "amino-economics"
AMIO = 1_000_000
UFOG = 1_000_000
DAY = 86_400
TOTAL_SUPPLY = 10**15  # uamio
BLOCK_SECONDS = 5
RUN_SECONDS = 5  # every job runs about 5 s at its class's fuel rate (95-100% of rate x 5 s of fuel)...
MAX_RUN_SECONDS = 10  # ... and its customer allows up to 10 s (max_fuel = rate x 10 s)
STALE_SECONDS = 30  # a customer cancels a task no master node took within this time (no room for its replicas)
DEPOSIT_PER_CORE = 100 * AMIO  # every worker stakes the minimum deposit per core of its machine

STRATEGIES = {
    "honest": "heartbeats, takes every assignment, computes, commits and reveals the right result; tops up after a slash",
    "lying": "reveals a wrong result (the same fake as every liar) claiming max_fuel, without computing; no top-up",
    "selective-liar": "honest, except alone on a task (a single replica: the assignment shows target 1, whether an "
                      "audit follows is drawn after the commit): then reveals the fake claiming max_fuel, without computing",
    "lazy": "commits but never reveals; no top-up",
    "heartbeat-only": "online, never computes: hands back every assignment (no slash)",
    "proven-idle": "computes honestly until its capability is proven (a verified result or a passed probe), then hands "
                   "back every assignment",
    "copier": "hands back first-round seats; as a late joiner (tie-breaker, replacement) copies the most revealed result",
    "intermittent": "honest, but heartbeats only every other epoch",
    "sybil": "honest, but one machine registered as several smaller workers, each with its part of the deposit",
}
CHEATERS = ("lying", "selective-liar", "lazy", "heartbeat-only", "proven-idle", "copier", "intermittent")
PROBES = ("selective-liar",)  # with the 8-core machines: left out by --no-probes
TOPS_UP = ("honest", "intermittent", "sybil", "proven-idle", "copier", "heartbeat-only", "selective-liar")

# machine size (cores) -> registered resources (fits small, medium or large)
MACHINES = {1: (512, 1_024), 2: (2_048, 10_240), 4: (8_192, 51_200), 8: (16_384, 102_400)}
CLASS_CORES = {"small": 1, "medium": 2, "large": 4}
TASK_CLASSES = (("small", 60), ("medium", 25), ("large", 15))  # share of tasks, %
TASK_REPLICAS = ((1, 50), (2, 30), (3, 20))

COMPUTE = ComputeParams(
    heartbeat_timeout_seconds=30, assign_timeout_seconds=20, commit_timeout_seconds=10, reveal_timeout_seconds=10,
    confirm_timeout_seconds=20, min_task_seconds=10, max_task_seconds=3_600, max_run_seconds=60, price_epoch_blocks=12,
    worker_min_deposit=DEPOSIT_PER_CORE, worker_unbonding_seconds=60, max_open_tasks_per_customer=1_000,
    probe_app=hashlib.sha256(b"economics job").hexdigest(), probe_max_fuel=2 * 250_000_000, probe_timeout_seconds=120,
)
PROBE_RUN_SECONDS = 1  # a probe runs about a second
FOG = FogParams(epoch_seconds=60, windows_per_epoch=3, redemption_period_seconds=600)
STAKING = StakingParams(epoch_blocks=5, max_super_nodes=4, min_super_self_bond=1_000 * AMIO, min_master_bond=1_000 * AMIO,
                        unbonding_seconds=600)
LOCKS = LockParams(min_lock_seconds=60, max_lock_seconds=30 * DAY)
TX = TxParams()

OPERATOR = make_key("economics/operator")
CONSENSUS = make_key("economics/consensus")
FOUNDATION = KEYS["foundation"]  # application pool authority
FAUCET = KEYS["alice"]  # IEO allocation, spendable at genesis
LOCKER = KEYS["bob"]  # locks for 20 days, from the setup: the lock still runs at the end
LOCKER_ENDED = KEYS["carol"]  # locks for the activity epochs only: the lock has ended at the end
LOCKED = 100_000 * AMIO
APP = hashlib.sha256(b"economics job").digest()


def population(tiny: bool, probes: bool) -> list[tuple[str, int, int]]:
    """(strategy, machine cores, parts) per machine: a sybil machine registers as ``parts`` workers of equal size.

    Every strategy runs on the same mix of 1-, 2- and 4-core machines (2-core in --tiny), so rows compare per core.
    The probes are the two strategies that found exploits: the selective liar, and 8-core machines (above the
    largest class, 4 cores) split in two 4-core workers next to honest 8-core machines. Their margins (about 10%)
    need the full-size run: --tiny leaves them out."""
    cheaters = [c for c in CHEATERS if probes or c not in PROBES]
    if tiny:
        machines = [("honest", size, 1) for size in (1, 2, 4)]
        return machines + [(strategy, 2, 1) for strategy in cheaters] + [("sybil", 4, 4)]
    sizes = (1, 2, 4)
    machines = [("honest", sizes[i % 3], 1) for i in range(72)]
    for strategy in cheaters:
        machines += [(strategy, sizes[i % 3], 1) for i in range(12)]
    machines += [("sybil", 4, 4) for _ in range(8)]
    return machines + ([("honest", 8, 1)] * 6 + [("sybil", 8, 2)] * 6 if probes else [])


def weighted(rng: random.Random, table) -> object:
    return rng.choices([value for value, _weight in table], weights=[weight for _value, weight in table])[0]


# -- actors ------------------------------------------------------------------------------------------------------


@dataclass
class Worker:
    key: TestKey
    strategy: str
    machine_cores: int  # the machine's cores (a sybil's machine has more than the worker)
    cores: int
    deposit: int
    master: TestKey
    index: int
    machine: int = 0  # the machine it runs on (a sybil machine's workers share it)
    topped_up: int = 0
    offered: int = 0  # cores of work the master offered it so far (its fair-share counter)
    last_pick: int = -1
    window: tuple = (-1, -1)  # (epoch, window) of its last heartbeat
    points: Counter = field(default_factory=Counter)  # availability / work points of the activity epochs
    slashes: Counter = field(default_factory=Counter)  # reason -> slashes
    fakes: int = 0  # fake results it committed

    @property
    def address(self) -> bytes:
        return self.key.address


@dataclass
class Truth:
    """What an honest worker computes for a task's input."""

    result: bytes
    fuel: int
    run_seconds: int


@dataclass
class Stats:
    master_points: Counter = field(default_factory=Counter)
    seats: Counter = field(default_factory=Counter)
    submitted: int = 0
    released: int = 0  # first rounds a master could not staff in time and handed back to the queue
    probes: int = 0  # liveness probes the chain started
    endings: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)


class Economy:
    def __init__(self, path: Path, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.stats = Stats()
        self.masters = [make_key(f"economics/master-{i}") for i in range(2)]
        self.customers = [make_key(f"economics/customer-{i}") for i in range(4)]
        self.workers: list[Worker] = []
        seen: Counter = Counter()  # machines of each (strategy, size) so far: they alternate between the masters
        for machine, (strategy, cores, parts) in enumerate(population(args.tiny, args.probes)):
            master = self.masters[seen[(strategy, cores)] % len(self.masters)]
            seen[(strategy, cores)] += 1
            for part in range(parts):
                size = cores // parts
                key = make_key(f"economics/worker-{machine}-{part}")
                self.workers.append(Worker(key, strategy, cores, size, DEPOSIT_PER_CORE * size, master, len(self.workers),
                                           machine=machine))
        self.by_address = {w.address: w for w in self.workers}
        self.by_bech32 = {w.key.bech32: w for w in self.workers}
        self.pools = {m.address: [w for w in self.workers if w.master == m] for m in self.masters}
        self.sequences: dict[bytes, int] = {}
        self.fees: Counter = Counter()
        self.truth: dict[bytes, Truth] = {}
        self.salts: dict[tuple[bytes, int], tuple[bytes, int, bytes]] = {}
        self.assigned_at: dict[tuple[bytes, int], int] = {}
        self.submitted_at: dict[int, int] = {}
        self.extra_seen: dict[int, int] = {}  # tie-breakers a task had at its last assignment
        self.open: set[int] = set()
        self.finished: dict[int, Task] = {}
        self.paid: Counter = Counter()
        self.tx_count = 0
        self.msg_count = 0
        self.driver = AppDriver(path, app_state=self.app_state(), chain_id=CHAIN_ID)

    # -- chain plumbing ----------------------------------------------------------------------------------------

    def app_state(self) -> dict:
        recipients = {"ieo": [KEYS[n].bech32 for n in IEO_NAMES]}
        recipients.update({allocation: [KEYS[name].bech32] for allocation, name in BUCKET_NAMES.items()})
        recipients["infrastructure"] = [OPERATOR.bech32]
        node = SuperNodeSpec(OPERATOR.bech32, GenesisValidator("node0", CONSENSUS.pubkey, 0), 1_000_000 * AMIO, 500, 100)
        state = build_app_state(recipients, tx_params=TX, staking_params=STAKING, super_nodes=[node],
                                compute_params=COMPUTE, apppool_params=AppPoolParams((FOUNDATION.address,)), fog_params=FOG)
        state["locks"]["params"] = LOCKS.to_dict()
        return state

    @property
    def state(self):
        return self.driver.app.store.committed

    def sign(self, key: TestKey, msgs: list) -> bytes:
        """A tx of ``msgs`` with the key's next sequence and the smallest gas limit and fee the chain accepts."""
        sequence = self.sequences.get(key.address, 0)
        self.sequences[key.address] = sequence + 1
        body = tuple((msg.TYPE, msg.to_body()) for msg in msgs)
        probe = sign_tx(SignDoc(CHAIN_ID, sequence, 10**7, 10**9, "", body), key.signing_key)
        gas = TX.gas_base + TX.gas_per_byte * len(probe) + sum(msg.gas() for msg in msgs)
        fee = -(-gas * TX.min_gas_price_num // TX.min_gas_price_den)
        self.fees[key.address] += fee
        self.msg_count += len(msgs)
        return sign_tx(SignDoc(CHAIN_ID, sequence, fee, gas, "", body), key.signing_key)

    def block(self, txs: list[tuple[TestKey, list]] = (), seconds: int = BLOCK_SECONDS) -> None:
        """One block of ``txs`` (key, messages), ``seconds`` after the last; every tx must succeed."""
        raws = [self.sign(key, msgs) for key, msgs in txs if msgs]
        self.tx_count += len(raws)
        results = self.driver.block(raws, seconds=seconds)
        for (key, msgs), result in zip([t for t in txs if t[1]], results):
            if result.code:
                self.stats.failures.append(f"height {self.driver.height}: {[m.TYPE for m in msgs]} by {key.name}: "
                                           f"{result.codespace} {result.code} {result.log}")
        for event in [e for r in results for e in r.events] + list(self.driver.last_response.events):
            if event.type == "worker_slashed":
                attributes = {a.key: a.value for a in event.attributes}
                self.by_bech32[attributes["worker"]].slashes[attributes["reason"]] += 1
            elif event.type == "fog_redeemed":
                attributes = {a.key: a.value for a in event.attributes}
                self.paid[attributes["address"]] += int(attributes["paid"].removesuffix("uamio"))
        if self.stats.failures:
            raise SystemExit("a transaction failed (a bug in the simulation):\n" + "\n".join(self.stats.failures[:10]))

    # -- setup -------------------------------------------------------------------------------------------------

    def setup(self) -> None:
        funding = [(m.address, 10_000 * AMIO) for m in self.masters]
        funding += [(c.address, 1_000_000 * AMIO) for c in self.customers]
        funding += [(w.address, 3 * w.deposit + 20 * AMIO) for w in self.workers]
        for start in range(0, len(funding), 60):
            chunk = funding[start:start + 60]
            self.block([(FAUCET, [MsgMultiSend(FAUCET.address, tuple(Output(a, amount) for a, amount in chunk))])])
        self.block([(FOUNDATION, [MsgRegisterApp(FOUNDATION.address, APP, 1_000, "economics", "", ()),
                                  MsgSetAppVerified(FOUNDATION.address, APP, True)]),
                    (OPERATOR, [MsgConsentSponsorship(OPERATOR.address, m.address) for m in self.masters]),
                    (LOCKER, [MsgCreateLock(LOCKER.address, LOCKED, 20 * DAY)])])
        self.block([(m, [MsgCreateMasterNode(m.address, f"master{i}", f"http://127.0.0.1:{9000 + i}", "local",
                                             OPERATOR.address, 5_000 * AMIO)]) for i, m in enumerate(self.masters)])
        txs = []
        for w in self.workers:
            ram, storage = MACHINES[w.cores]
            txs.append((w.key, [MsgRegisterWorker(w.address, w.master.address, w.cores, 0, ram, storage, w.cores, False,
                                                  w.deposit, *admission(w.master, w.address, CHAIN_ID))]))
        self.block(txs)
        while not all(self.master_active(m) for m in self.masters):
            self.block()

    def master_active(self, master: TestKey) -> bool:
        return staking_api.is_active_master(self.state, master.address)

    # -- one block of activity -----------------------------------------------------------------------------------

    def online(self, worker: Worker, epoch: int) -> bool:
        if worker.strategy == "intermittent":
            return (epoch - self.first_epoch) % 2 == 0
        return True

    def step(self, submitting: bool, heartbeating: bool) -> None:
        state = self.state
        params = COMPUTE
        now = self.driver.time + BLOCK_SECONDS
        epoch = fog_state.get_open_epoch(state)
        closing = now >= epoch.start + FOG.epoch_seconds
        tasks = {}
        for task_id in sorted(self.open):
            task = compute_state.get_task(state, task_id)
            if task.state in FINAL_STATES:
                self.open.discard(task_id)
                self.finished[task_id] = task
            else:
                tasks[task_id] = task
        chain_workers = {w.address: compute_state.get_worker(state, w.address) for w in self.workers}
        msgs: dict[bytes, list] = defaultdict(list)
        hand_backs: dict[bytes, list] = defaultdict(list)

        for w in self.workers:
            record = chain_workers[w.address]
            if heartbeating and not closing and self.online(w, epoch.index):
                window = (epoch.index, fog_logic.window_of(FOG, epoch, now))
                if window != w.window:
                    msgs[w.address].append(MsgHeartbeat(w.address))
                    w.window = window
            if w.strategy in TOPS_UP and record.deposit < params.worker_min_deposit:
                amount = w.deposit - record.deposit
                msgs[w.address].append(MsgTopUpDeposit(w.address, amount))
                w.topped_up += amount

        for task in tasks.values():
            for participant in task.participants:
                self.act(task, participant, now, msgs, hand_backs)

        self.assign(tasks, chain_workers, now)
        txs = [(self.by_address[a].key, m) for a, m in msgs.items() if a not in hand_backs]
        txs += [(self.by_address[a].key, msgs[a] + h) for a, h in hand_backs.items()]
        txs += self.customer_txs(tasks, chain_workers, submitting)
        self.block(self.master_txs + txs)
        if closing:
            self.record_epoch(epoch.index)

    def act(self, task: Task, participant, now: int, msgs: dict, hand_backs: dict) -> None:
        """What the participant's strategy does on this task in this block."""
        w = self.by_address[participant.worker]
        key = (w.address, task.id)
        truth = self.truth[task.input_hash]
        if task.state == COMMITTING and participant.status == P_ASSIGNED:
            strategy = w.strategy
            if strategy == "selective-liar":
                strategy = "lying" if task.target == 1 and len(task.participants) == 1 else "honest"
            if strategy == "proven-idle":
                record = fog_state.get_contribution(self.state, w.address)
                proven = record is not None and record.proven_weight > 0
                strategy = "heartbeat-only" if proven else "honest"
            if strategy == "heartbeat-only" or (strategy == "copier" and not participant.late):
                hand_backs[w.address].append(MsgHandBackTask(w.address, task.id))
                return
            if strategy == "copier":
                revealed = Counter((p.result_hash, p.fuel) for p in task.participants if p.status == P_REVEALED)
                top = max(revealed.values())
                result, fuel = min(pair for pair, count in revealed.items() if count == top)
            elif strategy == "lying":
                result, fuel = hashlib.sha256(b"fake" + task.input_hash).digest(), task.max_fuel
                w.fakes += 1
            else:  # honest, sybil, intermittent, lazy: compute, and commit once the run is over
                if now < self.assigned_at[key] + truth.run_seconds:
                    return
                result, fuel = truth.result, truth.fuel
            salt = hashlib.sha256(b"salt" + w.address + task.id.to_bytes(8, "big")).digest()
            self.salts[key] = (result, fuel, salt)
            msgs[w.address].append(MsgCommitResult(w.address, task.id, commitment(result, fuel, salt, w.address)))
        elif task.state == REVEALING and participant.status == P_COMMITTED and w.strategy != "lazy":
            result, fuel, salt = self.salts[key]
            msgs[w.address].append(MsgRevealResult(w.address, task.id, result, fuel, salt))

    def assign(self, tasks: dict, chain_workers: dict, now: int) -> None:
        """Each master names, for each of its allocated tasks, the workers the chain accepts (compute's own refusal
        rule) with the least work offered so far per core of their machine. A first round it cannot staff before its
        assign deadline is released (back to the queue, no penalty), as the master node service does."""
        by_master: dict[bytes, list] = defaultdict(list)
        running: Counter = Counter()
        for task in tasks.values():
            if task.state != ALLOCATED or task.needed() == 0:
                continue
            cores = CLASS_CORES[task.class_name]
            resource_class = COMPUTE.resource_class(task.class_name)
            eligible = []
            for w in self.pools[task.master]:
                record = chain_workers[w.address]
                refusal = rules.assignment_refusal(
                    same_pool=record.master == task.master, online=record.online, slots=record.slots,
                    running=record.running + running[w.address], fits=record.fits(resource_class),
                    deposit=record.deposit, min_deposit=COMPUTE.worker_min_deposit, any_app=record.any_app,
                    app_verified=True, excluded=w.address in task.excluded_workers,
                    assigned=task.participant(w.address) is not None, probed=w.address == task.probe_worker)
                if refusal is None:
                    eligible.append(w)
            first_probe_round = task.probe_worker and not task.participants
            if first_probe_round and task.probe_worker not in [w.address for w in eligible]:
                eligible = []  # the probed worker must be in the first round: wait for it
            if len(eligible) < task.needed():
                if not task.participants and task.step_deadline - now <= BLOCK_SECONDS:
                    by_master[task.master].append(MsgReleaseTask(task.master, task.id))
                    self.stats.released += 1
                continue  # wait for capacity
            eligible.sort(key=lambda w: (w.address != task.probe_worker, w.offered * 8 // w.cores, w.last_pick,
                                         w.index))  # the probed worker first; exact: cores divide 8
            chosen = eligible[:task.needed()]
            for w in chosen:
                w.offered += cores
                w.last_pick = self.driver.height
                running[w.address] += 1
                self.assigned_at[(w.address, task.id)] = now
            self.count_seats(task, len(chosen))
            by_master[task.master].append(MsgAssignWorkers(task.master, task.id, tuple(w.address for w in chosen)))
        self.master_txs = [(m, by_master[m.address]) for m in self.masters if by_master[m.address]]

    def count_seats(self, task: Task, seats: int) -> None:
        """Which kind of replica the seats are: paid replicas (and an audit, after a reallocation of an audited task)
        in the first round, the auditor when the audit drawn after the lone worker's commit asks for one, a
        tie-breaker when the target grew since the last assignment (compute adds one per split vote), replacements
        otherwise."""
        if task.probe_worker:
            self.stats.seats["probe"] += seats
        elif task.heights[-1][0] == "audited":
            self.stats.seats["audit"] += seats
        elif not any(step == "assigned" for step, _height in task.heights):
            self.stats.seats["paid replica"] += task.replicas
            self.stats.seats["audit"] += seats - task.replicas
        elif task.extra > self.extra_seen.get(task.id, 0):
            grown = task.extra - self.extra_seen.get(task.id, 0)
            self.stats.seats["tie-breaker"] += grown
            self.stats.seats["replacement"] += seats - grown
        else:
            self.stats.seats["replacement"] += seats
        self.extra_seen[task.id] = task.extra

    def customer_txs(self, tasks: dict, chain_workers: dict, submitting: bool) -> list:
        """Confirm what was delivered; keep about ``load`` of the online capacity's cores in flight."""
        confirms: dict[bytes, list] = defaultdict(list)
        customers = {c.address: c for c in self.customers}
        inflight = 0
        for task in tasks.values():
            if task.probe_worker:
                continue  # the protocol's, not a customer's
            if task.state == DELIVERED:
                confirms[task.customer].append(MsgConfirmTask(task.customer, task.id))
            elif task.state == SUBMITTED and self.driver.time - self.submitted_at[task.id] >= STALE_SECONDS:
                confirms[task.customer].append(MsgCancelTask(task.customer, task.id))
            else:
                inflight += CLASS_CORES[task.class_name] * max(task.target, task.replicas)
        submits: dict[bytes, list] = defaultdict(list)
        if submitting:
            capacity = sum(w.cores for w in self.workers if chain_workers[w.address].online
                           and chain_workers[w.address].deposit >= COMPUTE.worker_min_deposit)
            while inflight < self.args.load * capacity and sum(len(s) for s in submits.values()) < 4 * 60:
                customer = self.customers[self.stats.submitted % len(self.customers)]
                class_name = weighted(self.rng, TASK_CLASSES)
                replicas = weighted(self.rng, TASK_REPLICAS)
                resource_class = COMPUTE.resource_class(class_name)
                input_hash = hashlib.sha256(b"input %d" % self.stats.submitted).digest()
                fuel = resource_class.fuel_rate * RUN_SECONDS * self.rng.randint(95, 100) // 100
                self.truth[input_hash] = Truth(hashlib.sha256(b"result" + input_hash).digest(), fuel, RUN_SECONDS)
                max_fuel = resource_class.fuel_rate * MAX_RUN_SECONDS
                submits[customer.address].append(MsgSubmitTask(customer.address, APP, input_hash, 1_000, class_name,
                                                               replicas, max_fuel, 10**9, 600))
                self.stats.submitted += 1
                inflight += CLASS_CORES[class_name] * replicas
        txs = []
        for address in sorted(set(confirms) | set(submits)):
            txs.append((customers[address], confirms[address] + submits[address]))
        return txs

    def track_new_tasks(self, before: int) -> None:
        for task_id in range(before, compute_state.peek_next_task_id(self.state)):
            self.open.add(task_id)
            self.submitted_at[task_id] = self.driver.time
            task = compute_state.get_task(self.state, task_id)
            if task.probe_worker:  # the chain made it: what an honest worker computes from its input
                self.truth[task.input_hash] = Truth(hashlib.sha256(b"result" + task.input_hash).digest(),
                                                    task.max_fuel // 2, PROBE_RUN_SECONDS)
                self.stats.probes += 1

    def record_epoch(self, index: int) -> None:
        """Right after epoch ``index`` closed, every earner's record still holds its points of that epoch."""
        for w in self.workers:
            record = fog_state.get_contribution(self.state, w.address)
            if record is not None and record.epoch == index:
                w.points["availability"] += record.availability
                w.points["work"] += record.work
                if compute_state.get_worker(self.state, w.address).deposit < COMPUTE.worker_min_deposit:
                    # not assignable, not in any capacity count: its heartbeats still earn availability
                    w.points["availability below the minimum deposit"] += record.availability
        for master in self.masters:
            record = fog_state.get_contribution(self.state, master.address)
            if record is not None and record.epoch == index:
                self.stats.master_points["routing"] += record.routing

    # -- the run -------------------------------------------------------------------------------------------------

    def run(self) -> None:
        self.setup()
        self.first_epoch = fog_state.get_open_epoch(self.state).index + 1
        while fog_state.get_open_epoch(self.state).index < self.first_epoch:  # start with a whole epoch
            self.step(submitting=False, heartbeating=False)
        self.block([(LOCKER_ENDED, [MsgCreateLock(LOCKER_ENDED.address, LOCKED, self.args.epochs * FOG.epoch_seconds)])])
        last = self.first_epoch + self.args.epochs  # the first epoch after the activity
        while True:
            index = fog_state.get_open_epoch(self.state).index
            if index >= last and not self.open:
                break
            before = compute_state.peek_next_task_id(self.state)
            self.step(submitting=index < last - 1, heartbeating=index < last)
            self.track_new_tasks(before)
            if index > last + 5:
                stuck = [compute_state.get_task(self.state, task_id) for task_id in sorted(self.open)[:5]]
                raise SystemExit("tasks still open 5 epochs after the activity (a bug in the simulation):\n" + "\n".join(
                    f"task {t.id} {t.state}, target {t.target}, heights {t.heights}" for t in stuck))
        for task in self.finished.values():
            self.stats.endings[str(task.state)] += 1
        self.redeem_everything()

    def earned(self, key: TestKey) -> int:
        """All the FOG ``key`` ever earned, what closed epochs still owe it included (the balance query)."""
        return decode(self.driver.query(f"/fog/balance/{key.bech32}").value)["earned"]

    def earners(self) -> list[TestKey]:
        return [w.key for w in self.workers] + self.masters + [LOCKER, LOCKER_ENDED]

    def advance_to(self, moment: int) -> None:
        """One block at ``moment`` (at least one block time later)."""
        self.block([], seconds=max(BLOCK_SECONDS, moment - self.driver.time))

    def redeem_everything(self) -> None:
        """Close the last epoch, wait for a period to close after it (FOG minted in a period is redeemable from the
        next), have every earner redeem all it may, close that period and pay every request."""
        epoch = fog_state.get_open_epoch(self.state)
        self.advance_to(epoch.start + FOG.epoch_seconds)
        period = fog_state.get_open_period(self.state)
        self.advance_to(period.start + FOG.redemption_period_seconds)
        txs = []
        self.redeemed_fog: Counter = Counter()
        for key in self.earners():  # (a locker whose lock still runs has nothing redeemable: see the report)
            redeemable = decode(self.driver.query(f"/fog/balance/{key.bech32}").value)["redeemable"]
            if redeemable:
                txs.append((key, [MsgRedeem(key.address, redeemable)]))
                self.redeemed_fog[key.address] = redeemable
        self.block(txs)
        period = fog_state.get_open_period(self.state)
        self.advance_to(period.start + FOG.redemption_period_seconds)
        while fog_state.get_ledger(self.state).paying_period < fog_state.get_open_period(self.state).index:
            self.block()


# -- report ----------------------------------------------------------------------------------------------------------


def rows_of(probes: bool) -> list[tuple[str, object]]:
    """The table's rows: (name, which workers). "honest" is every honest 1-, 2- and 4-core machine, the mix every
    other strategy runs on; the sybil rows compare with honest machines of the sybil's machine size."""
    rows = [("honest", lambda w: w.strategy == "honest" and w.machine_cores <= 4),
            ("honest 4-core", lambda w: w.strategy == "honest" and w.machine_cores == 4),
            ("sybil 4 as 4x1", lambda w: w.strategy == "sybil" and w.machine_cores == 4)]
    if probes:
        rows += [("honest 8-core", lambda w: w.strategy == "honest" and w.machine_cores == 8),
                 ("sybil 8 as 2x4", lambda w: w.strategy == "sybil" and w.machine_cores == 8)]
    return rows + [(name, lambda w, name=name: w.strategy == name) for name in CHEATERS if probes or name not in PROBES]


def summarise(economy: Economy) -> dict[str, dict]:
    state = economy.state
    rows: dict[str, dict] = {}
    for name, belongs in rows_of(economy.args.probes):
        members = [w for w in economy.workers if belongs(w)]
        capacity = sum(w.cores for w in members)
        deposit = sum(w.deposit for w in members)
        fog = sum(economy.earned(w.key) for w in members)  # settled or not
        paid = sum(economy.paid[w.key.bech32] for w in members)
        lost = sum(w.deposit + w.topped_up - compute_state.get_worker(state, w.address).deposit for w in members)
        fees = sum(economy.fees[w.address] for w in members)
        rows[name] = {
            "workers": len(members), "capacity": capacity, "deposit": deposit, "fog": fog, "paid": paid, "lost": lost,
            "fees": fees, "fog_per_unit": fog / UFOG / capacity, "fog_per_deposit": fog / UFOG / (deposit / AMIO / 100),
            "amio_per_unit": paid / AMIO / capacity, "net_per_unit": (paid - lost - fees) / AMIO / capacity,
            "return": (paid - lost - fees) / deposit, "points": sum((w.points for w in members), Counter()),
            "slashes": sum((w.slashes for w in members), Counter()), "fakes": sum(w.fakes for w in members),
        }
    return rows


def print_report(economy: Economy, rows: dict[str, dict], elapsed: float) -> list[str]:
    state = economy.state
    args = economy.args
    workers = len(economy.workers)
    print(f"FOG economics: {workers} workers, {sum(w.cores for w in economy.workers)} cores, {args.epochs} epochs of "
          f"{FOG.epoch_seconds}s ({FOG.windows_per_epoch} windows), load {args.load:.0%}, seed {args.seed}")
    print(f"  {economy.driver.height} blocks, {economy.tx_count:,} txs ({economy.msg_count:,} messages), "
          f"{economy.stats.submitted:,} tasks submitted, {elapsed:.1f}s")
    present = {w.strategy for w in economy.workers}
    for strategy in [name for name in STRATEGIES if name in present]:
        print(f"  {strategy:<15} {STRATEGIES[strategy]}")
    print()
    header = (f"{'strategy':<17}{'workers':>8}{'capacity':>9}{'deposit':>10}{'FOG':>12}{'FOG/unit':>10}"
              f"{'FOG/100dep':>11}{'AMIO':>11}{'AMIO/unit':>10}{'dep lost':>10}{'fees':>8}{'net/unit':>10}{'return':>9}")
    print("per strategy (capacity in cores; deposit, AMIO, lost, fees in AMIO; FOG/100dep: FOG per 100 AMIO of deposit;")
    print("AMIO: paid by redemption; net = AMIO - deposit lost - fees; return = net / deposit)")
    print(header)
    for group, row in rows.items():
        print(f"{group:<17}{row['workers']:>8}{row['capacity']:>9}{row['deposit'] / AMIO:>10,.0f}{row['fog'] / UFOG:>12,.1f}"
              f"{row['fog_per_unit']:>10.2f}{row['fog_per_deposit']:>11.2f}{row['paid'] / AMIO:>11,.2f}"
              f"{row['amio_per_unit']:>10.3f}{row['lost'] / AMIO:>10,.1f}{row['fees'] / AMIO:>8.2f}"
              f"{row['net_per_unit']:>10.3f}{row['return']:>9.2%}")
    print(f"{'other earners':<26}{'FOG earned':>12}{'FOG redeemed':>14}{'AMIO':>11}")
    for name, keys in (("master nodes", economy.masters), ("locker, lock ended", [LOCKER_ENDED]),
                       ("locker, lock still running", [LOCKER])):
        earned = sum(economy.earned(k) for k in keys)
        redeemed = sum(economy.redeemed_fog[k.address] for k in keys)
        paid = sum(economy.paid[k.bech32] for k in keys)
        print(f"{name:<26}{earned / UFOG:>12,.1f}{redeemed / UFOG:>14,.1f}{paid / AMIO:>11,.2f}")
    if economy.earned(LOCKER) and not economy.redeemed_fog[LOCKER.address]:
        print("  (a running lock's FOG is credited as minted at the last epoch close, and FOG minted in a redemption\n"
              "   period is redeemable from the next: a locker whose lock still runs can redeem only between a period\n"
              "   close and the next epoch close; here both closed in the same block, so it could not redeem at all)")
    print()

    print("points earned in the activity epochs (after the loyalty and probation factors), and slashes; "
          "'below min': availability")
    print("earned in epochs that ended with the worker's deposit below the minimum (never assigned, heartbeats only);")
    print("fakes: fake results committed")
    print(f"{'':<17}{'availability':>14}{'below min':>12}{'work':>14}{'availability %':>16}{'fakes':>7}  slashes")
    for group, row in rows.items():
        points = row["points"]
        total = points["availability"] + points["work"]
        slashes = ", ".join(f"{count} {reason}" for reason, count in sorted(row["slashes"].items())) or "-"
        print(f"{group:<17}{points['availability']:>14,}{points['availability below the minimum deposit']:>12,}"
              f"{points['work']:>14,}{points['availability'] / max(1, total):>16.1%}{row['fakes']:>7,}  {slashes}")
    print(f"master nodes: {economy.stats.master_points['routing']:,} routing points")
    print()

    seats = economy.stats.seats
    total = sum(seats.values())
    kinds = ("paid replica", "audit", "probe", "tie-breaker", "replacement")
    print(f"replicas assigned: {total:,}  " + "  ".join(f"{kind} {seats[kind]:,} ({seats[kind] / total:.1%})" for kind in kinds))
    print(f"audit, probe and tie-breaker share of replicas: "
          f"{(seats['audit'] + seats['probe'] + seats['tie-breaker']) / total:.1%}")
    passed = Counter()
    for task in economy.finished.values():
        if task.probe_worker:
            probed = task.participant(task.probe_worker)
            ok = task.state == "settled" and probed is not None and probed.result_hash == task.result_hash
            passed[(economy.by_address[task.probe_worker].strategy, ok)] += 1
    strategies = sorted({strategy for strategy, _ok in passed})
    print(f"probes: {economy.stats.probes:,} started; passed/failed by strategy: " + ", ".join(
        f"{strategy} {passed[(strategy, True)]}/{passed[(strategy, False)]}" for strategy in strategies))
    endings = economy.stats.endings
    print("tasks: " + "  ".join(f"{name} {count:,}" for name, count in sorted(endings.items()))
          + f"  (cancelled: no master took them within {STALE_SECONDS}s; first rounds released by a master: "
          f"{economy.stats.released})")
    wrong = [t for t in economy.finished.values() if str(t.state) == "settled"
             and t.result_hash != economy.truth[t.input_hash].result]
    overcharged = sum(t.paid - (-(-t.price * economy.truth[t.input_hash].fuel * t.replicas // 1_000_000) + t.fee)
                      for t in economy.finished.values() if str(t.state) == "settled")
    settled = endings.get("settled", 0)
    print(f"tasks settled with a wrong result: {len(wrong):,} of {settled:,} ({len(wrong) / max(1, settled):.1%}); "
          f"customers paid {overcharged / AMIO:,.2f} AMIO above the true fuel")
    ledger = fog_state.get_ledger(state)
    last = fog_state.get_closed_period(state, fog_state.get_open_period(state).index - 1)
    print(f"FOG minted {ledger.minted / UFOG:,.1f}, burned {ledger.burned / UFOG:,.1f}; redemption: pool "
          f"{last.pool / AMIO:,.2f} AMIO for supply {last.supply / UFOG:,.1f} FOG, {last.payout / AMIO:,.2f} AMIO paid "
          f"for {last.requested / UFOG:,.1f} FOG; revenue pool left "
          f"{bank_state.get_balance(state, REVENUE_POOL) / AMIO:,.2f} AMIO")
    print()
    return checks(economy, rows)


def checks(economy: Economy, rows: dict[str, dict]) -> list[str]:
    state = economy.state
    lines = []

    def check(ok: bool, text: str) -> None:
        lines.append(f"{'PASS' if ok else 'FAIL'} {text}")

    honest = rows["honest"]
    for group in [c for c in CHEATERS if c in rows]:
        row = rows[group]
        check(honest["fog_per_unit"] > row["fog_per_unit"],
              f"honest earns more FOG per unit of capacity than {group}: "
              f"{honest['fog_per_unit']:.2f} > {row['fog_per_unit']:.2f}")
        check(honest["net_per_unit"] > row["net_per_unit"],
              f"honest nets more AMIO per unit of capacity than {group}: "
              f"{honest['net_per_unit']:.3f} > {row['net_per_unit']:.3f}")
    # a split machine is compared on what the FOG rules pay it (availability, FOG, and the AMIO it redeems for):
    # the deposits its workers lose depend on which liars share their tasks, which the split does not choose.
    # Each figure is compared per machine, as a mean per core, and the split must not gain more than two standard
    # errors of the difference: work points (most of the FOG) follow the tasks masters hand out and the audits
    # drawn (an audited lone worker counts its fuel / audit probability), so two groups of honest machines differ
    # by chance, and a real gain from splitting must show above that noise.
    for size, split in ((4, "4x1"), (8, "2x4")):
        if f"sybil {size} as {split}" not in rows:
            continue
        groups = {"split": lambda w: w.strategy == "sybil" and w.machine_cores == size,
                  "whole": lambda w: w.strategy == "honest" and w.machine_cores == size}
        for measure, value in (("availability points", lambda w: w.points["availability"]),
                               ("FOG", lambda w: economy.earned(w.key) / UFOG),
                               ("redeemed AMIO", lambda w: economy.paid[w.key.bech32] / AMIO)):
            means = {}
            for name, belongs in groups.items():
                per_machine: dict[int, float] = defaultdict(float)
                for w in economy.workers:
                    if belongs(w):
                        per_machine[w.machine] += value(w) / size
                values = list(per_machine.values())  # one machine (--tiny): no spread to allow for
                means[name] = (statistics.fmean(values), statistics.variance(values) if len(values) > 1 else 0.0,
                               len(values))
            (split_mean, split_var, n_split), (whole_mean, whole_var, n_whole) = means["split"], means["whole"]
            margin = 2 * math.sqrt(split_var / n_split + whole_var / n_whole)
            check(split_mean - whole_mean <= margin,
                  f"a {size}-core machine split as {split} workers gains no {measure} over one honest {size}-core "
                  f"worker: {split_mean:,.2f} - {whole_mean:,.2f} <= {margin:,.2f} (2 standard errors) per core")

    supply = sum(amount for _address, amount in bank_state.iter_balances(state))
    check(supply == TOTAL_SUPPLY == bank_state.get_supply(state), f"AMIO total supply is exactly 10^15 uamio: {supply:,}")
    ledger = fog_state.get_ledger(state)
    balances = sum(account.balance for _address, account in fog_state.iter_accounts(state))
    outstanding = balances + ledger.provider_unsettled + ledger.locker_unsettled + ledger.requested
    check(ledger.minted - ledger.burned == outstanding,
          f"FOG minted - burned = balances + unsettled + requested: "
          f"{ledger.minted - ledger.burned:,} = {outstanding:,} ufog")
    redeemed = sum(economy.redeemed_fog.values())
    closed = fog_state.get_closed_period(state, fog_state.get_open_period(state).index - 1)
    paid = sum(economy.paid.values())
    check(ledger.burned == redeemed == closed.requested and paid == closed.payout > 0,
          f"every redeemable FOG was redeemed, burned and paid at one rate: {redeemed:,} ufog burned for {paid:,} uamio "
          f"= {closed.requested:,} x {closed.pool:,} // {closed.supply:,}")
    for invariant in (fog_invariants.check_supply, fog_invariants.check_points):
        try:
            invariant(state)
            check(True, f"fog invariant {invariant.__name__}")
        except AssertionError as error:
            check(False, f"fog invariant {invariant.__name__}: {error}")
    broken = []
    count = 0
    for module in MODULES:
        for invariant in module.invariants:
            count += 1
            try:
                invariant(state)
            except AssertionError as error:
                broken.append(f"{module.name}.{invariant.__name__}: {error}")
    check(not broken, f"every module's invariants hold on the final state ({count} invariants){': ' if broken else ''}"
          + "; ".join(broken))
    for line in lines:
        print(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="13 workers, 4 epochs, no probes: a few seconds")
    parser.add_argument("--epochs", type=int, help="activity epochs (default 20; 4 with --tiny)")
    parser.add_argument("--load", type=float, default=0.5, help="share of the online cores the customers keep busy")
    parser.add_argument("--seed", type=int, default=1, help="seed of the customers' task stream")
    parser.add_argument("--no-probes", action="store_true",
                        help="leave out the strategies that found exploits (the selective liar, split 8-core machines)")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 4 if args.tiny else 20
    args.probes = not (args.tiny or args.no_probes)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the last activity epoch drains the tasks in flight)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="amino-economics-") as tmp:
        economy = Economy(Path(tmp) / "db", args)
        try:
            economy.run()
            rows = summarise(economy)
            lines = print_report(economy, rows, time.monotonic() - started)
        finally:
            economy.driver.close()
    return 1 if any(line.startswith("FAIL") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())

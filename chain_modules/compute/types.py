"""compute types: params and resource classes, the worker and task records, and the messages.

Units: amounts in uamio; fuel in wasmtime fuel units; a class price is uamio
per 1,000,000 fuel (a "megafuel"), so cost(fuel) = ceil(price x fuel / 10^6).
Times and durations are whole seconds of block time.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields, replace

from chain_modules.common.messages import (
    ErrInvalidMessage,
    Msg,
    address_field,
    amount_field,
    bool_field,
    CLASS_NAME,
    bounded,
    class_field,
    hash_field,
    sized_bytes,
    uint_field,
)
from chain_modules.common.params import IntParams, check_int_params
from chain_modules.compute import rules
from chain_modules.compute.states import (
    ALLOCATED,
    CANCELLED,
    COMMITTING,
    DELIVERED,
    FINAL_STATES,
    OPEN_STATES,
    REFUNDED,
    REVEALING,
    SETTLED,
    STATES,
    SUBMITTED,
    TRANSITIONS,
    WORK_STATES,
    TaskEvent,
    TaskState,
    next_state,
)

BPS = 10_000
MEGAFUEL = 1_000_000
MAX_U64 = 2**64 - 1
MAX_CLASSES = 8
COMMIT_DOMAIN = b"amino/compute/commit/v1\x00"


# participant statuses
P_ASSIGNED = "assigned"
P_COMMITTED = "committed"
P_REVEALED = "revealed"

GAS_SUBMIT = 20_000
GAS_TASK_STEP = 10_000
GAS_WORKER = 15_000
GAS_HEARTBEAT = 3_000
GAS_PER_ASSIGNED_WORKER = 2_000


PROBE_APP = re.compile(r"^(|[0-9a-f]{64})$")  # the probe_app param: a sha256 in hex, or "" (no probes)


@dataclass(frozen=True, slots=True)
class ResourceClass:
    """A kind of machine a task can ask for; ``price`` is the genesis price (uamio per megafuel).

    ``fuel_rate`` is the fuel per second a worker of this class guarantees for one job: a worker that registers
    with resources that fit the class promises it, and a task's commit deadline gives its workers
    max_fuel / fuel_rate seconds to run (docs/modules/compute.md, "Deadlines follow the work")."""

    name: str
    cpu_cores: int
    gpu: int
    ram_mb: int
    storage_mb: int
    price: int
    fuel_rate: int = 250_000_000

    def run_seconds(self, fuel: int) -> int:
        """Seconds a worker that keeps the class's rate may take for ``fuel``, rounded up."""
        return -(-fuel // self.fuel_rate)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> "ResourceClass":
        if not isinstance(data, dict) or set(data) != {f.name for f in fields(cls)}:
            raise ValueError(f"a resource class must have exactly the fields {sorted(f.name for f in fields(cls))}")
        name = data["name"]
        if not isinstance(name, str) or not CLASS_NAME.fullmatch(name):
            raise ValueError(f"resource class name {name!r} must match {CLASS_NAME.pattern}")
        for key in ("cpu_cores", "gpu", "ram_mb", "storage_mb", "price", "fuel_rate"):
            value = data[key]
            if type(value) is not int or not 0 <= value <= MAX_U64:
                raise ValueError(f"resource class {name!r}: {key} must be a non-negative integer")
        if data["price"] == 0 or data["cpu_cores"] == 0 or data["ram_mb"] == 0 or data["fuel_rate"] == 0:
            raise ValueError(f"resource class {name!r}: price, cpu_cores, ram_mb and fuel_rate must be positive")
        return cls(**data)

    def fits(self, cpu_cores: int, gpu: int, ram_mb: int, storage_mb: int) -> bool:
        """Whether a machine with these resources can run tasks of this class."""
        return rules.fits_class(cpu_cores, gpu, ram_mb, storage_mb, self.cpu_cores, self.gpu, self.ram_mb, self.storage_mb)


DEFAULT_CLASSES = (
    ResourceClass("small", 1, 0, 512, 1_024, 1_000, 250_000_000),
    ResourceClass("medium", 2, 0, 2_048, 10_240, 2_000, 500_000_000),
    ResourceClass("large", 4, 0, 8_192, 51_200, 4_000, 1_000_000_000),
    ResourceClass("gpu", 4, 1, 16_384, 102_400, 10_000, 1_000_000_000),
)


@dataclass(frozen=True, slots=True)
class ComputeParams(IntParams):
    MODULE = "compute"
    MINIMUM = 0
    MAXIMUM = 2**62

    max_replicas: int = 5
    max_extra_replicas: int = 2  # tie-breaker replicas added when the reveals have no majority
    max_reassignments: int = 3  # rounds of replacement workers for missing commits or reveals
    max_reallocations: int = 3  # masters tried after the first one misses its assign deadline
    max_fuel: int = 10_000_000_000
    max_input_bytes: int = 64 * 1024 * 1024
    protocol_fee: int = 10_000
    worker_min_deposit: int = 100_000_000
    worker_slash_bps: int = 1_000
    max_worker_slots: int = 16
    heartbeat_timeout_seconds: int = 60
    assign_timeout_seconds: int = 60
    commit_timeout_seconds: int = 120
    reveal_timeout_seconds: int = 60
    confirm_timeout_seconds: int = 120
    # the longest run a task may ask for: max_fuel / its class's fuel_rate must stay within it
    max_run_seconds: int = 3_600
    min_task_seconds: int = 60
    max_task_seconds: int = 86_400
    audit_probability_bps: int = 2_000
    # a refunded customer receives the deposits the task's failed workers forfeited, up to this share of the escrow
    compensation_bps: int = 1_000
    # a master that lets its assign deadline pass (neither assigning nor releasing) loses this share of the escrow
    # from its stake, and its consenting sponsor sponsor_share_bps of that, to the community pool
    master_penalty_bps: int = 1_000
    max_allocations_per_block: int = 100
    max_open_tasks_per_customer: int = 100
    worker_unbonding_seconds: int = 3 * 86_400  # an unregistered worker's deposit comes back after this
    max_deadlines_per_block: int = 1_000
    price_epoch_blocks: int = 100
    target_utilisation_bps: int = 7_000
    price_step_bps: int = 500
    min_price: int = 10
    max_price: int = 1_000_000_000
    price_history_length: int = 64
    # liveness probes (fog draws the probed workers): the app they run, as a sha256 hex ("" = no probes), the work
    # count written into their input, and their fuel limit and final deadline
    probe_work: int = 1_000
    probe_max_fuel: int = 100_000_000
    probe_timeout_seconds: int = 600
    probe_app: str = ""
    classes: tuple[ResourceClass, ...] = field(default=DEFAULT_CLASSES)

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "classes"}
        data["classes"] = [c.to_dict() for c in self.classes]
        return data

    @property
    def probe_app_hash(self) -> bytes:
        return bytes.fromhex(self.probe_app)

    @classmethod
    def from_dict(cls, data: object) -> "ComputeParams":
        if not isinstance(data, dict):
            raise ValueError("compute params must be a map")
        data = dict(data)
        raw_classes = data.pop("classes", None)
        if not isinstance(raw_classes, list) or not 1 <= len(raw_classes) <= MAX_CLASSES:
            raise ValueError(f"compute param 'classes' must be a list of 1 to {MAX_CLASSES} resource classes")
        classes = tuple(ResourceClass.from_dict(item) for item in raw_classes)
        probe_app = data.pop("probe_app", "")
        if not isinstance(probe_app, str) or not PROBE_APP.fullmatch(probe_app):
            raise ValueError("compute param 'probe_app' must be a sha256 in lower-case hex, or \"\" for no probes")
        names = {f.name for f in fields(cls)} - {"classes", "probe_app"}
        check_int_params(cls.MODULE, data, names, cls.MINIMUM, cls.MAXIMUM)
        params = cls(**data, probe_app=probe_app, classes=classes)
        params.check()
        return params

    def check(self) -> None:
        names = [c.name for c in self.classes]
        if len(set(names)) != len(names):
            raise ValueError("compute param 'classes': class names must be unique")
        if not 1 <= self.max_replicas <= 5:
            raise ValueError("compute param 'max_replicas' must be between 1 and 5")
        if max(self.worker_slash_bps, self.audit_probability_bps, self.compensation_bps, self.master_penalty_bps) > BPS:
            raise ValueError("compute params in bps (worker_slash_bps, audit_probability_bps, compensation_bps, "
                             "master_penalty_bps) must be <= 10000")
        if not 0 < self.target_utilisation_bps < BPS or self.price_step_bps > BPS:
            raise ValueError("compute param 'target_utilisation_bps' must be in (0, 10000) and 'price_step_bps' <= 10000")
        if not 0 < self.min_price <= self.max_price:
            raise ValueError("compute params: 0 < min_price <= max_price is required")
        if self.min_task_seconds > self.max_task_seconds or self.min_task_seconds == 0:
            raise ValueError("compute params: 0 < min_task_seconds <= max_task_seconds is required")
        for name in ("max_fuel", "max_run_seconds", "max_input_bytes", "max_worker_slots", "heartbeat_timeout_seconds", "assign_timeout_seconds",
                     "commit_timeout_seconds", "reveal_timeout_seconds", "confirm_timeout_seconds", "price_epoch_blocks",
                     "max_allocations_per_block", "max_deadlines_per_block", "price_history_length", "worker_min_deposit",
                     "max_open_tasks_per_customer", "probe_max_fuel", "probe_timeout_seconds"):
            if getattr(self, name) == 0:
                raise ValueError(f"compute param {name!r} must be positive")

    def resource_class(self, name: str) -> ResourceClass | None:
        for resource_class in self.classes:
            if resource_class.name == name:
                return resource_class
        return None


def cost(price: int, fuel: int) -> int:
    """Uamio for ``fuel`` at ``price`` uamio per megafuel, rounded up."""
    return -(-price * fuel // MEGAFUEL)


def commitment(result_hash: bytes, fuel: int, salt: bytes, worker: bytes) -> bytes:
    """The value a worker commits to: binds the result, its fuel and the worker (no copying another's commit)."""
    return hashlib.sha256(COMMIT_DOMAIN + result_hash + fuel.to_bytes(8, "big") + salt + worker).digest()


# -- records -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Worker:
    address: bytes
    master: bytes
    cpu_cores: int
    gpu: int
    ram_mb: int
    storage_mb: int
    slots: int
    any_app: bool
    deposit: int
    running: int = 0
    online: bool = False
    last_heartbeat: int = 0
    completed: int = 0
    failed: int = 0
    slashed: int = 0
    registered_at: int = 0
    uptime: int = 0  # seconds between heartbeats that kept the worker online (a reputation counter)
    handed_back: int = 0  # jobs it returned with compute/hand_back_task before its commit deadline

    def to_list(self) -> list:
        return [getattr(self, f.name) for f in fields(self)][1:]

    @classmethod
    def from_list(cls, address: bytes, data: list) -> "Worker":
        return cls(address, *data)

    def with_(self, **changes) -> "Worker":
        return replace(self, **changes)

    def fits(self, resource_class: ResourceClass) -> bool:
        return resource_class.fits(self.cpu_cores, self.gpu, self.ram_mb, self.storage_mb)


@dataclass(frozen=True, slots=True)
class Participant:
    worker: bytes
    status: str = P_ASSIGNED
    commitment: bytes = b""
    result_hash: bytes = b""
    fuel: int = 0
    # assigned after a result of the task was revealed: it could copy that result, so it confirms a decision
    # but earns no credit for it (docs/security.md, "Copying across rounds")
    late: bool = False
    # the lone worker of a single-replica task whose audit was drawn: its verified result stands for the
    # unaudited ones, so its work counts fuel / audit probability (docs/modules/fog.md, "Verified work")
    audited: bool = False

    def to_list(self) -> list:
        return [self.worker, self.status, self.commitment, self.result_hash, self.fuel, self.late, self.audited]

    @classmethod
    def from_list(cls, data: list) -> "Participant":
        return cls(*data)

    def with_(self, **changes) -> "Participant":
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    customer: bytes
    app_hash: bytes
    input_hash: bytes
    input_size: int
    class_name: str
    replicas: int
    max_fuel: int
    price: int  # uamio per megafuel, fixed at submission
    fee: int
    escrow: int  # what the escrow account holds for this task while it is open
    deadline: int  # the final deadline
    state: TaskState = SUBMITTED
    step_deadline: int = 0  # deadline of the current step (0: none)
    master: bytes = b""
    participants: tuple[Participant, ...] = ()
    target: int = 0  # participants the current round needs (replicas, +1 if audited, + tie-breakers)
    audit: bool = False
    # a single-replica task's audit is drawn once, after its first round is whole and committed (audit_drawn), with
    # the seed of a block after draw_height, the height of the commit that completed that round (0: no draw waits)
    audit_drawn: bool = False
    draw_height: int = 0
    extra: int = 0
    reassignments: int = 0
    reallocations: int = 0
    excluded_masters: tuple[bytes, ...] = ()
    excluded_workers: tuple[bytes, ...] = ()
    result_hash: bytes = b""
    fuel_used: int = 0
    paid: int = 0
    refunded: int = 0
    compensation: int = 0
    heights: tuple[tuple[str, int], ...] = ()  # (step, height) in the order they happened
    sponsor: bytes = b""  # the super node that consented to sponsor the master when the task was allocated to it
    allocated_height: int = 0  # the height of the current allocation: the master's stake since then answers for it
    forfeits: int = 0  # deposits the task's failed workers lost, held in the escrow account until the task ends
    # a liveness probe (docs/modules/fog.md, "Liveness probes"): the worker it probes, and its protocol input
    probe_worker: bytes = b""
    probe_input: bytes = b""

    def to_list(self) -> list:
        data = []
        for f in fields(self)[1:]:
            value = getattr(self, f.name)
            if f.name == "participants":
                value = [p.to_list() for p in value]
            elif f.name == "heights":
                value = [list(item) for item in value]
            elif isinstance(value, tuple):
                value = list(value)
            data.append(value)
        return data

    @classmethod
    def from_list(cls, task_id: int, data: list) -> "Task":
        values = dict(zip([f.name for f in fields(cls)][1:], data))
        values["participants"] = tuple(Participant.from_list(p) for p in values["participants"])
        values["heights"] = tuple((step, height) for step, height in values["heights"])
        values["excluded_masters"] = tuple(values["excluded_masters"])
        values["excluded_workers"] = tuple(values["excluded_workers"])
        values["state"] = TaskState(values["state"])
        return cls(task_id, **values)

    def with_(self, **changes) -> "Task":
        """The task with other fields; its state changes only through ``move``."""
        assert "state" not in changes, "a task's state changes only through Task.move (the transition table)"
        return replace(self, **changes)

    def allows(self, event: TaskEvent) -> bool:
        return next_state(self.state, event) is not None

    def move(self, event: TaskEvent, **changes) -> "Task":
        """The task after ``event``, by the transition table; a move the table does not allow is a bug."""
        target = next_state(self.state, event)
        assert target is not None, f"task {self.id}: no transition from {self.state} on {event}"
        return replace(self, state=target, **changes)

    def participant(self, worker: bytes) -> Participant | None:
        for participant in self.participants:
            if participant.worker == worker:
                return participant
        return None

    def with_participant(self, updated: Participant) -> "Task":
        return self.with_(participants=tuple(updated if p.worker == updated.worker else p for p in self.participants))

    def needed(self) -> int:
        """Workers the master must still assign for the current round."""
        return max(0, self.target - len(self.participants))

    def mark(self, step: str, height: int) -> "Task":
        return self.with_(heights=self.heights + ((step, height),))


# -- message field helpers ----------------------------------------------------------------


# -- messages ----------------------------------------------------------------------------
#
# Every compute message is a flat map whose fields are exactly the dataclass fields (chain_modules/common/messages.py).


_task_id = uint_field


def _workers(body: dict, name: str) -> tuple[bytes, ...]:
    workers = body[name]
    if not isinstance(workers, list) or not 1 <= len(workers) <= 16:
        raise ErrInvalidMessage(f"field {name!r} must be a list of 1 to 16 addresses")
    return tuple(address_field({"worker": w}, "worker") for w in workers)


@dataclass(frozen=True, slots=True)
class MsgSubmitTask(Msg):
    """Escrow price x max_fuel x replicas + the protocol fee and queue a task for allocation.

    ``max_price`` protects the customer from a price move between signing and inclusion.
    """

    TYPE = "compute/submit_task"
    FIELDS = {"customer": address_field, "app_hash": hash_field, "input_hash": hash_field, "input_size": uint_field,
               "class_name": class_field, "replicas": bounded(255), "max_fuel": uint_field, "max_price": uint_field,
               "timeout": bounded(2**40)}
    SIGNER = "customer"
    GAS = GAS_SUBMIT
    customer: bytes
    app_hash: bytes
    input_hash: bytes
    input_size: int
    class_name: str
    replicas: int
    max_fuel: int
    max_price: int
    timeout: int


@dataclass(frozen=True, slots=True)
class MsgCancelTask(Msg):
    """Cancel a task no worker was assigned to yet; the whole escrow comes back."""

    TYPE = "compute/cancel_task"
    FIELDS = {"customer": address_field, "task_id": _task_id}
    SIGNER = "customer"
    GAS = GAS_TASK_STEP
    customer: bytes
    task_id: int


@dataclass(frozen=True, slots=True)
class MsgConfirmTask(Msg):
    """The customer accepts the delivered result: settle now instead of at the confirm deadline."""

    TYPE = "compute/confirm_task"
    FIELDS = {"customer": address_field, "task_id": _task_id}
    SIGNER = "customer"
    GAS = GAS_TASK_STEP
    customer: bytes
    task_id: int


@dataclass(frozen=True, slots=True)
class MsgReleaseTask(Msg):
    """The task's master hands it back because the customer never uploaded the module and input:
    the task goes to another master, and this master is not counted as failing."""

    TYPE = "compute/release_task"
    FIELDS = {"master": address_field, "task_id": _task_id}
    SIGNER = "master"
    GAS = GAS_TASK_STEP
    master: bytes
    task_id: int


@dataclass(frozen=True, slots=True)
class MsgAssignWorkers(Msg):
    """The task's master node names the workers of its pool that will compute it."""

    TYPE = "compute/assign_workers"
    FIELDS = {"master": address_field, "task_id": _task_id, "workers": _workers}
    SIGNER = "master"
    GAS = GAS_TASK_STEP
    master: bytes
    task_id: int
    workers: tuple[bytes, ...]

    def gas(self) -> int:
        return self.GAS + GAS_PER_ASSIGNED_WORKER * len(self.workers)


@dataclass(frozen=True, slots=True)
class MsgHandBackTask(Msg):
    """An assigned worker that cannot finish the job before its commit deadline returns it: no slash, the worker
    leaves the task (and may not rejoin it), and the master names a replacement."""

    TYPE = "compute/hand_back_task"
    FIELDS = {"worker": address_field, "task_id": _task_id}
    SIGNER = "worker"
    GAS = GAS_TASK_STEP
    worker: bytes
    task_id: int


@dataclass(frozen=True, slots=True)
class MsgCommitResult(Msg):
    """A worker's commitment H(result hash, fuel, salt, worker) to the result it computed."""

    TYPE = "compute/commit_result"
    FIELDS = {"worker": address_field, "task_id": _task_id, "commitment": hash_field}
    SIGNER = "worker"
    GAS = GAS_TASK_STEP
    worker: bytes
    task_id: int
    commitment: bytes


@dataclass(frozen=True, slots=True)
class MsgRevealResult(Msg):
    """Open the commitment: the result hash, the fuel it took and the salt."""

    TYPE = "compute/reveal_result"
    FIELDS = {"worker": address_field, "task_id": _task_id, "result_hash": hash_field, "fuel": uint_field,
               "salt": hash_field}
    SIGNER = "worker"
    GAS = GAS_TASK_STEP
    worker: bytes
    task_id: int
    result_hash: bytes
    fuel: int
    salt: bytes


@dataclass(frozen=True, slots=True)
class MsgRegisterWorker(Msg):
    """Register the signer as a worker in ``master``'s pool, with its capabilities and a deposit.

    ``admission`` is the master operator's ed25519 signature over ``admission_sign_bytes(chain_id, master, worker)``
    made with ``master_pubkey`` (whose address must be ``master``): a worker joins a pool only with its master's
    consent, given by the master node service (``POST /v1/admissions``)."""

    TYPE = "compute/register_worker"
    FIELDS = {"worker": address_field, "master": address_field, "cpu_cores": bounded(2**32), "gpu": bounded(2**32),
               "ram_mb": bounded(2**40), "storage_mb": bounded(2**40), "slots": bounded(255), "any_app": bool_field,
               "deposit": amount_field, "master_pubkey": sized_bytes(32, "an ed25519 public key"),
               "admission": sized_bytes(64, "an ed25519 signature")}
    SIGNER = "worker"
    GAS = GAS_WORKER
    worker: bytes
    master: bytes
    cpu_cores: int
    gpu: int
    ram_mb: int
    storage_mb: int
    slots: int
    any_app: bool
    deposit: int
    master_pubkey: bytes = b""
    admission: bytes = b""


@dataclass(frozen=True, slots=True)
class MsgHeartbeat(Msg):
    """The worker is online; it stays online for heartbeat_timeout_seconds."""

    TYPE = "compute/heartbeat"
    FIELDS = {"worker": address_field}
    SIGNER = "worker"
    GAS = GAS_HEARTBEAT
    worker: bytes


@dataclass(frozen=True, slots=True)
class MsgWorkerOffline(Msg):
    """The worker leaves assignment at once (it is stopping or pausing), still registered with its deposit; the
    tasks it holds keep their deadlines, and its next heartbeat brings it back online."""

    TYPE = "compute/worker_offline"
    FIELDS = {"worker": address_field}
    SIGNER = "worker"
    GAS = GAS_HEARTBEAT
    worker: bytes


@dataclass(frozen=True, slots=True)
class MsgTopUpDeposit(Msg):
    """Add to the worker's deposit (after a slash brought it below the minimum, say)."""

    TYPE = "compute/top_up_deposit"
    FIELDS = {"worker": address_field, "amount": amount_field}
    SIGNER = "worker"
    GAS = GAS_WORKER
    worker: bytes
    amount: int


@dataclass(frozen=True, slots=True)
class MsgUnregisterWorker(Msg):
    """Leave the pool; refused while the worker has running tasks. The deposit comes back worker_unbonding_seconds later."""

    TYPE = "compute/unregister_worker"
    FIELDS = {"worker": address_field}
    SIGNER = "worker"
    GAS = GAS_WORKER
    worker: bytes

"""Stand-ins for the chain and for a master node's HTTP API, to drive the off-chain services without CometBFT.

FakeChain keeps compute and apppool records in an in-memory state, written
with the compute module's own state functions, and answers queries with the
compute module's own views (task_view, worker_view, classes_view ...), round
tripped through the canonical encoder. So every task, worker and class the
services see has exactly the shape a node returns, and the open-task
indexes behave as on chain (a delivered task leaves its workers' lists).

Sends are checked and applied with simple effects that follow the compute
handlers: an assignment moves the task to committing, a commit flips the
participant to committed (and the task to revealing once everyone has), a
reveal must open the commitment and moves the task to delivered once
everyone has revealed. A tx applies all of its messages or none. Tests hook
``before_send`` (refuse a tx, crash before it reaches the chain) and
``after_send`` (crash after the chain accepted it).

FakeMaster serves /v1/jobs/<worker> from the real MasterChainView over a
FakeChain and /v1/blobs/<hash> from a dict, to signed requests only, and
lets a signer move only the blobs the master's own access rules allow.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx
from nacl.signing import SigningKey

from abci_app.store import MemoryState, Overlay
from chain_modules.apppool import state as apppool_state
from chain_modules.apppool.types import App, AppPoolParams
from chain_modules.common.address import decode_address, encode_address
from chain_modules.common.encoding import decode, encode
from chain_modules.compute import errors as compute_errors
from chain_modules.compute import state as compute_state
from chain_modules.compute import views
from chain_modules.apppool import views as apppool_views
from chain_modules.compute.types import (
    MsgHandBackTask,
    ALLOCATED,
    COMMITTING,
    DELIVERED,
    P_ASSIGNED,
    P_COMMITTED,
    P_REVEALED,
    REVEALING,
    SUBMITTED,
    ComputeParams,
    MsgAssignWorkers,
    MsgReleaseTask,
    MsgCommitResult,
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgRevealResult,
    MsgTopUpDeposit,
    Participant,
    ResourceClass,
    Task,
    Worker,
    commitment,
)
from chain_modules.staking.types import MsgCreateMasterNode
from client.chain import ChainError
from client.wallet.tx import BroadcastResult
from client.httpsig import SignatureError, verify_headers
from masternode.access import Refused, download_kind, upload_kind
from masternode.api import parse_task_id
from masternode.node import MasterChainView, MasterSettings
from tests.support import make_key

NOW = 1_800_000_000
NOT_FOUND = 5
UNKNOWN_PATH = 2
CHAIN_ID = "amino-services-test"
CUSTOMER_KEY = make_key("services-customer")
CUSTOMER = CUSTOMER_KEY.bech32

PARAMS = ComputeParams(
    max_fuel=50_000_000, worker_min_deposit=1_000, heartbeat_timeout_seconds=60,
    classes=(ResourceClass("small", 1, 0, 512, 1_024, 1_000), ResourceClass("big", 8, 1, 16_384, 10_240, 5_000)),
)


class Crash(BaseException):
    """The process died here. A BaseException, so no ``except Exception`` in the services swallows it."""


def participant(worker: str, status: str = P_ASSIGNED, commitment: bytes = b"", result_hash: bytes = b"",
                fuel: int = 0) -> Participant:
    return Participant(decode_address(worker), status, commitment, result_hash, fuel)


def refuse(error: type, text: str) -> ChainError:
    """The ChainError ChainClient.send raises for a tx that failed with a compute error."""
    return ChainError(f"tx failed: {text}", error.code, "compute", text)


@dataclass
class Sent:
    signer: str
    msgs: list
    result: BroadcastResult | None  # None: refused


@dataclass
class _World:
    """What every FakeChain client of one chain shares."""

    state: Overlay
    now: int = NOW
    height: int = 100
    next_task_id: int = 1
    candidates: dict[str, dict] = field(default_factory=dict)
    attempts: list[Sent] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    before_send: list[Callable[[str, list], None]] = field(default_factory=list)
    after_send: list[Callable[[str, list], None]] = field(default_factory=list)


class FakeChain:
    """A ChainClient for ``address`` (query, query_or_none, send, address, chain_id, signing_key) over an
    in-memory chain. ``signing_key`` (the key of ``address``) is what signs requests to a master node."""

    chain_id = CHAIN_ID

    def __init__(self, address: str, params: ComputeParams = PARAMS, max_module_bytes: int = 1_000_000,
                 _world: _World | None = None, signing_key: SigningKey | None = None) -> None:
        self._address = address
        self.signing_key = signing_key
        if _world is None:
            _world = _World(Overlay(MemoryState()))
            compute_state.set_params(_world.state, params)
            apppool_state.set_params(_world.state, AppPoolParams(max_module_bytes=max_module_bytes))
        self.world = _world

    def as_signer(self, address: str, signing_key: SigningKey | None = None) -> FakeChain:
        """A client of the same chain holding another key."""
        return FakeChain(address, _world=self.world, signing_key=signing_key)

    # -- the ChainClient surface -------------------------------------------------------------

    @property
    def address(self) -> str:
        return self._address

    def query(self, path: str) -> Any:
        self.world.queries.append(path)
        state = self.world.state
        match path.strip("/").split("/"):
            case ["compute", "params"]:
                value: Any = compute_state.get_params(state).to_dict()
            case ["compute", "classes"]:
                value = views.classes_view(state)
            case ["compute", "task", task_id]:
                task = compute_state.get_task(state, int(task_id))
                if task is None:
                    raise ChainError(f"query {path}: no task with id {task_id}", NOT_FOUND)
                value = views.task_view(state, task)
            case ["compute", "tasks", ("customer" | "master" | "worker") as index, address]:
                value = views.task_views(state, index, decode_address(address))
            case ["compute", "worker", address]:
                worker = compute_state.get_worker(state, decode_address(address))
                if worker is None:
                    raise ChainError(f"query {path}: no worker {address}", NOT_FOUND)
                value = views.worker_view(worker, self.world.now)
            case ["compute", "workers", master]:
                value = views.workers_of(state, decode_address(master), self.world.now)
            case ["apppool", "params"]:
                value = apppool_state.get_params(state).to_dict()
            case ["apppool", "app", module_hash]:
                app = apppool_state.get_app(state, bytes.fromhex(module_hash))
                if app is None:
                    raise ChainError(f"query {path}: no application with module hash {module_hash}", NOT_FOUND)
                value = apppool_views.app_view(app)
            case ["staking", "candidate", operator]:
                if operator not in self.world.candidates:
                    raise ChainError(f"query {path}: no candidate with operator {operator}", NOT_FOUND)
                value = self.world.candidates[operator]
            case _:
                raise ChainError(f"query {path}: unknown query path {path!r}", UNKNOWN_PATH)
        return decode(encode(value))  # fresh objects in the wire's shapes, as from a node

    def query_or_none(self, path: str) -> Any:
        try:
            return self.query(path)
        except ChainError as exc:
            if exc.code == NOT_FOUND:
                return None
            raise

    def send(self, msgs: list, wait: bool = True, timeout: float = 30.0) -> BroadcastResult:
        world = self.world
        attempt = Sent(self.address, list(msgs), None)
        world.attempts.append(attempt)
        for hook in list(world.before_send):
            hook(self.address, list(msgs))
        tx_state = Overlay(world.state)
        candidates: dict[str, dict] = {}
        for msg in msgs:
            if msg.signer != decode_address(self.address):
                raise ChainError("tx refused: signature does not match the message signer", 4, "tx")
            self._apply(tx_state, msg, candidates)
        tx_state.write_through()
        world.candidates.update(candidates)
        world.height += 1
        tx_hash = hashlib.sha256(f"{world.height}:{msgs!r}".encode()).hexdigest().upper()
        attempt.result = BroadcastResult(tx_hash, 0, "", "", height=world.height, code=0, log="", events=[])
        for hook in list(world.after_send):
            hook(self.address, list(msgs))
        return attempt.result

    # -- effects --------------------------------------------------------------------------------

    def _apply(self, state: Overlay, msg: object, candidates: dict[str, dict]) -> None:
        params = compute_state.get_params(state)
        match msg:
            case MsgAssignWorkers():
                task = self._task_in(state, msg.task_id, ALLOCATED)
                if task.master != msg.master:
                    raise refuse(compute_errors.ErrNotTaskMaster, f"task {task.id} is not allocated to the signer")
                if len(set(msg.workers)) != len(msg.workers) or len(msg.workers) != task.needed():
                    raise refuse(compute_errors.ErrInvalidAssignment, f"task {task.id} needs {task.needed()} workers")
                for address in msg.workers:
                    self._set_worker(state, address, lambda w: w.with_(running=w.running + 1))
                updated = task.with_(state=COMMITTING, participants=task.participants + tuple(Participant(w) for w in msg.workers))
                compute_state.set_task(state, updated, task)
            case MsgReleaseTask():
                task = self._task_in(state, msg.task_id, ALLOCATED)
                if task.master != msg.master or task.participants:
                    raise refuse(compute_errors.ErrWrongState, f"task {task.id} cannot be released")
                compute_state.set_task(state, task.with_(state=SUBMITTED, master=b""), task)
            case MsgHandBackTask():
                task = self._task_in(state, msg.task_id, COMMITTING)
                mine = self._participant(task, msg.worker)
                if mine.status != P_ASSIGNED:
                    raise refuse(compute_errors.ErrAlreadyCommitted, f"the signer already committed for task {task.id}")
                updated = task.with_(participants=tuple(p for p in task.participants if p.worker != msg.worker),
                                     excluded_workers=task.excluded_workers + (msg.worker,))
                compute_state.set_task(state, updated, task)
                self._set_worker(state, msg.worker, lambda w: w.with_(running=w.running - 1, handed_back=w.handed_back + 1))
            case MsgCommitResult():
                task = self._task_in(state, msg.task_id, COMMITTING)
                mine = self._participant(task, msg.worker)
                if mine.status != P_ASSIGNED:
                    raise refuse(compute_errors.ErrAlreadyCommitted, f"the signer already committed for task {task.id}")
                updated = task.with_participant(Participant(msg.worker, P_COMMITTED, msg.commitment))
                if all(p.status in (P_COMMITTED, P_REVEALED) for p in updated.participants):
                    updated = updated.with_(state=REVEALING)
                compute_state.set_task(state, updated, task)
            case MsgRevealResult():
                task = self._task_in(state, msg.task_id, REVEALING)
                mine = self._participant(task, msg.worker)
                if mine.status != P_COMMITTED:
                    raise refuse(compute_errors.ErrNotCommitted, f"no open commitment for task {task.id}")
                if commitment(msg.result_hash, msg.fuel, msg.salt, msg.worker) != mine.commitment:
                    raise refuse(compute_errors.ErrCommitmentMismatch, "H(result_hash, fuel, salt, worker) differs")
                updated = task.with_participant(Participant(msg.worker, P_REVEALED, mine.commitment, msg.result_hash, msg.fuel))
                if all(p.status == P_REVEALED for p in updated.participants):
                    (result_hash, fuel), _count = Counter((p.result_hash, p.fuel) for p in updated.participants).most_common(1)[0]
                    for p in updated.participants:
                        self._set_worker(state, p.worker, lambda w: w.with_(running=w.running - 1))
                    updated = updated.with_(state=DELIVERED, result_hash=result_hash, fuel_used=fuel)
                compute_state.set_task(state, updated, task)
            case MsgHeartbeat():
                self._set_worker(state, msg.worker, lambda w: w.with_(online=True, last_heartbeat=self.world.now))
            case MsgTopUpDeposit():
                self._set_worker(state, msg.worker, lambda w: w.with_(deposit=w.deposit + msg.amount))
            case MsgRegisterWorker():
                if compute_state.get_worker(state, msg.worker) is not None:
                    raise refuse(compute_errors.ErrWorkerExists, "the signer is already a registered worker")
                worker = Worker(msg.worker, msg.master, msg.cpu_cores, msg.gpu, msg.ram_mb, msg.storage_mb, msg.slots,
                                msg.any_app, msg.deposit, online=True, last_heartbeat=self.world.now,
                                registered_at=self.world.now)
                compute_state.set_worker(state, params, worker, None, params.heartbeat_timeout_seconds)
            case MsgCreateMasterNode():
                operator = encode_address(msg.operator)
                candidates[operator] = {"operator": operator, "moniker": msg.moniker, "kind": "master",
                                        "endpoint": msg.endpoint, "region": msg.region, "status": "candidate",
                                        "sponsor": encode_address(msg.sponsor), "tokens": msg.bond}
            case _:
                raise AssertionError(f"FakeChain has no effect for {type(msg).__name__}")

    @staticmethod
    def _task_in(state: Overlay, task_id: int, wanted: str) -> Task:
        task = compute_state.get_task(state, task_id)
        if task is None:
            raise refuse(compute_errors.ErrUnknownTask, f"no task {task_id}")
        if task.state != wanted:
            raise refuse(compute_errors.ErrWrongState, f"task {task_id} is {task.state}, not {wanted}")
        return task

    @staticmethod
    def _participant(task: Task, worker: bytes) -> Participant:
        mine = task.participant(worker)
        if mine is None:
            raise refuse(compute_errors.ErrNotParticipant, f"the signer is not assigned to task {task.id}")
        return mine

    @staticmethod
    def _set_worker(state: Overlay, address: bytes, change: Callable[[Worker], Worker]) -> None:
        old = compute_state.get_worker(state, address)
        if old is None:
            raise refuse(compute_errors.ErrUnknownWorker, f"no worker {encode_address(address)}")
        params = compute_state.get_params(state)
        compute_state.set_worker(state, params, change(old), old, params.heartbeat_timeout_seconds)

    # -- arranging the chain ------------------------------------------------------------------

    def add_worker(self, address: str, master: str, *, cpu_cores: int = 2, gpu: int = 0, ram_mb: int = 2_048,
                   storage_mb: int = 2_048, slots: int = 2, any_app: bool = True, deposit: int = 5_000,
                   running: int = 0, online: bool = True, completed: int = 0, failed: int = 0) -> None:
        state = self.world.state
        worker = Worker(decode_address(address), decode_address(master), cpu_cores, gpu, ram_mb, storage_mb, slots, any_app,
                        deposit, running, online, self.world.now if online else 0, completed, failed, 0, self.world.now)
        params = compute_state.get_params(state)
        compute_state.set_worker(state, params, worker, compute_state.get_worker(state, worker.address),
                                 params.heartbeat_timeout_seconds)

    def update_worker(self, address: str, **changes: Any) -> None:
        self._set_worker(self.world.state, decode_address(address), lambda w: w.with_(**changes))

    def get_worker(self, address: str) -> Worker:
        worker = compute_state.get_worker(self.world.state, decode_address(address))
        assert worker is not None
        return worker

    def add_task(self, master: str, app_hash: str, input_hash: str, *, input_size: int = 100, state: str = ALLOCATED,
                 class_name: str = "small", replicas: int = 1, max_fuel: int = 10_000_000,
                 participants: tuple[Participant, ...] = (), excluded_workers: tuple[str, ...] = (),
                 target: int | None = None) -> int:
        """Store an open task of ``master``; returns its id."""
        task_id = self.world.next_task_id
        self.world.next_task_id += 1
        task = Task(
            task_id, decode_address(CUSTOMER), bytes.fromhex(app_hash), bytes.fromhex(input_hash), input_size, class_name,
            replicas, max_fuel, price=1_000, fee=10, escrow=10_000, deadline=self.world.now + 1_000, state=state,
            step_deadline=self.world.now + 60, master=decode_address(master), participants=tuple(participants),
            target=replicas if target is None else target,
            excluded_workers=tuple(decode_address(w) for w in excluded_workers),
        )
        compute_state.set_task(self.world.state, task, None)
        return task_id

    def update_task(self, task_id: int, **changes: Any) -> None:
        old = self.get_task(task_id)
        compute_state.set_task(self.world.state, old.with_(**changes), old)

    def get_task(self, task_id: int) -> Task:
        task = compute_state.get_task(self.world.state, task_id)
        assert task is not None
        return task

    def add_app(self, module_hash: str, verified: bool) -> None:
        apppool_state.set_app(self.world.state, App(bytes.fromhex(module_hash), decode_address(CUSTOMER), "app", "",
                                                     100, (), verified, self.world.now))

    # -- what was sent --------------------------------------------------------------------------

    @property
    def sent(self) -> list[Sent]:
        """Txs the chain accepted, oldest first."""
        return [attempt for attempt in self.world.attempts if attempt.result is not None]

    def sent_msgs(self, msg_type: type | None = None) -> list:
        """The messages of accepted txs, optionally of one type."""
        return [msg for attempt in self.sent for msg in attempt.msgs if msg_type is None or isinstance(msg, msg_type)]

    def attempted_msgs(self, msg_type: type) -> list:
        """The messages of every tx handed to send, accepted or not."""
        return [msg for attempt in self.world.attempts for msg in attempt.msgs if isinstance(msg, msg_type)]


class FakeMaster:
    """The master node's HTTP API as an httpx.MockTransport, answering from a real MasterChainView.

    Blob requests must be signed and name their task, and are allowed by the
    master's own access rules (masternode.access), as the real API does.
    """

    def __init__(self, chain: FakeChain) -> None:
        self.view = MasterChainView(chain, chain.address, MasterSettings(cache_seconds=0.0, fresh_seconds=0.0))
        self.chain_id = chain.chain_id
        self.blobs: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self.signers: list[tuple[str, str, int, str]] = []  # (method, digest, task id, signer) of allowed blob requests
        self.uploads: list[tuple[str, bytes]] = []  # (digest, content) of every allowed PUT, stored or not
        self.stored: dict[str, bytes] = {}  # results the master accepted
        self.before_request: list[Callable[[httpx.Request], None]] = []
        self.busy: list[str] = []  # digests whose next PUT is answered 409 busy (once each)

    def add_blob(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return digest

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self._handle), timeout=5.0)

    def _refusal(self, request: httpx.Request, digest: str, decide: Callable[[dict, str, str], str]) -> httpx.Response | None:
        """None when the request is signed by a party allowed to move ``digest``, else the API's error answer."""
        try:
            task_id = parse_task_id(request.url.params.get("task"))
        except ValueError as exc:
            return httpx.Response(400, json={"error": "invalid_request", "detail": str(exc)})
        try:
            signed = verify_headers(request.headers, self.chain_id, request.method, f"/v1/blobs/{digest}",
                                    digest=digest, task_id=task_id)
        except SignatureError as exc:
            return httpx.Response(401, json={"error": "unauthenticated", "detail": str(exc)})
        task = self.view.task(task_id, fresh=True)
        if task is None:
            return httpx.Response(404, json={"error": "not_found", "detail": f"task {task_id}"})
        try:
            decide(task, signed.address, digest)
        except Refused as exc:
            return httpx.Response(403, json={"error": exc.error, "detail": str(exc)})
        self.signers.append((request.method, digest, task_id, signed.address))
        return None

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        for hook in list(self.before_request):
            hook(request)
        match request.method, request.url.path.strip("/").split("/"):
            case "GET", ["v1", "jobs", worker]:
                return httpx.Response(200, json={"worker": worker, "jobs": self.view.jobs_for_worker(worker)})
            case "GET", ["v1", "blobs", digest]:
                if (refusal := self._refusal(request, digest, download_kind)) is not None:
                    return refusal
                if digest not in self.blobs:
                    return httpx.Response(404, json={"error": "not_found", "detail": digest})
                return httpx.Response(200, content=self.blobs[digest])
            case "PUT", ["v1", "blobs", digest]:
                content = request.read()
                if (refusal := self._refusal(request, digest, upload_kind)) is not None:
                    return refusal
                self.uploads.append((digest, content))
                if digest in self.busy:
                    self.busy.remove(digest)
                    return httpx.Response(409, json={"error": "busy", "detail": digest}, headers={"retry-after": "0"})
                if hashlib.sha256(content).hexdigest() != digest:
                    return httpx.Response(422, json={"error": "hash_mismatch", "detail": digest})
                status = 200 if digest in self.stored else 201
                self.stored[digest] = content
                return httpx.Response(status, json={"digest": digest, "size": len(content)})
        return httpx.Response(404, json={"error": "not_found", "detail": request.url.path})

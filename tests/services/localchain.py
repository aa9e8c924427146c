"""A real Amino chain inside the test process, for the off-chain services: the app, driven without CometBFT.

LocalChain runs the real application (abci_app.AminoApp on LevelDB in a
temporary directory), driven block by block by tests.support.AppDriver, and
answers the CometBFT JSON-RPC calls a ChainClient makes (status, abci_query,
broadcast_tx_sync, tx) through httpx.MockTransport. A master node or a
worker under test holds a real client.chain.ChainClient (``client(key)``):
its transactions are signed, pass CheckTx, and run through the real router
and handlers in a block of their own, committed before the broadcast
returns; its queries are answered by the real query table.

Block time stands still from block to block unless a test moves it on
(``advance``), so heartbeats and deadlines expire only when a test says so.
A commit that leaves a single-replica task waiting for its audit draw is
followed by one empty block, as a running chain's next block would follow
it: that block's end draws the audit (docs/modules/compute.md, "Replication
and audits") before anyone looks at the task again.
It starts at the wall clock, as a node's would, because the worker measures
the time left before a commit deadline with the wall clock.

The chain records what the services' clients send (``attempts``, ``sent``,
``sent_msgs``) and ask (``queries``). ``before_send`` hooks run when a
service's tx arrives, before CheckTx (raise to refuse it, or to crash the
sender before the tx reaches the chain); ``after_send`` hooks run once the
tx is committed (raise to crash the sender after the chain took it).

Tests arrange the chain with the same transactions, signed here and put in
blocks directly (not recorded as the services' attempts): fund accounts,
register master nodes (elected at the end of the next block), workers (with
their master's admission), applications, tasks (allocated at the end of the
block after their submission), assignments, commitments and reveals.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import httpx

from abci_app.codec import decode_tx
from abci_app.modules import ROUTES
from chain_modules.apppool.types import AppPoolParams, MsgRegisterApp, MsgSetAppVerified
from chain_modules.bank.types import MsgMultiSend, Output
from chain_modules.common.address import address_from_pubkey, decode_address
from chain_modules.compute import state as compute_state
from chain_modules.compute.types import (
    ComputeParams,
    MsgAssignWorkers,
    MsgCancelTask,
    MsgCommitResult,
    MsgConfirmTask,
    MsgHandBackTask,
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgRevealResult,
    MsgSubmitTask,
    ResourceClass,
    Task,
    Worker,
    commitment,
)
from chain_modules.fog.types import FogParams
from chain_modules.staking.types import MsgConsentSponsorship, MsgCreateMasterNode, StakingParams
from client.chain import ChainClient
from client.rpc import CometRpc
from genesis.build import GenesisValidator, SuperNodeSpec, build_app_state
from tests.support import AppDriver, TestKey, admission, make_key, signed

AMIO = 1_000_000
CHAIN_ID = "amino-services-test"
FAUCET = make_key("services/faucet")  # the IEO allocation: funds every other account
SPONSOR = make_key("services/sponsor")  # the genesis super node that sponsors every master node
SPONSOR_CONSENSUS = make_key("services/sponsor-consensus")
AUTHORITY = make_key("services/apppool-authority")  # may verify applications
CUSTOMER = make_key("services/customer")
_OTHER_RECIPIENTS = {name: make_key(f"services/{name}") for name in
                     ("early_investors", "team", "foundation", "community")}

# heartbeats expire well before an assign deadline, so a test can take a worker offline under an allocated task
PARAMS = ComputeParams(
    max_fuel=50_000_000, worker_min_deposit=1_000, heartbeat_timeout_seconds=60, assign_timeout_seconds=600,
    commit_timeout_seconds=120, audit_probability_bps=0, protocol_fee=10,
    classes=(ResourceClass("small", 1, 0, 512, 1_024, 1_000), ResourceClass("big", 8, 1, 16_384, 10_240, 5_000)),
)
FOG = FogParams(capacity_deposit=5_000, probe_probability_bps=0)  # WORKER_DEPOSIT: one unit of capacity; no probes
STAKING = StakingParams(epoch_blocks=1, min_master_bond=1_000, power_reduction=AMIO)
MASTER_BOND = 5_000
WORKER_DEPOSIT = 5_000
FUNDS = 1_000 * AMIO
Key = TestKey  # (a test module that imports a name starting with "Test" makes pytest try to collect it)
SMALL = {"cpu_cores": 2, "gpu": 0, "ram_mb": 2_048, "storage_mb": 2_048}  # fits "small" only
BIG = {"cpu_cores": 8, "gpu": 1, "ram_mb": 16_384, "storage_mb": 10_240}  # fits both classes
_MESSAGES = {route.message.TYPE: route.message for route in ROUTES}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Sent:
    """A tx a service's client broadcast: its signer, its messages, and its hash once committed with code 0."""

    signer: str
    msgs: list
    result: str | None = None


@dataclass
class _Committed:
    height: int
    index: int
    raw: bytes
    result: Any  # abci.ExecTxResult


@dataclass
class _Node:
    """The JSON-RPC face of the chain, as a CometBFT node's: the four calls a ChainClient makes."""

    chain: "LocalChain"

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        method, params = body["method"], body.get("params", {})
        try:
            call = getattr(self, f"_{method}", None)
            if call is None:
                raise _RpcFailure(f"Method not found: {method}")
            result = call(**params)
        except _RpcFailure as failure:
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body.get("id"),
                                             "error": {"code": -32603, "message": str(failure), "data": ""}})
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body.get("id"), "result": result})

    def _status(self) -> dict:
        chain = self.chain
        return {"node_info": {"network": chain.chain_id},
                "sync_info": {"latest_block_height": str(chain.height), "catching_up": False}}

    def _abci_query(self, path: str, data: str = "", height: str = "0", prove: bool = False) -> dict:
        with self.chain.lock:
            self.chain.queries.append(path)
            response = self.chain.driver.query(path, prove=prove)
        return {"response": {"code": response.code, "log": response.log, "codespace": response.codespace,
                             "key": base64.b64encode(response.key).decode(),
                             "value": base64.b64encode(response.value).decode(), "height": str(response.height)}}

    def _broadcast_tx_sync(self, tx: str) -> dict:
        raw = base64.b64decode(tx)
        return self.chain._broadcast(raw)

    def _tx(self, hash: str, prove: bool = False) -> dict:
        tx_hash = base64.b64decode(hash)
        committed = self.chain.committed.get(tx_hash)
        if committed is None:
            raise _RpcFailure(f"tx ({tx_hash.hex().upper()}) not found")
        result = committed.result
        return {
            "hash": tx_hash.hex().upper(), "height": str(committed.height), "index": committed.index,
            "tx": base64.b64encode(committed.raw).decode(),
            "tx_result": {
                "code": result.code, "log": result.log, "codespace": result.codespace, "info": result.info,
                "gas_wanted": str(result.gas_wanted), "gas_used": str(result.gas_used),
                "events": [{"type": event.type, "attributes": [
                    {"key": attribute.key, "value": attribute.value, "index": True} for attribute in event.attributes]}
                    for event in result.events],
            },
        }


class _RpcFailure(Exception):
    pass


class _InProcessRpc(CometRpc):
    """CometRpc over httpx.MockTransport: the client's real JSON-RPC calls, answered by the in-process node."""

    def __init__(self, node: _Node) -> None:
        self.url = "http://localchain"
        self._client = httpx.Client(base_url=self.url, transport=httpx.MockTransport(node.handle), timeout=5.0)


class LocalChain:
    """The chain, its records of what the services sent and asked, and the helpers that arrange it."""

    def __init__(self, path: Path, compute_params: ComputeParams = PARAMS, max_module_bytes: int = 1_000_000,
                 genesis_time: int | None = None, chain_id: str = CHAIN_ID, fog_params: FogParams = FOG) -> None:
        recipients = {"ieo": [FAUCET.bech32], "infrastructure": [SPONSOR.bech32]}
        recipients.update({name: [key.bech32] for name, key in _OTHER_RECIPIENTS.items()})
        sponsor = SuperNodeSpec(SPONSOR.bech32, GenesisValidator("sponsor", SPONSOR_CONSENSUS.pubkey, 0), 10_000 * AMIO)
        app_state = build_app_state(recipients, staking_params=STAKING, super_nodes=[sponsor],
                                    compute_params=compute_params, fog_params=fog_params,
                                    apppool_params=AppPoolParams((AUTHORITY.address,), max_module_bytes))
        self.lock = threading.RLock()
        self.driver = AppDriver(path, app_state=app_state, chain_id=chain_id,
                                genesis_time=int(time.time()) if genesis_time is None else genesis_time)
        self.chain_id = chain_id
        self.committed: dict[bytes, _Committed] = {}
        self.attempts: list[Sent] = []
        self.queries: list[str] = []
        self.before_send: list[Callable[[str, list], None]] = []
        self.after_send: list[Callable[[str, list], None]] = []
        self._service_clients: list[ChainClient] = []
        self._masters: dict[bytes, TestKey] = {}
        self._salts: dict[tuple[bytes, int], tuple[bytes, int, bytes]] = {}
        self.driver.block([])
        self.fund(CUSTOMER, AUTHORITY)

    def close(self) -> None:
        for client in self._service_clients:
            client.close()
        self.driver.close()

    @property
    def height(self) -> int:
        return self.driver.height

    @property
    def time(self) -> int:
        """The block time of the last block, in seconds."""
        return self.driver.time

    # -- what the services hold --------------------------------------------------------------------------------

    def client(self, key: TestKey) -> ChainClient:
        """A new ChainClient holding ``key``, as a service process makes one; its txs and queries are recorded."""
        client = ChainClient("http://localchain", key.signing_key, self.chain_id)
        client.rpc.close()
        client.rpc = _InProcessRpc(_Node(self))
        self._service_clients.append(client)
        return client

    def _broadcast(self, raw: bytes) -> dict:
        tx = decode_tx(raw)
        signer = address_from_pubkey(tx.pubkey)
        msgs = [_MESSAGES[msg_type].from_body(body) for msg_type, body in tx.doc.msgs]
        attempt = Sent(signer, msgs)
        with self.lock:
            self.attempts.append(attempt)
            for hook in list(self.before_send):
                hook(signer, list(msgs))
            check = self.driver.check(raw)
            answer = {"code": check.code, "log": check.log, "codespace": check.codespace, "data": "",
                      "hash": tx.hash.hex().upper()}
            if check.code:
                return answer
            [result] = self.driver.block([raw])
            self.committed[tx.hash] = _Committed(self.height, 0, raw, result)
            if result.code == 0:
                attempt.result = tx.hash.hex().upper()
            self._draw_audits_of(msgs)
            for hook in list(self.after_send):
                hook(signer, list(msgs))
        return answer

    def _draw_audits_of(self, msgs: list) -> None:
        """One empty block after a block whose commit left a task waiting for its audit draw: its end draws."""
        committed = self.driver.app.store.committed
        tasks = [compute_state.get_task(committed, msg.task_id) for msg in msgs if isinstance(msg, MsgCommitResult)]
        if any(task is not None and task.draw_height for task in tasks):
            self.driver.block([])

    # -- what the services sent ----------------------------------------------------------------------------------

    @property
    def sent(self) -> list[Sent]:
        """The services' txs the chain committed with success, oldest first."""
        return [attempt for attempt in self.attempts if attempt.result is not None]

    def sent_msgs(self, msg_type: type | None = None) -> list:
        """The messages of the services' successful txs, optionally of one type."""
        return [msg for attempt in self.sent for msg in attempt.msgs if msg_type is None or isinstance(msg, msg_type)]

    def attempted_msgs(self, msg_type: type) -> list:
        """The messages of every tx the services broadcast, accepted or not."""
        return [msg for attempt in self.attempts for msg in attempt.msgs if isinstance(msg, msg_type)]

    # -- reading the chain ----------------------------------------------------------------------------------------

    def query(self, path: str) -> Any:
        """The decoded answer of a query (not recorded)."""
        from chain_modules.common.encoding import decode

        response = self.driver.query(path)
        assert response.code == 0, f"query {path}: {response.log}"
        return decode(response.value) if response.value else None

    def get_task(self, task_id: int) -> Task:
        task = compute_state.get_task(self.driver.app.store.committed, task_id)
        assert task is not None, f"no task {task_id}"
        return task

    def get_worker(self, key_or_address: TestKey | str) -> Worker:
        address = key_or_address.bech32 if isinstance(key_or_address, TestKey) else key_or_address
        worker = compute_state.get_worker(self.driver.app.store.committed, decode_address(address))
        assert worker is not None, f"no worker {address}"
        return worker

    # -- arranging ------------------------------------------------------------------------------------------------

    def block(self, txs: list[tuple[TestKey, list]] = (), seconds: int = 0) -> list:
        """One block ``seconds`` after the last, holding a tx per (key, messages); every tx must succeed."""
        with self.lock:
            raws = []
            sequences: dict[bytes, int] = {}
            for key, msgs in txs:
                sequence = sequences.get(key.address, self.driver.sequence(key.address))
                sequences[key.address] = sequence + 1
                gas = 60_000 + sum(msg.gas() for msg in msgs)
                raw = signed(key, [(msg.TYPE, msg.to_body()) for msg in msgs], sequence, fee=gas // 100 + 1, gas=gas,
                             chain_id=self.chain_id)
                check = self.driver.check(raw)
                assert check.code == 0, f"arranging {[m.TYPE for m in msgs]} by {key.name}: {check.codespace} {check.log}"
                raws.append(raw)
            results = self.driver.block(raws, seconds=seconds)
            for (key, msgs), result in zip(txs, results):
                assert result.code == 0, f"arranging {[m.TYPE for m in msgs]} by {key.name}: {result.codespace} {result.log}"
            self._draw_audits_of([msg for _key, msgs in txs for msg in msgs])
            signers = {key.bech32 for key, _msgs in txs}
            for client in self._service_clients:
                if client.address in signers:
                    client._sequence = None  # another program used its key: it reads its sequence again
            return results

    def send(self, key: TestKey, *msgs) -> None:
        """A tx of ``key`` in a block of its own."""
        self.block([(key, list(msgs))])

    def advance(self, seconds: int, keep_online: tuple[TestKey, ...] = ()) -> None:
        """A block ``seconds`` later (heartbeats and deadlines due by then expire at its end); the workers of
        ``keep_online`` send a heartbeat in it."""
        self.block([(worker, [MsgHeartbeat(worker.address)]) for worker in keep_online], seconds=seconds)

    def fund(self, *keys: TestKey, amount: int = FUNDS) -> None:
        self.send(FAUCET, MsgMultiSend(FAUCET.address, tuple(Output(key.address, amount) for key in keys)))

    def register_master(self, master: TestKey, endpoint: str = "http://127.0.0.1:1", bond: int = MASTER_BOND,
                        consent_only: bool = False) -> None:
        """Fund ``master``, have the sponsor consent and (unless ``consent_only``) register it; it is elected
        at the end of the block that follows."""
        self._masters[master.address] = master
        self.fund(master)
        self.send(SPONSOR, MsgConsentSponsorship(SPONSOR.address, master.address))
        if consent_only:
            return
        self.send(master, MsgCreateMasterNode(master.address, master.name, endpoint, "local", SPONSOR.address, bond))
        self.block()
        assert self.query(f"/compute/master/{master.bech32}")["active"], f"{master.name} was not elected"

    def register_worker(self, worker: TestKey, master: TestKey, *, slots: int = 2, any_app: bool = True,
                        deposit: int = WORKER_DEPOSIT, cpu_cores: int = 2, gpu: int = 0, ram_mb: int = 2_048,
                        storage_mb: int = 2_048) -> None:
        """Fund ``worker`` and register it in ``master``'s pool, admitted by the master's key; it starts online."""
        self.fund(worker)
        self.send(worker, MsgRegisterWorker(worker.address, master.address, cpu_cores, gpu, ram_mb, storage_mb, slots,
                                            any_app, deposit, *admission(master, worker.address, self.chain_id)))

    def register_app(self, module_hash: str, size: int = 100, verified: bool = False) -> None:
        """Register an application by module hash (published by the customer), verified by the authority if asked."""
        module = bytes.fromhex(module_hash)
        msgs: list[tuple[TestKey, list]] = [(CUSTOMER, [MsgRegisterApp(CUSTOMER.address, module, size, "app", "", ())])]
        if verified:
            msgs.append((AUTHORITY, [MsgSetAppVerified(AUTHORITY.address, module, True)]))
        self.block(msgs)

    def submit(self, app_hash: str, input_hash: str, *, master: TestKey | None = None, input_size: int = 100,
               class_name: str = "small", replicas: int = 1, max_fuel: int = 10_000_000, timeout: int = 3_600) -> int:
        """The customer's task, allocated at the end of the next block (to ``master`` when given: asserted);
        registers the app (unverified) if the pool does not have it. Returns the task id."""
        if self.driver.query(f"/apppool/app/{app_hash}").code:
            self.register_app(app_hash)
        task_id = compute_state.peek_next_task_id(self.driver.app.store.committed)
        self.send(CUSTOMER, MsgSubmitTask(CUSTOMER.address, bytes.fromhex(app_hash), bytes.fromhex(input_hash), input_size,
                                          class_name, replicas, max_fuel, 10**9, timeout))
        self.block()
        if master is not None:
            task = self.get_task(task_id)
            assert task.master == master.address, f"task {task_id} went to {task.master.hex() or 'no master'}, not {master.name}"
        return task_id

    def assign(self, task_id: int, *workers: TestKey) -> None:
        """The task's master names ``workers``; the master's key is found among the ones the test registered."""
        task = self.get_task(task_id)
        master = self._masters[task.master]
        self.send(master, MsgAssignWorkers(master.address, task_id, tuple(w.address for w in workers)))

    def commit(self, worker: TestKey, task_id: int, result: bytes = b"the result", fuel: int = 5_000,
               value: bytes | None = None) -> None:
        """``worker`` commits to sha256(``result``) and ``fuel`` (or to the raw ``value``, which it cannot reveal)."""
        result_hash = hashlib.sha256(result).digest()
        salt = hashlib.sha256(worker.address + task_id.to_bytes(8, "big")).digest()
        self._salts[(worker.address, task_id)] = (result_hash, fuel, salt)
        committed = value if value is not None else commitment(result_hash, fuel, salt, worker.address)
        self.send(worker, MsgCommitResult(worker.address, task_id, committed))

    def reveal(self, worker: TestKey, task_id: int) -> None:
        result_hash, fuel, salt = self._salts[(worker.address, task_id)]
        self.send(worker, MsgRevealResult(worker.address, task_id, result_hash, fuel, salt))

    def hand_back(self, worker: TestKey, task_id: int) -> None:
        self.send(worker, MsgHandBackTask(worker.address, task_id))

    def cancel(self, task_id: int) -> None:
        self.send(CUSTOMER, MsgCancelTask(CUSTOMER.address, task_id))

    def confirm(self, task_id: int) -> None:
        self.send(CUSTOMER, MsgConfirmTask(CUSTOMER.address, task_id))

    def complete(self, worker: TestKey, master: TestKey, count: int = 1, partner: TestKey | None = None) -> None:
        """``count`` tasks that ``worker`` delivers and the customer confirms: ``completed`` grows. Alone, a task has
        one replica (not audited: no FOG work); with ``partner`` two, and the agreeing result is verified."""
        workers = (worker,) if partner is None else (worker, partner)
        for index in range(count):
            name = f"history of {worker.name} {index} {self.height}".encode()
            self.register_app(sha(b"module " + name), verified=True)  # any worker runs a verified app
            task_id = self.submit(sha(b"module " + name), sha(b"input " + name), master=master, replicas=len(workers))
            self.assign(task_id, *workers)
            for each in workers:
                self.commit(each, task_id)
            for each in workers:
                self.reveal(each, task_id)
            self.confirm(task_id)

    def fail(self, workers: list[TestKey], master: TestKey, keep_online: tuple[TestKey, ...] = ()) -> None:
        """One task assigned to ``workers`` that none of them commits: the commit deadline passes (they are slashed,
        and ``failed`` grows), then the customer cancels it. Everyone in ``keep_online`` (the failing workers
        included) heartbeats at the deadline block."""
        name = f"failure {self.height}".encode()
        self.register_app(sha(b"module " + name), verified=True)
        task_id = self.submit(sha(b"module " + name), sha(b"input " + name), master=master, replicas=len(workers))
        self.assign(task_id, *workers)
        self.advance(self.get_task(task_id).step_deadline - self.time, keep_online=keep_online)
        self.cancel(task_id)


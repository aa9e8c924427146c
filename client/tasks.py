"""The customer's side of a compute task, from Python: register an app, submit, upload, wait, download, confirm.

    from client.chain import ChainClient
    from client.tasks import TaskClient
    tasks = TaskClient(ChainClient("http://127.0.0.1:26657", signing_key))
    summary = tasks.run(module_bytes, input_bytes, class_name="small", replicas=2)
    print(summary.output, summary.paid)

Every download is checked against the hash the chain accepted; an upload
goes to the master node the chain allocated the task to, which checks the
hash again. Uploads and downloads are signed with the customer's key (the
one that signs its transactions, client.httpsig): the master serves and
takes a task's blobs only from its customer and its assigned workers.

With ``gateway=URL`` the client talks to a gateway instead of the node's RPC
and the master node (docs/gateway.md, "Application API"): it submits and
follows the task through the gateway's application API (the account needs
an active API-access lock), moves blobs through the gateway's proxy with the
same signatures, and sends its other txs through ``POST /txs``.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from chain_modules.apppool.types import MsgRegisterApp
from chain_modules.common.address import decode_address
from chain_modules.common.amount import format_amio
from chain_modules.compute.types import FINAL_STATES, MsgCancelTask, MsgConfirmTask, MsgSubmitTask
from chain_modules.auth.types import TxParams
from client.chain import ChainClient, ChainError, event_attributes
from client.httpsig import retry_after_seconds, sign_headers
from client.wallet import tx as wallet_tx

DEFAULT_MAX_FUEL = 1_000_000_000
DEFAULT_TIMEOUT = 600
BUSY_WAIT_SECONDS = 60.0  # how long an upload waits for the master's "busy" (another upload of the blob) to clear
# the worker's canonical result of a job that did not end "ok" (wasm_jobs/runner.py, ERROR_PREFIX): the prefix,
# then the status (trap, out_of_fuel, invalid_module, bad_output). Workers agree on it and commit to it like any
# output, so the chain accepts it as the task's result; it is not the job's output.
JOB_ERROR_PREFIX = b"AMINO-JOB-ERROR\x00"
TX_OVERHEAD_BYTES = 2_048  # room in a tx for the envelope, the signature and the message's other fields

JOB_STATUS_WORDS = {
    "trap": "the job trapped (a WebAssembly trap: unreachable, out-of-bounds access, division by zero, stack overflow...)",
    "out_of_fuel": "the job ran out of fuel (it used all of --max-fuel)",
    "invalid_module": "the workers could not load the module (it breaks the job ABI)",
    "bad_output": "the job's output range lies outside its memory or is too long",
}
WHY_FUEL_IS_PAID = ("the workers ran the job and agreed on how far it got: that is verified work, so the customer "
                    "pays for the verified fuel (price x fuel) as for any result; the rest of the escrow comes back")


class TaskError(Exception):
    """A task step that cannot go on; the message says what happened and what to do."""


class TaskTimeout(TaskError):
    """The client stopped waiting; the task goes on on chain (its own deadline refunds it in full)."""

    def __init__(self, task_id: int, state: str, reason: str, waited: float) -> None:
        super().__init__(f"task {task_id} still {state} after {waited:.0f}s" + (f": {reason}" if reason else ""))
        self.task_id, self.state, self.reason, self.waited = task_id, state, reason, waited


def price_limit(price: int, price_step_bps: int) -> int:
    """The default ``max_price`` of a submission: today's price plus the most one price epoch can add to it
    (chain_modules/compute/epoch.py, next_price). Without it, a submission that lands in the block where the price
    rises is refused, or passes CheckTx and is then dropped from the mempool at recheck: never committed."""
    return price + max(1, price * price_step_bps // 10_000)


def job_status(output: bytes) -> str:
    """"ok" for a job's output, else the status the worker's error marker names (trap, out_of_fuel, ...)."""
    if output.startswith(JOB_ERROR_PREFIX):
        return output[len(JOB_ERROR_PREFIX):].decode("ascii", "replace") or "error"
    return "ok"


@dataclass
class Progress:
    """One thing ``run`` has to say: a step of the task on chain (with its height) or why it is waiting."""

    kind: str  # "step" or "waiting"
    text: str
    height: int = 0
    elapsed: float = 0.0


def waiting_reason(task: dict, app: dict | None, uploaded: bool = True) -> str:
    """Why the task is not done yet, in words, from its view (``/compute/task``) and its application's."""
    state, class_name = task["state"], task["class_name"]
    unverified = app is not None and not app.get("verified")
    if state == "submitted":
        if unverified:
            return (f"module not verified: no verified-only worker will run it; waiting for a master with free "
                    f"`{class_name}` workers that run any app (any_app)")
        again = f" (reallocated {task['reallocations']} time(s))" if task.get("reallocations") else ""
        return f"waiting for a master with a free `{class_name}` worker{again}"
    if state == "allocated":
        if not uploaded:
            return "waiting for the upload of the module and input to the master node"
        needed = task.get("needed") or 1
        return f"waiting for the master to assign {needed} `{class_name}` worker(s)" + (
            " that run any app (module not verified)" if unverified else "")
    members = task.get("participants") or []
    if state == "committing":
        done = sum(1 for p in members if p["status"] in ("committed", "revealed"))
        return f"workers computing: committed {done} of {len(members)}"
    if state == "revealing":
        done = sum(1 for p in members if p["status"] == "revealed")
        return f"revealing: {done} of {len(members)}"
    if state == "delivered":
        return "result verified: downloading it"
    return ""


@dataclass
class RunSummary:
    task_id: int
    state: str
    master: str
    workers: list[str]
    fuel_used: int
    price: int
    escrow: int
    paid: int
    refunded: int
    compensation: int
    result_hash: str
    heights: list
    output: bytes = field(repr=False, default=b"")
    max_fuel: int = 0
    reason: str = ""  # why the task was refunded (the chain's task_refunded reason) or cancelled
    excluded_workers: list = field(default_factory=list)
    reallocations: int = 0
    reassignments: int = 0

    @property
    def job_status(self) -> str:
        """"ok", or how the job failed (trap, out_of_fuel, ...): the verified result is then the worker's error
        marker, not an output."""
        return job_status(self.output) if self.state in ("delivered", "settled") else ""

    @property
    def outcome(self) -> str:
        """settled (a verified output), failed_job (a verified failure: trap, out of fuel...), refunded or
        cancelled."""
        if self.state in ("delivered", "settled"):
            return "settled" if self.job_status == "ok" else "failed_job"
        return self.state

    def to_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "output"}
        data["output_bytes"] = len(self.output) if self.outcome == "settled" else 0
        data["job_status"] = self.job_status
        data["outcome"] = self.outcome
        return data


def _error_code(response: httpx.Response) -> str:
    """The master's ``error`` field, or "" for an answer that is not one of its JSON errors."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return body.get("error", "") if isinstance(body, dict) else ""


def _message(response: httpx.Response) -> str:
    try:
        return response.json().get("message") or response.text
    except ValueError:
        return response.text


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _not_there_yet(response: httpx.Response) -> bool:
    """404 (no worker uploaded the result yet) or 403 not_expected (the master's cached view of the task does not
    show the accepted result yet): both pass within a few seconds."""
    if response.status_code == 404:
        return True
    if response.status_code != 403:
        return False
    try:
        return response.json().get("error") == "not_expected"
    except ValueError:
        return False


class TaskClient:
    def __init__(self, chain: ChainClient, http_timeout: float = 30.0, gateway: str | None = None) -> None:
        self.chain = chain
        self.http = httpx.Client(timeout=http_timeout)
        self.gateway = gateway.rstrip("/") if gateway else None

    # -- through a gateway -------------------------------------------------------------------

    def _gateway_get(self, path: str):
        """The value of a public gateway query (``/amino/...``)."""
        try:
            response = self.http.get(f"{self.gateway}{path}")
        except httpx.HTTPError as exc:
            raise TaskError(f"cannot reach the gateway at {self.gateway}: {exc}") from None
        if response.status_code != 200:
            raise TaskError(f"gateway: {path}: {response.status_code} {response.text}")
        return response.json()["value"]

    def _app_request(self, method: str, path: str, *, digest: str = "", task_id: int | None = None,
                     content: bytes | None = None, body: dict | None = None) -> httpx.Response:
        """One signed request to the gateway's application API; a 429 waits as its Retry-After says."""
        key = self.chain.signing_key
        if key is None:
            raise TaskError("the application API needs the customer's key (--from)")
        params = {"task": task_id} if path.startswith("/v1/blobs/") else None
        deadline = time.monotonic() + BUSY_WAIT_SECONDS
        while True:
            headers = sign_headers(key, self.chain.chain_id, method, path, digest=digest, task_id=task_id)
            try:
                response = self.http.request(method, f"{self.gateway}/app{path}", params=params, headers=headers,
                                             content=content, json=body)
            except httpx.HTTPError as exc:
                raise TaskError(f"cannot reach the gateway at {self.gateway}: {exc}") from None
            if response.status_code != 429 or time.monotonic() > deadline:
                return response
            time.sleep(retry_after_seconds(response.headers.get("retry-after"), 1.0))

    def _signed_tx(self, msgs: list) -> bytes:
        params = TxParams.from_dict(self._gateway_get("/amino/auth/v1/params"))
        sequence = self._gateway_get(f"/amino/auth/v1/account/{self.chain.address}")["sequence"]
        doc = wallet_tx.build_doc(self.chain.chain_id, sequence, [(m.TYPE, m.to_body(), m.GAS) for m in msgs], params)
        return wallet_tx.sign(doc, self.chain.signing_key)

    def _send(self, msgs: list) -> None:
        """Sign and send ``msgs``: through the gateway's POST /txs when there is one, else the node's RPC."""
        if self.gateway is None:
            self.chain.send(msgs)
            return
        response = self.http.post(f"{self.gateway}/txs", json={"tx": base64.b64encode(self._signed_tx(msgs)).decode()})
        if response.status_code != 200:
            raise TaskError(f"gateway refused the tx: {response.status_code} {response.text}")
        tx_hash = response.json()["hash"]
        deadline = time.monotonic() + 30
        while (found := self.http.get(f"{self.gateway}/txs/{tx_hash}")).status_code == 404:
            if time.monotonic() > deadline:
                raise TaskError(f"tx {tx_hash} was not committed within 30s")
            time.sleep(0.3)
        if found.status_code != 200 or found.json()["code"]:
            raise TaskError(f"tx {tx_hash} failed: {found.text}")

    def close(self) -> None:
        self.http.close()

    # -- application pool ----------------------------------------------------------------

    def app(self, module_hash: bytes) -> dict | None:
        return self.chain.query_or_none(f"/apppool/app/{module_hash.hex()}")

    def max_tx_bytes(self) -> int:
        params = self._gateway_get("/amino/auth/v1/params") if self.gateway else self.chain.query("/auth/params")
        return int(params["max_tx_bytes"])

    def register_app(self, module: bytes, name: str, classes: tuple[str, ...] = (), description: str = "") -> bytes:
        """Register ``module`` in the application pool (it starts unverified); returns its hash. The tx carries the
        module's bytes when they fit, so that the chain checks them (docs/modules/apppool.md, "The module check")."""
        module_hash = sha256(module)
        publisher = decode_address(self.chain.address)
        carried = module if len(module) + TX_OVERHEAD_BYTES <= self.max_tx_bytes() else b""
        self._send([MsgRegisterApp(publisher, module_hash, len(module), name, description, tuple(classes), carried)])
        return module_hash

    # -- steps ---------------------------------------------------------------------------

    def submit(self, module_hash: bytes, input_data: bytes, class_name: str = "small", replicas: int = 1,
               max_fuel: int = DEFAULT_MAX_FUEL, timeout: int = DEFAULT_TIMEOUT, max_price: int | None = None) -> int:
        """Escrow the task's maximum cost and return its id; the chain allocates it at the end of the block."""
        if max_price is None:
            listed = self._gateway_get("/amino/compute/v1/classes") if self.gateway else self.chain.query("/compute/classes")
            classes = {c["name"]: c for c in listed}
            if class_name not in classes:
                raise TaskError(f"no resource class {class_name!r}; classes are {sorted(classes)}")
            params = self._gateway_get("/amino/compute/v1/params") if self.gateway else self.chain.query("/compute/params")
            max_price = price_limit(classes[class_name]["price"], params["price_step_bps"])
        customer = decode_address(self.chain.address)
        msg = MsgSubmitTask(customer, module_hash, sha256(input_data), len(input_data), class_name, replicas, max_fuel,
                            max_price, timeout)
        if self.gateway:
            response = self._app_request("POST", "/v1/tasks", body={"tx": base64.b64encode(self._signed_tx([msg])).decode()})
            if response.status_code != 200:
                raise TaskError(f"the gateway refused the task: {response.status_code} {_message(response)}")
            return int(response.json()["task_id"])
        result = self.chain.send([msg])
        submitted = event_attributes(result, "task_submitted")
        if not submitted:
            raise TaskError(f"tx {result.tx_hash} has no task_submitted event")
        return int(submitted[0]["task_id"])

    def status(self, task_id: int) -> dict:
        if self.gateway:
            response = self._app_request("GET", f"/v1/tasks/{task_id}", task_id=task_id)
            if response.status_code == 404:
                raise TaskError(f"no task {task_id}")
            if response.status_code != 200:
                raise TaskError(f"the gateway refused to show task {task_id}: {response.status_code} {_message(response)}")
            return response.json()
        task = self.chain.query_or_none(f"/compute/task/{task_id}")
        if task is None:
            raise TaskError(f"no task {task_id}")
        return task

    def wait(self, task_id: int, until: tuple[str, ...], timeout: float = 300.0, poll: float = 0.5) -> dict:
        """Poll until the task is in one of ``until`` (or a final state); TaskError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            task = self.status(task_id)
            if task["state"] in until or task["state"] in FINAL_STATES:
                return task
            if time.monotonic() > deadline:
                raise TaskError(f"task {task_id} still {task['state']} after {timeout:.0f}s")
            time.sleep(poll)

    def _customer_key(self, task: dict):
        """The signing key, once it is known to be the task's customer's (the master checks it too)."""
        key = self.chain.signing_key
        if key is None:
            raise TaskError(f"task {task['id']}: moving its blobs needs the customer's key (--from)")
        if self.chain.address != task["customer"]:
            raise TaskError(f"task {task['id']} belongs to {task['customer']}; this key is {self.chain.address}")
        return key

    def _blob_request(self, task: dict, method: str, digest: str, content: bytes | None = None) -> httpx.Response:
        endpoint = task["master_endpoint"]
        path = f"/v1/blobs/{digest}"
        if self.gateway:  # the gateway forwards the request, signed the same way, to the task's master node
            self._customer_key(task)
            return self._app_request(method, path, digest=digest, task_id=task["id"], content=content)
        headers = sign_headers(self._customer_key(task), self.chain.chain_id, method, path, digest=digest,
                               task_id=task["id"])
        try:
            return self.http.request(method, f"{endpoint.rstrip('/')}{path}", params={"task": task["id"]},
                                     headers=headers, content=content)
        except httpx.HTTPError as exc:
            raise TaskError(f"cannot reach the master node at {endpoint}: {exc}") from None

    def upload(self, task_id: int, module: bytes, input_data: bytes) -> dict:
        """Upload the module and the input to the master node the task is allocated to."""
        task = self.status(task_id)
        if not task["master_endpoint"]:
            raise TaskError(f"task {task_id} is {task['state']} and has no master node yet")
        if sha256(module).hex() != task["app_hash"]:
            raise TaskError(f"the module's sha256 is not the task's app hash {task['app_hash']}")
        if sha256(input_data).hex() != task["input_hash"]:
            raise TaskError(f"the input's sha256 is not the task's input hash {task['input_hash']}")
        self._customer_key(task)
        for data in (module, input_data):
            self._put(task, data)
        return task

    def _put(self, task: dict, data: bytes) -> None:
        """One signed upload; a 409 busy (the same blob arriving on another connection) or 429 is retried as
        the master's Retry-After says, for up to BUSY_WAIT_SECONDS."""
        digest = sha256(data).hex()
        deadline = time.monotonic() + BUSY_WAIT_SECONDS
        while True:
            response = self._blob_request(task, "PUT", digest, data)
            if response.status_code in (200, 201):
                return
            if _error_code(response) not in ("busy", "too_many_uploads") or time.monotonic() > deadline:
                raise TaskError(f"master node refused blob {digest[:16]}…: {response.status_code} {response.text}")
            time.sleep(retry_after_seconds(response.headers.get("retry-after"), 1.0))

    def result(self, task_id: int) -> bytes:
        """Download the accepted result from the master node and check it against the chain's result hash."""
        task = self.status(task_id)
        if not task["result_hash"]:
            raise TaskError(f"task {task_id} is {task['state']} and has no accepted result")
        if not task["master_endpoint"]:
            raise TaskError(f"task {task_id}: its master node has no endpoint")
        deadline = time.monotonic() + 60
        while True:  # the workers upload right after revealing, and the master's view of the chain may lag a block
            response = self._blob_request(task, "GET", task["result_hash"])
            if response.status_code == 200:
                break
            if not _not_there_yet(response) or time.monotonic() > deadline:
                raise TaskError(f"master node did not deliver the result: {response.status_code} {response.text}")
            time.sleep(0.5)
        if sha256(response.content).hex() != task["result_hash"]:
            raise TaskError("the master node sent bytes whose hash is not the accepted result hash")
        return response.content

    def confirm(self, task_id: int) -> None:
        self._send([MsgConfirmTask(decode_address(self.chain.address), task_id)])

    def cancel(self, task_id: int) -> None:
        self._send([MsgCancelTask(decode_address(self.chain.address), task_id)])

    # -- the whole flow ----------------------------------------------------------------------

    def start(self, module: bytes, input_data: bytes, class_name: str = "small", replicas: int = 1,
              max_fuel: int = DEFAULT_MAX_FUEL, timeout: int = DEFAULT_TIMEOUT, name: str | None = None) -> dict:
        """Register the app if needed, submit, wait for allocation and upload; returns the task view."""
        module_hash = sha256(module)
        if self.app(module_hash) is None:
            self.register_app(module, name or f"app-{module_hash.hex()[:8]}")
        task_id = self.submit(module_hash, input_data, class_name, replicas, max_fuel, timeout)
        task = self.wait(task_id, ("allocated",), timeout + 30)
        if task["state"] == "allocated":
            self.upload(task_id, module, input_data)
        return task

    def run(self, module: bytes, input_data: bytes, class_name: str = "small", replicas: int = 1,
            max_fuel: int = DEFAULT_MAX_FUEL, timeout: int = DEFAULT_TIMEOUT, name: str | None = None,
            confirm: bool = True, wait_seconds: float | None = None,
            progress: Callable[[Progress], None] | None = None, max_price: int | None = None) -> RunSummary:
        """Register the app if needed, submit, upload, wait for a verified result, download and confirm it.

        The task is followed block by block (client/blocks.py: the node's websocket, polling when it drops);
        ``progress`` hears every step of the task with its height, and why it waits whenever that changes.
        Raises TaskTimeout after ``wait_seconds`` (default: the task's timeout + 30 s) without a final state.
        """
        started = time.monotonic()
        reporter = _Reporter(progress, started)
        module_hash = sha256(module)
        app = self.app(module_hash)
        if app is None:
            self.register_app(module, name or f"app-{module_hash.hex()[:8]}")
            app = self.app(module_hash)
            reporter.say("step", "registered the module in the application pool (unverified)")
        task_id = self.submit(module_hash, input_data, class_name, replicas, max_fuel, timeout, max_price)
        limit = wait_seconds if wait_seconds is not None else timeout + 30
        deadline = started + limit
        uploaded_to = ""
        while True:
            task = self.status(task_id)
            if task["state"] == "submitted" and app is not None and not app.get("verified"):
                app = self.app(module_hash) or app  # verified since? then verified-only workers may run it too
            # a master holding this job's blobs already (the same module and input ran before) can have its workers
            # past "allocated" before the next look: only an allocated task waits for the upload
            if task["state"] == "allocated" and task["master"] and task["master"] != uploaded_to:
                reporter.task(task, app, uploaded=False)
                self.upload(task_id, module, input_data)
                uploaded_to = task["master"]
                reporter.say("step", f"uploaded the module and input to master {task['master']}")
                continue
            reporter.task(task, app)
            if task["state"] in FINAL_STATES or task["state"] == "delivered":
                break
            if time.monotonic() > deadline:
                raise TaskTimeout(task_id, task["state"], reporter.reason, time.monotonic() - started)
            self._next_block(min(10.0, max(0.5, deadline - time.monotonic())))
        if task["state"] != "delivered":
            return self._summary(task, b"", self.ending_reason(task))
        output = self.result(task_id)
        if confirm:
            try:
                self.confirm(task_id)
            except (ChainError, TaskError):
                pass  # auto-confirmed in the meantime
            task = self.wait(task_id, FINAL_STATES, 60)
            reporter.task(task, app)
        return self._summary(task, output)

    def _next_block(self, timeout: float) -> None:
        """Until the next block (the websocket), or a short pause when there is no socket."""
        if getattr(self, "_blocks", None) is None:
            from client.blocks import BlockWaiter

            self._blocks = BlockWaiter(self.chain.rpc.url)
        self._blocks.wait(timeout)

    def ending_reason(self, task: dict) -> str:
        """Why a task ended without a result: the chain's task_refunded reason (from the events of the block that
        refunded it), or "cancelled by the customer"; "" when it cannot be found (through a gateway)."""
        if task["state"] == "cancelled":
            return "cancelled by the customer"
        if task["state"] != "refunded" or self.gateway:
            return ""
        heights = [height for step, height in task["heights"] if step == "refunded"]
        if not heights:
            return ""
        try:
            results = self.chain.rpc.call("block_results", height=str(heights[-1]))
        except Exception:  # noqa: BLE001 - a node that prunes results: the refund is still reported, without reason
            return ""
        groups = [tx.get("events") or [] for tx in results.get("txs_results") or []]
        groups.append(results.get("finalize_block_events") or [])
        for group in groups:
            for event in group:
                if event["type"] != "task_refunded":
                    continue
                attributes = {a["key"]: a["value"] for a in event["attributes"]}
                if attributes.get("task_id") == str(task["id"]):
                    return attributes.get("reason", "")
        return ""

    @staticmethod
    def _summary(task: dict, output: bytes, reason: str = "") -> RunSummary:
        return RunSummary(
            task["id"], task["state"], task["master"], [p["worker"] for p in task["participants"]], task["fuel_used"],
            task["price"], task["paid"] + task["refunded"] if task["state"] in FINAL_STATES else task["escrow"],
            task["paid"], task["refunded"], task["compensation"], task["result_hash"], task["heights"], output,
            task.get("max_fuel", 0), reason, list(task.get("excluded_workers") or []), task.get("reallocations", 0),
            task.get("reassignments", 0),
        )


class _Reporter:
    """Tells ``progress`` each new step of the task (from its ``heights``) and each new waiting reason."""

    def __init__(self, progress: Callable[[Progress], None] | None, started: float) -> None:
        self.progress = progress
        self.started = started
        self.seen = 0
        self.reason = ""

    def say(self, kind: str, text: str, height: int = 0) -> None:
        if self.progress is not None:
            self.progress(Progress(kind, text, height, time.monotonic() - self.started))

    def task(self, task: dict, app: dict | None, uploaded: bool = True) -> None:
        heights = task.get("heights") or []
        for step, height in heights[self.seen:]:
            self.say("step", _step_text(step, task), height)
        self.seen = max(self.seen, len(heights))
        reason = waiting_reason(task, app, uploaded)
        if reason and reason != self.reason:
            self.say("waiting", reason)
        self.reason = reason or self.reason


def _step_text(step: str, task: dict) -> str:
    if step == "submitted":
        return f"task {task['id']} submitted: escrow {format_amio(task['escrow'])}"
    if step == "allocated":
        return f"allocated to master {task['master']}" if task.get("master") else "allocated"
    if step == "assigned":
        workers = ", ".join(p["worker"] for p in task.get("participants") or [])
        return f"workers assigned: {workers}" if workers else "workers assigned"
    return step.replace("_", " ")

"""The master node service: its view of the chain, the assignment loop, and startup.

The HTTP API (masternode.api) serves and takes a task's blobs only for its
customer and assigned workers, and signs admissions into the pool for the
workers the operator's policy admits (masternode.admission).

The chain is the source of truth for tasks and workers; the service keeps
nothing but blobs on disk (masternode.blobstore), so a restart loses no
assignment: tasks allocated to this master are read back from the chain and
the loop carries on where it stopped.

Assignment: for every task of this master that waits for workers and whose
module and input are stored here, pick the needed number of the pool's
workers that the chain would accept (online, a free slot, resources of the
class, deposit at the minimum, verified-app rule, not excluded: the chain's
own rule, compute.api.assignment_refusal), best reputation first (the
chain's reputation_bps), fewest running tasks next, and send one assign tx.
A worker whose last heartbeat is older than the chain's heartbeat timeout
less heartbeat_margin_seconds is not named: it may have stopped without
going offline (killed), and the chain would keep it online until its expiry.

A task that waits for workers is logged when what it waits for changes, and
at most once a waiting_log_seconds otherwise, with the reasons the pool's
workers cannot take it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass

from chain_modules.common.address import decode_address
from chain_modules.compute import api as compute_api
from chain_modules.compute.types import ALLOCATED, MsgAssignWorkers, MsgReleaseTask
from chain_modules.staking.types import MsgCreateMasterNode
from client.chain import ChainClient, ChainError
from masternode.access import INPUT, MODULE, RESULT
from masternode.blobstore import BlobStore

log = logging.getLogger("amino.master")

TASK_CACHE_ENTRIES = 4_096


@dataclass
class MasterSettings:
    listen_host: str = "127.0.0.1"
    listen_port: int = 8700
    endpoint: str = ""  # the public URL registered on chain (default: http://host:port)
    store_dir: str = "master-store"
    max_blob_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 4 * 1024 * 1024 * 1024
    max_result_bytes: int = 16 * 1024 * 1024
    poll_seconds: float = 1.0
    cache_seconds: float = 1.0
    release_margin_seconds: float = 5.0  # hand back a never-uploaded task this long before its assign deadline
    retention_seconds: float = 3_600.0  # unreferenced blobs (settled tasks' inputs and results) live this long
    gc_seconds: float = 60.0
    fresh_seconds: float = 0.25  # a "fresh" task view may be this old: bounds the chain queries refusals cause
    # uploads and signed requests (masternode.api.ApiSettings)
    upload_min_seconds: float = 30.0
    upload_min_bytes_per_second: int = 64 * 1024
    upload_idle_seconds: float = 15.0
    max_uploads_per_client: int = 4
    signature_window_seconds: int = 60
    # a worker whose last heartbeat is older than heartbeat_timeout_seconds less this is not assigned (at most half
    # the timeout is taken off)
    heartbeat_margin_seconds: int = 10
    waiting_log_seconds: float = 60.0  # a task still waiting for the same workers is logged again this often
    admit: str = "open"  # "open", or the path of a file of admitted worker addresses

    @property
    def public_endpoint(self) -> str:
        return self.endpoint or f"http://{self.listen_host}:{self.listen_port}"


class MasterChainView:
    """What the HTTP API asks of the chain, cached for ``cache_seconds`` (the chain moves once per block)."""

    def __init__(self, chain: ChainClient, operator: str, settings: MasterSettings) -> None:
        self.chain = chain
        self.operator = operator
        self.settings = settings
        self._tasks: list[dict] = []
        self._tasks_at = 0.0
        self._max_module = 0
        self._lock = threading.Lock()
        self._task_cache: dict[int, tuple[float, dict | None]] = {}
        self._task_lock = threading.Lock()

    def open_tasks(self, fresh: bool = False) -> list[dict]:
        with self._lock:
            if fresh or time.monotonic() - self._tasks_at > self.settings.cache_seconds:
                self._tasks = self.chain.query(f"/compute/tasks/master/{self.operator}") or []
                self._tasks_at = time.monotonic()
            return list(self._tasks)

    def _max_module_bytes(self) -> int:
        if not self._max_module:
            self._max_module = self.chain.query("/apppool/params")["max_module_bytes"]
        return self._max_module

    def task(self, task_id: int, fresh: bool = False) -> dict | None:
        """The chain view of a task of this master, or None (unknown, or another master's).

        Cached per task for ``cache_seconds``; ``fresh`` asks the chain again unless the cached answer is
        younger than ``fresh_seconds``, so a flood of refused requests costs a bounded number of queries.
        """
        now = time.monotonic()
        with self._task_lock:
            cached = self._task_cache.get(task_id)
        if cached is not None and now - cached[0] <= (self.settings.fresh_seconds if fresh else self.settings.cache_seconds):
            return cached[1]
        task = self.chain.query_or_none(f"/compute/task/{task_id}")
        if task is not None and task["master"] != self.operator:
            task = None
        with self._task_lock:
            if len(self._task_cache) >= TASK_CACHE_ENTRIES:
                oldest = sorted(self._task_cache.items(), key=lambda item: item[1][0])[:TASK_CACHE_ENTRIES // 4]
                for stale, _entry in oldest:
                    del self._task_cache[stale]
            self._task_cache[task_id] = (time.monotonic(), task)
        return task

    def upload_limit(self, task: dict, kind: str) -> int:
        """The size limit of the task's module (the app's declared size), input (its declared size) or result."""
        if kind == MODULE:
            app = self.chain.query_or_none(f"/apppool/app/{task['app_hash']}")
            return app["module_size"] if app else self._max_module_bytes()
        if kind == INPUT:
            return task["input_size"]
        if kind == RESULT:
            return self.settings.max_result_bytes
        raise ValueError(f"unknown blob kind {kind!r}")

    def jobs_for_worker(self, worker: str) -> list[dict]:
        jobs = []
        for task in self.chain.query(f"/compute/tasks/worker/{worker}") or []:
            if task["master"] != self.operator:
                continue
            mine = next((p for p in task["participants"] if p["worker"] == worker), None)
            if mine is None:
                continue
            jobs.append({
                "task_id": task["id"], "state": task["state"], "status": mine["status"], "app_hash": task["app_hash"],
                "input_hash": task["input_hash"], "input_size": task["input_size"], "max_fuel": task["max_fuel"],
                "class_name": task["class_name"], "step_deadline": task["step_deadline"],
            })
        return jobs


class Assigner:
    """The loop that turns allocated tasks with stored inputs into assign txs."""

    def __init__(self, chain: ChainClient, view: MasterChainView, store: BlobStore, settings: MasterSettings) -> None:
        self.chain = chain
        self.view = view
        self.store = store
        self.settings = settings
        self.stop_event = threading.Event()
        self.assigned = 0
        self.last_error = ""
        self.info: dict = {}  # shared with the HTTP API's /v1/status
        self.probe_modules: dict[str, bytes] | None = None  # built on the first probe
        self._waiting_logged: dict[int, tuple[tuple, float]] = {}  # task -> (what it waited for, when logged)

    def run(self) -> None:
        last_gc = time.monotonic()
        while not self.stop_event.is_set():
            try:
                self.step()
                if time.monotonic() - last_gc > self.settings.gc_seconds:
                    last_gc = time.monotonic()
                    self.collect_garbage()
                    self.refresh_info()
            except Exception as exc:  # a flaky RPC must not kill the service
                self.last_error = str(exc)
                log.warning("assignment pass failed: %s", exc)
            self.stop_event.wait(self.settings.poll_seconds)

    def refresh_info(self) -> None:
        """Keep the status page's chain facts (elected or not, reputation) current."""
        view = self.chain.query(f"/compute/master/{self.view.operator}")
        self.info.update(active=view["active"], reputation_bps=view["reputation_bps"], completed=view["completed"],
                         failed=view["failed"], assigned_since_start=self.assigned)

    def collect_garbage(self, now: float | None = None) -> int:
        """Delete blobs that no open task of this master has referenced for retention_seconds (customers
        download results while the task is delivered, and for that long after it settles); returns the count."""
        referenced: set[str] = set()
        for task in self.view.open_tasks(fresh=True):
            referenced.update({task["app_hash"], task["input_hash"], task["result_hash"]})
            referenced.update(p["result_hash"] for p in task["participants"])
        now = time.time() if now is None else now
        deleted = 0
        for digest in list(self.store.iter_digests()):
            if digest in referenced:
                try:  # retention counts from the last pass that saw the blob referenced, not from its upload
                    os.utime(self.store.path(digest), (now, now))
                except OSError:
                    pass
                continue
            try:
                age = now - self.store.path(digest).stat().st_mtime
            except OSError:
                continue
            if age > self.settings.retention_seconds and self.store.delete(digest):
                deleted += 1
        if deleted:
            log.info("deleted %d unreferenced blobs older than %.0fs", deleted, self.settings.retention_seconds)
        return deleted

    def step(self) -> int:
        """One pass over this master's tasks; returns how many assign txs were sent."""
        sent = 0
        waiting = [t for t in self.view.open_tasks(fresh=True) if t["state"] == ALLOCATED and t["needed"] > 0]
        if not waiting:
            return 0
        workers = self.chain.query(f"/compute/workers/{self.view.operator}") or []
        classes = {c["name"]: c for c in self.chain.query("/compute/classes")}
        params = self.chain.query("/compute/params")
        min_deposit = params["worker_min_deposit"]
        max_age = max_heartbeat_age(params["heartbeat_timeout_seconds"], self.settings.heartbeat_margin_seconds)
        waiting_ids = {t["id"] for t in waiting}
        self._waiting_logged = {k: v for k, v in self._waiting_logged.items() if k in waiting_ids}
        for task in waiting:
            if task.get("probe_worker") and not self._store_probe_job(task):
                continue
            if not (self.store.has(task["app_hash"]) and self.store.has(task["input_hash"])):
                self._release_if_never_uploaded(task)
                continue  # the customer has not uploaded yet
            resource_class = classes.get(task["class_name"])
            if resource_class is None:
                log.warning("task %s asks for class %r, which the params no longer have", task["id"], task["class_name"])
                continue
            app = self.chain.query_or_none(f"/apppool/app/{task['app_hash']}")
            verified = bool(app and app["verified"])
            chosen = pick_workers(task, workers, resource_class, min_deposit, verified, max_age)
            if len(chosen) < task["needed"]:
                self._log_waiting(task, len(chosen),
                                  refusal_counts(task, workers, resource_class, min_deposit, verified, max_age))
                continue
            self._waiting_logged.pop(task["id"], None)
            msg = MsgAssignWorkers(decode_address(self.view.operator), task["id"],
                                   tuple(decode_address(w["address"]) for w in chosen))
            try:
                self.chain.send([msg])
            except ChainError as exc:
                log.warning("assigning task %s failed: %s", task["id"], exc)
                continue
            for worker in chosen:
                worker["running"] += 1
            sent += 1
            self.assigned += 1
            log.info("task %s assigned to %s", task["id"], ", ".join(w["address"] for w in chosen))
        return sent


    def _log_waiting(self, task: dict, eligible: int, reasons: Counter, now: float | None = None) -> bool:
        """Log that ``task`` waits for workers when what it waits for changed, or waiting_log_seconds after the
        last such line; True when a line was written."""
        now = time.monotonic() if now is None else now
        what = (task["needed"], eligible, tuple(sorted(reasons.items())))
        last = self._waiting_logged.get(task["id"])
        if last is not None and last[0] == what and now - last[1] < self.settings.waiting_log_seconds:
            return False
        self._waiting_logged[task["id"]] = (what, now)
        why = ", ".join(f"{count} {reason.replace('_', ' ')}" for reason, count in sorted(reasons.items()))
        log.info("task %s waits for %d workers of class %s: %d eligible now%s", task["id"], task["needed"],
                 task["class_name"], eligible, f" (others: {why})" if why else " (the pool has no other worker)")
        return True

    def _store_probe_job(self, task: dict) -> bool:
        """A probe's job comes from the protocol, not a customer: store its module (a probe module this master
        knows) and its input (on chain). False when the module is unknown: the probe is released (it fails)."""
        if self.probe_modules is None:
            self.probe_modules = probe_modules()
        module = self.probe_modules.get(task["app_hash"])
        data = bytes.fromhex(task["probe_input"])
        if module is None:
            log.warning("probe task %s runs module %s, which this master does not have", task["id"], task["app_hash"])
            self._release_if_never_uploaded(task)
            return False
        for digest, blob in ((task["app_hash"], module), (task["input_hash"], data)):
            if not self.store.has(digest):
                self.store.put(digest, blob)
        return True

    def _release_if_never_uploaded(self, task: dict, now: float | None = None) -> bool:
        """Hand back a task whose job never arrived, just before its assign deadline: missing that deadline
        would count as this master's failure, and the customer's silence is not its fault."""
        now = time.time() if now is None else now
        if not compute_api.may_release(task["state"], len(task["participants"])) \
                or task["step_deadline"] - now > self.settings.release_margin_seconds:
            return False
        try:
            self.chain.send([MsgReleaseTask(decode_address(self.view.operator), task["id"])])
        except ChainError as exc:
            log.warning("releasing task %s failed: %s", task["id"], exc)
            return False
        log.info("task %s released: its module or input never arrived", task["id"])
        return True


STALE_HEARTBEAT = "stale_heartbeat"  # the master's own refusal, on top of the chain's (compute_api.assignment_refusal)


def max_heartbeat_age(heartbeat_timeout: int, margin: int) -> int:
    """The oldest last heartbeat (in seconds) of a worker the master still names: the chain's timeout less the
    margin, and never less than half the timeout (a worker heartbeats several times per timeout)."""
    return heartbeat_timeout - min(margin, heartbeat_timeout // 2)


def refusal(task: dict, worker: dict, resource_class: dict, min_deposit: int, verified: bool,
            max_age: int | None = None) -> str | None:
    """Why the master does not name ``worker`` for ``task``: the chain's reason (compute_api.assignment_refusal),
    or STALE_HEARTBEAT when its last heartbeat is older than ``max_age`` seconds; None when it may."""
    probed = task.get("probe_worker", "")
    w = worker
    reason = compute_api.assignment_refusal(
        same_pool=w["master"] == task["master"], online=w["online"], slots=w["slots"], running=w["running"],
        fits=compute_api.fits_class(w["cpu_cores"], w["gpu"], w["ram_mb"], w["storage_mb"], resource_class["cpu_cores"],
                                    resource_class["gpu"], resource_class["ram_mb"], resource_class["storage_mb"]),
        deposit=w["deposit"], min_deposit=min_deposit, any_app=w["any_app"], app_verified=verified or bool(probed),
        excluded=w["address"] in task["excluded_workers"], assigned=any(p["worker"] == w["address"] for p in task["participants"]),
        probed=w["address"] == probed)
    if reason is None and max_age is not None and w.get("seconds_since_heartbeat", 0) > max_age:
        return STALE_HEARTBEAT
    return reason


def refusal_counts(task: dict, workers: list[dict], resource_class: dict, min_deposit: int, verified: bool,
                   max_age: int | None = None) -> Counter:
    """How many of the pool's workers cannot take ``task``, by reason."""
    return Counter(r for w in workers if (r := refusal(task, w, resource_class, min_deposit, verified, max_age)))


def pick_workers(task: dict, workers: list[dict], resource_class: dict, min_deposit: int, verified: bool,
                 max_age: int | None = None) -> list[dict]:
    """The workers the chain would accept for ``task`` (compute_api.assignment_refusal, the rule the chain applies)
    whose last heartbeat is at most ``max_age`` seconds old, best first: the chain's reputation figure, then fewest
    running tasks, then address; as many as it needs. A probe's first round starts with its probed worker (the
    chain requires it), or is empty while that worker cannot take it."""
    participants = {p["worker"] for p in task["participants"]}
    probed = task.get("probe_worker", "")
    eligible = [w for w in workers if refusal(task, w, resource_class, min_deposit, verified, max_age) is None]
    eligible.sort(key=lambda w: (-compute_api.reputation_bps(w["completed"], w["failed"]), w["running"], w["address"]))
    if probed and not participants:
        first = [w for w in eligible if w["address"] == probed]
        return (first + [w for w in eligible if w["address"] != probed])[:task["needed"]] if first else []
    return eligible[:task["needed"]]


def probe_modules() -> dict[str, bytes]:
    """The modules this master can serve for liveness probes, by sha256 hex: the example jobs (the probe_app param
    names one of them; the hash_chain example reads the probe input format)."""
    import hashlib

    from wasm_jobs.examples import EXAMPLES, build

    modules = {}
    for name in EXAMPLES:
        module = build(name)
        modules[hashlib.sha256(module).hexdigest()] = module
    return modules


def ensure_registered(chain: ChainClient, settings: MasterSettings, bond: int, sponsor: str, region: str,
                      moniker: str) -> dict:
    """Register this master node candidate on chain unless it already is; returns the candidate view."""
    operator = chain.address
    candidate = chain.query_or_none(f"/staking/candidate/{operator}")
    if candidate is None:
        if not sponsor:
            raise ChainError("this key is not a master node candidate; pass --sponsor (and --bond) to register it")
        chain.send([MsgCreateMasterNode(decode_address(operator), moniker, settings.public_endpoint, region,
                                        decode_address(sponsor), bond)])
        candidate = chain.query(f"/staking/candidate/{operator}")
        log.info("registered master node %s at %s", operator, settings.public_endpoint)
    elif candidate["kind"] != "master":
        raise ChainError(f"{operator} is a super node candidate, not a master node")
    return candidate


def serve(chain: ChainClient, settings: MasterSettings, bond: int = 0, sponsor: str = "", region: str = "local",
          moniker: str = "master") -> None:
    """Register if needed, then run the HTTP API and the assignment loop until interrupted."""
    from pathlib import Path

    import uvicorn

    from masternode.admission import AdmissionPolicy, Admitter, reload_on_sighup
    from masternode.api import ApiSettings, create_app

    policy = AdmissionPolicy.from_option(settings.admit)  # a bad allow-list stops the start, before any tx
    api_settings = ApiSettings(
        chain.chain_id, settings.signature_window_seconds, settings.upload_min_seconds,
        settings.upload_min_bytes_per_second, settings.upload_idle_seconds, settings.max_uploads_per_client)
    candidate = ensure_registered(chain, settings, bond, sponsor, region, moniker)
    store = BlobStore(Path(settings.store_dir), settings.max_blob_bytes, settings.max_total_bytes)
    view = MasterChainView(chain, chain.address, settings)
    assigner = Assigner(chain, view, store, settings)
    info = {"operator": chain.address, "endpoint": candidate["endpoint"], "status": candidate["status"],
            "chain_id": api_settings.chain_id, "admission": "open" if policy.is_open else "allow-list"}
    assigner.info = info
    try:
        assigner.refresh_info()
    except ChainError as exc:
        log.warning("cannot read this master's stats yet: %s", exc)
    app = create_app(store, view, info, api_settings, Admitter(chain.signing_key, api_settings.chain_id, policy))
    if not policy.is_open:
        reload_on_sighup(policy)
    thread = threading.Thread(target=assigner.run, name="assigner", daemon=True)
    thread.start()
    log.info("master node %s serving on %s:%d (%d blobs stored, admission %s)", chain.address, settings.listen_host,
             settings.listen_port, store.count, policy.describe())
    try:
        uvicorn.run(app, host=settings.listen_host, port=settings.listen_port, log_level="warning")
    finally:
        assigner.stop_event.set()
        thread.join(timeout=5)

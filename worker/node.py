"""The worker service: register, heartbeat, pull jobs from the master node, run them, commit, reveal, upload.

Restart safety comes from the journal (worker.journal): the salt, result
hash and fuel of every computed job are written (fsync) before the commit
is sent, so after a crash the worker reveals exactly what it committed and
never computes a second, differently salted commitment. Each chain step is
also re-checked against the chain before it is sent: a commit or reveal
the chain already has is not sent again.

Every request for a task's blobs (the module and input it downloads, the
result it uploads) is signed with the worker's key and names the task
(client.httpsig): the master moves a task's blobs only for its parties.
Joining a pool takes the master's signed admission (worker.admission).

A job runs for at most the time left before its commit deadline, less
HAND_BACK_MARGIN_SECONDS (and never more than wall_timeout_seconds). The chain
sets that deadline from the job's max_fuel and its class's guaranteed fuel rate,
so a worker that keeps its class's rate finishes in time. A job this worker
cannot finish in time (the run hits the wall clock or crashes the sandbox, or
the job exceeds this worker's own limits) has no result to commit: the worker
hands it back (compute/hand_back_task) before the deadline, without a slash,
and the master names a replacement.

A worker that stops (Worker.leave: SIGTERM, Ctrl-C, ``amino worker stop``)
first tells the chain it is going offline (compute/worker_offline: no master
may name it from the next block on), stops its heartbeats, hands back every
job it has not started, finishes the ones it is computing and reveals what it
committed, and only then exits (or when stop_grace_seconds have passed).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from chain_modules.common.address import decode_address
from chain_modules.compute import api as compute_api
from chain_modules.compute.types import (
    MsgCommitResult,
    MsgHandBackTask,
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgRevealResult,
    MsgTopUpDeposit,
    MsgWorkerOffline,
    commitment,
)
from client.chain import ChainClient, ChainError
from client.fog import format_fog
from client.httpsig import retry_after_seconds, sign_headers
from wasm_jobs.runner import canonical_result
from wasm_jobs.sandbox import run_sandboxed
from worker.admission import fetch_admission
from worker.config import WorkerConfig
from worker.journal import Journal
from worker.limits import cache_bytes, other_load_percent, parse_windows, pause_reason

log = logging.getLogger("amino.worker")
WASM32_MAX_MB = 4096  # a 32-bit WebAssembly memory cannot grow past 4 GiB
COMPACT_EVERY = 500  # passes between journal compactions
ROUND = 0  # a worker takes part in a task at most once (the chain excludes it after a miss)
LIE_SUFFIX = b"\x00a deliberately wrong result (lie = true)"
UPLOAD_ATTEMPTS = 10
HAND_BACK_MARGIN_SECONDS = 8.0  # a run stops this long before the commit deadline, to hand the job back in time
MAX_RETRY_AFTER_SECONDS = 10.0
REPEAT_LOG_SECONDS = 60.0  # the same warning of a failing pass is logged again at most this often


@dataclass(frozen=True)
class Earnings:
    """The worker's FOG as the chain last answered: this epoch's points and their parts (/fog/contribution), its
    balance and FOG per past epoch (/fog/balance), and the params that explain them (/fog/params)."""

    contribution: dict
    balance: dict
    params: dict
    read_at: float  # time.monotonic() of the answer


@dataclass
class Status:
    """What the live display shows; updated by the worker thread, read by the display."""

    address: str = ""
    master: str = ""
    online: bool = False
    deposit: int = 0
    slots: int = 0
    completed: int = 0
    failed: int = 0
    slashed: int = 0
    current_task: int | None = None
    phase: str = "idle"
    phase_started: float = field(default_factory=time.monotonic)
    last_fuel: int = 0
    last_result: str = ""
    results: int = 0
    errors: list[str] = field(default_factory=list)
    history: list[tuple[int, str, int, str]] = field(default_factory=list)  # (task, status, fuel, result hash)
    earnings: Earnings | None = None  # the FOG it earns, as last read from the chain

    def set_phase(self, task: int | None, phase: str) -> None:
        self.current_task, self.phase, self.phase_started = task, phase, time.monotonic()

    def error(self, text: str) -> None:
        self.errors = (self.errors + [f"{time.strftime('%H:%M:%S')} {text}"])[-5:]


class Worker:
    def __init__(self, config: WorkerConfig, chain: ChainClient) -> None:
        self.config = config
        self.chain = chain
        self.address = chain.address
        self.home = Path(config.home)
        (self.home / "results").mkdir(parents=True, exist_ok=True)
        self.journal = Journal(self.home / "journal.jsonl")
        self.passes = 0
        self._classes: dict[str, dict] = {}
        # with several slots, one thread per slot: jobs run in sandbox child processes, threads only wait on them
        self.pool = ThreadPoolExecutor(max_workers=config.slots, thread_name_prefix="job")
        self.running: dict[int, Future] = {}
        self.http = httpx.Client(timeout=30.0)
        self.status = Status(address=self.address)
        self.stop_event = threading.Event()
        self.leaving = threading.Event()  # set by leave(): no heartbeats, no new jobs
        self.paused = threading.Event()  # set by pause(), cleared by resume(): offline, no new jobs
        self.auto_paused = False  # paused by check_limits (not by the operator): resumed by it too
        self.windows = parse_windows(config.run_windows)
        self._last_warning: tuple[str, float] = ("", 0.0)

    # -- registration and heartbeats --------------------------------------------------------

    def fetch_admission(self, master: str) -> dict:
        """The master's signed admission of this worker into its pool, checked ({"pubkey", "signature"}).

        Raises: worker.admission.AdmissionError
        """
        return fetch_admission(self.config.master_url, self.chain.signing_key, self.config.chain_id, master,
                               http=self.http)

    def ensure_registered(self, master: str) -> dict:
        record = self.chain.query_or_none(f"/compute/worker/{self.address}")
        if record is None:
            config = self.config
            admission = self.fetch_admission(master)
            self.chain.send([MsgRegisterWorker(
                decode_address(self.address), decode_address(master), config.cpu_cores, config.gpu, config.ram_mb,
                config.storage_mb, config.slots, config.any_app, config.deposit,
                bytes.fromhex(admission["pubkey"]), bytes.fromhex(admission["signature"]),
            )])
            record = self.chain.query(f"/compute/worker/{self.address}")
            log.info("registered worker %s under master %s", self.address, master)
        elif record["master"] != master:
            raise ChainError(f"this worker is registered under {record['master']}, not {master}; unregister it first")
        elif not record["online"]:  # it went offline when it last stopped: back online before taking jobs
            self.heartbeat()
            record = self.chain.query(f"/compute/worker/{self.address}")
            log.info("worker %s back online under master %s", self.address, master)
        self._update_status(record)
        return record

    def _update_status(self, record: dict) -> None:
        status = self.status
        if status.master:  # not the first reading: tell the chain's news about this worker
            if record["slashed"] > status.slashed:
                log.warning("slashed %d time(s): deposit %d -> %d uamio (%d slashes in all; the chain's worker_slashed "
                            "event gives the task and the reason)", record["slashed"] - status.slashed, status.deposit,
                            record["deposit"], record["slashed"])
            if record["online"] != status.online:
                log.info("the chain has this worker %s", "online" if record["online"] else "offline")
        status.master, status.online, status.deposit = record["master"], record["online"], record["deposit"]
        status.slots, status.completed, status.failed, status.slashed = (
            record["slots"], record["completed"], record["failed"], record["slashed"])

    def heartbeat(self) -> None:
        """Stay online; top the deposit back up to the configured amount after a slash."""
        msgs: list = [MsgHeartbeat(decode_address(self.address))]
        record = self.chain.query_or_none(f"/compute/worker/{self.address}")
        if record is not None and record["deposit"] < self.config.deposit:
            shortfall = self.config.deposit - record["deposit"]
            msgs.append(MsgTopUpDeposit(decode_address(self.address), shortfall))
            log.info("deposit %d below the configured %d: topping up %d", record["deposit"], self.config.deposit, shortfall)
        self.chain.send(msgs)
        record = self.chain.query_or_none(f"/compute/worker/{self.address}")
        if record is not None:
            self._update_status(record)

    def heartbeat_loop(self) -> None:
        while not self.stop_event.wait(self.config.heartbeat_seconds):
            if self.leaving.is_set():
                continue
            try:
                self.check_limits()
            except Exception as exc:
                self.status.error(f"applying the limits failed: {exc}")
                log.warning("applying the limits failed: %s", exc)
            if self.paused.is_set():  # a heartbeat would bring it back online
                continue
            try:
                self.heartbeat()
            except Exception as exc:
                self.status.error(f"heartbeat failed: {exc}")
                log.warning("heartbeat failed: %s", exc)

    # -- graceful leave ------------------------------------------------------------------

    def go_offline(self) -> bool:
        """True when the chain already has this worker offline (or unregistered); otherwise send
        compute/worker_offline and return False (the caller looks again: a heartbeat in flight may land after it).

        Raises: ChainError (the chain refused it for another reason, or is unreachable)"""
        record = self.chain.query_or_none(f"/compute/worker/{self.address}")
        if record is None or not record["online"]:
            self.status.online = False
            return True
        try:
            self.chain.send([MsgWorkerOffline(decode_address(self.address))])
        except ChainError as exc:
            if "already offline" not in str(exc):
                raise
        self.status.online = False
        log.info("went offline on chain: no master may assign this worker now")
        return False

    def pause(self) -> None:
        """Go offline on chain and take no new job (the jobs held are finished, or handed back if not started),
        until resume(). Raises ChainError when the chain refuses the offline message."""
        self.paused.set()
        self.go_offline()
        log.info("paused: offline on chain, no new jobs until resumed")

    def check_limits(self, minute_of_day: int | None = None, load_average: float | None = None) -> str | None:
        """Pause when the run windows or idle_only say no work now, resume once they allow it again (a pause the
        operator asked for is left alone). Returns why work is not allowed now, or None."""
        if minute_of_day is None:
            now = time.localtime()
            minute_of_day = now.tm_hour * 60 + now.tm_min
        if load_average is None:
            load_average = os.getloadavg()[0] if self.config.idle_only else 0.0
        load = other_load_percent(load_average, len(self.running) or (1 if self.status.current_task else 0),
                                  os.cpu_count() or 1)
        reason = pause_reason(self.windows, minute_of_day, self.config.idle_only, load, self.config.idle_load_percent)
        if reason is not None and not self.paused.is_set():
            log.info("pausing: %s", reason)
            self.pause()
            self.auto_paused = True
        elif reason is None and self.auto_paused:
            log.info("resuming: the limits allow work again")
            self.resume()
        return reason

    def resume(self) -> None:
        """Heartbeat now (back online) and take jobs again."""
        self.auto_paused = False
        self.paused.clear()
        if not self.leaving.is_set():
            self.heartbeat()
        log.info("resumed: online on chain, taking jobs")

    def status_view(self) -> dict:
        """What the live display shows, as JSON (the local status endpoint's /v1/status)."""
        status, config = self.status, self.config
        earnings = None
        if status.earnings is not None:
            work, balance = status.earnings.contribution, status.earnings.balance
            earnings = {"epoch": work.get("epoch"), "points": work.get("points"), "epoch_points": work.get("epoch_points"),
                        "earned_ufog": balance.get("contribution_total"), "balance_ufog": balance.get("balance"),
                        "redeemable_ufog": balance.get("redeemable"),
                        "history": balance.get("history", []),
                        "read_seconds_ago": round(time.monotonic() - status.earnings.read_at)}
        return {
            "address": status.address, "master": status.master, "online": status.online,
            "paused": self.paused.is_set(), "stopping": self.leaving.is_set(),
            "deposit": status.deposit, "slots": status.slots,
            "completed": status.completed, "failed": status.failed, "slashed": status.slashed,
            "reputation_bps": compute_api.reputation_bps(status.completed, status.failed),
            "current": {"task": status.current_task, "phase": status.phase,
                        "seconds": round(time.monotonic() - status.phase_started)},
            "jobs_in_threads": sorted(self.running),
            "last_run": {"status": status.last_result, "fuel": status.last_fuel},
            "recent_results": [{"task": t, "outcome": o, "fuel": f, "result_hash": h} for t, o, f, h in status.history],
            "errors": list(status.errors),
            "earnings": earnings,
            "limits": {"max_fuel": config.max_fuel, "max_memory_mb": config.max_memory_mb,
                       "wall_timeout_seconds": config.wall_timeout_seconds, "any_app": config.any_app},
        }

    def held_tasks(self) -> list[int]:
        """The open tasks in which this worker still has a step to take: assigned (commit or hand back) or
        committed (reveal)."""
        held = []
        for task in self.chain.query(f"/compute/tasks/worker/{self.address}") or []:
            mine = next((p for p in task["participants"] if p["worker"] == self.address), None)
            if mine is not None and mine["status"] in ("assigned", "committed"):
                held.append(task["id"])
        return held

    def leave(self, grace_seconds: float | None = None, wait=None) -> list[int]:
        """Stop gracefully: go offline on chain, then let the job loop hand back what it has not started and
        finish, commit and reveal the rest, for at most ``grace_seconds`` (stop_grace_seconds); then stop every
        loop. ``wait`` is called between checks (default: sleep a second while the job thread works). Returns the
        tasks still held at the end (empty: nothing left behind)."""
        grace = self.config.stop_grace_seconds if grace_seconds is None else grace_seconds
        wait = wait or (lambda: time.sleep(1.0))
        self.leaving.set()
        deadline = time.monotonic() + grace
        held: list[int] = []
        while True:
            offline = False
            try:
                # checked every round, not only once: a heartbeat already on its way when the stop came may land
                # after the offline message and bring the worker back online
                offline = self.go_offline()
                held = self.held_tasks()
            except Exception as exc:  # the chain is unreachable: keep trying until the grace period ends
                self.status.error(f"leaving: {exc}")
                log.warning("leaving: %s", exc)
                held = held or [-1]
            if offline and not held and not self.running:
                break
            if time.monotonic() >= deadline:
                log.warning("stopping with tasks still held after %.0fs: %s", grace, held)
                break
            if held:
                log.info("leaving: waiting for tasks %s to be committed and revealed or handed back", held)
            wait()
        self.stop_event.set()
        return [t for t in held if t >= 0]

    # -- earnings ----------------------------------------------------------------------

    def refresh_earnings(self) -> None:
        """Read this worker's FOG from the chain for the status display, and log the FOG of each newly closed
        epoch. A failed query is reported as an error and the last answer kept: it never stops the worker."""
        previous = self.status.earnings
        try:
            contribution = self.chain.query(f"/fog/contribution/{self.address}")
            balance = self.chain.query(f"/fog/balance/{self.address}")
            params = self.chain.query("/fog/params")
            seen = max((item["epoch"] for item in previous.balance["history"]), default=-1) if previous else None
            news = [f"earned {format_fog(item['amount'])} in epoch {item['epoch']} "
                    f"({format_fog(balance['contribution_total'])} in all by contribution)"
                    for item in balance["history"] if seen is not None and item["epoch"] > seen]
        except Exception as exc:
            self.status.error(f"reading FOG earnings failed: {exc!r}")
            log.warning("reading FOG earnings failed: %r", exc)
            return
        self.status.earnings = Earnings(contribution, balance, params, time.monotonic())
        for line in news:
            log.info("%s", line)

    def earnings_loop(self) -> None:
        """Refresh the earnings now, then every earnings_seconds, until stopped."""
        while not self.stop_event.is_set():
            self.refresh_earnings()
            self.stop_event.wait(self.config.earnings_seconds)

    # -- jobs --------------------------------------------------------------------------

    def run(self) -> None:
        """Poll and process jobs until stopped."""
        while not self.stop_event.is_set():
            try:
                self.step()
            except Exception as exc:  # a flaky master or RPC must not end the worker
                self.status.error(str(exc))
                self._warn_once(f"worker pass failed: {exc}")
            self.stop_event.wait(self.config.poll_seconds)

    def _warn_once(self, text: str, now: float | None = None) -> bool:
        """Log ``text`` unless it is the warning logged last, less than REPEAT_LOG_SECONDS ago (a master that is
        down fails every pass); True when logged."""
        now = time.monotonic() if now is None else now
        last, when = self._last_warning
        if text == last and now - when < REPEAT_LOG_SECONDS:
            return False
        self._last_warning = (text, now)
        log.warning("%s", text)
        return True

    def fetch_jobs(self) -> list[dict]:
        response = self.http.get(f"{self.config.master_url.rstrip('/')}/v1/jobs/{self.address}")
        response.raise_for_status()
        return response.json()["jobs"]

    def step(self) -> None:
        """One pass: start computing new jobs (up to ``slots`` at once), commit finished ones, reveal committed
        ones, upload revealed results, close finished entries."""
        jobs = self.fetch_jobs()
        live = {job["task_id"] for job in jobs}
        self.running = {task: future for task, future in self.running.items() if not future.done()}
        for job in jobs:
            if self.stop_event.is_set():
                return
            try:
                self.process(job)
            except Exception as exc:  # one bad job (a refused tx, a bad blob) must not starve the others
                self.status.error(f"task {job['task_id']}: {exc}")
                log.warning("task %s: %s", job["task_id"], exc)
        for entry in self.journal.open_entries():
            if entry["task"] not in live and entry["task"] not in self.running:
                try:
                    self.finish(entry)
                except Exception as exc:  # the chain or the master is unreachable: try again next pass
                    self.status.error(f"task {entry['task']}: {exc}")
                    log.warning("closing task %s: %s", entry["task"], exc)
        self.passes += 1
        if self.passes % COMPACT_EVERY == 0:
            self.journal.compact(keep=live | set(self.running))  # keep abandoned jobs that are still live
        if not self.running:
            self.status.set_phase(None, "idle")

    def process(self, job: dict) -> None:
        task_id = job["task_id"]
        if task_id in self.running:
            return  # being computed (and committed) by a job thread
        entry = self.journal.get(task_id, ROUND)
        step = entry["step"] if entry is not None else None
        if step == "done":
            return
        may_commit = compute_api.commit_refusal(job["state"], job["status"]) is None  # commit, or hand back
        if step == "abandoned":  # never recompute a job this worker gave up on; make sure the chain knows
            if may_commit:
                self.chain.send([MsgHandBackTask(decode_address(self.address), task_id)])
            return
        if may_commit:
            if step in ("committed", "revealed", "uploaded"):
                return  # the commit is in; the master's view is a block behind
            if (entry is None or "result_hash" not in entry["data"]) and (self.leaving.is_set() or self.paused.is_set()):
                # not started: another worker takes it now
                self.hand_back(task_id, "the worker is stopping" if self.leaving.is_set() else "the worker is paused")
                return
            if entry is None or "result_hash" not in entry["data"]:
                if self.config.slots == 1:  # one slot: compute in the loop itself
                    entry = self.compute(job)
                    if entry is None:
                        return
                else:
                    self.running[task_id] = self.pool.submit(self._compute_and_commit, job)
                    return
            self.send_commit(task_id, entry)  # computed now, or before a restart: commit what was journaled
        elif compute_api.reveal_refusal(job["state"], job["status"]) is None:
            if step in ("revealed", "uploaded"):
                return
            if entry is None or "salt" not in entry["data"]:
                self.status.error(f"task {task_id}: committed on chain but not in the journal; cannot reveal")
                return
            self.send_reveal(task_id, entry)

    def drain(self, timeout: float | None = None) -> None:
        """Wait for the job threads in flight (tests, and a clean stop)."""
        for future in list(self.running.values()):
            future.exception(timeout)

    def _compute_and_commit(self, job: dict) -> None:
        """A job thread: run the job in the sandbox, journal the outcome, send the commitment."""
        task_id = job["task_id"]
        try:
            entry = self.compute(job)
            if entry is not None:
                self.send_commit(task_id, entry)
        except Exception as exc:  # reported; the main loop retries the commit from the journal
            self.status.error(f"task {task_id}: {exc}")
            log.warning("task %s: %s", task_id, exc)

    def compute(self, job: dict) -> dict | None:
        """Fetch, check and run the job; journal the outcome before anything is sent. A job it cannot finish is
        handed back (hand_back) and None returned."""
        task_id = job["task_id"]
        if job["max_fuel"] > self.config.max_fuel:
            return self.hand_back(task_id, f"max_fuel {job['max_fuel']} above this worker's limit {self.config.max_fuel}")
        memory_mb = min(self.class_ram_mb(job["class_name"]), WASM32_MAX_MB)
        if memory_mb > self.config.max_memory_mb:
            return self.hand_back(task_id, f"class {job['class_name']} needs {memory_mb} MiB, above this worker's max_memory_mb")
        cap = self.config.max_cache_mb * 1024 * 1024
        if cap and cache_bytes(self.home / "results") >= cap:
            return self.hand_back(task_id, f"the results awaiting upload fill max_cache_mb ({self.config.max_cache_mb} MiB)")
        self.status.set_phase(task_id, "fetching")
        module = self.download(job["app_hash"], task_id)
        data = self.download(job["input_hash"], task_id)
        log.info("task %s: fetched module %s… (%d bytes) and input (%d bytes)", task_id, job["app_hash"][:12],
                 len(module), len(data))
        run_seconds = min(self.config.wall_timeout_seconds, job["step_deadline"] - time.time() - HAND_BACK_MARGIN_SECONDS)
        if run_seconds <= 0:
            return self.hand_back(task_id, "too little time left before the commit deadline to run the job")
        self.status.set_phase(task_id, "running")
        # the memory limit comes from the task's class, not from this worker, so honest workers agree on traps
        started = time.monotonic()
        outcome = run_sandboxed(module, data, job["max_fuel"], memory_mb * 1024 * 1024, run_seconds)
        log.info("task %s: computed: %s, %d fuel of %d, in %.1fs", task_id, outcome.status, outcome.fuel_used,
                 job["max_fuel"], time.monotonic() - started)
        try:
            result = canonical_result(outcome)
        except ValueError:
            log.warning("task %s: %s: %s", task_id, outcome.status, outcome.detail)
            return self.hand_back(task_id, f"{outcome.status} after {run_seconds:.0f}s: {outcome.detail}")
        if self.config.lie:
            result = result + LIE_SUFFIX
        result_hash = hashlib.sha256(result).digest()
        output_path = self.home / "results" / f"{task_id}.bin"
        output_path.write_bytes(result)
        salt = os.urandom(32)
        self.journal.record(task_id, ROUND, "computed", salt=salt.hex(), result_hash=result_hash.hex(),
                            fuel=outcome.fuel_used, status=outcome.status, output_path=str(output_path))
        self.status.last_fuel = outcome.fuel_used
        self.status.last_result = outcome.status
        return self.journal.get(task_id, ROUND)

    def hand_back(self, task_id: int, reason: str) -> None:
        """Give up a job this worker cannot finish before the commit deadline: journal it (never computed again)
        and return it on chain, which costs no deposit; the master names a replacement."""
        self.status.error(f"task {task_id}: handing back: {reason}")
        self.journal.record(task_id, ROUND, "abandoned", reason=reason)  # a failed send is retried by process()
        self.chain.send([MsgHandBackTask(decode_address(self.address), task_id)])
        log.info("task %s handed back: %s", task_id, reason)
        return None

    def class_ram_mb(self, class_name: str) -> int:
        if class_name not in self._classes:
            self._classes = {c["name"]: c for c in self.chain.query("/compute/classes")}
        return self._classes[class_name]["ram_mb"]

    def _blob_request(self, method: str, digest: str, task_id: int, content: bytes | None = None) -> httpx.Response:
        """A blob request signed with this worker's key (the master serves and takes a task's blobs only from
        its parties)."""
        path = f"/v1/blobs/{digest}"
        headers = sign_headers(self.chain.signing_key, self.config.chain_id, method, path, digest=digest,
                               task_id=task_id)
        return self.http.request(method, f"{self.config.master_url.rstrip('/')}{path}", params={"task": task_id},
                                 headers=headers, content=content)

    def download(self, digest: str, task_id: int) -> bytes:
        response = self._blob_request("GET", digest, task_id)
        response.raise_for_status()
        if len(response.content) > self.config.max_blob_bytes:
            raise ValueError(f"blob {digest[:16]}… is larger than max_blob_bytes")
        if hashlib.sha256(response.content).hexdigest() != digest:
            raise ValueError(f"blob {digest[:16]}… from the master does not match its hash")
        return response.content

    def send_commit(self, task_id: int, entry: dict) -> None:
        data = entry["data"]
        self.status.set_phase(task_id, "committing")
        value = commitment(bytes.fromhex(data["result_hash"]), data["fuel"], bytes.fromhex(data["salt"]),
                           decode_address(self.address))
        result = self.chain.send([MsgCommitResult(decode_address(self.address), task_id, value)])
        self.journal.record(task_id, ROUND, "committed", height=result.height, txhash=result.tx_hash)
        log.info("task %s: committed at height %s", task_id, result.height)

    def send_reveal(self, task_id: int, entry: dict) -> None:
        data = entry["data"]
        self.status.set_phase(task_id, "revealing")
        result = self.chain.send([MsgRevealResult(decode_address(self.address), task_id, bytes.fromhex(data["result_hash"]),
                                                  data["fuel"], bytes.fromhex(data["salt"]))])
        self.journal.record(task_id, ROUND, "revealed", height=result.height, txhash=result.tx_hash)
        log.info("task %s: revealed at height %s", task_id, result.height)
        self.upload(task_id, entry)

    def upload(self, task_id: int, entry: dict) -> bool:
        """Push the revealed result to the master (it accepts only results revealed for its tasks); True when stored."""
        data = entry["data"]
        path = Path(data["output_path"])
        self.status.set_phase(task_id, "uploading")
        content = path.read_bytes()
        for _attempt in range(UPLOAD_ATTEMPTS):
            response = self._blob_request("PUT", data["result_hash"], task_id, content)
            if response.status_code in (200, 201):
                self.journal.record(task_id, ROUND, "uploaded")
                log.info("task %s: result uploaded to the master", task_id)
                return True
            # 409 busy: another worker is uploading the same result; otherwise the master's chain view may lag
            # one block behind the reveal
            time.sleep(_retry_after(response, 0.5))
        self.status.error(f"task {task_id}: master refused the result: {response.status_code} {response.text[:100]}")
        return False

    def finish(self, entry: dict) -> None:
        """The chain no longer lists the task for this worker: record how it ended and free the disk."""
        task_id = entry["task"]
        task = self.chain.query_or_none(f"/compute/task/{task_id}")
        outcome = "gone"
        if task is not None:
            mine = next((p for p in task["participants"] if p["worker"] == self.address), None)
            revealed = mine is not None and mine["status"] == "revealed" and \
                mine["result_hash"] == entry["data"].get("result_hash")
            if entry["step"] != "uploaded" and revealed and task["result_hash"]:
                # revealed on chain (maybe in a tx whose inclusion we never saw) but not uploaded yet
                if not self.upload(task_id, entry) and task["state"] == "delivered":
                    return  # the customer may still download it: try again next pass
            if mine is not None and task["result_hash"]:
                outcome = "accepted" if mine["result_hash"] == task["result_hash"] else "outvoted"
            else:
                outcome = task["state"]
        self.status.history = (self.status.history + [
            (task_id, outcome, entry["data"].get("fuel", 0), entry["data"].get("result_hash", "")[:16])])[-8:]
        self.status.results += 1
        self.journal.record(task_id, ROUND, "done", outcome=outcome)
        log.info("task %s: %s%s", task_id, outcome, {
            "accepted": " (in the majority: counted as completed)",
            "outvoted": " (in the minority: slashed)"}.get(outcome, ""))
        output = entry["data"].get("output_path")
        if output:
            Path(output).unlink(missing_ok=True)


def _retry_after(response: httpx.Response, default: float) -> float:
    """The wait a 409 busy or a 429 asks for (Retry-After, capped), else ``default``."""
    if response.status_code in (409, 429):
        return retry_after_seconds(response.headers.get("retry-after"), default, MAX_RETRY_AFTER_SECONDS)
    return default

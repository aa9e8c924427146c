"""HTTP API of a master node: blob upload and download for a task's parties, admissions, chain views for workers.

The chain is the source of truth. Every blob request names its task
(``?task=<id>``) and is signed by the account that sends it
(client.httpsig): the master verifies the signature and its freshness,
derives the signer's address and checks on the task's chain view that the
signer may move that digest (masternode.access). The bytes are hashed by
the store whatever the client claims. Uploads are bounded in time (a
deadline for the whole body and an idle timeout between chunks) and in
number (one in flight per digest, a few per signer); a stopped upload gives
its reserved room back at once. Routes stay thin: they translate between
HTTP and the store, the chain view and the access rules.

Every error answer is JSON ``{"error": <code>, "detail": <text>}``:

====  =====================  ===============================================
400   invalid_digest         not 64 lowercase hex characters
400   invalid_request        bad path or query parameter (task id, worker
                             address), bad Content-Length, client gone
401   unauthenticated        unsigned, badly or wrongly signed, stale or
                             replayed request
403   forbidden              the signer is not a party of the task
403   not_expected           the task does not let the signer move this digest
403   not_admitted           the admission policy does not admit the worker
404   not_found              blob, task or route unknown
408   upload_timeout         the body did not arrive within the deadline or
                             stalled longer than the idle timeout
409   busy                   another upload of this digest is in flight
                             (Retry-After)
409   conflict               the stored twin vanished mid-upload; retry
413   too_large              body larger than the digest's allowance
422   hash_mismatch          body does not hash to the digest
429   too_many_uploads       the signer has too many uploads in flight
                             (Retry-After)
500   corrupted              the stored copy went bad (it has been deleted)
503   chain_unavailable      the chain view raised (RPC down, for example)
507   store_full             the store quota would be exceeded
====  =====================  ===============================================

A client's mistake gets a 4xx and no log line; a chain view that fails
gets one warning line (never a traceback, whoever sent the request).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol, TypeVar

import anyio
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from chain_modules.common.address import is_valid_address
from client.httpsig import DEFAULT_WINDOW_SECONDS, SignatureError, SignedRequest, verify_headers
from masternode.access import Refused, ReplayGuard, UploadGate, download_kind, upload_kind
from masternode.admission import Admitter
from masternode.blobstore import (
    READ_CHUNK_BYTES,
    BlobCorrupted,
    BlobError,
    BlobNotFound,
    BlobStore,
    BlobTooLarge,
    HashMismatch,
    InvalidDigest,
    StoreFull,
    check_digest,
)

DEFAULT_PORT = 8700
MAX_TASK_ID = 2**63 - 1
ADMISSIONS_PATH = "/v1/admissions"

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class ApiSettings:
    """What the API enforces besides the store's own limits."""

    chain_id: str
    signature_window_seconds: int = DEFAULT_WINDOW_SECONDS
    upload_min_seconds: float = 30.0  # every upload may take at least this long ...
    upload_min_bytes_per_second: int = 64 * 1024  # ... or as long as its size at this rate
    upload_idle_seconds: float = 15.0  # the longest wait for the next chunk of a body
    max_uploads_per_client: int = 4
    busy_retry_seconds: int = 2  # Retry-After of a 409 busy or a 429

    def __post_init__(self) -> None:
        for name in ("upload_min_seconds", "upload_idle_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
        for name in ("signature_window_seconds", "upload_min_bytes_per_second", "max_uploads_per_client",
                     "busy_retry_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    def upload_deadline_seconds(self, size: int) -> float:
        """Time allowed for a whole body of ``size`` bytes: max(T_min, size / min_rate)."""
        return max(self.upload_min_seconds, size / self.upload_min_bytes_per_second)


class ChainView(Protocol):
    """What the API needs to know from the chain. Methods block (they do RPC)."""

    def task(self, task_id: int, fresh: bool = False) -> dict | None:
        """Chain view of a task of this master (hex app_hash, input_hash, result_hash), or None.
        May be a few seconds old unless ``fresh``."""

    def upload_limit(self, task: dict, kind: str) -> int:
        """Largest size allowed for the task's module, input or result (access.MODULE, INPUT, RESULT)."""

    def jobs_for_worker(self, worker: str) -> list[dict]:
        """Open assignments of the worker (bech32 address) at this master, as JSON-able dicts."""


class _ChainUnavailable(Exception):
    pass


class _Rejected(Exception):
    """Ends a request with an error answer (raised by the checks shared by several routes)."""

    def __init__(self, status_code: int, error: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.response = _error(status_code, error, detail, headers)


class _UploadTimeout(Exception):
    pass


def _error(status_code: int, error: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status_code, headers=headers)


async def _ask_chain(call: Callable[..., T], *args: Any) -> T:
    try:
        return await run_in_threadpool(call, *args)
    except Exception as exc:
        # One line, no traceback: a request must not be able to make the log grow by more than a line.
        log.warning("chain view %s failed: %s: %s", getattr(call, "__name__", call), type(exc).__name__, exc)
        raise _ChainUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _declared_length(request: Request) -> int | None:
    """The Content-Length header as an int, None when absent. Raises ValueError when malformed."""
    header = request.headers.get("content-length")
    if header is None:
        return None
    if not header.isascii() or not header.isdigit():
        raise ValueError(f"Content-Length must be a non-negative integer, got {header!r}")
    return int(header)


def parse_task_id(text: str | None) -> int:
    """A task id from a path or query parameter. Raises ValueError with a readable message."""
    if text is None or text == "":
        raise ValueError("name the task the blob belongs to: add ?task=<task id>")
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > MAX_TASK_ID:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise ValueError(f"task id must be an integer from 0 to {MAX_TASK_ID}, got {shown!r}")
    return int(text)


def _iter_file(blob: BinaryIO) -> Iterator[bytes]:
    with blob:
        while chunk := blob.read(READ_CHUNK_BYTES):
            yield chunk


def _is_stored(store: BlobStore, digest: object) -> bool:
    try:
        return store.has(check_digest(digest))
    except InvalidDigest:
        return False


async def _bounded(chunks: AsyncIterator[bytes], deadline: float, idle_seconds: float) -> AsyncIterator[bytes]:
    """The chunks of a body, ending it with _UploadTimeout when the next one is later than the idle
    timeout or than the deadline (time.monotonic)."""
    iterator = chunks.__aiter__()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _UploadTimeout("the body did not arrive within its deadline")
        wait = min(idle_seconds, remaining)
        try:
            with anyio.fail_after(wait):
                chunk = await iterator.__anext__()
        except StopAsyncIteration:
            return
        except TimeoutError:
            if wait < idle_seconds:
                raise _UploadTimeout("the body did not arrive within its deadline") from None
            raise _UploadTimeout(f"no byte of the body arrived for {idle_seconds:g} s") from None
        yield chunk


class _MasterCollector:
    """Prometheus metrics read at each scrape from the store, the upload gate and the chain facts the assignment
    loop keeps in ``info``."""

    def __init__(self, store: BlobStore, info: dict, uploads_in_flight) -> None:
        self.store, self.info, self.uploads_in_flight = store, info, uploads_in_flight

    def collect(self):
        yield GaugeMetricFamily("amino_master_blobs", "blobs in the store", value=self.store.count)
        yield GaugeMetricFamily("amino_master_store_bytes", "bytes of the stored blobs", value=self.store.total_bytes)
        yield GaugeMetricFamily("amino_master_store_reserved_bytes", "bytes reserved by uploads in flight",
                                value=self.store.reserved_bytes)
        yield GaugeMetricFamily("amino_master_store_max_bytes", "the store's limit", value=self.store.max_total_bytes)
        yield GaugeMetricFamily("amino_master_uploads_in_flight", "uploads being received",
                                value=self.uploads_in_flight())
        info = dict(self.info)
        if "active" in info:
            yield GaugeMetricFamily("amino_master_active", "1 while elected (receives tasks)", value=int(info["active"]))
            yield GaugeMetricFamily("amino_master_reputation_bps", "the chain's reputation figure",
                                    value=info["reputation_bps"])
            tasks = CounterMetricFamily("amino_master_chain_tasks", "this master's tasks as the chain counts them",
                                        labels=["outcome"])
            tasks.add_metric(["completed"], info["completed"])
            tasks.add_metric(["failed"], info["failed"])
            yield tasks
        if "assigned_since_start" in info:
            yield CounterMetricFamily("amino_master_assignments", "assign txs sent since the service started",
                                      value=info["assigned_since_start"])


def create_app(store: BlobStore, chain: ChainView, info: dict, settings: ApiSettings,
               admitter: Admitter | None = None) -> FastAPI:
    app = FastAPI(title="Amino master node", docs_url="/docs", redoc_url=None, openapi_url="/openapi.json",
                  description="Job blobs for customers and workers (signed requests), admissions, status and metrics.")
    registry = CollectorRegistry()
    registry.register(_MasterCollector(store, info, lambda: gate.in_flight))
    replays = ReplayGuard(ttl_seconds=2 * settings.signature_window_seconds + 1)
    gate = UploadGate(settings.max_uploads_per_client)
    app.state.replays, app.state.gate = replays, gate

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = "not_found" if exc.status_code == 404 else "http_error"
        return _error(exc.status_code, error, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}" for problem in exc.errors()
        )
        return _error(400, "invalid_request", problems)

    @app.exception_handler(_ChainUnavailable)
    async def chain_unavailable(request: Request, exc: _ChainUnavailable) -> JSONResponse:
        return _error(503, "chain_unavailable", f"the chain could not be queried: {exc}")

    @app.exception_handler(_Rejected)
    async def rejected(request: Request, exc: _Rejected) -> JSONResponse:
        return exc.response

    def authenticate(request: Request, path: str, digest: str = "", task_id: int | None = None) -> SignedRequest:
        try:
            return verify_headers(request.headers, settings.chain_id, request.method, path, digest=digest,
                                  task_id=task_id, window_seconds=settings.signature_window_seconds)
        except SignatureError as exc:
            raise _Rejected(401, "unauthenticated", str(exc), {"www-authenticate": "Amino-Ed25519"}) from None

    def first_use(signed: SignedRequest) -> None:
        """Called once a request passed every check, so only parties' signatures are remembered."""
        if not replays.first_use(signed.signature):
            raise _Rejected(401, "unauthenticated", "this signature was already used: sign every request anew",
                            {"www-authenticate": "Amino-Ed25519"})

    def blob_request(request: Request, digest: str) -> tuple[int, SignedRequest]:
        """The task id and the signer of a blob request, checked in the order of the error table."""
        try:
            check_digest(digest)
        except InvalidDigest as exc:
            raise _Rejected(400, "invalid_digest", str(exc)) from None
        try:
            task_id = parse_task_id(request.query_params.get("task"))
        except ValueError as exc:
            raise _Rejected(400, "invalid_request", str(exc)) from None
        return task_id, authenticate(request, f"/v1/blobs/{digest}", digest, task_id)

    async def task_for(task_id: int, signer: str, decide: Callable[[dict, str], str]) -> tuple[dict, str]:
        """The task and what ``decide`` says the signer may do with it, asking the chain afresh before a refusal
        (a worker acts right after the block that assigned it or took its reveal)."""
        for fresh in (False, True):
            task = await _ask_chain(chain.task, task_id, fresh)
            if task is None:
                if fresh:
                    raise _Rejected(404, "not_found", f"task {task_id} is not a task of this master")
                continue
            try:
                return task, decide(task, signer)
            except Refused as exc:
                if fresh:
                    raise _Rejected(403, exc.error, str(exc)) from None
        raise AssertionError("unreachable")

    @app.get("/v1/status")
    async def get_status() -> dict:
        return {
            "info": info,
            "blobs": store.count,
            "bytes": store.total_bytes,
            "reserved_bytes": store.reserved_bytes,
            "uploads_in_flight": gate.in_flight,
            "max_blob_bytes": store.max_blob_bytes,
            "max_total_bytes": store.max_total_bytes,
        }

    @app.get("/metrics", include_in_schema=False)
    async def get_metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.put("/v1/blobs/{digest}")
    async def put_blob(digest: str, request: Request) -> Response:
        task_id, signed = blob_request(request, digest)
        try:
            declared = _declared_length(request)
        except ValueError as exc:
            return _error(400, "invalid_request", str(exc))
        task, kind = await task_for(task_id, signed.address, lambda t, who: upload_kind(t, who, digest))
        first_use(signed)
        limit = min(await _ask_chain(chain.upload_limit, task, kind), store.max_blob_bytes)
        if declared is not None and declared > limit:
            return _error(413, "too_large", str(BlobTooLarge(digest, limit, declared)))

        retry = {"retry-after": str(settings.busy_retry_seconds)}
        refusal = gate.enter(digest, signed.address)
        if refusal == "busy":
            return _error(409, "busy", f"another upload of blob {digest} is in flight; retry later", retry)
        if refusal == "too_many":
            return _error(429, "too_many_uploads", f"{signed.address} already has {gate.per_client} uploads in "
                          "flight; retry when one ends", retry)
        already_stored = store.has(digest)
        deadline = time.monotonic() + settings.upload_deadline_seconds(declared if declared is not None else limit)
        try:
            body = _bounded(request.stream(), deadline, settings.upload_idle_seconds)
            size = await store.aput_stream(digest, body, declared, limit=limit)
        except _UploadTimeout as exc:
            return _error(408, "upload_timeout", f"upload of blob {digest} stopped: {exc}", {"connection": "close"})
        except BlobTooLarge as exc:
            return _error(413, "too_large", str(exc))
        except HashMismatch as exc:
            return _error(422, "hash_mismatch", str(exc))
        except StoreFull as exc:
            return _error(507, "store_full", str(exc))
        except ClientDisconnect:
            return _error(400, "invalid_request", "the client disconnected before the body was complete")
        except BlobError as exc:
            return _error(409, "conflict", str(exc))
        finally:
            gate.leave(digest, signed.address)
        return JSONResponse({"digest": digest, "size": size, "task": task_id, "kind": kind},
                            status_code=200 if already_stored else 201)

    async def readable(request: Request, digest: str) -> None:
        task_id, signed = blob_request(request, digest)
        await task_for(task_id, signed.address, lambda t, who: download_kind(t, who, digest))
        first_use(signed)

    # Registered before GET so HEAD never falls through to the hashing GET handler.
    @app.head("/v1/blobs/{digest}")
    async def head_blob(digest: str, request: Request) -> Response:
        """Existence and size only: HEAD does not re-hash the blob."""
        await readable(request, digest)
        try:
            size = store.size(digest)
        except BlobNotFound as exc:
            return _error(404, "not_found", str(exc))
        headers = {"content-length": str(size), "x-content-sha256": digest}
        return Response(status_code=200, headers=headers, media_type="application/octet-stream")

    @app.get("/v1/blobs/{digest}")
    async def get_blob(digest: str, request: Request) -> Response:
        await readable(request, digest)
        try:
            blob, size = await run_in_threadpool(store.open_verified, digest)
        except BlobNotFound as exc:
            return _error(404, "not_found", str(exc))
        except BlobCorrupted as exc:
            log.error("%s", exc)
            return _error(500, "corrupted", str(exc))
        headers = {"content-length": str(size), "x-content-sha256": digest}
        return StreamingResponse(
            _iter_file(blob),
            media_type="application/octet-stream",
            headers=headers,
            background=BackgroundTask(blob.close),
        )

    @app.post(ADMISSIONS_PATH)
    async def post_admission(request: Request) -> Response:
        signed = authenticate(request, ADMISSIONS_PATH)
        if admitter is None:
            return _error(404, "not_found", "this master node does not hand out admissions")
        if not await run_in_threadpool(admitter.admits, signed.address):
            return _error(403, "not_admitted", f"the admission policy of master {admitter.operator} does not admit "
                          f"{signed.address}; ask its operator to add the address")
        first_use(signed)
        admission = admitter.admit(signed.address)
        log.info("admission signed for worker %s", signed.address)
        return JSONResponse({**admission, "master": admitter.operator, "worker": signed.address,
                             "chain_id": admitter.chain_id})

    @app.get("/v1/jobs/{worker}")
    async def get_jobs(worker: str) -> Response:
        if not is_valid_address(worker):
            shown = worker if len(worker) <= 80 else worker[:77] + "..."
            return _error(400, "invalid_request", f"{shown!r} is not a worker address (bech32 amio1...)")
        jobs = await _ask_chain(chain.jobs_for_worker, worker)
        return JSONResponse({"worker": worker, "jobs": jobs})

    @app.get("/v1/tasks/{task_id}")
    async def get_task(task_id: str) -> Response:
        try:
            number = parse_task_id(task_id)
        except ValueError as exc:
            return _error(400, "invalid_request", str(exc))
        task = await _ask_chain(chain.task, number, False)
        if task is None:
            return _error(404, "not_found", f"task {number} is not a task of this master")
        return JSONResponse({
            "task": task,
            "module_stored": _is_stored(store, task.get("app_hash")),
            "input_stored": _is_stored(store, task.get("input_hash")),
            "result_stored": _is_stored(store, task.get("result_hash")),
        })

    return app


class RunningServer:
    """A uvicorn server running in a background thread; stop() shuts it down gracefully."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        sockets = [sock for listener in server.servers for sock in listener.sockets]
        host, port = sockets[0].getsockname()[:2]
        self.host: str = host
        self.port: int = port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)

    def wait(self) -> None:
        """Block until the server stops; Ctrl-C stops it."""
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            self.stop()

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    app: FastAPI,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    log_level: str = "warning",
    startup_timeout: float = 10.0,
) -> RunningServer:
    """Start app under uvicorn in a daemon thread and return once it accepts connections.

    port=0 picks a free port (read it from the result). Loopback by default:
    exposing a master node on every interface is a deliberate choice of host.
    """
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"masternode-http-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the HTTP server on {host}:{port} exited during startup (port in use?)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the HTTP server on {host}:{port} did not start within {startup_timeout} s")
        time.sleep(0.01)
    return RunningServer(server, thread)

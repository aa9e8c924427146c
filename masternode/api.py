"""HTTP API of a master node: blob upload and download, and read-only chain views for workers.

The chain is the source of truth. A blob is accepted only if a task allocated
to this master references its digest (``ChainView.blob_allowed``), and its
bytes are hashed by the store whatever the client claims. Routes stay thin:
they translate between HTTP and the store or the chain view, nothing more.

Every error answer is JSON ``{"error": <code>, "detail": <text>}``:

====  =====================  ===============================================
400   invalid_digest         not 64 lowercase hex characters
400   invalid_request        bad path parameter or Content-Length header
403   not_expected           no task of this master references the digest
404   not_found              blob, task or route unknown
409   conflict               the stored twin vanished mid-upload; retry
413   too_large              body larger than the digest's allowance
422   hash_mismatch          body does not hash to the digest
500   corrupted              the stored copy went bad (it has been deleted)
503   chain_unavailable      the chain view raised (RPC down, for example)
507   store_full             the store quota would be exceeded
====  =====================  ===============================================
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Protocol, TypeVar

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

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

log = logging.getLogger(__name__)

T = TypeVar("T")


class ChainView(Protocol):
    """What the API needs to know from the chain. Methods block (they do RPC)."""

    def blob_allowed(self, digest: bytes) -> int | None:
        """Largest size allowed for this digest, or None if no task of this master references it."""

    def jobs_for_worker(self, worker: str) -> list[dict]:
        """Open assignments of the worker (bech32 address) at this master, as JSON-able dicts."""

    def task(self, task_id: int) -> dict | None:
        """Chain view of a task (hex fields app_hash, input_hash, result_hash), or None."""


class _ChainUnavailable(Exception):
    pass


def _error(status_code: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status_code)


async def _ask_chain(call: Callable[..., T], *args: Any) -> T:
    try:
        return await run_in_threadpool(call, *args)
    except Exception as exc:
        log.exception("chain view %s failed", getattr(call, "__name__", call))
        raise _ChainUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _declared_length(request: Request) -> int | None:
    """The Content-Length header as an int, None when absent. Raises ValueError when malformed."""
    header = request.headers.get("content-length")
    if header is None:
        return None
    if not header.isascii() or not header.isdigit():
        raise ValueError(f"Content-Length must be a non-negative integer, got {header!r}")
    return int(header)


def _iter_file(blob: BinaryIO) -> Iterator[bytes]:
    with blob:
        while chunk := blob.read(READ_CHUNK_BYTES):
            yield chunk


def _is_stored(store: BlobStore, digest: object) -> bool:
    try:
        return store.has(check_digest(digest))
    except InvalidDigest:
        return False


def create_app(store: BlobStore, chain: ChainView, info: dict) -> FastAPI:
    app = FastAPI(title="Amino master node", docs_url=None, redoc_url=None, openapi_url=None)

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

    @app.get("/v1/status")
    async def get_status() -> dict:
        return {
            "info": info,
            "blobs": store.count,
            "bytes": store.total_bytes,
            "max_blob_bytes": store.max_blob_bytes,
            "max_total_bytes": store.max_total_bytes,
        }

    @app.put("/v1/blobs/{digest}")
    async def put_blob(digest: str, request: Request) -> Response:
        try:
            check_digest(digest)
            declared = _declared_length(request)
        except InvalidDigest as exc:
            return _error(400, "invalid_digest", str(exc))
        except ValueError as exc:
            return _error(400, "invalid_request", str(exc))

        allowed = await _ask_chain(chain.blob_allowed, bytes.fromhex(digest))
        if allowed is None:
            return _error(403, "not_expected", f"no task allocated to this master references blob {digest}")
        limit = min(allowed, store.max_blob_bytes)
        if declared is not None and declared > limit:
            return _error(413, "too_large", str(BlobTooLarge(digest, limit, declared)))

        already_stored = store.has(digest)
        try:
            size = await store.aput_stream(digest, request.stream(), declared, limit=limit)
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
        return JSONResponse({"digest": digest, "size": size}, status_code=200 if already_stored else 201)

    # Registered before GET so HEAD never falls through to the hashing GET handler.
    @app.head("/v1/blobs/{digest}")
    async def head_blob(digest: str) -> Response:
        """Existence and size only: HEAD does not re-hash the blob."""
        try:
            size = store.size(digest)
        except InvalidDigest as exc:
            return _error(400, "invalid_digest", str(exc))
        except BlobNotFound as exc:
            return _error(404, "not_found", str(exc))
        headers = {"content-length": str(size), "x-content-sha256": digest}
        return Response(status_code=200, headers=headers, media_type="application/octet-stream")

    @app.get("/v1/blobs/{digest}")
    async def get_blob(digest: str) -> Response:
        try:
            blob, size = await run_in_threadpool(store.open_verified, digest)
        except InvalidDigest as exc:
            return _error(400, "invalid_digest", str(exc))
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

    @app.get("/v1/jobs/{worker}")
    async def get_jobs(worker: str) -> dict:
        jobs = await _ask_chain(chain.jobs_for_worker, worker)
        return {"worker": worker, "jobs": jobs}

    @app.get("/v1/tasks/{task_id}")
    async def get_task(task_id: int) -> Response:
        if task_id < 0:
            return _error(400, "invalid_request", f"task id must be non-negative, got {task_id}")
        task = await _ask_chain(chain.task, task_id)
        if task is None:
            return _error(404, "not_found", f"task {task_id} is not known to the chain")
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

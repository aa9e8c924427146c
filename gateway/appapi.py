"""The application API: what a PaaS/SaaS application whose account holds an active API-access lock may do
through the gateway (submit a compute task, upload its job and input, follow it, fetch the result).

Every request is signed with the account's key in the master node's request scheme (client/httpsig.py: the
``x-amino-*`` headers over chain id, method, path, blob digest, task id, timestamp and nonce). The signed path
is the route without the gateway's ``/app`` prefix (``/v1/tasks``, ``/v1/blobs/<digest>``), so a blob request
is forwarded to the task's master node with the very same headers, and the master checks them again.

Checks, in order, each with its own answer:

1. the signature verifies, its timestamp is within the window, and it was not used before (replay): else 401;
2. the signer's account has active API access on chain (``/locks/api_access``): else 403 saying since when
   access ended (or that it was never bought) and how to buy it;
3. the account is within its rate limit, a token bucket whose size and refill grow with the amount its
   active API locks hold (``requests_per_minute``): else 429 with Retry-After;
4. the request is the customer's own (its tx signer, or the task's customer): else 403.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from abci_app.codec import TxDecodeError, decode_tx
from chain_modules.common.address import address_from_pubkey
from chain_modules.common.encoding import EncodingError
from client.httpsig import DEFAULT_WINDOW_SECONDS, SignatureError, verify_headers
from gateway.errors import FORBIDDEN, RATE_LIMITED, UNAUTHORIZED, GatewayError, bad_request
from gateway.history import _read_body
from gateway.render import decode_view
from gateway.render import events as render_events
from gateway.rpc import RpcFailure

SUBMIT_TYPE = "compute/submit_task"
MAX_SUBMIT_BODY = 64 << 10
MAX_BLOB_BODY = 64 << 20
COMMIT_WAIT_SECONDS = 30.0
# rate limit: requests per minute = max(MIN, locked uamio // UAMIO_PER_REQUEST_PER_MINUTE)
UAMIO_PER_REQUEST_PER_MINUTE = 1_000
MIN_REQUESTS_PER_MINUTE = 10
_HEX64 = r"^[0-9a-f]{64}$"


def requests_per_minute(locked_uamio: int, uamio_per_request: int = UAMIO_PER_REQUEST_PER_MINUTE) -> int:
    """The account's allowance: proportional to what its active API locks hold, never below the minimum."""
    return max(MIN_REQUESTS_PER_MINUTE, locked_uamio // uamio_per_request)


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """One token bucket per account, of ``per_minute`` tokens refilled at ``per_minute`` a minute."""

    clock: object = time.monotonic
    buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, account: str, per_minute: int) -> float:
        """0 when a request may go now, else the seconds until one may."""
        now = self.clock()
        bucket = self.buckets.get(account)
        if bucket is None:
            bucket = self.buckets[account] = _Bucket(float(per_minute), now)
        bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.updated) * per_minute / 60.0)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) * 60.0 / per_minute


class ReplayGuard:
    """Signatures seen within twice the freshness window; a second use of one is refused."""

    def __init__(self, ttl_seconds: float = 2 * DEFAULT_WINDOW_SECONDS, clock=time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._seen: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def first_use(self, signature: bytes) -> bool:
        now = self._clock()
        with self._lock:
            if len(self._seen) > 4096:
                self._seen = {s: e for s, e in self._seen.items() if e > now}
            expiry = self._seen.get(signature)
            if expiry is not None and expiry > now:
                return False
            self._seen[signature] = now + self.ttl_seconds
            return True


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass
class Caller:
    address: str
    per_minute: int


class AppAccess:
    def __init__(self, uamio_per_request: int = UAMIO_PER_REQUEST_PER_MINUTE, clock=time.time) -> None:
        self.uamio_per_request = uamio_per_request
        self.clock = clock
        self.replays = ReplayGuard()
        self.limiter = RateLimiter()
        self._chain_id: str | None = None

    async def chain_id(self, rpc) -> str:
        if self._chain_id is None:
            self._chain_id = (await rpc.status())["node_info"]["network"]
        return self._chain_id

    async def admit(self, request: Request, signed_path: str, digest: str = "", task_id: int | None = None) -> Caller:
        rpc = request.app.state.rpc
        try:
            signed = verify_headers(request.headers, await self.chain_id(rpc), request.method, signed_path,
                                    digest=digest, task_id=task_id, now=self.clock())
        except SignatureError as exc:
            raise GatewayError(401, str(exc), UNAUTHORIZED) from None
        if not self.replays.first_use(signed.signature):
            raise GatewayError(401, "this signature was used before (a replayed request): sign each request anew",
                               UNAUTHORIZED)
        access = (await rpc.query_ok(f"/locks/api_access/{signed.address}"))["value"]
        access = decode_view(access)
        if not access["active"]:
            if access["access_until"]:
                why = f"its API access ended at {_iso(access['access_until'])}"
            else:
                why = "it never bought API access"
            raise GatewayError(
                403, f"account {signed.address} has no active API-access lock: {why}. Buy access until the time you "
                     f"need it ({access['rate']} uamio locked per second of access, at most {access['max_seconds']} s "
                     f"ahead): 'amino tx lock api-access <key> <amount> --duration 30d'", FORBIDDEN)
        locks = decode_view((await rpc.query_ok(f"/locks/list/{signed.address}"))["value"])
        locked = sum(lock["amount"] for lock in locks["locks"] if lock["kind"] == "api" and not lock["withdrawable"])
        per_minute = requests_per_minute(locked, self.uamio_per_request)
        wait = self.limiter.take(signed.address, per_minute)
        if wait > 0:
            raise GatewayError(429, f"account {signed.address} is over its {per_minute} requests per minute "
                                    f"(proportional to the {locked} uamio its API locks hold); retry in {wait:.1f} s",
                               RATE_LIMITED, headers={"retry-after": str(max(1, int(wait + 0.999)))})
        return Caller(signed.address, per_minute)


async def _task(request: Request, task_id: int) -> dict:
    result = await request.app.state.rpc.query(f"/compute/task/{task_id}")
    if result["code"]:
        raise GatewayError(404 if result["code"] == 5 else 400, result["log"], result["code"], result["codespace"])
    return decode_view(result["value"])


def _own(task: dict, caller: Caller) -> None:
    if task["customer"] != caller.address:
        raise GatewayError(403, f"task {task['id']} belongs to {task['customer']}, not to {caller.address}", FORBIDDEN)


router = APIRouter(prefix="/app")


def _access(request: Request) -> AppAccess:
    return request.app.state.app_access


@router.post("/v1/tasks", tags=["application API"],
             summary="submit a compute task: JSON {\"tx\": base64 of a signed compute/submit_task tx}; signed request",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                 "type": "object", "properties": {"tx": {"type": "string"}}, "required": ["tx"]}}}}})
async def submit_task(request: Request) -> dict:
    caller = await _access(request).admit(request, "/v1/tasks")
    body = await _read_body(request, MAX_SUBMIT_BODY)
    try:
        raw = base64.b64decode(json.loads(body)["tx"], validate=True)
        tx = decode_tx(raw)
    except (ValueError, KeyError, TypeError, TxDecodeError, EncodingError):
        raise bad_request('the body must be JSON {"tx": "<base64 of a signed compute/submit_task tx>"}') from None
    if address_from_pubkey(tx.pubkey) != caller.address:
        raise GatewayError(403, "the tx is signed by another account than the request", FORBIDDEN)
    if [msg_type for msg_type, _body in tx.doc.msgs] != [SUBMIT_TYPE]:
        raise bad_request(f"the tx must hold exactly one {SUBMIT_TYPE} message")
    rpc = request.app.state.rpc
    try:
        checked = await rpc.call("broadcast_tx_sync", tx=base64.b64encode(raw).decode())
    except RpcFailure as exc:
        raise bad_request(f"the node refused the tx: {exc.data or exc}") from None
    if int(checked.get("code", 0)):
        raise GatewayError(400, checked.get("log") or "CheckTx refused the tx", int(checked["code"]),
                           checked.get("codespace") or "tx")
    tx_hash = bytes.fromhex(checked["hash"])
    deadline = time.monotonic() + COMMIT_WAIT_SECONDS
    while True:
        try:
            committed = await rpc.call("tx", hash=base64.b64encode(tx_hash).decode(), prove=False)
            break
        except RpcFailure:
            if time.monotonic() > deadline:
                raise GatewayError(504, f"tx {checked['hash']} was not committed within {COMMIT_WAIT_SECONDS:.0f} s",
                                   8) from None
            await asyncio.sleep(0.3)
    outcome = committed["tx_result"]
    if int(outcome.get("code", 0)):
        raise GatewayError(400, outcome.get("log", "the tx failed"), int(outcome["code"]), outcome.get("codespace", ""))
    submitted = [e["attributes"] for e in render_events(outcome.get("events")) if e["type"] == "task_submitted"]
    return {"task_id": int(submitted[0]["task_id"]), "hash": checked["hash"], "height": int(committed["height"]),
            "requests_per_minute": caller.per_minute}


@router.get("/v1/tasks/{task_id}", tags=["application API"], summary="follow one of your tasks; signed request")
async def follow_task(request: Request, task_id: int = Path(ge=0, le=2**63 - 1)) -> dict:
    caller = await _access(request).admit(request, f"/v1/tasks/{task_id}", task_id=task_id)
    task = await _task(request, task_id)
    _own(task, caller)
    return task


async def _proxy(request: Request, method: str, digest: str, task_id: int) -> Response:
    caller = await _access(request).admit(request, f"/v1/blobs/{digest}", digest=digest, task_id=task_id)
    task = await _task(request, task_id)
    _own(task, caller)
    endpoint = task.get("master_endpoint") or ""
    if not endpoint:
        raise GatewayError(409, f"task {task_id} is {task['state']} and has no master node yet", 13)
    body = await _read_body(request, MAX_BLOB_BODY) if method == "PUT" else None
    headers = {name: value for name, value in request.headers.items() if name.startswith("x-amino-")}
    try:
        async with httpx.AsyncClient(timeout=120) as client:
            answer = await client.request(method, f"{endpoint.rstrip('/')}/v1/blobs/{digest}", params={"task": task_id},
                                          headers=headers, content=body)
    except httpx.HTTPError as exc:
        raise GatewayError(502, f"cannot reach task {task_id}'s master node at {endpoint}: {type(exc).__name__}",
                           8) from None
    passed = {name: value for name, value in answer.headers.items()
              if name in ("content-type", "retry-after", "x-amino-digest")}
    return Response(answer.content, status_code=answer.status_code, headers=passed)


@router.put("/v1/blobs/{digest}", tags=["application API"],
            summary="upload a task's module or input (the body), forwarded to its master node; signed request")
async def upload_blob(request: Request, digest: str = Path(pattern=_HEX64),
                      task: int = Query(ge=0, le=2**63 - 1)) -> Response:
    return await _proxy(request, "PUT", digest, task)


@router.get("/v1/blobs/{digest}", tags=["application API"],
            summary="download a task's accepted result from its master node; signed request")
async def download_blob(request: Request, digest: str = Path(pattern=_HEX64),
                        task: int = Query(ge=0, le=2**63 - 1)) -> Response:
    return await _proxy(request, "GET", digest, task)

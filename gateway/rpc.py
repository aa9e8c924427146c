"""The gateway's asynchronous CometBFT RPC client, with a cache for what can never change.

The gateway reads the chain only through CometBFT: abci_query for state, block/block_results/tx/tx_search for
history, the websocket for new blocks. A committed block, its results and a committed tx never change, so they
are cached (bounded, least recently used), and so is the gateway's rendered JSON answer for them; the latest
height and state queries are not. Plain-http calls go through a keep-alive pool (gateway/rpc_pool.py).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import OrderedDict
from typing import Any

import httpx

from gateway.errors import GatewayError, from_query, upstream
from gateway.rpc_pool import JsonRpcPool, PoolError

CACHE_ENTRIES = 4096
ANSWER_ENTRIES = 1024
STATUS_TTL_SECONDS = 0.25  # a block takes longer: many requests in one block share one status call


class LruCache:
    def __init__(self, size: int = CACHE_ENTRIES) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> Any:
        if key in self._items:
            self._items.move_to_end(key)
            self.hits += 1
            return self._items[key]
        self.misses += 1
        return None

    def put(self, key: tuple, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class RpcFailure(Exception):
    """CometBFT answered a JSON-RPC error (``message`` and ``data`` as it wrote them)."""

    def __init__(self, method: str, message: str, data: str) -> None:
        super().__init__(f"{method}: {message} {data}".strip())
        self.data = data


class ChainRpc:
    def __init__(self, url: str, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.AsyncClient(base_url=self.url, timeout=timeout, transport=transport)
        # plain http to the node goes through the keep-alive pool (gateway/rpc_pool.py: httpx's own pool is
        # the bottleneck under concurrent requests); https and test transports stay on httpx
        self._pool = JsonRpcPool(self.url + "/", timeout) if transport is None and self.url.startswith("http://") \
            else None
        self.cache = LruCache()
        # the rendered JSON of immutable answers (a committed block, a committed tx), served as they are
        self.answers = LruCache(ANSWER_ENTRIES)
        self._status: tuple[float, dict] | None = None
        self._status_call: asyncio.Task | None = None

    async def close(self) -> None:
        await self._client.aclose()
        if self._pool is not None:
            await self._pool.close()

    async def call(self, method: str, **params: Any) -> dict:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        try:
            if self._pool is not None:
                _status, raw = await self._pool.post(json.dumps(body).encode())
                payload = json.loads(raw)
            else:
                payload = (await self._client.post("/", json=body)).json()
        except PoolError as exc:
            raise upstream(f"cannot reach CometBFT RPC at {self.url}: {exc}") from None
        except httpx.HTTPError as exc:
            raise upstream(f"cannot reach CometBFT RPC at {self.url}: {type(exc).__name__}") from None
        except ValueError:
            raise upstream(f"CometBFT RPC answered {method} with a non-JSON body") from None
        error = payload.get("error")
        if error:
            raise RpcFailure(method, str(error.get("message", "")), str(error.get("data", "")))
        return payload["result"]

    async def status(self) -> dict:
        """CometBFT's status, shared for STATUS_TTL_SECONDS: concurrent callers wait for one call."""
        now = time.monotonic()
        if self._status is not None and now - self._status[0] < STATUS_TTL_SECONDS:
            return self._status[1]
        if self._status_call is None or self._status_call.done():
            self._status_call = asyncio.ensure_future(self.call("status"))
        call = self._status_call
        result = await asyncio.shield(call)
        self._status = (time.monotonic(), result)
        return result

    async def latest_height(self) -> int:
        return int((await self.status())["sync_info"]["latest_block_height"])

    async def query(self, path: str, prove: bool = False) -> dict:
        """The abci_query answer at the latest height: code, codespace, log, key, value (bytes), height."""
        try:
            result = (await self.call("abci_query", path=path, data="", height="0", prove=prove))["response"]
        except RpcFailure as exc:
            raise upstream(str(exc)) from None
        return {
            "code": int(result.get("code", 0)),
            "codespace": result.get("codespace", ""),
            "log": result.get("log", ""),
            "key": base64.b64decode(result.get("key") or ""),
            "value": base64.b64decode(result.get("value") or ""),
            "height": int(result.get("height", 0)),
            "proof_ops": (result.get("proofOps") or result.get("proof_ops") or {}).get("ops") or [],
        }

    async def query_ok(self, path: str) -> dict:
        """Like ``query``, raising the chain's error as a GatewayError when the app refuses."""
        result = await self.query(path)
        if result["code"]:
            raise from_query(result["code"], result["codespace"], result["log"])
        return result

    async def _immutable(self, method: str, height_or_hash: str, latest: int | None = None, **params: Any) -> dict:
        """``method`` for a committed height or hash, from the cache when asked before."""
        key = (method, height_or_hash)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        result = await self.call(method, **params)
        self.cache.put(key, result)
        return result

    async def block(self, height: int) -> dict:
        try:
            return await self._immutable("block", str(height), height=str(height))
        except RpcFailure as exc:
            raise _height_error(height, exc) from None

    async def block_results(self, height: int) -> dict:
        try:
            return await self._immutable("block_results", str(height), height=str(height))
        except RpcFailure as exc:
            raise _height_error(height, exc) from None

    async def commit(self, height: int) -> dict:
        try:
            return await self._immutable("commit", str(height), height=str(height))
        except RpcFailure as exc:
            raise _height_error(height, exc) from None

    async def tx(self, tx_hash: bytes) -> dict:
        try:
            return await self._immutable("tx", tx_hash.hex(), hash=base64.b64encode(tx_hash).decode(), prove=False)
        except RpcFailure as exc:
            if "not found" in str(exc):
                raise GatewayError(404, f"no committed tx with hash {tx_hash.hex().upper()}", 5) from None
            raise upstream(str(exc)) from None

    async def blockchain(self, low: int, high: int) -> list[dict]:
        """Block metas from ``high`` down to ``low`` (at most 20, CometBFT's page)."""
        result = await self.call("blockchain", minHeight=str(low), maxHeight=str(high))
        return result["block_metas"]


def _height_error(height: int, exc: RpcFailure) -> GatewayError:
    text = str(exc)
    if "must be less than or equal" in text or "is not available" in text or "lowest height" in text:
        return GatewayError(404, f"no block at height {height} (yet)", 5)
    return upstream(text)

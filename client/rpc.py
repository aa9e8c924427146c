"""A small synchronous client for the CometBFT JSON-RPC (the endpoints the wallet and tests need)."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

import httpx


class RpcError(Exception):
    """The node answered with an error, or could not be reached."""


@dataclass(frozen=True)
class QueryResult:
    code: int
    log: str
    codespace: str
    key: bytes
    value: bytes
    height: int
    proof_ops: list[dict]


def normalize_node_url(url: str) -> str:
    """A CometBFT RPC address as an HTTP URL: ``tcp://host:port`` (CometBFT's own spelling) and a bare
    ``host:port`` mean http; http and https stay as they are. Anything else raises RpcError."""
    text = url.strip().rstrip("/")
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "http", text
    scheme = scheme.lower()
    if scheme == "tcp":
        scheme = "http"
    if scheme not in ("http", "https") or not rest or any(c.isspace() for c in rest):
        raise RpcError(f"node address {url!r} is not tcp://HOST:PORT, http://HOST:PORT or https://HOST:PORT")
    return f"{scheme}://{rest}"


class CometRpc:
    def __init__(self, url: str = "http://127.0.0.1:26657", timeout: float = 10.0) -> None:
        self.url = normalize_node_url(url)
        # plain http uses no TLS, so it skips loading the CA bundle into an SSL context, which httpx does for
        # every client (~40 ms of CPU in every command that talks to a node); https verifies as always. The
        # client follows no redirect, so an http node cannot send it to an unverified https one.
        verify = not self.url.startswith("http://")
        try:
            self._client = httpx.Client(base_url=self.url, timeout=timeout, verify=verify)
        except (httpx.InvalidURL, ValueError) as exc:
            raise RpcError(f"node address {url!r} is not a valid URL: {exc}") from None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "CometRpc":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, **params: Any) -> dict:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        try:
            response = self._client.post("/", json=body)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise RpcError(f"cannot reach CometBFT RPC at {self.url}: {exc} (is the node running? --node sets "
                           "where it is)") from None
        try:
            payload = response.json()
        except ValueError:
            raise RpcError(f"{method}: HTTP {response.status_code} with a non-JSON body") from None
        if "error" in payload and payload["error"]:
            error = payload["error"]
            raise RpcError(f"{method}: {error.get('message', '')} {error.get('data', '')}".strip())
        return payload["result"]

    # -- typed helpers -----------------------------------------------------------

    def status(self) -> dict:
        return self.call("status")

    def latest_height(self) -> int:
        return int(self.status()["sync_info"]["latest_block_height"])

    def broadcast_tx_sync(self, tx: bytes) -> dict:
        return self.call("broadcast_tx_sync", tx=base64.b64encode(tx).decode())

    def tx(self, tx_hash: bytes) -> dict:
        return self.call("tx", hash=base64.b64encode(tx_hash).decode(), prove=False)

    def wait_for_tx(self, tx_hash: bytes, timeout: float = 30.0, poll: float = 0.2) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.tx(tx_hash)
            except RpcError as exc:
                if "not found" not in str(exc):
                    raise
            if time.monotonic() > deadline:
                raise RpcError(f"tx {tx_hash.hex().upper()} was not committed within {timeout:.0f}s")
            time.sleep(poll)

    def wait_for_height(self, height: int, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while True:
            try:
                current = self.latest_height()
                if current >= height:
                    return current
            except RpcError:
                pass
            if time.monotonic() > deadline:
                raise RpcError(f"height {height} not reached within {timeout:.0f}s")
            time.sleep(0.2)

    def abci_query(self, path: str, data: bytes = b"", height: int = 0, prove: bool = False) -> QueryResult:
        result = self.call("abci_query", path=path, data=data.hex(), height=str(height), prove=prove)["response"]
        return QueryResult(
            code=int(result.get("code", 0)),
            log=result.get("log", ""),
            codespace=result.get("codespace", ""),
            key=base64.b64decode(result.get("key") or ""),
            value=base64.b64decode(result.get("value") or ""),
            height=int(result.get("height", 0)),
            proof_ops=(result.get("proofOps") or result.get("proof_ops") or {}).get("ops") or [],
        )

    def tx_search(self, query: str, page: int = 1, per_page: int = 30, order_by: str = "asc") -> dict:
        """CometBFT's tx_search: committed txs whose events match ``query`` (e.g. "transfer.sender='amio1...'")."""
        return self.call("tx_search", query=query, prove=False, page=str(page), per_page=str(per_page),
                         order_by=order_by)

    def block(self, height: int | None = None) -> dict:
        return self.call("block", **({"height": str(height)} if height else {}))

    def net_info(self) -> dict:
        return self.call("net_info")

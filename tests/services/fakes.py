"""A stand-in for a master node's HTTP API, to drive the worker without a uvicorn server.

FakeMaster serves /v1/jobs/<worker> from the real MasterChainView over the
master's ChainClient (of a LocalChain, tests/services/localchain.py: the real
chain in the process) and /v1/blobs/<hash> from a dict, to signed requests
only, and lets a signer move only the blobs the master's own access rules
allow (masternode.access). Tests hook ``before_request`` (crash a worker
mid-request) and ``busy`` (answer a PUT 409 busy once).
"""

from __future__ import annotations

import hashlib
from typing import Callable

import httpx

from client.chain import ChainClient
from client.httpsig import SignatureError, verify_headers
from masternode.access import Refused, download_kind, upload_kind
from masternode.api import parse_task_id
from masternode.node import MasterChainView, MasterSettings


class Crash(BaseException):
    """The process died here. A BaseException, so no ``except Exception`` in the services swallows it."""


class FakeMaster:
    """The master node's HTTP API as an httpx.MockTransport, answering from a real MasterChainView.

    Blob requests must be signed and name their task, and are allowed by the
    master's own access rules (masternode.access), as the real API does.
    """

    def __init__(self, chain: ChainClient) -> None:
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

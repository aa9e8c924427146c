"""The master node HTTP API, driven in-process through ASGI and once through a real uvicorn server."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from masternode.api import create_app, serve
from masternode.blobstore import BlobStore

pytestmark = pytest.mark.anyio

INFO = {"moniker": "master-0", "operator": "amino1operator"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakeChain:
    """A ChainView backed by dicts; remembers which threads it was called on."""

    def __init__(self) -> None:
        self.allowed: dict[str, int] = {}
        self.jobs: dict[str, list[dict]] = {}
        self.tasks: dict[int, dict] = {}
        self.calling_threads: set[int] = set()
        self.broken = False

    def _called(self) -> None:
        self.calling_threads.add(threading.get_ident())
        if self.broken:
            raise ConnectionError("rpc down")

    def blob_allowed(self, digest: bytes) -> int | None:
        self._called()
        return self.allowed.get(digest.hex())

    def jobs_for_worker(self, worker: str) -> list[dict]:
        self._called()
        return self.jobs.get(worker, [])

    def task(self, task_id: int) -> dict | None:
        self._called()
        return self.tasks.get(task_id)


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", max_blob_bytes=10_000, max_total_bytes=25_000)


@pytest.fixture
def chain() -> FakeChain:
    return FakeChain()


@pytest.fixture
async def client(store: BlobStore, chain: FakeChain) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(store, chain, INFO)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://master") as client:
        yield client


def expect(data: bytes, chain: FakeChain, allowed: int = 10_000) -> str:
    digest = sha(data)
    chain.allowed[digest] = allowed
    return digest


def assert_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and isinstance(body["detail"], str) and body["detail"]


async def test_status_reports_info_usage_and_limits(client: httpx.AsyncClient, store: BlobStore) -> None:
    store.put(sha(b"abc"), b"abc")
    response = await client.get("/v1/status")
    assert response.status_code == 200
    assert response.json() == {
        "info": INFO, "blobs": 1, "bytes": 3, "max_blob_bytes": 10_000, "max_total_bytes": 25_000,
    }


async def test_put_stores_an_expected_blob_then_answers_200_for_a_repeat(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    data = os.urandom(5000)
    digest = expect(data, chain)

    first = await client.put(f"/v1/blobs/{digest}", content=data)
    again = await client.put(f"/v1/blobs/{digest}", content=data)

    assert first.status_code == 201 and first.json() == {"digest": digest, "size": 5000}
    assert again.status_code == 200 and again.json() == {"digest": digest, "size": 5000}
    assert store.read(digest) == data and store.count == 1
    # The blocking chain view never ran on the event loop's thread.
    assert threading.get_ident() not in chain.calling_threads


async def test_get_returns_the_bytes_with_their_hash_and_head_the_headers_only(
    client: httpx.AsyncClient, store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("masternode.api.READ_CHUNK_BYTES", 1000)  # several chunks on the wire
    data = os.urandom(9500)
    store.put(sha(data), data)

    response = await client.get(f"/v1/blobs/{sha(data)}")
    head = await client.head(f"/v1/blobs/{sha(data)}")

    assert response.status_code == 200 and response.content == data
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-length"] == "9500"
    assert response.headers["x-content-sha256"] == sha(data)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == "9500"
    assert head.headers["x-content-sha256"] == sha(data)


async def test_invalid_digests_are_400(client: httpx.AsyncClient, chain: FakeChain) -> None:
    for digest in ("ABCDEF" + "0" * 58, "0" * 63, "not-a-digest"):
        assert_error(await client.put(f"/v1/blobs/{digest}", content=b"x"), 400, "invalid_digest")
        assert_error(await client.get(f"/v1/blobs/{digest}"), 400, "invalid_digest")
        head = await client.head(f"/v1/blobs/{digest}")
        assert head.status_code == 400
    assert chain.calling_threads == set()  # rejected before asking the chain


async def test_put_of_a_blob_no_task_references_is_403(client: httpx.AsyncClient, store: BlobStore) -> None:
    response = await client.put(f"/v1/blobs/{sha(b'unasked')}", content=b"unasked")
    assert_error(response, 403, "not_expected")
    assert store.count == 0


async def test_put_over_the_allowance_is_413_from_content_length_without_reading_the_body(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    data = b"z" * 600
    digest = expect(data, chain, allowed=500)
    pulled = []

    async def body():
        pulled.append(1)
        yield data

    response = await client.put(f"/v1/blobs/{digest}", content=body(), headers={"content-length": "600"})

    assert_error(response, 413, "too_large")
    assert pulled == []
    assert store.count == 0


async def test_put_over_the_allowance_is_413_while_streaming_and_reading_stops(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    data = b"w" * 3000
    digest = expect(data, chain, allowed=1000)
    pulled = []

    async def chunked():  # no Content-Length: only the streaming check can catch it
        for start in range(0, len(data), 300):
            pulled.append(start)
            yield data[start:start + 300]

    response = await client.put(f"/v1/blobs/{digest}", content=chunked())

    assert_error(response, 413, "too_large")
    assert len(pulled) == 4
    assert store.count == 0 and list((store.root / "tmp").iterdir()) == []


async def test_the_store_limit_caps_a_larger_allowance(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    data = b"v" * 10_001
    digest = expect(data, chain, allowed=10**9)
    assert_error(await client.put(f"/v1/blobs/{digest}", content=data), 413, "too_large")


async def test_put_with_wrong_bytes_is_422_and_stores_nothing(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    digest = expect(b"the real module", chain)
    response = await client.put(f"/v1/blobs/{digest}", content=b"a fake module!!")
    assert_error(response, 422, "hash_mismatch")
    assert digest in response.json()["detail"]
    assert not store.has(digest)


async def test_put_beyond_the_store_quota_is_507(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    for byte in b"ab":
        store.put(sha(bytes([byte]) * 10_000), bytes([byte]) * 10_000)
    data = b"c" * 6000
    digest = expect(data, chain)
    assert_error(await client.put(f"/v1/blobs/{digest}", content=data), 507, "store_full")
    assert store.total_bytes == 20_000


async def test_put_with_a_malformed_content_length_is_400(
    client: httpx.AsyncClient, chain: FakeChain
) -> None:
    digest = expect(b"abc", chain)
    response = await client.put(f"/v1/blobs/{digest}", content=b"abc", headers={"content-length": "-3"})
    assert_error(response, 400, "invalid_request")


async def test_missing_blob_is_404_for_get_and_head(client: httpx.AsyncClient) -> None:
    digest = sha(b"never uploaded")
    assert_error(await client.get(f"/v1/blobs/{digest}"), 404, "not_found")
    assert (await client.head(f"/v1/blobs/{digest}")).status_code == 404


async def test_corrupted_blob_is_500_once_then_gone(client: httpx.AsyncClient, store: BlobStore) -> None:
    data = b"a result"
    store.put(sha(data), data)
    store.path(sha(data)).write_bytes(b"a resulT")

    assert_error(await client.get(f"/v1/blobs/{sha(data)}"), 500, "corrupted")
    assert not store.has(sha(data))
    assert_error(await client.get(f"/v1/blobs/{sha(data)}"), 404, "not_found")


async def test_jobs_lists_the_chain_assignments_of_a_worker(client: httpx.AsyncClient, chain: FakeChain) -> None:
    chain.jobs["amino1worker"] = [{"task": 3, "round": 0, "app_hash": "ab" * 32}]
    response = await client.get("/v1/jobs/amino1worker")
    assert response.status_code == 200
    assert response.json() == {"worker": "amino1worker", "jobs": chain.jobs["amino1worker"]}
    assert (await client.get("/v1/jobs/amino1idle")).json() == {"worker": "amino1idle", "jobs": []}


async def test_task_reports_which_of_its_blobs_are_stored(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    module, job_input = b"\0asm module", b"input"
    store.put(sha(module), module)
    chain.tasks[7] = {"id": 7, "app_hash": sha(module), "input_hash": sha(job_input), "result_hash": ""}

    response = await client.get("/v1/tasks/7")

    assert response.status_code == 200
    assert response.json() == {
        "task": chain.tasks[7], "module_stored": True, "input_stored": False, "result_stored": False,
    }
    store.put(sha(job_input), job_input)
    assert (await client.get("/v1/tasks/7")).json()["input_stored"] is True


async def test_unknown_task_is_404_and_a_bad_task_id_is_400(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/v1/tasks/99"), 404, "not_found")
    assert_error(await client.get("/v1/tasks/seven"), 400, "invalid_request")
    assert_error(await client.get("/v1/tasks/-1"), 400, "invalid_request")


async def test_a_failing_chain_view_is_503(client: httpx.AsyncClient, chain: FakeChain) -> None:
    chain.broken = True
    assert_error(await client.get("/v1/jobs/amino1worker"), 503, "chain_unavailable")
    assert_error(await client.get("/v1/tasks/1"), 503, "chain_unavailable")
    assert_error(await client.put(f"/v1/blobs/{sha(b'x')}", content=b"x"), 503, "chain_unavailable")


async def test_unknown_routes_answer_in_the_same_json_shape(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/v1/nothing-here"), 404, "not_found")


def test_the_real_server_uploads_and_serves_over_http(store: BlobStore, chain: FakeChain) -> None:
    data = os.urandom(9000)
    digest = expect(data, chain)
    app = create_app(store, chain, INFO)

    with serve(app, host="127.0.0.1", port=0) as server:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=server.url, timeout=5) as http:
            chunks = (data[start:start + 1000] for start in range(0, len(data), 1000))
            put = http.put(f"/v1/blobs/{digest}", content=chunks)
            got = http.get(f"/v1/blobs/{digest}")
            head = http.head(f"/v1/blobs/{digest}")
            status = http.get("/v1/status")

    assert put.status_code == 201 and put.json() == {"digest": digest, "size": 9000}
    assert got.status_code == 200 and got.content == data and got.headers["x-content-sha256"] == digest
    assert head.status_code == 200 and head.headers["content-length"] == "9000" and head.content == b""
    assert status.json()["blobs"] == 1
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/v1/status", timeout=2)

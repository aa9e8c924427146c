"""The master node HTTP API, driven in-process through ASGI and once through a real uvicorn server.

Blob requests are signed (client.httpsig) by the task's customer, one of
its workers, or a stranger with a key of its own; the chain view is a dict
of task views in the chain's shape.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from client.httpsig import sign_headers
from masternode.access import INPUT, MODULE, RESULT
from masternode.api import ApiSettings, create_app, serve
from masternode.blobstore import BlobStore
from tests.support import make_key

pytestmark = pytest.mark.anyio

CHAIN_ID = "amino-api-test"
OPERATOR_KEY = make_key("api-operator")
CUSTOMER_KEY = make_key("api-customer")
WORKER_KEY = make_key("api-worker")
OTHER_WORKER_KEY = make_key("api-other-worker")
STRANGER_KEY = make_key("api-stranger")
CUSTOMER, WORKER, OTHER_WORKER = CUSTOMER_KEY.bech32, WORKER_KEY.bech32, OTHER_WORKER_KEY.bech32
INFO = {"moniker": "master-0", "operator": OPERATOR_KEY.bech32}
SETTINGS = ApiSettings(CHAIN_ID, upload_min_seconds=5.0, upload_idle_seconds=5.0)
MODULE_BYTES = b"\0asm a module"
INPUT_BYTES = os.urandom(5000)
MASTER_LOGGERS = ("masternode", "amino.master")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def participant(worker: str, status: str = "assigned", result: bytes = b"") -> dict:
    return {"worker": worker, "status": status, "result_hash": sha(result) if result else "", "fuel": 0}


def task_view(task_id: int, module: bytes = MODULE_BYTES, job_input: bytes = INPUT_BYTES, *, state: str = "allocated",
              participants: tuple[dict, ...] = (), result: bytes = b"") -> dict:
    """A task of this master in the shape of /compute/task/<id> (the fields the API reads)."""
    return {"id": task_id, "customer": CUSTOMER, "master": OPERATOR_KEY.bech32, "app_hash": sha(module),
            "input_hash": sha(job_input), "input_size": len(job_input), "state": state,
            "participants": list(participants), "result_hash": sha(result) if result else ""}


class FakeChain:
    """A ChainView backed by dicts; remembers its calls and the threads they ran on."""

    def __init__(self) -> None:
        self.tasks: dict[int, dict] = {}
        self.stale: dict[int, dict | None] = {}  # what a non-fresh look answers, when it lags the chain
        self.jobs: dict[str, list[dict]] = {}
        self.module_limit = 10_000
        self.result_limit = 10_000
        self.calls: list[tuple] = []
        self.calling_threads: set[int] = set()
        self.broken = False

    def _called(self, *call: object) -> None:
        self.calls.append(call)
        self.calling_threads.add(threading.get_ident())
        if self.broken:
            raise ConnectionError("rpc down")

    def task(self, task_id: int, fresh: bool = False) -> dict | None:
        self._called("task", task_id, fresh)
        if not fresh and task_id in self.stale:
            return self.stale[task_id]
        return self.tasks.get(task_id)

    def upload_limit(self, task: dict, kind: str) -> int:
        self._called("upload_limit", task["id"], kind)
        return {MODULE: self.module_limit, INPUT: task["input_size"], RESULT: self.result_limit}[kind]

    def jobs_for_worker(self, worker: str) -> list[dict]:
        self._called("jobs", worker)
        return self.jobs.get(worker, [])


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", max_blob_bytes=10_000, max_total_bytes=25_000)


@pytest.fixture
def chain() -> FakeChain:
    fake = FakeChain()
    fake.tasks[1] = task_view(1)
    return fake


@pytest.fixture
async def client(store: BlobStore, chain: FakeChain) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(store, chain, INFO, SETTINGS)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://master") as client:
        yield client


def signed(key, method: str, digest: str, task_id: int | None = 1, chain_id: str = CHAIN_ID, **changes) -> dict:
    return sign_headers(key.signing_key, chain_id, method, f"/v1/blobs/{digest}", digest=digest, task_id=task_id,
                        **changes)


async def put(client: httpx.AsyncClient, key, data, task_id: int = 1, digest: str | None = None,
              headers: dict | None = None) -> httpx.Response:
    digest = digest or sha(data)
    return await client.put(f"/v1/blobs/{digest}", params={"task": task_id}, content=data,
                            headers={**signed(key, "PUT", digest, task_id), **(headers or {})})


async def read(client: httpx.AsyncClient, key, digest: str, task_id: int = 1, method: str = "GET") -> httpx.Response:
    return await client.request(method, f"/v1/blobs/{digest}", params={"task": task_id},
                                headers=signed(key, method, digest, task_id))


def assert_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and isinstance(body["detail"], str) and body["detail"]


def master_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(MASTER_LOGGERS)]


# -- status, uploads and downloads by the task's parties -------------------------------------------------


async def test_status_reports_info_usage_and_limits(client: httpx.AsyncClient, store: BlobStore) -> None:
    store.put(sha(b"abc"), b"abc")
    response = await client.get("/v1/status")
    assert response.status_code == 200
    assert response.json() == {
        "info": INFO, "blobs": 1, "bytes": 3, "reserved_bytes": 0, "uploads_in_flight": 0,
        "max_blob_bytes": 10_000, "max_total_bytes": 25_000,
    }


async def test_metrics_report_the_store_and_the_chain_facts_in_prometheus_format(store: BlobStore, chain: FakeChain) -> None:
    store.put(sha(b"abc"), b"abc")
    info = dict(INFO)
    app = create_app(store, chain, info, SETTINGS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://master") as client:
        before = (await client.get("/metrics")).text
        info.update(active=True, reputation_bps=7_500, completed=3, failed=1, assigned_since_start=4)
        after = await client.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    assert "amino_master_blobs 1.0" in before and "amino_master_store_bytes 3.0" in before
    assert "amino_master_active" not in before  # no chain facts before the loop's first reading
    for line in ("amino_master_active 1.0", "amino_master_reputation_bps 7500.0",
                 'amino_master_chain_tasks_total{outcome="failed"} 1.0', "amino_master_assignments_total 4.0"):
        assert line in after.text


async def test_the_openapi_page_describes_the_api(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert {"/v1/status", "/v1/blobs/{digest}"} <= set(schema["paths"]) and "/metrics" not in schema["paths"]
    assert (await client.get("/docs")).status_code == 200


async def test_the_customer_uploads_the_module_and_the_input_and_a_repeat_answers_200(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    module = await put(client, CUSTOMER_KEY, MODULE_BYTES)
    first = await put(client, CUSTOMER_KEY, INPUT_BYTES)
    again = await put(client, CUSTOMER_KEY, INPUT_BYTES)

    assert module.status_code == 201 and module.json()["kind"] == "module"
    assert first.status_code == 201
    assert first.json() == {"digest": sha(INPUT_BYTES), "size": 5000, "task": 1, "kind": "input"}
    assert again.status_code == 200
    assert store.read(sha(INPUT_BYTES)) == INPUT_BYTES and store.count == 2
    # The blocking chain view never ran on the event loop's thread.
    assert threading.get_ident() not in chain.calling_threads


async def test_the_customer_reads_the_module_the_input_and_the_accepted_result(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("masternode.api.READ_CHUNK_BYTES", 1000)  # several chunks on the wire
    result = os.urandom(9500)
    chain.tasks[1] = task_view(1, state="delivered", participants=(participant(WORKER, "revealed", result),),
                               result=result)
    for data in (MODULE_BYTES, INPUT_BYTES, result):
        store.put(sha(data), data)

    for data in (MODULE_BYTES, INPUT_BYTES, result):
        response = await read(client, CUSTOMER_KEY, sha(data))
        assert response.status_code == 200 and response.content == data
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["content-length"] == str(len(data))
        assert response.headers["x-content-sha256"] == sha(data)
    head = await read(client, CUSTOMER_KEY, sha(result), method="HEAD")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == "9500" and head.headers["x-content-sha256"] == sha(result)


async def test_an_assigned_worker_reads_the_module_and_the_input_but_not_the_result(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    result = b"the accepted result"
    chain.tasks[1] = task_view(1, state="delivered", participants=(participant(WORKER, "revealed", result),),
                               result=result)
    for data in (MODULE_BYTES, INPUT_BYTES, result):
        store.put(sha(data), data)

    assert (await read(client, WORKER_KEY, sha(MODULE_BYTES))).content == MODULE_BYTES
    assert (await read(client, WORKER_KEY, sha(INPUT_BYTES))).content == INPUT_BYTES
    assert_error(await read(client, WORKER_KEY, sha(result)), 403, "not_expected")


async def test_a_stranger_signing_with_its_own_key_can_neither_upload_nor_read_a_tasks_blobs(
    client: httpx.AsyncClient, store: BlobStore
) -> None:
    store.put(sha(MODULE_BYTES), MODULE_BYTES)
    pulled = []

    async def body():
        pulled.append(1)
        yield INPUT_BYTES

    digest = sha(INPUT_BYTES)
    response = await client.put(f"/v1/blobs/{digest}", params={"task": 1}, content=body(),
                                headers=signed(STRANGER_KEY, "PUT", digest))

    assert_error(response, 403, "forbidden")
    assert STRANGER_KEY.bech32 in response.json()["detail"]
    assert pulled == [] and store.count == 1 and store.reserved_bytes == 0
    assert_error(await read(client, STRANGER_KEY, sha(MODULE_BYTES)), 403, "forbidden")
    assert (await read(client, STRANGER_KEY, sha(MODULE_BYTES), method="HEAD")).status_code == 403


async def test_an_assigned_worker_uploads_the_result_it_revealed_and_nothing_else(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    mine, other = b"my result", b"a different result"
    chain.tasks[1] = task_view(1, state="revealing", participants=(
        participant(WORKER, "revealed", mine), participant(OTHER_WORKER, "committed")))

    assert_error(await put(client, WORKER_KEY, INPUT_BYTES), 403, "not_expected")  # the customer's part
    assert_error(await put(client, WORKER_KEY, other), 403, "not_expected")
    assert_error(await put(client, OTHER_WORKER_KEY, mine), 403, "not_expected")  # not its reveal
    assert_error(await put(client, CUSTOMER_KEY, mine), 403, "not_expected")
    response = await put(client, WORKER_KEY, mine)

    assert response.status_code == 201 and response.json()["kind"] == "result"
    assert store.count == 1 and store.read(sha(mine)) == mine


async def test_an_outvoted_worker_may_upload_the_accepted_result(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    accepted, wrong = b"accepted", b"outvoted"
    chain.tasks[1] = task_view(1, state="delivered", result=accepted, participants=(
        participant(WORKER, "revealed", wrong), participant(OTHER_WORKER, "revealed", accepted)))

    assert (await put(client, WORKER_KEY, accepted)).status_code == 201


async def test_a_task_that_is_no_longer_open_takes_no_uploads(client: httpx.AsyncClient, chain: FakeChain) -> None:
    chain.tasks[1] = task_view(1, state="settled")
    response = await put(client, CUSTOMER_KEY, INPUT_BYTES)
    assert_error(response, 403, "not_expected")
    assert "settled" in response.json()["detail"]


async def test_a_worker_assigned_in_the_last_block_is_served_after_a_fresh_look_at_the_chain(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    store.put(sha(INPUT_BYTES), INPUT_BYTES)
    chain.stale[1] = task_view(1)  # the cached view: no worker yet
    chain.tasks[1] = task_view(1, state="committing", participants=(participant(WORKER),))

    response = await read(client, WORKER_KEY, sha(INPUT_BYTES))

    assert response.status_code == 200 and response.content == INPUT_BYTES
    assert [call for call in chain.calls if call[0] == "task"] == [("task", 1, False), ("task", 1, True)]


async def test_a_task_of_another_master_or_an_unknown_task_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await put(client, CUSTOMER_KEY, INPUT_BYTES, task_id=2), 404, "not_found")
    assert_error(await read(client, CUSTOMER_KEY, sha(INPUT_BYTES), task_id=2), 404, "not_found")


# -- signatures ---------------------------------------------------------------------------------------------


async def test_unsigned_requests_are_401_before_the_chain_is_asked_or_the_body_read(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    store.put(sha(MODULE_BYTES), MODULE_BYTES)
    pulled = []

    async def body():
        pulled.append(1)
        yield INPUT_BYTES

    digest = sha(INPUT_BYTES)
    response = await client.put(f"/v1/blobs/{digest}", params={"task": 1}, content=body())
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Amino-Ed25519"
    assert "not signed" in response.json()["detail"]
    assert_error(await client.get(f"/v1/blobs/{sha(MODULE_BYTES)}", params={"task": 1}), 401, "unauthenticated")
    assert (await client.head(f"/v1/blobs/{sha(MODULE_BYTES)}", params={"task": 1})).status_code == 401
    assert pulled == [] and chain.calls == [] and store.count == 1


async def test_a_signature_over_anything_else_than_this_request_is_401(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    digest, other = sha(INPUT_BYTES), sha(MODULE_BYTES)
    wrong_headers = {
        "another digest": signed(CUSTOMER_KEY, "PUT", other),
        "another task": signed(CUSTOMER_KEY, "PUT", digest, task_id=7),
        "another chain": signed(CUSTOMER_KEY, "PUT", digest, chain_id="amino-other"),
        "another method": signed(CUSTOMER_KEY, "GET", digest),
        "another signer": {**signed(STRANGER_KEY, "PUT", digest),
                           "x-amino-pubkey": bytes(CUSTOMER_KEY.signing_key.verify_key).hex()},
        "a malformed signature": {**signed(CUSTOMER_KEY, "PUT", digest), "x-amino-signature": "zz" * 64},
        "a malformed nonce": {**signed(CUSTOMER_KEY, "PUT", digest), "x-amino-nonce": "short"},
    }
    for reason, headers in wrong_headers.items():
        response = await client.put(f"/v1/blobs/{digest}", params={"task": 1}, content=INPUT_BYTES, headers=headers)
        assert response.status_code == 401, reason
        assert response.json()["error"] == "unauthenticated", reason
    assert chain.calls == [] and store.count == 0


async def test_a_signature_outside_the_freshness_window_is_401(client: httpx.AsyncClient, store: BlobStore) -> None:
    store.put(sha(MODULE_BYTES), MODULE_BYTES)
    digest = sha(MODULE_BYTES)
    now = int(time.time())

    for timestamp in (now - 70, now + 70):
        headers = signed(CUSTOMER_KEY, "GET", digest, timestamp=timestamp)
        response = await client.get(f"/v1/blobs/{digest}", params={"task": 1}, headers=headers)
        assert_error(response, 401, "unauthenticated")
        assert "clock" in response.json()["detail"]
    headers = signed(CUSTOMER_KEY, "GET", digest, timestamp=now - 50)
    assert (await client.get(f"/v1/blobs/{digest}", params={"task": 1}, headers=headers)).status_code == 200


async def test_a_replayed_signature_is_401(client: httpx.AsyncClient, store: BlobStore) -> None:
    store.put(sha(MODULE_BYTES), MODULE_BYTES)
    digest = sha(MODULE_BYTES)
    headers = signed(CUSTOMER_KEY, "GET", digest)

    first = await client.get(f"/v1/blobs/{digest}", params={"task": 1}, headers=headers)
    replay = await client.get(f"/v1/blobs/{digest}", params={"task": 1}, headers=headers)

    assert first.status_code == 200
    assert_error(replay, 401, "unauthenticated")
    assert "already used" in replay.json()["detail"]


async def test_a_blob_request_without_a_valid_task_id_is_400(client: httpx.AsyncClient, chain: FakeChain) -> None:
    digest = sha(INPUT_BYTES)
    for params in ({}, {"task": "seven"}, {"task": "-1"}, {"task": str(2**63)}, {"task": "9" * 40}):
        response = await client.put(f"/v1/blobs/{digest}", params=params, content=INPUT_BYTES,
                                    headers=signed(CUSTOMER_KEY, "PUT", digest))
        assert_error(response, 400, "invalid_request")
    assert chain.calls == []


async def test_invalid_digests_are_400_before_anything_else(client: httpx.AsyncClient, chain: FakeChain) -> None:
    for digest in ("ABCDEF" + "0" * 58, "0" * 63, "not-a-digest"):
        assert_error(await client.put(f"/v1/blobs/{digest}", params={"task": 1}, content=b"x"), 400, "invalid_digest")
        assert_error(await client.get(f"/v1/blobs/{digest}", params={"task": 1}), 400, "invalid_digest")
        assert (await client.head(f"/v1/blobs/{digest}", params={"task": 1})).status_code == 400
    assert chain.calls == []  # rejected before asking the chain


# -- sizes, hashes, quota -------------------------------------------------------------------------------------


async def test_put_over_the_allowance_is_413_from_content_length_without_reading_the_body(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    data = b"z" * 600
    chain.tasks[1] = task_view(1, job_input=data)
    chain.tasks[1]["input_size"] = 500
    pulled = []

    async def body():
        pulled.append(1)
        yield data

    response = await client.put(f"/v1/blobs/{sha(data)}", params={"task": 1}, content=body(),
                                headers={**signed(CUSTOMER_KEY, "PUT", sha(data)), "content-length": "600"})

    assert_error(response, 413, "too_large")
    assert pulled == []
    assert store.count == 0


async def test_put_over_the_allowance_is_413_while_streaming_and_reading_stops(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    data = b"w" * 3000
    chain.tasks[1] = task_view(1, job_input=data)
    chain.tasks[1]["input_size"] = 1000
    pulled = []

    async def chunked():  # no Content-Length: only the streaming check can catch it
        for start in range(0, len(data), 300):
            pulled.append(start)
            yield data[start:start + 300]

    response = await client.put(f"/v1/blobs/{sha(data)}", params={"task": 1}, content=chunked(),
                                headers=signed(CUSTOMER_KEY, "PUT", sha(data)))

    assert_error(response, 413, "too_large")
    assert len(pulled) == 4
    assert store.count == 0 and list((store.root / "tmp").iterdir()) == [] and store.reserved_bytes == 0


async def test_the_store_limit_caps_a_larger_allowance(client: httpx.AsyncClient, chain: FakeChain) -> None:
    module = b"v" * 10_001
    chain.tasks[1] = task_view(1, module=module)
    chain.module_limit = 10**9
    assert_error(await put(client, CUSTOMER_KEY, module), 413, "too_large")


async def test_put_with_wrong_bytes_is_422_and_stores_nothing(client: httpx.AsyncClient, store: BlobStore) -> None:
    digest = sha(MODULE_BYTES)
    response = await put(client, CUSTOMER_KEY, b"a fake module", digest=digest)
    assert_error(response, 422, "hash_mismatch")
    assert digest in response.json()["detail"]
    assert not store.has(digest)


async def test_put_beyond_the_store_quota_is_507(client: httpx.AsyncClient, store: BlobStore, chain: FakeChain) -> None:
    for byte in b"ab":
        store.put(sha(bytes([byte]) * 10_000), bytes([byte]) * 10_000)
    data = b"c" * 6000
    chain.tasks[1] = task_view(1, job_input=data)
    assert_error(await put(client, CUSTOMER_KEY, data), 507, "store_full")
    assert store.total_bytes == 20_000 and store.reserved_bytes == 0


async def test_put_with_a_malformed_content_length_is_400(client: httpx.AsyncClient) -> None:
    response = await put(client, CUSTOMER_KEY, MODULE_BYTES, headers={"content-length": "-3"})
    assert_error(response, 400, "invalid_request")


async def test_missing_blob_is_404_for_get_and_head(client: httpx.AsyncClient) -> None:
    assert_error(await read(client, CUSTOMER_KEY, sha(INPUT_BYTES)), 404, "not_found")
    assert (await read(client, CUSTOMER_KEY, sha(INPUT_BYTES), method="HEAD")).status_code == 404


async def test_corrupted_blob_is_500_once_then_gone(client: httpx.AsyncClient, store: BlobStore) -> None:
    store.put(sha(INPUT_BYTES), INPUT_BYTES)
    store.path(sha(INPUT_BYTES)).write_bytes(b"rotten" + INPUT_BYTES[6:])

    assert_error(await read(client, CUSTOMER_KEY, sha(INPUT_BYTES)), 500, "corrupted")
    assert not store.has(sha(INPUT_BYTES))
    assert_error(await read(client, CUSTOMER_KEY, sha(INPUT_BYTES)), 404, "not_found")


# -- chain views, and what client mistakes cost in the log ------------------------------------------------------


async def test_jobs_lists_the_chain_assignments_of_a_worker(client: httpx.AsyncClient, chain: FakeChain) -> None:
    chain.jobs[WORKER] = [{"task_id": 3, "app_hash": "ab" * 32}]
    response = await client.get(f"/v1/jobs/{WORKER}")
    assert response.status_code == 200
    assert response.json() == {"worker": WORKER, "jobs": chain.jobs[WORKER]}
    assert (await client.get(f"/v1/jobs/{OTHER_WORKER}")).json() == {"worker": OTHER_WORKER, "jobs": []}


async def test_task_reports_which_of_its_blobs_are_stored(
    client: httpx.AsyncClient, store: BlobStore, chain: FakeChain
) -> None:
    store.put(sha(MODULE_BYTES), MODULE_BYTES)

    response = await client.get("/v1/tasks/1")

    assert response.status_code == 200
    assert response.json() == {
        "task": chain.tasks[1], "module_stored": True, "input_stored": False, "result_stored": False,
    }
    store.put(sha(INPUT_BYTES), INPUT_BYTES)
    assert (await client.get("/v1/tasks/1")).json()["input_stored"] is True


async def test_malformed_worker_addresses_and_task_ids_are_400_without_a_log_line(
    client: httpx.AsyncClient, chain: FakeChain, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for worker in ("amino1worker", "AMIO1" + "q" * 38, "x" * 500, WORKER[:-1] + ("q" if WORKER[-1] != "q" else "p")):
        assert_error(await client.get(f"/v1/jobs/{worker}"), 400, "invalid_request")
    for task_id in ("seven", "-1", str(2**63), "1" + "0" * 30, "1e3"):
        assert_error(await client.get(f"/v1/tasks/{task_id}"), 400, "invalid_request")
    assert_error(await client.get("/v1/tasks/99"), 404, "not_found")

    assert [call for call in chain.calls if call[0] != "task"] == []
    assert chain.calls == [("task", 99, False)]
    assert master_records(caplog) == []


async def test_a_failing_chain_view_is_503_with_one_log_line_and_no_traceback(
    client: httpx.AsyncClient, chain: FakeChain, caplog: pytest.LogCaptureFixture
) -> None:
    chain.broken = True
    caplog.set_level(logging.DEBUG)

    assert_error(await client.get(f"/v1/jobs/{WORKER}"), 503, "chain_unavailable")
    jobs_records = master_records(caplog)
    assert_error(await client.get("/v1/tasks/1"), 503, "chain_unavailable")
    assert_error(await put(client, CUSTOMER_KEY, INPUT_BYTES), 503, "chain_unavailable")

    records = master_records(caplog)
    assert len(jobs_records) == 1 and len(records) == 3  # one line per request
    assert all(r.exc_info is None and r.levelno == logging.WARNING and "rpc down" in r.getMessage() for r in records)


async def test_unknown_routes_answer_in_the_same_json_shape(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/v1/nothing-here"), 404, "not_found")


def test_the_real_server_uploads_and_serves_over_http(store: BlobStore, chain: FakeChain) -> None:
    app = create_app(store, chain, INFO, SETTINGS)
    digest = sha(INPUT_BYTES)

    with serve(app, host="127.0.0.1", port=0) as server:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=server.url, timeout=5) as http:
            chunks = (INPUT_BYTES[start:start + 1000] for start in range(0, len(INPUT_BYTES), 1000))
            put_response = http.put(f"/v1/blobs/{digest}", params={"task": 1}, content=chunks,
                                    headers=signed(CUSTOMER_KEY, "PUT", digest))
            got = http.get(f"/v1/blobs/{digest}", params={"task": 1}, headers=signed(CUSTOMER_KEY, "GET", digest))
            status = http.get("/v1/status")

    assert put_response.status_code == 201 and put_response.json()["size"] == 5000
    assert got.status_code == 200 and got.content == INPUT_BYTES and got.headers["x-content-sha256"] == digest
    assert status.json()["blobs"] == 1
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/v1/status", timeout=2)

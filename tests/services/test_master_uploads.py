"""Upload bounds on a real uvicorn server on loopback, against clients that stall on a raw socket.

A stalled client sends the headers and all but the last byte of its body,
then stops. The master must drop it (idle timeout, deadline), keep it
from blocking other uploads of the same digest for longer than that, hold
a client to its number of concurrent uploads, give back the reserved room
at once, and in every case take the customer's real upload afterwards.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from masternode.api import ApiSettings, RunningServer, create_app, serve
from masternode.blobstore import BlobStore
from client.tasks import TaskClient, TaskError
from masternode.node import MasterChainView, MasterSettings
from tests.services.localchain import CUSTOMER as CHAIN_CUSTOMER_KEY
from tests.services.localchain import LocalChain
from tests.services.test_master_api import CHAIN_ID, CUSTOMER_KEY, OPERATOR_KEY, STRANGER_KEY, sha, signed, task_view
from tests.services.test_master_api import FakeChain as DictChain
from tests.support import make_key

MODULE = b"\0asm stalled module"
INPUT = os.urandom(12_000)
OTHER_INPUT = os.urandom(14_000)
IDLE_SECONDS = 2.0  # long enough that a loaded CI machine answers the checks made while an upload stalls
RUNNER_KEY = make_key("uploads-worker")


def start(tmp_path: Path, chain, **changes) -> tuple[RunningServer, BlobStore]:
    store = BlobStore(tmp_path / "blobs", max_blob_bytes=20_000, max_total_bytes=25_000)
    settings = ApiSettings(**{"chain_id": CHAIN_ID, "upload_idle_seconds": IDLE_SECONDS, "upload_min_seconds": 30.0,
                              **changes})
    return serve(create_app(store, chain, {}, settings), host="127.0.0.1", port=0), store


@pytest.fixture
def chain() -> DictChain:
    fake = DictChain()
    fake.tasks[1] = task_view(1, MODULE, INPUT)
    fake.tasks[2] = task_view(2, MODULE, OTHER_INPUT)
    return fake


@pytest.fixture
def master(tmp_path: Path, chain: DictChain) -> Iterator[tuple[RunningServer, BlobStore]]:
    server, store = start(tmp_path, chain)
    with server:
        yield server, store


def raw_put(server: RunningServer, headers: dict, digest: str, task_id: int, declared: int, body: bytes) -> socket.socket:
    """A PUT on a raw socket that sends ``body`` (less than ``declared``) and then nothing."""
    sock = socket.create_connection((server.host, server.port), timeout=10)
    lines = [f"PUT /v1/blobs/{digest}?task={task_id} HTTP/1.1", f"Host: {server.host}", f"Content-Length: {declared}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return sock


def stall(server: RunningServer, data: bytes, task_id: int = 1, key=CUSTOMER_KEY) -> socket.socket:
    """Start an upload of ``data`` signed by ``key`` and stop before its last byte."""
    digest = sha(data)
    return raw_put(server, signed(key, "PUT", digest, task_id), digest, task_id, len(data), data[:-1])


def read_to_end(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """What the master sent until it hung up. A reset (it closed with our bytes unread) ends the read too."""
    sock.settimeout(timeout)
    received = b""
    with sock:
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return received


def read_status_line(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """The first line of the master's answer, without waiting for it to close the connection."""
    sock.settimeout(timeout)
    received = b""
    with sock:
        while b"\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return received.split(b"\r\n", 1)[0]


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds it took for predicate to hold."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)
    return time.monotonic() - started


def customer_put(server: RunningServer, data: bytes, task_id: int = 1, key=CUSTOMER_KEY) -> httpx.Response:
    digest = sha(data)
    return httpx.put(f"{server.url}/v1/blobs/{digest}", params={"task": task_id}, content=data,
                     headers=signed(key, "PUT", digest, task_id), timeout=10)


def test_a_stalled_upload_is_dropped_after_the_idle_timeout_and_its_room_given_back(master) -> None:
    server, store = master
    sock = stall(server, INPUT)
    wait_until(lambda: store.reserved_bytes == len(INPUT) - 1, 5, "the stalled body to be reserved")
    started = time.monotonic()

    # While it hangs, its reservation really blocks the store, and its digest is busy.
    assert customer_put(server, OTHER_INPUT, task_id=2).status_code == 507
    busy = customer_put(server, INPUT)
    assert busy.status_code == 409 and busy.json()["error"] == "busy"
    assert int(busy.headers["retry-after"]) >= 1
    assert httpx.get(f"{server.url}/v1/status").json()["uploads_in_flight"] == 1

    wait_until(lambda: store.reserved_bytes == 0, 5, "the reservation to be released")
    assert IDLE_SECONDS * 0.8 <= time.monotonic() - started <= IDLE_SECONDS + 3
    answer = read_to_end(sock)
    assert answer.startswith(b"HTTP/1.1 408 ") and b'"upload_timeout"' in answer  # and then the master hung up
    assert list((store.root / "tmp").iterdir()) == []

    assert customer_put(server, INPUT).status_code == 201
    assert store.read(sha(INPUT)) == INPUT and store.reserved_bytes == 0


def test_an_upload_that_trickles_past_its_deadline_is_dropped_although_it_never_idles(
    tmp_path: Path, chain: DictChain
) -> None:
    server, store = start(tmp_path, chain, upload_min_seconds=1.0, upload_min_bytes_per_second=1_000_000)
    with server:
        digest = sha(INPUT)
        sock = raw_put(server, signed(CUSTOMER_KEY, "PUT", digest), digest, 1, len(INPUT), b"")
        started = time.monotonic()
        ended = threading.Event()

        def trickle() -> None:  # one byte every 0.1 s: never idle for IDLE_SECONDS, far below the rate
            try:
                for byte in INPUT[:-1]:
                    if ended.is_set():
                        return
                    sock.sendall(bytes([byte]))
                    time.sleep(0.1)
            except OSError:
                return

        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        wait_until(lambda: store.reserved_bytes > 0, 5, "the first bytes to be reserved")
        wait_until(lambda: httpx.get(f"{server.url}/v1/status").json()["uploads_in_flight"] == 0, 10, "the drop")
        elapsed = time.monotonic() - started
        answer = read_to_end(sock)  # the 408 unless the socket was reset first (we were still sending)
        ended.set()
        sender.join(5)

        assert 0.9 <= elapsed <= 4.0  # the 1 s deadline, not the 120 s the trickle would need
        assert store.reserved_bytes == 0 and list((store.root / "tmp").iterdir()) == []
        assert answer == b"" or (answer.startswith(b"HTTP/1.1 408 ") and b"deadline" in answer)
        assert customer_put(server, INPUT).status_code == 201


def test_a_client_beyond_its_concurrent_uploads_gets_429_until_one_ends(tmp_path: Path, chain: DictChain) -> None:
    server, store = start(tmp_path, chain, max_uploads_per_client=1)
    with server:
        sock = stall(server, MODULE)
        wait_until(lambda: store.reserved_bytes == len(MODULE) - 1, 5, "the stalled module to be reserved")

        second = customer_put(server, INPUT)
        assert second.status_code == 429 and second.json()["error"] == "too_many_uploads"
        assert int(second.headers["retry-after"]) >= 1

        wait_until(lambda: store.reserved_bytes == 0, 5, "the stalled module to be dropped")
        read_to_end(sock)
        assert customer_put(server, INPUT).status_code == 201
        assert customer_put(server, MODULE).status_code == 201


def test_a_client_that_disconnects_mid_body_gives_its_room_back_at_once(tmp_path: Path, chain: DictChain) -> None:
    server, store = start(tmp_path, chain, upload_idle_seconds=30.0)
    with server:
        sock = stall(server, INPUT)
        wait_until(lambda: store.reserved_bytes == len(INPUT) - 1, 5, "the body to be reserved")
        sock.close()

        took = wait_until(lambda: store.reserved_bytes == 0, 5, "the reservation to be released")

        assert took < 2.0  # not the 30 s idle timeout
        wait_until(lambda: httpx.get(f"{server.url}/v1/status").json()["uploads_in_flight"] == 0, 5, "the slot")
        assert customer_put(server, INPUT).status_code == 201
        assert list((store.root / "tmp").iterdir()) == []


def test_strangers_and_unsigned_clients_cannot_start_an_upload_at_all(master) -> None:
    server, store = master
    digest = sha(INPUT)

    stranger = stall(server, INPUT, key=STRANGER_KEY)
    unsigned = raw_put(server, {}, digest, 1, len(INPUT), INPUT[:-1])

    assert read_status_line(stranger).startswith(b"HTTP/1.1 403 ")  # answered at once, body unread
    assert read_status_line(unsigned).startswith(b"HTTP/1.1 401 ")
    assert store.reserved_bytes == 0
    assert customer_put(server, INPUT).status_code == 201  # no busy digest left behind


# -- the customer's own client ------------------------------------------------------------------------------------


@pytest.fixture
def customer_setup(tmp_path: Path) -> Iterator[tuple[TaskClient, LocalChain, RunningServer, BlobStore, int]]:
    """A real chain in the process where this master (serving on loopback, its endpoint registered on chain)
    holds the customer's task; the customer's TaskClient finds the master through the chain."""
    chain = LocalChain(tmp_path / "chain", chain_id=CHAIN_ID)
    view = MasterChainView(chain.client(OPERATOR_KEY), OPERATOR_KEY.bech32,
                           MasterSettings(cache_seconds=0.0, fresh_seconds=0.0))
    server, store = start(tmp_path, view)
    tasks = TaskClient(chain.client(CHAIN_CUSTOMER_KEY))
    with server:
        chain.register_master(OPERATOR_KEY, endpoint=server.url)
        chain.register_worker(RUNNER_KEY, OPERATOR_KEY)
        task_id = chain.submit(sha(MODULE), sha(INPUT), master=OPERATOR_KEY, input_size=len(INPUT))
        yield tasks, chain, server, store, task_id
    tasks.close()
    chain.close()


def test_the_task_client_uploads_once_a_stalled_upload_of_its_input_is_dropped(customer_setup) -> None:
    tasks, _customer, server, store, task_id = customer_setup
    sock = stall(server, INPUT, task_id=task_id, key=CHAIN_CUSTOMER_KEY)  # an earlier attempt of its own that hung
    wait_until(lambda: store.reserved_bytes == len(INPUT) - 1, 5, "the stalled body to be reserved")

    tasks.upload(task_id, MODULE, INPUT)  # answered 409 busy at first, retried after Retry-After

    assert store.read(sha(MODULE)) == MODULE and store.read(sha(INPUT)) == INPUT
    read_to_end(sock)


def test_the_task_client_downloads_the_accepted_result_with_a_signed_request(customer_setup) -> None:
    tasks, chain, _server, store, task_id = customer_setup
    result = b"the verified output"
    store.put(sha(result), result)
    chain.assign(task_id, RUNNER_KEY)
    chain.commit(RUNNER_KEY, task_id, result=result)
    chain.reveal(RUNNER_KEY, task_id)
    assert chain.get_task(task_id).state == "delivered"

    assert tasks.result(task_id) == result


def test_the_task_client_refuses_to_move_another_customers_blobs(customer_setup) -> None:
    tasks, chain, _server, store, task_id = customer_setup
    other = TaskClient(chain.client(STRANGER_KEY))

    with pytest.raises(TaskError, match="belongs to"):
        other.upload(task_id, MODULE, INPUT)
    assert store.count == 0

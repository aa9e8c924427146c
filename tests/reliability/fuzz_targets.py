"""Fuzz targets: everything a stranger can send, each as ``target(data: bytes) -> outcome label``.

A target turns fuzzer bytes into one input (raw, or structured by reading choices from the bytes, so that a
coverage-guided fuzzer and hypothesis both steer it), runs it through the real code, and raises
AssertionError when a rule is broken: a crash (an exception escaping), an error code that is not registered,
exception text in consensus data, two nodes disagreeing, a hang, a 5xx answer. The label it returns
("ok", "tx/6", "reject", ...) is counted by bench/fuzz.py.

Targets (``TARGETS``): checktx, message, proposal, query, abci_socket, masternode_http, worker_job.
tests/reliability/test_fuzz.py runs each under hypothesis (quick mode); bench/fuzz.py runs millions.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
import tempfile
import threading
import time
from pathlib import Path

from abci_app.codec import SignDoc, decode_tx, encode_tx, sign_tx
from abci_app.modules import ROUTES
from abci_app.proto import abci
from abci_app.queries import query_index
from abci_app.server import AbciServer
from abci_app.store import Overlay
from abci_app.varint import encode_uvarint
from chain_modules.auth import errors as auth_errors
from chain_modules.common.context import BlockContext
from chain_modules.common.encoding import encode
from chain_modules.common.errors import registered_errors
from chain_modules.common.query import ERR_HEIGHT_UNAVAILABLE, ERR_INVALID_ARGUMENT, ERR_NOT_FOUND, ERR_UNKNOWN_PATH
from tests.support import CHAIN_ID, KEYS, AppDriver, send, timestamp

REGISTERED = frozenset((error.codespace, error.code) for error in registered_errors())
QUERY_CODES = frozenset((0, ERR_UNKNOWN_PATH, ERR_INVALID_ARGUMENT, ERR_HEIGHT_UNAVAILABLE, ERR_NOT_FOUND))
SIGNERS = [KEYS[name] for name in ("alice", "bob", "carol", "mallory")]
FUNDED = SIGNERS[:3]
MESSAGE_TYPES = sorted(route.message.TYPE for route in ROUTES)
BODY_KEYS = {route.message.TYPE: sorted({spec[0] if isinstance(spec, tuple) else name
                                         for name, spec in route.message.FIELDS.items()}) for route in ROUTES}
# the ante checks ProcessProposal runs: a tx of an accepted proposal never fails one of these in FinalizeBlock (a
# fee spent by the signer's own earlier message, ErrInsufficientFeeFunds, is the documented exception)
ANTE_ONLY = frozenset((error.codespace, error.code) for error in (
    auth_errors.ErrTxDecode, auth_errors.ErrTxTooLarge, auth_errors.ErrTooManyMessages, auth_errors.ErrWrongChainId,
    auth_errors.ErrInvalidSignature, auth_errors.ErrWrongSequence, auth_errors.ErrInsufficientFee,
    auth_errors.ErrGasLimitTooHigh, auth_errors.ErrMemoTooLong, auth_errors.ErrNoMessages))
EXCEPTION_WORDS = ("Traceback", "Error(", "Exception", 'File "')


class Reader:
    """Choices read from fuzzer bytes; once they run out every choice is 0 (so any input is a valid program)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def below(self, n: int) -> int:
        value = self.byte() | self.byte() << 8 if n > 256 else self.byte()
        return value % n if n else 0

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += len(chunk)
        return chunk

    def rest(self) -> bytes:
        return self.take(len(self.data))

    def integer(self) -> int:
        edges = (0, 1, -1, 2**63 - 1, 2**63, 2**64 - 1, -(2**63), 10**15, 10**18)
        kind = self.below(4)
        if kind == 0:
            return edges[self.below(len(edges))]
        value = int.from_bytes(self.take(1 + self.below(8)), "big")
        return -(value % 2**63) if kind == 3 else value  # within msgpack's int64/uint64 range

    def value(self, depth: int = 0):
        """A msgpack-encodable value: the shapes a message body may hold, and the wrong ones."""
        kind = self.below(9 if depth < 2 else 6)
        if kind == 0:
            return self.integer()
        if kind == 1:
            return self.take(self.below(40))
        if kind == 2:
            return self.take(self.below(40)).decode("utf-8", "replace")
        if kind == 3:
            return bool(self.below(2))
        if kind == 4:
            return None
        if kind == 5:
            return self.take(20)  # address-sized bytes
        if kind == 6:
            return [self.value(depth + 1) for _ in range(self.below(4))]
        if kind == 7:
            return {str(self.below(5)): self.value(depth + 1) for _ in range(self.below(3))}
        return hashlib.sha256(self.take(4)).digest()


def _label(codespace: str, code: int) -> str:
    return "ok" if code == 0 else f"{codespace}/{code}"


def check_tx_result(code: int, codespace: str, log: str) -> str:
    """A tx result is ok, or carries a registered (codespace, code) and a log without exception text."""
    if code != 0:
        assert (codespace, code) in REGISTERED, f"unregistered result code {codespace}/{code}: {log!r}"
    assert not any(word in log for word in EXCEPTION_WORDS), f"exception text in a result log: {log!r}"
    return _label(codespace, code)


class AppTargets:
    """The app-level targets, on one app (and a second one for the proposal target) built once."""

    def __init__(self, directory: Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="amino-fuzz-") if directory is None else None
        root = Path(self._tmp.name) if directory is None else directory
        self.first = AppDriver(root / "a")
        self.second = AppDriver(root / "b")
        self.first.block([])
        self.second.block([])
        self.valid = send(KEYS["alice"], KEYS["bob"].address, 1_000, 0)

    def close(self) -> None:
        self.first.close()
        self.second.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    # -- building txs from fuzzer bytes ----------------------------------------------------------

    def sequence_of(self, key) -> int:
        return self.first.sequence(key.address)

    def message_body(self, reader: Reader, msg_type: str) -> dict:
        body = {}
        for name in BODY_KEYS[msg_type]:
            if reader.below(8):  # usually present, sometimes missing
                body[name] = reader.value()
        if reader.below(8) == 0:
            body[reader.take(reader.below(6)).decode("latin-1")] = reader.value()
        return body

    def message_tx(self, reader: Reader, key=None) -> bytes:
        """A correctly signed tx whose single message has a fuzzed body (so the handlers' parsers are reached)."""
        key = key or SIGNERS[reader.below(len(SIGNERS))]
        msg_type = MESSAGE_TYPES[reader.below(len(MESSAGE_TYPES))]
        body = self.message_body(reader, msg_type)
        if reader.below(2):  # the signer field set to the signer, so the message is authorised
            for name in BODY_KEYS[msg_type][:1]:
                body[name] = key.address
        skew = reader.below(3) if reader.below(4) == 0 else 0
        sequence = self.sequence_of(key) + (skew if key not in FUNDED or reader.below(2) else 0)
        doc = SignDoc(CHAIN_ID, sequence, 5_000, 500_000, "", ((msg_type, body),))
        return sign_tx(doc, key.signing_key)

    def tx(self, reader: Reader) -> bytes:
        mode = reader.below(5)
        if mode == 0:
            return reader.rest()
        if mode == 1:  # a valid tx with a few bytes changed
            raw = bytearray(self.valid)
            for _ in range(1 + reader.below(4)):
                raw[reader.below(len(raw))] = reader.byte()
            return bytes(raw)
        if mode == 2:  # a well-formed envelope around a fuzzed sign doc, signed
            key = SIGNERS[reader.below(len(SIGNERS))]
            doc = {"chain_id": CHAIN_ID if reader.below(4) else reader.value(), "fee": reader.integer(),
                   "gas_limit": reader.integer(), "memo": reader.value(), "msgs": reader.value(), "sequence": reader.integer()}
            try:
                doc_bytes = encode(doc)
            except (OverflowError, TypeError, ValueError):
                return reader.rest()
            return encode_tx(doc_bytes, key.pubkey, key.signing_key.sign(b"amino-chain/tx/v1\x00" + doc_bytes).signature)
        if mode == 3:  # a valid tx with a non-canonical or malleated signature / pubkey
            tx = decode_tx(self.valid)
            signature = bytearray(tx.signature)
            signature[reader.below(64)] ^= 1 << reader.below(8)
            return encode_tx(tx.sign_doc_bytes, tx.pubkey if reader.below(2) else reader.take(32).ljust(32, b"\0"), bytes(signature))
        return self.message_tx(reader)

    # -- targets ---------------------------------------------------------------------------------

    def checktx(self, data: bytes) -> str:
        """CheckTx answers any bytes with ok or a registered code, and never touches committed state."""
        reader = Reader(data)
        raw = self.tx(reader)
        before = (self.first.app.store.last_height, self.first.app.store.last_app_hash)
        response = self.first.check(raw)
        assert (self.first.app.store.last_height, self.first.app.store.last_app_hash) == before
        return check_tx_result(response.code, response.codespace, response.log)

    def message(self, data: bytes) -> str:
        """Every message type with a fuzzed body, run as in a block on a scratch overlay: never code 1 (a bug)."""
        raw = self.message_tx(Reader(data))
        app = self.first.app
        ctx = BlockContext(CHAIN_ID, self.first.height + 1, (self.first.time + 5) * 1_000_000_000, b"", b"\0" * 32)
        scratch = Overlay(app.store.committed)
        result = app.router.run_tx(scratch, ctx, raw)
        return check_tx_result(result.code, result.codespace, result.log)

    def proposal(self, data: bytes) -> str:
        """A fuzzed proposal: Process/PrepareProposal answer without raising; executed anyway on two nodes, the
        block gives identical app hashes and results, every result ok or a registered code."""
        reader = Reader(data)
        if reader.below(2):  # honest envelopes (one per funded signer, right sequences) around fuzzed message bodies
            signers = FUNDED[: 1 + reader.below(len(FUNDED))]
            txs = [self.message_tx(reader, key=key) for key in signers]
        else:
            txs = [self.tx(Reader(reader.take(1 + reader.below(200)))) for _ in range(1 + reader.below(6))]
        if reader.below(4) == 0 and txs:
            txs.append(txs[0])  # a duplicate
        height = self.first.height + 1
        when = timestamp(self.first.time + 5)
        verdict = self.first.app.process_proposal(abci.RequestProcessProposal(txs=txs, height=height, time=when))
        prepared = self.first.app.prepare_proposal(abci.RequestPrepareProposal(txs=txs, height=height, time=when,
                                                                               max_tx_bytes=1 << 20))
        assert set(prepared.txs) <= set(txs)
        again = self.first.app.process_proposal(abci.RequestProcessProposal(txs=prepared.txs, height=height, time=when))
        assert again.status == abci.ResponseProcessProposal.ACCEPT, "PrepareProposal kept a tx ProcessProposal rejects"
        first = self.first.block(txs)
        second = self.second.block(txs)
        assert self.first.last_app_hash == self.second.last_app_hash, "two nodes disagree on a fuzzed block"
        assert [(r.code, r.codespace, r.log, r.gas_used) for r in first] == [(r.code, r.codespace, r.log, r.gas_used) for r in second]
        for result in first:
            check_tx_result(result.code, result.codespace, result.log)
            if verdict.status == abci.ResponseProcessProposal.ACCEPT:  # what ProcessProposal checked holds in the block
                assert (result.codespace, result.code) not in ANTE_ONLY, f"an accepted tx failed its ante check: {result.log}"
        return "accept" if verdict.status == abci.ResponseProcessProposal.ACCEPT else "reject"

    def query(self, data: bytes) -> str:
        """Any path, data, height and prove flag: a known query code, never an internal error or a traceback."""
        reader = Reader(data)
        templates = [entry["path"] for entry in query_index()]
        if reader.below(4):
            path = templates[reader.below(len(templates))]
            path = re.sub(r"\{[^}]*\}", lambda _match: [
                KEYS["alice"].bech32, str(reader.integer()), reader.take(reader.below(30)).hex(),
                reader.take(reader.below(20)).decode("utf-8", "replace"), "small"][reader.below(5)], path)
            if reader.below(4) == 0:
                path += "/" + reader.take(reader.below(10)).decode("latin-1")
        else:
            path = reader.take(reader.below(80)).decode("utf-8", "replace")
        request = abci.RequestQuery(path=path, data=reader.take(reader.below(64)), height=reader.integer() % 2**63 if reader.below(4) == 0 else 0,
                                    prove=bool(reader.below(2)))
        response = self.first.app.query(request)
        assert response.code in QUERY_CODES, f"query {path!r} answered code {response.code}: {response.log!r}"
        assert not any(word in response.log for word in EXCEPTION_WORDS), response.log
        return f"query/{response.code}"


class SocketTarget:
    """The ABCI socket framing, against our real asyncio server on a unix socket in a background thread."""

    def __init__(self, directory: Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="amino-fuzz-sock-")
        root = Path(self._tmp.name)
        self.driver = AppDriver(root / "db")
        self.driver.block([])
        self.halts = 0
        self.server = AbciServer(self.driver.app, on_fatal=self._on_fatal)
        self.path = root / "abci.sock"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while True:  # the socket file appears at bind(), a moment before listen(): wait for a real answer
            try:
                if self.path.exists() and self.exchange(self.frame(abci.Request(flush=abci.RequestFlush()))):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the ABCI server did not start"
            time.sleep(0.02)

    def _on_fatal(self) -> None:
        self.halts += 1

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.task = self.loop.create_task(self.server.serve(f"unix://{self.path}"))
        try:
            self.loop.run_until_complete(self.task)
        except asyncio.CancelledError:
            pass

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(10)
        self.driver.close()
        self._tmp.cleanup()

    def exchange(self, payload: bytes, timeout: float = 30.0) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(self.path))
            conn.sendall(payload)
            conn.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                try:
                    chunk = conn.recv(1 << 16)
                except socket.timeout:
                    raise AssertionError(f"the ABCI server hung on a {len(payload)}-byte input") from None
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)

    @staticmethod
    def frame(message) -> bytes:
        body = message.SerializeToString()
        return encode_uvarint(len(body)) + body

    def request(self, reader: Reader):
        kind = reader.below(6)
        if kind == 0:
            return abci.Request(echo=abci.RequestEcho(message=reader.take(reader.below(30)).decode("utf-8", "replace")))
        if kind == 1:
            return abci.Request(flush=abci.RequestFlush())
        if kind == 2:
            return abci.Request(info=abci.RequestInfo(version=reader.take(8).decode("utf-8", "replace")))
        if kind == 3:
            return abci.Request(query=abci.RequestQuery(path=reader.take(reader.below(40)).decode("utf-8", "replace"),
                                                        data=reader.take(reader.below(40))))
        if kind == 4:
            return abci.Request(check_tx=abci.RequestCheckTx(tx=reader.take(reader.below(120)), type=reader.below(2)))
        return abci.Request(list_snapshots=abci.RequestListSnapshots())

    def __call__(self, data: bytes) -> str:
        """Frames (valid, truncated, with lying or overlong length prefixes, or raw bytes) get answers in order
        or a closed connection, never a hang; afterwards the server still answers a new connection."""
        reader = Reader(data)
        mode = reader.below(4)
        if mode == 0:
            payload = reader.rest()
            requests = None
        else:
            requests = [self.request(reader) for _ in range(1 + reader.below(5))]
            frames = [self.frame(request) for request in requests]
            payload = b"".join(frames)
            if mode == 2:  # corrupt a few bytes somewhere
                payload = bytearray(payload)
                for _ in range(1 + reader.below(3)):
                    payload[reader.below(len(payload))] = reader.byte()
                payload = bytes(payload)
            elif mode == 3:  # a lying length prefix: longer than what follows, or a varint that never ends
                payload += [encode_uvarint(1 + reader.below(1 << 16)), b"\xff" * 11, encode_uvarint(2**40)][reader.below(3)]
        halts = self.halts
        answer = self.exchange(payload)
        if self.halts != halts:  # only a request CometBFT alone sends (a block, a proposal) may halt the app
            kinds = {response.WhichOneof("value") for response in self._responses(answer)}
            assert "exception" in kinds, "the server halted without answering ResponseException"
            self.server.fatal = None
            outcome = "halt"
        elif requests is not None and mode == 1:
            responses = self._responses(answer)
            assert [r.WhichOneof("value") for r in responses] == [r.WhichOneof("value") for r in requests], \
                "responses do not match the requests one for one, in order"
            for response in responses:
                if response.WhichOneof("value") == "check_tx":
                    check_tx_result(response.check_tx.code, response.check_tx.codespace, response.check_tx.log)
            outcome = "answered"
        else:
            outcome = "answered" if answer else "closed"
        echo = self._responses(self.exchange(self.frame(abci.Request(echo=abci.RequestEcho(message="alive")))))
        assert [r.echo.message for r in echo] == ["alive"], "the server stopped answering new connections"
        return outcome

    @staticmethod
    def _responses(answer: bytes) -> list:
        from abci_app.server import decode_uvarint

        responses, pos = [], 0
        while pos < len(answer):
            length, pos = decode_uvarint(answer, pos)
            responses.append(abci.Response.FromString(answer[pos : pos + length]))
            pos += length
        return responses


class MasterTarget:
    """The master node's HTTP API (in-process ASGI): any method, path, query, headers and body."""

    def __init__(self) -> None:
        import httpx

        from masternode.api import ApiSettings, create_app
        from masternode.blobstore import BlobStore

        self._tmp = tempfile.TemporaryDirectory(prefix="amino-fuzz-master-")
        customer = KEYS["alice"]
        self.customer = customer
        self.module = b"\0asm fuzz module"
        sha = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731
        self.digest = sha(self.module)
        task = {"id": 1, "customer": customer.bech32, "master": KEYS["bob"].bech32, "app_hash": self.digest,
                "input_hash": sha(b"input"), "input_size": 5, "state": "allocated", "participants": [], "result_hash": ""}

        class Chain:
            def task(self, task_id: int, fresh: bool = False):
                return task if task_id == 1 else None

            def upload_limit(self, task: dict, kind: str) -> int:
                return 10_000

            def jobs_for_worker(self, worker: str) -> list[dict]:
                return []

        store = BlobStore(Path(self._tmp.name) / "blobs", max_blob_bytes=10_000, max_total_bytes=100_000)
        self.app = create_app(store, Chain(), {"moniker": "fuzz", "operator": KEYS["bob"].bech32},
                              ApiSettings("amino-fuzz", upload_min_seconds=2.0, upload_idle_seconds=2.0))
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://master")

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()
        self._tmp.cleanup()

    def __call__(self, data: bytes) -> str:
        """Never a 5xx, never a traceback in the answer."""
        from client.httpsig import sign_headers

        reader = Reader(data)
        method = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"][reader.below(6)]
        digest = [self.digest, reader.take(32).hex(), reader.take(reader.below(70)).decode("latin-1"), "..", "%00"][reader.below(5)]
        path = ["/v1/status", f"/v1/blobs/{digest}", "/v1/admissions", f"/v1/jobs/{KEYS['carol'].bech32}",
                f"/v1/tasks/{reader.integer()}", "/" + reader.take(reader.below(30)).decode("latin-1")][reader.below(6)]
        params = {"task": [1, reader.integer(), reader.take(8).decode("latin-1")][reader.below(3)]} if reader.below(2) else {}
        headers = {}
        if reader.below(2):
            key = [self.customer, KEYS["mallory"]][reader.below(2)]
            try:
                headers = sign_headers(key.signing_key, "amino-fuzz", method, path, digest=digest,
                                       task_id=params.get("task") if isinstance(params.get("task"), int) else None)
            except ValueError:  # the client refuses to sign such a path or digest: send it unsigned
                headers = {}
            if headers and reader.below(3) == 0:
                name = sorted(headers)[reader.below(len(headers))]
                headers[name] = reader.take(reader.below(20)).decode("latin-1")
        body = [self.module, reader.take(reader.below(300)), b""][reader.below(3)]

        async def call():
            return await self.client.request(method, path, params=params, headers=headers, content=body)

        try:
            response = self.loop.run_until_complete(asyncio.wait_for(call(), 10))
        except asyncio.TimeoutError:
            raise AssertionError(f"the master API hung on {method} {path!r}") from None
        except Exception as error:  # httpx refusing to build the request (e.g. a header it cannot encode)
            if type(error).__module__.startswith(("httpx", "h11")) or isinstance(error, (UnicodeEncodeError, ValueError)):
                return "unsendable"
            raise
        assert response.status_code < 500, f"{method} {path!r} answered {response.status_code}: {response.text[:300]}"
        assert "Traceback" not in response.text
        return f"http/{response.status_code}"


class WorkerJobTarget:
    """Job blobs a worker receives: any module bytes and input run under fuel and memory limits, in process."""

    MAX_FUEL = 2_000_000
    MAX_MEMORY = 16 * 1024 * 1024

    def __init__(self) -> None:
        import wasmtime

        from wasm_jobs import abi

        examples = Path(__file__).resolve().parents[2] / "wasm_jobs" / "examples"
        self.modules = [wasmtime.wat2wasm((examples / name).read_text()) for name in ("hash_chain.wat", "matmul.wat")]
        self.statuses = {getattr(abi, name) for name in dir(abi) if name.startswith("STATUS_")}

    def close(self) -> None:
        pass

    def __call__(self, data: bytes) -> str:
        """run_job never raises, returns a known status within its fuel, runs in bounded time, and gives the same
        committed result when run again."""
        from wasm_jobs import abi
        from wasm_jobs.runner import canonical_result, run_job

        reader = Reader(data)
        mode = reader.below(3)
        if mode == 0:
            module = reader.take(reader.below(400))
        else:
            module = bytearray(self.modules[reader.below(len(self.modules))])
            if mode == 2:
                for _ in range(1 + reader.below(4)):
                    module[reader.below(len(module))] = reader.byte()
            module = bytes(module)
        job_input = reader.rest()
        started = time.monotonic()
        outcome = run_job(module, job_input, self.MAX_FUEL, self.MAX_MEMORY)
        assert time.monotonic() - started < 10, "a job ran for more than 10 s under a 2M fuel limit"
        assert outcome.status in self.statuses, outcome
        assert 0 <= outcome.fuel_used <= self.MAX_FUEL, outcome
        # what the worker commits to: deterministic statuses give the same bytes on a second run; the others are
        # refused (the worker hands the job back rather than commit to them)
        try:
            committed = canonical_result(outcome)
        except ValueError:
            assert outcome.status not in abi.DETERMINISTIC_STATUSES, outcome
        else:
            again = run_job(module, job_input, self.MAX_FUEL, self.MAX_MEMORY)
            assert canonical_result(again) == committed and again.fuel_used == outcome.fuel_used, "a job ran differently twice"
        return f"job/{outcome.status}"


def make_target(name: str):
    """(callable, close) for target ``name``."""
    if name in ("checktx", "message", "proposal", "query"):
        targets = AppTargets()
        return getattr(targets, name), targets.close
    factory = {"abci_socket": SocketTarget, "masternode_http": MasterTarget, "worker_job": WorkerJobTarget}[name]
    target = factory()
    return target, target.close


TARGETS = ("checktx", "message", "proposal", "query", "abci_socket", "masternode_http", "worker_job")

"""The socket server: framing, pipelining, flush, every request type answered, failure policy."""

import asyncio
import json
import socket
import threading

import pytest

from abci_app.app import AminoApp
from abci_app.proto import abci
from abci_app.server import AbciServer, decode_uvarint, encode_uvarint
from tests.support import CHAIN_ID, GENESIS_TIME, KEYS, genesis_app_state, send, timestamp


class Harness:
    def __init__(self, tmp_path):
        self.app = AminoApp(tmp_path / "db")
        self.fatal_calls = []
        self.server = AbciServer(self.app, on_fatal=lambda: self.fatal_calls.append(True))
        self.path = tmp_path / "app.sock"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        for _ in range(200):
            if self.path.exists():
                break
            threading.Event().wait(0.01)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.task = self.loop.create_task(self.server.serve(f"unix://{self.path}"))
        try:
            self.loop.run_until_complete(self.task)
        except asyncio.CancelledError:
            pass

    def connect(self):
        for _ in range(200):  # the socket file appears at bind(), a moment before listen()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(self.path))
                break
            except (ConnectionRefusedError, FileNotFoundError):
                sock.close()
                threading.Event().wait(0.01)
        sock.settimeout(10)
        return Connection(sock)

    def close(self):
        self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(5)
        self.app.close()


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def send(self, *requests):
        self.sock.sendall(b"".join(encode_uvarint(len(r.SerializeToString())) + r.SerializeToString() for r in requests))

    def recv(self):
        while True:
            header = decode_uvarint(self.buf, 0)
            if header is not None:
                length, start = header
                if len(self.buf) >= start + length:
                    payload = bytes(self.buf[start : start + length])
                    del self.buf[: start + length]
                    return abci.Response.FromString(payload)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk


@pytest.fixture
def harness(tmp_path):
    h = Harness(tmp_path)
    yield h
    h.close()


def init_chain_request():
    return abci.Request(init_chain=abci.RequestInitChain(
        time=timestamp(GENESIS_TIME), chain_id=CHAIN_ID, app_state_bytes=json.dumps(genesis_app_state()).encode(), initial_height=1))


def test_uvarint_round_trips():
    for value in (0, 1, 127, 128, 300, 2**31, 2**63 - 1):
        encoded = encode_uvarint(value)
        assert decode_uvarint(encoded, 0) == (value, len(encoded))
    assert decode_uvarint(b"\x80", 0) is None


def test_echo_info_and_flush_are_answered_in_order(harness):
    conn = harness.connect()
    conn.send(abci.Request(echo=abci.RequestEcho(message="hi")), abci.Request(info=abci.RequestInfo()), abci.Request(flush=abci.RequestFlush()))
    assert conn.recv().echo.message == "hi"
    info = conn.recv().info
    assert info.data == "amino-chain" and info.last_block_height == 0 and info.app_version == 1
    assert conn.recv().WhichOneof("value") == "flush"


def test_a_chain_runs_over_the_socket_with_pipelined_check_tx(harness):
    consensus, mempool = harness.connect(), harness.connect()
    consensus.send(init_chain_request())
    assert len(consensus.recv().init_chain.app_hash) == 32
    consensus.send(abci.Request(finalize_block=abci.RequestFinalizeBlock(height=1, time=timestamp(GENESIS_TIME + 1))),
                   abci.Request(commit=abci.RequestCommit()))
    assert len(consensus.recv().finalize_block.app_hash) == 32
    assert consensus.recv().WhichOneof("value") == "commit"

    alice, eve = KEYS["alice"], KEYS["eve"]
    txs = [send(alice, eve.address, 1, sequence) for sequence in range(50)]
    mempool.send(*[abci.Request(check_tx=abci.RequestCheckTx(tx=tx)) for tx in txs], abci.Request(flush=abci.RequestFlush()))
    codes = [mempool.recv().check_tx.code for _ in txs]
    assert codes == [0] * 50
    assert mempool.recv().WhichOneof("value") == "flush"

    consensus.send(abci.Request(finalize_block=abci.RequestFinalizeBlock(height=2, txs=txs, time=timestamp(GENESIS_TIME + 2))),
                   abci.Request(commit=abci.RequestCommit()))
    results = consensus.recv().finalize_block.tx_results
    assert [r.code for r in results] == [0] * 50
    consensus.recv()
    query = harness.connect()
    query.send(abci.Request(query=abci.RequestQuery(path=f"/bank/balance/{eve.bech32}")))
    assert int.from_bytes(query.recv().query.value, "big") == 50


def test_every_abci_2_request_gets_its_response(harness):
    conn = harness.connect()
    conn.send(init_chain_request())
    conn.recv()
    requests = {
        "prepare_proposal": abci.RequestPrepareProposal(txs=[b"garbage"], max_tx_bytes=1000, height=1),
        "process_proposal": abci.RequestProcessProposal(txs=[], height=1),
        "extend_vote": abci.RequestExtendVote(height=1),
        "verify_vote_extension": abci.RequestVerifyVoteExtension(height=1),
        "list_snapshots": abci.RequestListSnapshots(),
        "offer_snapshot": abci.RequestOfferSnapshot(),
        "load_snapshot_chunk": abci.RequestLoadSnapshotChunk(),
        "apply_snapshot_chunk": abci.RequestApplySnapshotChunk(),
        "check_tx": abci.RequestCheckTx(tx=b"\x00"),
        "query": abci.RequestQuery(path="/bank/supply"),
    }
    for field, request in requests.items():
        wrapped = abci.Request()
        getattr(wrapped, field).CopyFrom(request)
        conn.send(wrapped)
        response = conn.recv()
        assert response.WhichOneof("value") == field
    # garbage is filtered out of proposals, and a bad tx in CheckTx is a result, not an exception
    conn.send(abci.Request(prepare_proposal=abci.RequestPrepareProposal(txs=[b"garbage"], max_tx_bytes=1000, height=1)))
    assert list(conn.recv().prepare_proposal.txs) == []
    conn.send(abci.Request(process_proposal=abci.RequestProcessProposal(txs=[b"garbage"], height=1)))
    assert conn.recv().process_proposal.status == abci.ResponseProcessProposal.REJECT


def test_block_execution_failure_answers_exception_and_halts(harness):
    conn = harness.connect()
    conn.send(abci.Request(finalize_block=abci.RequestFinalizeBlock(height=7)))
    response = conn.recv()
    assert response.WhichOneof("value") == "exception"
    assert "finalize_block failed" in response.exception.error
    for _ in range(200):  # the halt hook runs right after the response is written
        if harness.fatal_calls:
            break
        threading.Event().wait(0.01)
    assert harness.fatal_calls == [True]


def test_a_protocol_error_closes_only_that_connection(harness):
    bad = harness.connect()
    bad.sock.sendall(b"\xff" * 11)  # a varint longer than 64 bits
    with pytest.raises((ConnectionError, OSError)):
        bad.recv()
    good = harness.connect()
    good.send(abci.Request(echo=abci.RequestEcho(message="still here")))
    assert good.recv().echo.message == "still here"


def test_a_bug_in_check_tx_or_query_answers_an_error_result_not_an_exception(harness, monkeypatch):
    def broken(req):
        raise KeyError("bug")

    monkeypatch.setattr(harness.app, "check_tx", broken)
    monkeypatch.setattr(harness.app, "query", broken)
    conn = harness.connect()
    conn.send(abci.Request(check_tx=abci.RequestCheckTx(tx=b"x")), abci.Request(query=abci.RequestQuery(path="/bank/supply")))
    check, query = conn.recv(), conn.recv()
    assert check.WhichOneof("value") == "check_tx" and check.check_tx.code == 1
    assert query.WhichOneof("value") == "query" and query.query.code == 1
    assert harness.fatal_calls == []


def frame(payload: bytes) -> bytes:
    return encode_uvarint(len(payload)) + payload


def test_a_query_path_that_is_not_utf8_is_answered_and_keeps_the_connection(harness, caplog):
    """CometBFT passes abci_query?path=0xff through as the byte 0xff; closing the query
    connection over it would make CometBFT stop the whole node."""
    valid = abci.Request(query=abci.RequestQuery(path="/bank/x")).SerializeToString()
    not_utf8 = valid.replace(b"/bank/x", b"/bank/\xff")
    with pytest.raises(Exception):
        abci.Request.FromString(not_utf8)  # protobuf itself refuses it
    conn = harness.connect()
    conn.sock.sendall(frame(not_utf8) + frame(abci.Request(query=abci.RequestQuery(path="/bank/supply")).SerializeToString()))
    refused, after = conn.recv(), conn.recv()
    assert refused.WhichOneof("value") == "query"
    assert (refused.query.code, refused.query.codespace) == (3, "query")
    assert "UTF-8" in refused.query.log
    assert after.WhichOneof("value") == "query" and after.query.code == 0  # the same connection still answers
    assert "Traceback" not in caplog.text
    assert harness.fatal_calls == []


def test_an_undecodable_request_of_another_kind_is_still_a_protocol_error(harness):
    valid = abci.Request(echo=abci.RequestEcho(message="x")).SerializeToString()
    bad = harness.connect()
    bad.sock.sendall(frame(valid.replace(b"x", b"\xff")))
    with pytest.raises((ConnectionError, OSError)):
        bad.recv()

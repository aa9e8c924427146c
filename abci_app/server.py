"""Our asyncio ABCI 2.0 socket server: uvarint length-prefixed protobuf over a unix socket or 127.0.0.1.

CometBFT opens four connections (consensus, mempool, query, snapshot) and
pipelines requests on each; responses go back in order. Handlers run one at
a time on the event loop, so the app needs no locks.

Failure policy:
- a bug while checking a tx, answering a query or serving snapshots becomes
  an error result of that call's own type, never a ResponseException (CometBFT
  v0.38 stops the whole node on one, whatever the connection);
- any error in Info, InitChain, FinalizeBlock or Commit (or the proposal
  calls) answers with ResponseException and stops the process: a node that
  cannot execute a block must halt loudly instead of diverging.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

from google.protobuf.message import DecodeError

from abci_app.app import AminoApp
from abci_app.proto import abci
from abci_app.varint import encode_uvarint
from abci_app.queries import ERR_INVALID_ARGUMENT

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_READ_CHUNK = 1 << 18

# request field -> (app method, response field); order does not matter
_DISPATCH = {
    "echo": (None, "echo"),
    "flush": (None, "flush"),
    "info": ("info", "info"),
    "init_chain": ("init_chain", "init_chain"),
    "query": ("query", "query"),
    "check_tx": ("check_tx", "check_tx"),
    "commit": ("commit", "commit"),
    "list_snapshots": ("list_snapshots", "list_snapshots"),
    "offer_snapshot": ("offer_snapshot", "offer_snapshot"),
    "load_snapshot_chunk": ("load_snapshot_chunk", "load_snapshot_chunk"),
    "apply_snapshot_chunk": ("apply_snapshot_chunk", "apply_snapshot_chunk"),
    "prepare_proposal": ("prepare_proposal", "prepare_proposal"),
    "process_proposal": ("process_proposal", "process_proposal"),
    "extend_vote": ("extend_vote", "extend_vote"),
    "verify_vote_extension": ("verify_vote_extension", "verify_vote_extension"),
    "finalize_block": ("finalize_block", "finalize_block"),
}
_FATAL = {"init_chain", "finalize_block", "commit", "prepare_proposal", "process_proposal", "info"}
_FALLBACK = {
    "check_tx": lambda: abci.ResponseCheckTx(code=1, codespace="app", log="internal error"),
    "query": lambda: abci.ResponseQuery(code=1, codespace="query", log="internal error"),
    "list_snapshots": lambda: abci.ResponseListSnapshots(),
    "offer_snapshot": lambda: abci.ResponseOfferSnapshot(result=abci.ResponseOfferSnapshot.REJECT),
    "load_snapshot_chunk": lambda: abci.ResponseLoadSnapshotChunk(),
    "apply_snapshot_chunk": lambda: abci.ResponseApplySnapshotChunk(result=abci.ResponseApplySnapshotChunk.ABORT),
    "extend_vote": lambda: abci.ResponseExtendVote(),
    "verify_vote_extension": lambda: abci.ResponseVerifyVoteExtension(status=abci.ResponseVerifyVoteExtension.REJECT),
}


class FramingError(Exception):
    pass


def decode_uvarint(buf: bytearray | bytes, pos: int) -> tuple[int, int] | None:
    """Return (value, next position), or None when ``buf`` ends inside the varint."""
    result = 0
    shift = 0
    while pos < len(buf):
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise FramingError("length varint is too long")
    return None


# A Request holds exactly one field of its oneof; a query is that field with length-delimited wire type.
_QUERY_FIELD_TAG = (abci.Request.DESCRIPTOR.fields_by_name["query"].number << 3) | 2


def _answer_undecodable(frame: bytes, height: int) -> abci.Response:
    """The answer to a frame that protobuf refuses to decode, or FramingError if it cannot be answered.

    CometBFT passes an RPC user's abci_query path through unchecked (``path=0xff``
    arrives as the byte 0xff), and protobuf refuses a string that is not
    UTF-8. Closing the connection would make CometBFT stop the whole node, so
    a query is answered as an invalid argument; any other undecodable request
    came from CometBFT itself and is a protocol error.
    """
    header = decode_uvarint(frame, 0)
    if header is None or header[0] != _QUERY_FIELD_TAG:
        raise FramingError("undecodable request")
    return abci.Response(query=abci.ResponseQuery(
        code=ERR_INVALID_ARGUMENT, codespace="query", log="the query cannot be decoded: its path is not valid UTF-8", height=height,
    ))


class AbciServer:
    def __init__(self, app: AminoApp, on_fatal=None) -> None:
        self.app = app
        self.fatal: BaseException | None = None
        self.on_fatal = on_fatal or self._halt
        self._server: asyncio.AbstractServer | None = None

    def handle(self, request) -> object:
        """Answer one Request with one Response."""
        kind = request.WhichOneof("value")
        if kind is None or kind not in _DISPATCH:
            return abci.Response(exception=abci.ResponseException(error=f"unknown request {kind!r}"))
        method, field = _DISPATCH[kind]
        if kind == "echo":
            return abci.Response(echo=abci.ResponseEcho(message=request.echo.message))
        if kind == "flush":
            return abci.Response(flush=abci.ResponseFlush())
        try:
            result = getattr(self.app, method)(getattr(request, kind))
        except Exception as exc:
            if kind in _FATAL or kind not in _FALLBACK:
                log.critical("halting: %s failed", kind, exc_info=True)
                self.fatal = exc
                return abci.Response(exception=abci.ResponseException(error=f"{kind} failed: {type(exc).__name__}"))
            # CometBFT v0.38 stops the whole node on a ResponseException from any connection,
            # so a failed mempool/query/snapshot call answers with an error result instead.
            log.exception("%s failed", kind)
            result = _FALLBACK[kind]()
        response = abci.Response()
        getattr(response, field).CopyFrom(result)
        return response

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buf = bytearray()
        try:
            while True:
                chunk = await reader.read(_READ_CHUNK)
                if not chunk:
                    return
                buf += chunk
                requests = []
                pos = 0
                while True:
                    header = decode_uvarint(buf, pos)
                    if header is None:
                        break
                    length, start = header
                    if length > MAX_MESSAGE_BYTES:
                        raise FramingError(f"message of {length} bytes exceeds the limit")
                    end = start + length
                    if end > len(buf):
                        break
                    frame = bytes(buf[start:end])
                    try:
                        requests.append(abci.Request.FromString(frame))
                    except DecodeError:
                        requests.append(_answer_undecodable(frame, self.app.store.last_height))
                    pos = end
                if pos:
                    del buf[:pos]
                check_txs = [r.check_tx.tx for r in requests if type(r) is abci.Request and r.WhichOneof("value") == "check_tx"]
                if len(check_txs) > 1:
                    try:
                        self.app.preverify_check_txs(check_txs)
                    except Exception:  # only a cache warm-up: CheckTx itself reports every problem
                        log.exception("parallel signature pre-check failed")
                out: list[bytes] = []
                for request in requests:
                    response = request if type(request) is abci.Response else self.handle(request)
                    payload = response.SerializeToString()
                    out.append(encode_uvarint(len(payload)))
                    out.append(payload)
                    if self.fatal is not None:
                        break
                if len(check_txs) > 1:
                    self.app.end_check_batch()
                if out:
                    writer.write(b"".join(out))
                    await writer.drain()
                if self.fatal is not None:
                    self.on_fatal()
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except Exception:
            log.exception("closing ABCI connection after a protocol error")
        finally:
            writer.close()

    def _halt(self) -> None:
        log.critical("the app halts to avoid diverging from the network; fix the cause and restart")
        os.kill(os.getpid(), signal.SIGTERM)

    async def serve(self, address: str) -> None:
        """Serve on ``unix:///path`` or ``tcp://127.0.0.1:port`` until cancelled."""
        if address.startswith("unix://"):
            path = Path(address[len("unix://") :])
            if path.exists():
                path.unlink()
            self._server = await asyncio.start_unix_server(self._serve_connection, path=str(path), limit=_READ_CHUNK)
            os.chmod(path, 0o600)
        elif address.startswith("tcp://"):
            host, _, port = address[len("tcp://") :].rpartition(":")
            if host not in ("127.0.0.1", "localhost", "[::1]", "::1"):
                raise ValueError(f"the ABCI server only listens on loopback or a unix socket, not {host!r}")
            self._server = await asyncio.start_server(self._serve_connection, host=host.strip("[]"), port=int(port))
        else:
            raise ValueError(f"ABCI address must be unix:///path or tcp://127.0.0.1:port, got {address!r}")
        log.info("ABCI server listening on %s (height %d)", address, self.app.store.last_height)
        async with self._server:
            await self._server.serve_forever()


def run(db_path: Path, address: str, metrics_port: int | None = None) -> None:
    """Run the app until SIGTERM/SIGINT; close the database cleanly."""
    app = AminoApp(db_path)
    if metrics_port:
        from abci_app.metrics import HEIGHT, serve_metrics

        HEIGHT.set(app.store.last_height)
        serve_metrics(metrics_port)
    server = AbciServer(app)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await server.serve(address)
        except asyncio.CancelledError:
            log.info("ABCI server stopping")

    try:
        asyncio.run(main())
    finally:
        app.close()
    if server.fatal is not None:
        raise SystemExit(3)

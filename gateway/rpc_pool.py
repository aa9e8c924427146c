"""A keep-alive HTTP/1.1 connection pool for JSON-RPC POSTs to CometBFT over plain http on asyncio streams.

Why not httpx, which the rest of the code uses: measured in bench/gateway.py on this project's 2-core machine,
one shared httpx.AsyncClient serving 50 concurrent requests spends most of its time in its own connection
pool (78 requests/s against a constant route that asyncio streams drive at 1,770/s), and the gateway makes one
such call for every uncached request. CometBFT's RPC is a fixed, local peer that answers a POST with either a
Content-Length or a chunked body; that is all this client speaks. https and test transports stay on httpx
(gateway/rpc.py chooses).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from urllib.parse import urlsplit

MAX_CONNECTIONS = 64
# CometBFT's RPC server (Go's net/http) closes a connection idle for its read timeout, 10 s by default; an idle
# connection older than this is closed here instead of being tried
MAX_IDLE_SECONDS = 4.0
MAX_HEADER_BYTES = 64 * 1024


class PoolError(Exception):
    """The node could not be reached, closed the connection, timed out or answered something that is not HTTP."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    def close(self) -> None:
        self.writer.close()


class JsonRpcPool:
    def __init__(self, url: str, timeout: float, max_connections: int = MAX_CONNECTIONS) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"JsonRpcPool speaks plain http only, not {url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.timeout = timeout
        self._idle: deque[_Connection] = deque()
        self._slots = asyncio.Semaphore(max_connections)
        self._head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                      "Content-Type: application/json\r\nAccept: application/json\r\n").encode()

    async def close(self) -> None:
        while self._idle:
            self._idle.popleft().close()

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """The status and body of POSTing ``body``. A kept-alive connection the node closed meanwhile is
        retried once on a new one. Raises PoolError."""
        async with self._slots:
            for attempt in (0, 1):
                connection = self._take_idle() if attempt == 0 else None  # a retry always opens a new one
                reused = connection is not None
                try:
                    if connection is None:
                        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port),
                                                                self.timeout)
                        connection = _Connection(reader, writer)
                    status, payload, keep = await asyncio.wait_for(self._exchange(connection, body), self.timeout)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                    if connection is not None:
                        connection.close()
                    if reused and attempt == 0:
                        continue  # the node closed an idle connection: once more on a fresh one
                    raise PoolError(f"{type(exc).__name__}: {exc}") from None
                except asyncio.TimeoutError:
                    if connection is not None:
                        connection.close()
                    raise PoolError(f"no answer within {self.timeout:g} s") from None
                if keep:
                    connection.idle_since = time.monotonic()
                    self._idle.append(connection)
                else:
                    connection.close()
                return status, payload
        raise PoolError("unreachable")  # pragma: no cover

    def _take_idle(self) -> _Connection | None:
        """The most recently used idle connection; those idle too long are closed (the node may have closed
        them)."""
        now = time.monotonic()
        while self._idle and now - self._idle[0].idle_since > MAX_IDLE_SECONDS:
            self._idle.popleft().close()
        return self._idle.pop() if self._idle else None

    async def _exchange(self, connection: _Connection, body: bytes) -> tuple[int, bytes, bool]:
        connection.writer.write(self._head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await connection.writer.drain()
        head = await connection.reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEADER_BYTES:
            raise ValueError("response headers too large")
        lines = head.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        if not version.startswith("HTTP/1."):
            raise ValueError(f"not an HTTP/1.x answer: {lines[0][:40]!r}")
        status = int(rest[:3])
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            payload = await _read_chunked(connection.reader)
        elif "content-length" in headers:
            payload = await connection.reader.readexactly(int(headers["content-length"]))
        else:  # delimited by the close of the connection
            payload = await connection.reader.read()
            return status, payload, False
        keep = headers.get("connection", "").lower() != "close" and version != "HTTP/1.0"
        return status, payload, keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers, then the empty line
                pass
            return b"".join(parts)
        chunk = await reader.readexactly(size + 2)
        parts.append(chunk[:-2])

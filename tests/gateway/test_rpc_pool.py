"""The gateway's keep-alive JSON-RPC pool against a real HTTP/1.1 server on loopback: Content-Length and chunked
bodies, connection reuse, a kept-alive connection the server closed, and an unreachable node."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from gateway.errors import GatewayError
from gateway.rpc import ChainRpc
from gateway.rpc_pool import JsonRpcPool, PoolError


class Server:
    """Answers every POST with {"jsonrpc", "id", "result": {"echo": <request params>, "n": <connection's count>}},
    chunked when the request's method is "chunked", closing the connection after it when it is "close"."""

    def __init__(self) -> None:
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length"))
                request = json.loads(await reader.readexactly(length))
                served += 1
                body = json.dumps({"jsonrpc": "2.0", "id": 1,
                                   "result": {"echo": request["params"], "n": served, "pad": "x" * 5000}}).encode()
                if request["method"] == "chunked":
                    parts = [body[i:i + 777] for i in range(0, len(body), 777)]
                    payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
                    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + payload)
                else:
                    close = request["method"] == "close"
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n" % (
                        len(body), b"Connection: close\r\n" if close else b"") + body)
                await writer.drain()
                if request["method"] == "close":
                    break
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()


async def _with_server(test) -> None:
    server = Server()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        await test(server, f"http://127.0.0.1:{port}")
    finally:
        listener.close()


def test_bodies_by_length_and_chunked_over_one_kept_alive_connection():
    async def test(server, url):
        rpc = ChainRpc(url)
        try:
            for n in range(5):
                assert (await rpc.call("echo", n=str(n)))["echo"] == {"n": str(n)}
            assert (await rpc.call("chunked", k="v"))["echo"] == {"k": "v"}
            assert (await rpc.call("echo"))["n"] == 7 and server.connections == 1  # all on one connection
        finally:
            await rpc.close()

    asyncio.run(_with_server(test))


def test_concurrent_calls_open_connections_up_to_the_limit_and_reuse_them():
    async def test(server, url):
        pool = JsonRpcPool(url + "/", timeout=10, max_connections=4)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {}}).encode()
        answers = await asyncio.gather(*(pool.post(body) for _ in range(40)))
        assert all(status == 200 for status, _ in answers) and server.connections <= 4
        await pool.close()

    asyncio.run(_with_server(test))


def test_a_connection_the_server_closed_is_replaced():
    async def test(server, url):
        rpc = ChainRpc(url)
        try:
            await rpc.call("close")  # the server says Connection: close and closes
            await rpc.call("echo")
            assert server.connections == 2
        finally:
            await rpc.close()

    asyncio.run(_with_server(test))


def test_an_unreachable_node_is_a_502_not_a_traceback():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens once the probe is closed

    async def call():
        rpc = ChainRpc(f"http://127.0.0.1:{port}", timeout=2)
        try:
            await rpc.call("status")
        finally:
            await rpc.close()

    with pytest.raises(GatewayError) as error:
        asyncio.run(call())
    assert error.value.status == 502 and "cannot reach CometBFT RPC" in error.value.message
    with pytest.raises(ValueError):
        JsonRpcPool("https://example.org/", timeout=1)
    assert issubclass(PoolError, Exception)


def test_stale_idle_connections_are_not_tried_and_a_failed_reuse_retries_on_a_new_connection(monkeypatch):
    import gateway.rpc_pool as rpc_pool

    async def test(server, url):
        pool = JsonRpcPool(url + "/", timeout=10, max_connections=8)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {}}).encode()
        await asyncio.gather(*(pool.post(body) for _ in range(8)))
        opened = server.connections
        assert len(pool._idle) == opened >= 2
        for connection in pool._idle:  # the node closed every idle connection (its idle timeout)
            connection.writer.transport.abort()
        status, _ = await pool.post(body)  # one stale try, then a new connection, not a second stale one
        assert status == 200 and server.connections == opened + 1
        monkeypatch.setattr(rpc_pool, "MAX_IDLE_SECONDS", 0.0)
        await asyncio.sleep(0.01)
        before = server.connections
        await pool.post(body)  # the idle one is too old: closed unused, a new one is opened
        assert server.connections == before + 1
        await pool.close()

    asyncio.run(_with_server(test))

"""BlockWaiter: the next block from CometBFT's websocket, a pause when the socket is not there or drops."""

from __future__ import annotations

import json
import threading
import time

from websockets.sync.server import serve

from client.blocks import BlockWaiter, websocket_url


def test_the_websocket_url_of_a_node():
    assert websocket_url("http://127.0.0.1:26657/") == "ws://127.0.0.1:26657/websocket"
    assert websocket_url("https://node.example") == "wss://node.example/websocket"


def test_without_a_socket_it_pauses_for_the_poll_interval_and_does_not_raise():
    waiter = BlockWaiter("http://127.0.0.1:9", poll=0.2, open_timeout=0.5)
    started = time.monotonic()
    waiter.wait(5)
    assert 0.15 <= time.monotonic() - started < 3 and not waiter.used_socket


def _node(blocks: int, drop: bool):
    """A websocket that answers the subscription, announces ``blocks`` new blocks, then closes if ``drop``."""
    def handler(socket):
        json.loads(socket.recv())
        socket.send(json.dumps({"jsonrpc": "2.0", "id": 1, "result": {}}))
        for height in range(1, blocks + 1):
            time.sleep(0.1)
            socket.send(json.dumps({"result": {"data": {"value": {"block": {"header": {"height": str(height)}}}}}}))
        if not drop:
            time.sleep(1)
    server = serve(handler, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.socket.getsockname()[1]}"


def test_a_new_block_on_the_socket_ends_the_wait():
    server, url = _node(blocks=2, drop=False)
    try:
        waiter = BlockWaiter(url, poll=5)
        waiter.wait(3)
        assert waiter.used_socket and waiter.height == 1
        waiter.wait(3)
        assert waiter.height == 2
        waiter.close()
    finally:
        server.shutdown()


def test_a_dropped_socket_falls_back_to_polling():
    server, url = _node(blocks=1, drop=True)
    try:
        waiter = BlockWaiter(url, poll=0.1)
        waiter.wait(3)
        assert waiter.height == 1
        started = time.monotonic()
        waiter.wait(3)  # the server closes: a short pause instead of an error
        waiter.wait(3)  # and no reconnection before RETRY_SECONDS: another pause
        assert time.monotonic() - started < 2.5 and waiter._socket is None
    finally:
        server.shutdown()

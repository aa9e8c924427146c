"""Waiting for the next block: CometBFT's websocket (``tm.event='NewBlock'``), with polling when the socket drops.

The customer's client follows a task block by block: the task can change only when a block commits, so asking the
chain between blocks is wasted work. ``BlockWaiter.wait`` returns as soon as a new block is announced on the
websocket; when the socket cannot be opened or drops, it sleeps ``poll`` seconds instead (the caller then asks the
chain anyway) and tries the socket again after ``RETRY_SECONDS``.
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack

RETRY_SECONDS = 10.0
_QUERY = "tm.event='NewBlock'"


def websocket_url(rpc_url: str) -> str:
    base = rpc_url.rstrip("/")
    scheme, _, rest = base.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/websocket"


class BlockWaiter:
    def __init__(self, rpc_url: str, poll: float = 0.5, open_timeout: float = 3.0) -> None:
        self.url = websocket_url(rpc_url)
        self.poll = poll
        self.open_timeout = open_timeout
        self._socket = None
        self._retry_at = 0.0
        self.height = 0  # the last height announced on the socket (0: none yet)
        self.used_socket = False  # whether any wait was ended by a websocket event (for tests and diagnostics)

    def _connect(self) -> bool:
        if self._socket is not None:
            return True
        if time.monotonic() < self._retry_at:
            return False
        from websockets.sync.client import connect

        stack = ExitStack()
        try:
            socket = stack.enter_context(connect(self.url, open_timeout=self.open_timeout, max_size=16 << 20))
            socket.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": {"query": _QUERY}}))
            socket.recv(timeout=self.open_timeout)  # the subscription's empty result
        except Exception:  # noqa: BLE001 - any failure to open means: poll for now
            stack.close()
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return False
        self._socket, self._stack = socket, stack
        return True

    def _drop(self) -> None:
        if self._socket is not None:
            try:
                self._stack.close()
            except Exception:  # noqa: BLE001
                pass
        self._socket = None
        self._retry_at = time.monotonic() + RETRY_SECONDS

    def wait(self, timeout: float = 10.0) -> None:
        """Until the next block is announced, at most ``timeout`` seconds; ``poll`` seconds when there is no
        socket."""
        if not self._connect():
            time.sleep(self.poll)
            return
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                message = json.loads(self._socket.recv(timeout=left))
            except TimeoutError:
                return
            except Exception:  # noqa: BLE001 - the socket dropped: poll from now on, try again later
                self._drop()
                time.sleep(self.poll)
                return
            block = ((message.get("result") or {}).get("data") or {}).get("value", {}).get("block")
            if block:
                self.height = int(block["header"]["height"])
                self.used_socket = True
                return

    def close(self) -> None:
        self._drop()

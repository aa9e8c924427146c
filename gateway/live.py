"""Live blocks: one subscription to CometBFT's websocket, fanned out to the browsers as server-sent events.

The gateway subscribes once to ``tm.event='NewBlock'`` and pushes each new block's height, time, tx count
and tx hashes to every open ``GET /live`` stream; pages do not poll. When the node goes away the follower
reconnects with a growing pause, and the streams just wait.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from typing import AsyncIterator

import websockets

from client.blocks import websocket_url

log = logging.getLogger("gateway.live")

QUEUE_SIZE = 64
KEEPALIVE_SECONDS = 15.0


def block_summary(block: dict) -> dict:
    header = block["header"]
    txs = [base64.b64decode(tx) for tx in (block.get("data") or {}).get("txs") or []]
    return {"height": int(header["height"]), "time": header["time"], "proposer": header["proposer_address"],
            "num_txs": len(txs), "txs": [hashlib.sha256(tx).hexdigest().upper() for tx in txs]}


class LiveBlocks:
    def __init__(self, rpc_url: str) -> None:
        self.url = websocket_url(rpc_url)
        self._subscribers: set[asyncio.Queue] = set()
        self._task: asyncio.Task | None = None
        self.latest: dict | None = None
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    def publish(self, summary: dict) -> None:
        self.latest = summary
        for queue in list(self._subscribers):
            if queue.full():
                queue.get_nowait()  # a slow browser loses the oldest block, not the newest
            queue.put_nowait(summary)

    async def _follow(self) -> None:
        pause = 0.5
        while True:
            try:
                async with websockets.connect(self.url, max_size=16 << 20, open_timeout=5) as socket:
                    await socket.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscribe",
                                                  "params": {"query": "tm.event='NewBlock'"}}))
                    self.connected.set()
                    pause = 0.5
                    async for message in socket:
                        data = json.loads(message).get("result", {}).get("data")
                        if data and data.get("type") == "tendermint/event/NewBlock":
                            self.publish(block_summary(data["value"]["block"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the node restarted or is not up yet: try again
                self.connected.clear()
                log.info("websocket %s: %s; retrying in %.1fs", self.url, exc, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 10.0)

    async def stream(self) -> AsyncIterator[str]:
        """Server-sent events: ``event: block`` with the block summary as JSON, and keep-alive comments."""
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            if self.latest is not None:
                yield f"event: block\ndata: {json.dumps(self.latest)}\n\n"
            while True:
                try:
                    summary = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: block\ndata: {json.dumps(summary)}\n\n"
        finally:
            self._subscribers.discard(queue)

"""A committed block and a committed tx are rendered once: the second request is answered from the gateway's
cache without asking the node, with the same bytes; a height above the latest is still a 404."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.rpc import ChainRpc

TX = b"not a decodable tx"
TX_HASH = "AB" * 32


def _node(calls: list[str]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        method = body["method"]
        calls.append(method)
        header = {"height": "5", "time": "2026-01-01T00:00:00Z", "proposer_address": "AA" * 20, "app_hash": "CC" * 32}
        results = {
            "status": {"node_info": {"network": "test", "version": "0"},
                       "sync_info": {"latest_block_height": "7", "latest_block_time": "", "latest_app_hash": "",
                                     "catching_up": False}},
            "block": {"block_id": {"hash": "DD" * 32},
                      "block": {"header": header, "data": {"txs": [base64.b64encode(TX).decode()]},
                                "last_commit": {"signatures": [{"validator_address": "AA" * 20, "block_id_flag": 2}]}}},
            "block_results": {"txs_results": [{"code": 0, "log": "", "events": []}], "finalize_block_events": []},
            "tx": {"hash": TX_HASH, "height": "5", "index": 0, "tx": base64.b64encode(TX).decode(),
                   "tx_result": {"code": 0, "events": [{"type": "transfer", "attributes": [{"key": "amount",
                                                                                           "value": "1uamio"}]}]}},
        }
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": results[method]})

    return httpx.MockTransport(handle)


def test_blocks_and_txs_are_rendered_once(tmp_path: Path):
    calls: list[str] = []
    app = create_app("http://node", tmp_path, live=False, explorer=False)
    with TestClient(app) as client:
        app.state.rpc = ChainRpc("http://node", transport=_node(calls))
        first = client.get("/blocks/5")
        assert first.status_code == 200 and first.json()["height"] == 5 and len(first.json()["txs"]) == 1
        asked = len(calls)
        again = client.get("/blocks/5")
        assert again.content == first.content and len(calls) == asked  # not a single RPC call
        assert client.get("/blocks/8").status_code == 404  # above the latest (7): not cached, not invented
        tx = client.get(f"/txs/{TX_HASH.lower()}")
        assert tx.status_code == 200 and tx.json()["events"][0]["attributes"] == {"amount": "1uamio"}
        asked = len(calls)
        assert client.get(f"/txs/{TX_HASH}").content == tx.content and len(calls) == asked

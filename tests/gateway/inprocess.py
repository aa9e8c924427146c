"""The gateway over the real app in-process: the golden scenario's chain (tests/app/golden_scenario.py), plus an
open task and a proposal in its voting period, answered through the gateway's own RPC client by an httpx
transport that hands abci_query to the app (no CometBFT, no sockets)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import httpx

from abci_app.proto import abci
from chain_modules.gov.types import MsgSubmitProposal, MsgVote
from tests.app import golden_scenario as golden

AMIO = 1_000_000


def play(path: Path) -> golden.Golden:
    """The golden scenario, then a task left open and a proposal in its voting period with a vote."""
    g = golden.Golden(golden.AppDriver(path, app_state=golden.app_state(), vote_extensions_enable_height=1,
                                       consensus_keys=golden.CONSENSUS))
    golden._play(g)
    open_task = g.submit()
    g.tx(golden.ALICE, MsgSubmitProposal(golden.ALICE.address, "text", {}, "in-process proposal", "voting", 1_000 * AMIO,
                                         False))
    g.block()
    proposals = json.loads(json.dumps(_decode(g.driver.query("/gov/proposals").value), default=str))
    voting = max(p["id"] for p in proposals)
    g.tx(golden.OPERATORS[0], MsgVote(golden.OPERATORS[0].address, voting, "yes"))
    g.block()
    g.open_task, g.voting_proposal = open_task, voting
    return g


def _decode(raw: bytes):
    from chain_modules.common.encoding import decode

    return decode(raw)


def transport(g: golden.Golden) -> httpx.MockTransport:
    """JSON-RPC abci_query and status, answered by the app as CometBFT would relay them."""

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["method"] == "abci_query":
            params = body["params"]
            answer = g.driver.app.query(abci.RequestQuery(path=params["path"], data=bytes.fromhex(params["data"]),
                                                          height=int(params["height"]), prove=bool(params["prove"])))
            result = {"response": {"code": answer.code, "log": answer.log, "codespace": answer.codespace,
                                   "key": base64.b64encode(answer.key).decode(),
                                   "value": base64.b64encode(answer.value).decode(), "height": str(answer.height)}}
        elif body["method"] == "status":
            result = {"node_info": {"network": "golden", "version": "in-process"},
                      "sync_info": {"latest_block_height": str(g.driver.height), "latest_block_time": "",
                                    "latest_app_hash": g.driver.last_app_hash.hex(), "catching_up": False}}
        else:
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "error": {"message": "not in-process"}})
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": result})

    return httpx.MockTransport(handle)


def good_values(g: golden.Golden) -> dict[str, str]:
    """A value of each path parameter that names something the scenario created."""
    return {
        "address": golden.ALICE.bech32, "operator": golden.OPERATORS[0].bech32, "master": golden.MASTERS[0].bech32,
        "task_id": str(g.open_task), "module_hash": golden.APP.hex(), "epoch": "1", "class_name": "small",
        "max_fuel": "1000000",
        "proposal_id": str(g.voting_proposal), "worker": golden.WORKERS[0].bech32,
        "consensus_address": hashlib.sha256(golden.CONSENSUS[0].pubkey).digest()[:20].hex(),
    }

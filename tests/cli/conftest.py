"""A harness that runs the real `amino` command line against a node stand-in that records what is broadcast."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from abci_app.codec import Tx, decode_tx
from chain_modules.auth.types import TxParams
from chain_modules.common.encoding import encode
from cli.context import CliContext
from cli.main import cli
from client.rpc import QueryResult, RpcError
from client.wallet.keyring import open_keyring

CHAIN_ID = "amino-cli-test"


@dataclass
class RecordingRpc:
    """Answers the queries a tx needs (tx params, account sequences) and records every broadcast tx."""

    sequences: dict[str, int] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    broadcast: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    check_code: int = 0
    simulated_gas: int = 61_000
    simulated: list[bytes] = field(default_factory=list)

    def abci_query(self, path: str, data: bytes = b"") -> QueryResult:
        self.paths.append(path)
        if path == "/app/simulate":  # the node's answer to a simulation: this much gas, and success
            self.simulated.append(data)
            value = encode({"gas_used": self.simulated_gas, "code": 0, "codespace": "", "log": "",
                            "events": [["transfer", [["amount", "1uamio"]]]]})
        elif path == "/auth/params":
            value = encode(TxParams().to_dict())
        elif path.startswith("/auth/account/"):
            address = path.rsplit("/", 1)[1]
            value = encode([b"\x01" * 32, self.sequences[address]]) if address in self.sequences else b""
        elif path in self.values:  # bytes as they are (balances are big-endian integers), anything else msgpack
            answer = self.values[path]
            value = answer if isinstance(answer, bytes) else encode(answer)
        else:
            return QueryResult(6, f"unknown path {path}", "test", b"", b"", 0, [])
        return QueryResult(0, "", "", b"", value, 12, [])

    def broadcast_tx_sync(self, tx: bytes) -> dict:
        self.broadcast.append(tx)
        log = "" if self.check_code == 0 else "refused by the test"
        return {"hash": hashlib.sha256(tx).hexdigest().upper(), "code": self.check_code, "log": log, "codespace": "tx"}

    def status(self) -> dict:
        return {"node_info": {"network": CHAIN_ID}}

    # committed txs and blocks, as CometBFT's RPC returns them; searches are recorded with their paging
    committed: list[dict] = field(default_factory=list)
    searches: list[tuple] = field(default_factory=list)
    blocks: dict[int, dict] = field(default_factory=dict)

    def commit(self, raw: bytes, height: int, events: list[dict] | None = None, code: int = 0, log: str = "") -> dict:
        """Record ``raw`` as committed at ``height`` (events in the RPC's shape) and return the RPC's tx item."""
        item = {"hash": hashlib.sha256(raw).hexdigest().upper(), "height": str(height), "index": 0,
                "tx": base64.b64encode(raw).decode(),
                "tx_result": {"code": code, "codespace": "bank" if code else "", "log": log, "gas_wanted": "80000",
                              "gas_used": "61000", "events": events or []}}
        self.committed.append(item)
        return item

    def tx(self, tx_hash: bytes) -> dict:
        for item in self.committed:
            if item["hash"] == tx_hash.hex().upper():
                return item
        raise RpcError(f"tx: tx ({tx_hash.hex().upper()}) not found")

    def wait_for_tx(self, tx_hash: bytes, timeout: float = 30.0) -> dict:
        """A broadcast tx as committed at height 13 with code 0 (the stand-in runs no block)."""
        [raw] = [raw for raw in self.broadcast if hashlib.sha256(raw).digest() == tx_hash]
        return self.commit(raw, 13)

    def tx_search(self, query: str, page: int = 1, per_page: int = 30, order_by: str = "asc") -> dict:
        self.searches.append((query, page, per_page, order_by))
        ordered = sorted(self.committed, key=lambda item: int(item["height"]), reverse=order_by == "desc")
        return {"txs": ordered[(page - 1) * per_page: page * per_page], "total_count": str(len(ordered))}

    def block(self, height: int | None = None) -> dict:
        return self.blocks[height or max(self.blocks)]

    def close(self) -> None:
        pass

    def txs(self) -> list[Tx]:
        return [decode_tx(raw) for raw in self.broadcast]


@dataclass
class Harness:
    home: Path
    rpc: RecordingRpc
    addresses: dict[str, str]
    runner: CliRunner

    def invoke(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(cli, ["--home", str(self.home), "--keyring-backend", "test", "--chain-id", CHAIN_ID,
                                        "--node", "http://127.0.0.1:9", *args], input=input, prog_name="amino")


@pytest.fixture
def harness(tmp_path: Path, monkeypatch) -> Harness:
    keyring = open_keyring(tmp_path, "test")
    addresses = {name: keyring.add(name)[0].address for name in ("alice", "bob", "carol")}
    rpc = RecordingRpc()
    monkeypatch.setattr(CliContext, "rpc", lambda self: rpc)
    return Harness(tmp_path, rpc, addresses, CliRunner())

"""The Cosmos conventions of `amino` against a real 4-validator localnet: --gas auto simulates on the node and the
tx then fits its gas; query txs, query tx, account-txs and query block find it; a cold wallet generates a tx with
no node and no key, signs it offline and broadcasts it."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

NO_NODE = "tcp://127.0.0.1:9"  # nothing listens there: a command that asked a node would fail


def amino(home, node: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "cli.main", "--home", str(home), "--node", node, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def shown(localnet, *args: str) -> dict:
    completed = amino(localnet.wallet_home, localnet.rpc_url(1), *args, "-o", "json")  # -o after the subcommand
    assert completed.returncode == 0, f"amino {' '.join(args)}: {completed.stderr}"
    return json.loads(completed.stdout)


def test_gas_auto_sends_a_real_tx_that_query_txs_then_finds(localnet):
    alice = shown(localnet, "keys", "show", "alice")["address"]
    bob = shown(localnet, "keys", "show", "bob")["address"]
    dry = shown(localnet, "tx", "bank", "send", "alice", bob, "1.5amio", "--dry-run", "--note", "e2e gas auto")
    assert dry["code"] == 0 and dry["gas_used"] > 10_000
    assert dry["gas_limit"] == -(-dry["gas_used"] * Fraction("1.3") // 1)
    sequence = shown(localnet, "query", "account", "alice")["sequence"]

    sent = shown(localnet, "tx", "bank", "send", bob, "1.5amio", "--from", "alice", "--gas", "auto", "--yes",
                 "--note", "e2e gas auto")
    assert sent["code"] == 0 and sent["check_code"] == 0, sent
    assert sent["gas_wanted"] == dry["gas_limit"] and sent["gas_used"] <= dry["gas_used"] <= sent["gas_wanted"]
    assert shown(localnet, "query", "account", "alice")["sequence"] == sequence + 1

    found = shown(localnet, "query", "txs", "--query", f"transfer.sender='{alice}' AND tx.height={sent['height']}")
    assert [tx["hash"] for tx in found["txs"]] == [sent["tx_hash"]] and found["total_count"] == 1
    tx = found["txs"][0]
    assert tx["signer"] == alice and tx["memo"] == "e2e gas auto"
    assert tx["msgs"][0]["body"]["to"] == bob and tx["msgs"][0]["body"]["amount"] == 1_500_000

    detail = shown(localnet, "query", "tx", sent["tx_hash"].lower())
    transfer = [e["attributes"] for e in detail["events"] if e["type"] == "transfer"]
    assert transfer and transfer[0]["recipient"] == bob and detail["gas_used"] == sent["gas_used"]

    mine = shown(localnet, "query", "account-txs", "alice", "--limit", "100")
    assert sent["tx_hash"] in [tx["hash"] for tx in mine["txs"]]
    block = shown(localnet, "query", "block", str(sent["height"]))
    assert sent["tx_hash"] in block["txs"] and block["height"] == sent["height"]


def test_a_cold_wallet_generates_with_no_node_and_no_key_signs_offline_and_broadcasts(localnet, tmp_path):
    alice = shown(localnet, "keys", "show", "alice")["address"]
    carol = shown(localnet, "keys", "show", "carol")["address"]
    sequence = shown(localnet, "query", "account", alice)["sequence"]
    chain_id = shown(localnet, "status")["chain_id"]
    carol_before = shown(localnet, "query", "bank", "balance", carol)["balance"]

    watch_only = tmp_path / "watch-only"  # an online machine that holds no key at all
    generated = amino(watch_only, NO_NODE, "tx", "bank", "send", alice, carol, "2amio", "--generate-only",
                      "--offline", "--sequence", str(sequence), "--chain-id", chain_id, "--gas", "90000")
    assert generated.returncode == 0, generated.stderr
    (tmp_path / "unsigned.json").write_text(generated.stdout)

    signed = amino(localnet.wallet_home, NO_NODE, "tx", "sign", str(tmp_path / "unsigned.json"), "--from", "alice",
                   "--offline")
    assert signed.returncode == 0, signed.stderr
    (tmp_path / "signed.json").write_text(signed.stdout[signed.stdout.index("{"):])

    sent = amino(watch_only, localnet.rpc_url(2), "-o", "json", "tx", "broadcast", str(tmp_path / "signed.json"))
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert json.loads(sent.stdout)["code"] == 0
    carol_after = shown(localnet, "query", "bank", "balance", carol)["balance"]
    assert int(carol_after.removesuffix("uamio")) - int(carol_before.removesuffix("uamio")) == 2_000_000

    again = amino(watch_only, localnet.rpc_url(2), "tx", "broadcast", str(tmp_path / "signed.json"))
    assert again.returncode == 1 and "Traceback" not in again.stderr

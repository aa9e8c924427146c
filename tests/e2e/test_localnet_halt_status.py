"""End to end on a real 4-validator localnet: `amino localnet status` says HALTED, naming the
missing validators, when two of the four validators' processes stop (the other half of the voting
power cannot make blocks), and healthy again once they are back. Also: a query whose path is not
UTF-8 does not stop the node that answers it."""

import json
import subprocess
import sys
import time

import httpx
import pytest

from client.rpc import CometRpc

pytestmark = pytest.mark.e2e
STOPPED = (2, 3)


def status(localnet, *args) -> subprocess.CompletedProcess:
    env = {"AMINO_HOME": str(localnet.wallet_home), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "cli.main", "localnet", "status", "--localnet-home", str(localnet.home), *args],
                          capture_output=True, text=True, env=env, timeout=120)


def wait_for_status(localnet, predicate, timeout: float, what: str) -> tuple[subprocess.CompletedProcess, dict]:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        result = status(localnet, "-o", "json")
        data = json.loads(result.stdout) if result.stdout.strip() else {}
        last = (result.returncode, data.get("chain"), result.stderr[-500:])
        if data and predicate(result, data["chain"]):
            return result, data["chain"]
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


def test_a_query_path_that_is_not_utf8_is_refused_and_the_node_keeps_running(localnet):
    url = localnet.rpc_url(0)
    before = CometRpc(url).latest_height()
    answer = httpx.get(f"{url}/abci_query", params={"path": "0x2f62616e6b2fff"}, timeout=10).json()  # "/bank/\xff"
    assert answer["result"]["response"]["code"] == 3, answer
    assert "UTF-8" in answer["result"]["response"]["log"]
    assert localnet.is_running(0, "cometbft") and localnet.is_running(0, "app")
    localnet.wait_for_height(before + 2, timeout=30, nodes=[0])


def test_status_reports_a_halt_with_the_missing_validators_then_recovery(localnet):
    healthy = lambda result, chain: result.returncode == 0 and not chain["halted"] and chain["missing"] == []
    _result, chain = wait_for_status(localnet, healthy, 60, "a healthy status before the halt")
    assert chain["voting_power"] > 0 and chain["signing_power"] == chain["voting_power"]
    assert len(chain["validators"]) == 4

    for index in STOPPED:
        localnet.stop_node(index)
    halted = lambda result, chain: result.returncode == 3 and chain["halted"]
    result, chain = wait_for_status(localnet, halted, 90, "status to report the halt")
    assert chain["message"].startswith(f"HALTED: no new block for {chain['seconds_since_block']} s at height {chain['height']}")
    assert chain["seconds_since_block"] >= chain["halt_after_seconds"]  # whole seconds: the age itself was above it
    assert chain["missing"] == [f"node{i}" for i in STOPPED]
    assert chain["signing_power"] * 2 == chain["voting_power"]
    assert {v["name"]: v["node_running"] for v in chain["validators"]} == {"node0": True, "node1": True, "node2": False, "node3": False}

    text = status(localnet)  # the readable form says the same on one line
    assert text.returncode == 3
    assert "HALTED: no new block for" in text.stderr and f"at height {chain['height']}" in text.stderr
    assert "missing: node2 (node processes not running), node3 (node processes not running)" in text.stderr
    assert "blocks need more than 2/3" in text.stderr

    halted_at = chain["height"]
    for index in STOPPED:
        localnet.start_node(index)
    localnet.wait_for_height(halted_at + 3, timeout=120)
    _result, chain = wait_for_status(localnet, healthy, 90, "a healthy status after the restart")
    assert chain["height"] > halted_at and chain["signing_power"] == chain["voting_power"]
    assert localnet.app_hash_splits() == {}

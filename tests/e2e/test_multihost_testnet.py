"""A network on several machines: four validators, each in a network namespace of its own with its own address,
made by the genesis ceremony (`amino testnet init-files`: gentxs, collect, validate) and started with
`amino testnet start` inside its namespace. The namespaces are joined by a bridge in a fifth namespace, so nothing
here touches the machine's own network; the test removes them all."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.helpers import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
NODES = 4
SUBNET = "10.77.0"
CHAIN = "amino-multihost"
RPC = "http://127.0.0.1:26657"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


def _can_make_namespaces() -> str | None:
    if shutil.which("ip") is None:
        return "needs iproute2's ip"
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    probe = f"amprobe{os.getpid()}"
    try:
        _ip("netns", "add", probe)
    except subprocess.CalledProcessError as exc:
        return f"cannot create a network namespace here: {exc.stderr.strip()}"
    _ip("netns", "del", probe)
    return None


@pytest.fixture(scope="module")
def hosts():
    """Four namespaces with addresses 10.77.0.1-4 on one bridge (in a switch namespace of its own)."""
    reason = _can_make_namespaces()
    if reason:
        pytest.skip(reason)
    tag = f"am{os.getpid() % 100_000}"
    switch, names = f"{tag}sw", [f"{tag}h{index}" for index in range(NODES)]
    made: list[str] = []
    try:
        for name in [switch, *names]:
            _ip("netns", "add", name)
            made.append(name)
            _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", switch, "link", "set", "br0", "up")
        for index, name in enumerate(names):
            _ip("-n", switch, "link", "add", f"p{index}", "type", "veth", "peer", "name", "eth0", "netns", name)
            _ip("-n", switch, "link", "set", f"p{index}", "master", "br0", "up")
            _ip("-n", name, "addr", "add", f"{SUBNET}.{index + 1}/24", "dev", "eth0")
            _ip("-n", name, "link", "set", "eth0", "up")
        yield names
    finally:
        for name in made:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), AMINO_HOME="/nonexistent-use-home-flag")


def in_host(namespace: str, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", "netns", "exec", namespace, *argv], capture_output=True, text=True, timeout=timeout,
                          env=_env(), cwd=ROOT)


def amino(*args: str, namespace: str | None = None) -> str:
    argv = [sys.executable, "-m", "cli.main", *args]
    result = in_host(namespace, *argv) if namespace else subprocess.run(argv, capture_output=True, text=True,
                                                                         timeout=120, env=_env(), cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def rpc(namespace: str, path: str) -> dict:
    """GET the node's own RPC (on 127.0.0.1 inside its host) from inside that host."""
    code = f"import httpx,sys; sys.stdout.write(httpx.get('{RPC}/{path}', timeout=5).text)"
    result = in_host(namespace, sys.executable, "-c", code, timeout=30)
    if result.returncode != 0:
        raise ConnectionError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no answer")
    return json.loads(result.stdout)["result"]


def height(namespace: str) -> int:
    try:
        return int(rpc(namespace, "status")["sync_info"]["latest_block_height"])
    except (ConnectionError, KeyError, ValueError):
        return 0


def test_four_validators_on_four_hosts_reach_consensus_from_a_ceremony_genesis(hosts, tmp_path):
    out = tmp_path / "testnet"
    addresses = ",".join(f"{SUBNET}.{index + 1}" for index in range(NODES))
    manifest = json.loads(amino("testnet", "init-files", "--hosts", addresses, "--chain-id", CHAIN, "--output-dir",
                                str(out), "--timeout-commit", "500ms", "-o", "json"))
    assert manifest["hosts"] == addresses.split(",") and len(manifest["operators"]) == NODES
    checked = json.loads(amino("genesis", "validate", str(out / "genesis.json"), "--gentx-dir", str(out / "gentxs"),
                               "-o", "json"))
    assert checked["valid"] is True and checked["gentxs_matched"] == NODES
    config = (out / "node0" / "cometbft" / "config" / "config.toml").read_text()
    assert f'laddr = "tcp://{SUBNET}.1:26656"' in config and f'laddr = "tcp://127.0.0.1:26657"' in config

    nodes = []
    try:
        for index, namespace in enumerate(hosts):
            log = open(tmp_path / f"start{index}.log", "wb")
            nodes.append(subprocess.Popen(["ip", "netns", "exec", namespace, sys.executable, "-m", "cli.main",
                                           "testnet", "start", str(out / f"node{index}")],
                                          stdout=log, stderr=subprocess.STDOUT, env=_env(), cwd=ROOT))
        wait_until(lambda: all(height(namespace) >= 5 for namespace in hosts), 300, "every host to pass height 5")

        # every node talks to the three others over the namespaces' own addresses
        for index, namespace in enumerate(hosts):
            peers = rpc(namespace, "net_info")["peers"]
            assert sorted(p["remote_ip"] for p in peers) == sorted(
                f"{SUBNET}.{other + 1}" for other in range(NODES) if other != index)
        # the validator set is the four gentxs' super nodes, and every host has the same app hash
        validators = rpc(hosts[0], "validators")["validators"]
        assert len(validators) == NODES
        app_hashes = {rpc(namespace, "block?height=4")["block"]["header"]["app_hash"] for namespace in hosts}
        assert len(app_hashes) == 1 and "" not in app_hashes

        # an operator on host 0 sends AMIO to the operator of host 3, who sees it on its own node
        wallet0, wallet3 = str(out / "node0" / "wallet"), str(out / "node3" / "wallet")
        receiver = manifest["operators"][3]
        before = json.loads(amino("--home", wallet3, "query", "bank", "balance", receiver, "-o", "json",
                                  namespace=hosts[3]))
        sent = json.loads(amino("--home", wallet0, "tx", "bank", "send", "operator", receiver, "7amio", "-y", "-o",
                                "json", namespace=hosts[0]))
        assert sent["code"] == 0, sent

        def received():
            after = json.loads(amino("--home", wallet3, "query", "bank", "balance", receiver, "-o", "json",
                                     namespace=hosts[3]))
            return after if after != before else None

        after = wait_until(received, 60, "the transfer to reach host 3")
        assert after != before
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            try:
                node.wait(30)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait()
    for index in range(NODES):  # `testnet start` stopped both of its processes and removed the socket
        assert not (out / f"node{index}" / "app.sock").exists()

"""``amino testnet init-files``: the files of an N-validator network whose nodes run on N machines.

Like the Cosmos SDK's ``testnet init-files``: for each host, a node directory holding a CometBFT home (its keys, a
config whose p2p address is the host's and whose persistent peers are the other hosts), the app's data directory,
and a wallet home (the operator's key in a ``test`` keyring, a client.json for the node's own RPC); beside them the
gentxs and the genesis collected from them (genesis/ceremony.py). Copy ``node<i>`` to host i and run
``amino testnet start node<i>`` there. RPC, metrics and the app socket stay on the machine (127.0.0.1 and a unix
socket); only the p2p port listens on the host's address.

The keys are in plain files: this is for test networks. A network of value runs the ceremony instead, each
operator on its own machine (docs/operations.md, "A network on several machines").
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import tomlkit

from chain_modules.bank.api import DEFAULT_ALLOCATIONS
from chain_modules.common.amount import UAMIO_PER_AMIO
from client.wallet.keyring import open_keyring
from genesis.build import write_genesis
from genesis.ceremony import collect_gentxs, consensus_signing_key, make_gentx, persistent_peers
from localnet.config import configure_node, set_toml_value
from localnet.launcher import cometbft_binary, node_id

OPERATOR_KEY = "operator"
DEFAULT_SELF_BOND = 1_000_000 * UAMIO_PER_AMIO
MANIFEST = "testnet.json"


class TestnetError(RuntimeError):
    """A testnet directory that cannot be written or started; the message says what to do."""

    __test__ = False  # not a pytest test class


def init_files(output: Path, hosts: list[str], chain_id: str, p2p_port: int = 26656, rpc_port: int = 26657,
               self_bond: int = DEFAULT_SELF_BOND, timeout_commit: str = "1s") -> dict:
    """Write ``output``/node<i> for each host, the gentxs and the genesis; return the manifest written beside them."""
    output = Path(output).resolve()
    if (output / MANIFEST).exists():
        raise TestnetError(f"{output} already holds a testnet ({MANIFEST}); choose an empty directory")
    if not hosts:
        raise TestnetError("give at least one host")
    output.mkdir(parents=True, exist_ok=True)
    coordinator = open_keyring(output / "coordinator" / "keyring", "test")
    # an address receives one allocation: one coordinator key per allocation but the operators' infrastructure share
    buckets = {name: coordinator.add(name)[0].address for name, _share, _schedule in DEFAULT_ALLOCATIONS
               if name != "infrastructure"}
    gentx_dir = output / "gentxs"
    gentx_dir.mkdir(exist_ok=True)
    gentxs = []
    for index, host in enumerate(hosts):
        node = output / f"node{index}"
        cometbft_home = node / "cometbft"
        subprocess.run([str(cometbft_binary()), "init", "--home", str(cometbft_home)], check=True, capture_output=True)
        keyring = open_keyring(node / "wallet", "test")  # the wallet home: `amino --home node<i>/wallet ...`
        keyring.add(OPERATOR_KEY)
        gentx = make_gentx(chain_id, keyring.signing_key(OPERATOR_KEY), consensus_signing_key(cometbft_home), f"node{index}",
                           self_bond, node_id(cometbft_home), f"{host}:{p2p_port}")
        (gentx_dir / f"node{index}.json").write_text(json.dumps(gentx.to_json(), indent=2) + "\n")
        gentxs.append(gentx)
    recipients = {name: [address] for name, address in buckets.items()}
    recipients["infrastructure"] = [g.operator for g in gentxs]  # each operator bonds from its share
    genesis = collect_gentxs(sorted(gentxs, key=lambda g: g.operator), chain_id, datetime.now(timezone.utc), recipients)
    write_genesis(genesis, output / "genesis.json")
    for index, gentx in enumerate(gentxs):
        node = output / f"node{index}"
        write_genesis(genesis, node / "cometbft" / "config" / "genesis.json")
        configure_node(node / "cometbft" / "config" / "config.toml", moniker=gentx.moniker,
                       abci_socket=node / "app.sock", p2p_port=p2p_port, rpc_port=rpc_port, metrics_port=rpc_port + 1,
                       persistent_peers=persistent_peers(gentxs, gentx.node_id), timeout_commit=timeout_commit,
                       p2p_host=hosts[index], allow_duplicate_ip=len(set(hosts)) < len(hosts))
        (node / "wallet" / "client.json").write_text(json.dumps(
            {"chain_id": chain_id, "node": f"http://127.0.0.1:{rpc_port}", "keyring_backend": "test"}, indent=2) + "\n")
    manifest = {"chain_id": chain_id, "hosts": hosts, "p2p_port": p2p_port, "rpc_port": rpc_port,
                "operators": [g.operator for g in gentxs], "allocations": buckets}
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def start(node: Path, log=print) -> int:
    """Run a node directory's app and CometBFT in the foreground until either exits or a signal comes; stop both.
    Returns the exit code for the command (0 after SIGINT/SIGTERM)."""
    node = Path(node).resolve()
    cometbft_home = node / "cometbft"
    config = cometbft_home / "config" / "config.toml"
    if not config.exists() or not (node / "wallet").exists():
        raise TestnetError(f"{node} is not a node directory of `amino testnet init-files`")
    socket = node / "app.sock"
    document = tomlkit.parse(config.read_text())
    set_toml_value(document, "", "proxy_app", f"unix://{socket}")  # the directory may have been copied elsewhere
    config.write_text(tomlkit.dumps(document))
    if socket.exists():
        socket.unlink()
    children: list[subprocess.Popen] = []
    stopping = []

    def stop(_signum=None, _frame=None) -> None:
        stopping.append(True)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with open(node / "app.log", "ab") as app_log:
            children.append(subprocess.Popen([sys.executable, "-m", "abci_app", "--db", str(node / "app" / "data"),
                                              "--address", f"unix://{socket}"], stdout=app_log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while not socket.exists():
            if children[0].poll() is not None or time.monotonic() > deadline or stopping:
                raise TestnetError(f"the app did not open {socket}; see {node / 'app.log'}")
            time.sleep(0.05)
        with open(node / "cometbft.log", "ab") as cometbft_log:
            children.append(subprocess.Popen([str(cometbft_binary()), "node", "--home", str(cometbft_home)],
                                             stdout=cometbft_log, stderr=subprocess.STDOUT))
        log(f"{node.name}: app and cometbft running (logs in {node}); Ctrl-C stops both")
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    log(f"{node.name}: {'app' if child is children[0] else 'cometbft'} exited with code "
                        f"{child.returncode}; stopping the node")
                    return 1
            time.sleep(0.2)
        return 0
    finally:
        for child in reversed(children):  # cometbft first, then the app it talks to
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(15)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if os.path.exists(socket):
            socket.unlink()

"""The localnet: N validators on loopback, each a real cometbft process with its own Python app process.

Layout under the localnet home (default ./.localnet):
  localnet.json            chain id, node count, ports (written by init)
  wallet/                  a wallet home with the dev keys (test keyring: UNENCRYPTED)
  nodeI/cometbft/          CometBFT home (config, data)
  nodeI/app/               app LevelDB
  nodeI/app.sock           ABCI unix socket
  nodeI/{app,cometbft}.log and .pid

Ports of node I: p2p base+10*I, RPC base+10*I+1, CometBFT metrics base+10*I+2,
app metrics base+10*I+3.
Every app process runs with its own PYTHONHASHSEED, so hidden
non-determinism shows up at once as an app-hash split.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from client.rpc import CometRpc, RpcError
from client.wallet.keyring import open_keyring
from chain_modules.common.amount import UAMIO_PER_AMIO
from chain_modules.apppool.types import AppPoolParams
from chain_modules.common.address import decode_address
from chain_modules.compute.types import ComputeParams
from chain_modules.fog.types import FogParams
from chain_modules.gov.types import GovParams
from chain_modules.slashing.types import SlashingParams
from chain_modules.staking.types import StakingParams
from genesis.build import GenesisValidator, SuperNodeSpec, build_genesis, write_genesis
from localnet.config import configure_node
from localnet.health import ChainHealth, assess_chain, default_halt_after

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOME = REPO_ROOT / ".localnet"
DEFAULT_CHAIN_ID = "amino-localnet"
DEFAULT_BASE_PORT = 26656
IEO_ACCOUNTS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
BUCKET_ACCOUNTS = {
    "early_investors": "investors",
    "team": "team",
    "foundation": "foundation",
    "community": "community",
}


# Short epochs and unbonding so that elections and unbonding can be watched on the localnet.
LOCALNET_STAKING = StakingParams(
    epoch_blocks=10,
    max_super_nodes=4,
    unbonding_seconds=120,
    max_entries=7,
    min_super_self_bond=1_000 * UAMIO_PER_AMIO,
    power_reduction=UAMIO_PER_AMIO,
)
GENESIS_SELF_BOND = 1_000_000 * UAMIO_PER_AMIO
# A stopped validator is jailed after missing more than half of 32 blocks (~10-20 s here).
LOCALNET_SLASHING = SlashingParams(
    signed_blocks_window=32,
    min_signed_bps=5_000,
    downtime_jail_seconds=20,
    slash_fraction_downtime_bps=10,
    slash_fraction_double_sign_bps=500,
    min_downtime_seconds=40,  # a restart takes 5-20 s here: it must not jail
    min_validators_after_jail=4,
)


# Short steps so that a task's whole life, and its deadline paths, can be watched on the localnet.
LOCALNET_COMPUTE = ComputeParams(
    heartbeat_timeout_seconds=30,
    assign_timeout_seconds=20,
    commit_timeout_seconds=30,
    reveal_timeout_seconds=20,
    confirm_timeout_seconds=30,
    min_task_seconds=10,
    max_task_seconds=3_600,
    price_epoch_blocks=10,
    worker_min_deposit=100 * UAMIO_PER_AMIO,
    max_fuel=10**12,
    worker_unbonding_seconds=120,
    max_run_seconds=120,  # no task may ask for more than two minutes of its class's guaranteed rate
)
# Epochs and periods you can watch: FOG arrives every 30 s, redemptions pay every two minutes.
# Every worker is probed every epoch, so the probes can be watched too (a real network draws 10%).
LOCALNET_FOG = FogParams(epoch_seconds=30, windows_per_epoch=3, redemption_period_seconds=120,
                         probe_probability_bps=10_000)
PROBE_EXAMPLE = "hash_chain"  # the liveness probes' module: the example job that reads the probe input format


def localnet_compute_params() -> ComputeParams:
    """LOCALNET_COMPUTE with the probe module's hash (built from its WAT source, as the master node builds it)."""
    import hashlib

    from wasm_jobs.examples import build

    return replace(LOCALNET_COMPUTE, probe_app=hashlib.sha256(build(PROBE_EXAMPLE)).hexdigest())


# short governance periods, so a proposal is decided within a test: 20 s to deposit, 20 s to vote (10 s expedited)
LOCALNET_GOV = GovParams(min_deposit=1_000 * UAMIO_PER_AMIO, expedited_min_deposit=5_000 * UAMIO_PER_AMIO,
                         max_deposit_seconds=20, voting_period_seconds=20, expedited_voting_period_seconds=10)
SERVICE_KEYS = ["master0", "worker0", "worker1", "worker2"]


class LocalnetError(RuntimeError):
    pass


# -- processes, each with a pid file and a log in its directory -------------------------------


def pid_in(directory: Path, process: str) -> int | None:
    """The pid of ``process`` started in ``directory``, if that process still runs from there."""
    path = directory / f"{process}.pid"
    if not path.exists():
        return None
    try:
        pid = int(path.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (ValueError, OSError):
        return None
    # guard against a recycled pid: the process must be ours
    if str(directory).encode() not in cmdline:
        return None
    return pid


def running_in(directory: Path, process: str) -> bool:
    pid = pid_in(directory, process)
    if pid is None:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def spawn_in(directory: Path, process: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start ``argv`` in its own session, logging to directory/process.log; argv must mention ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"{process}.log", "ab") as log_file:
        child = subprocess.Popen(
            argv,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=str(REPO_ROOT),
            start_new_session=True,
        )
    (directory / f"{process}.pid").write_text(f"{child.pid}\n")
    return child


def stop_in(directory: Path, process: str, hard: bool = False, timeout: float = 15.0) -> None:
    pid = pid_in(directory, process)
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGKILL if hard else signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while running_in(directory, process):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    (directory / f"{process}.pid").unlink(missing_ok=True)


def cometbft_binary() -> Path:
    candidate = REPO_ROOT / ".tools" / "bin" / "cometbft"
    if candidate.exists():
        return candidate
    found = shutil.which("cometbft")
    if found:
        return Path(found)
    raise LocalnetError("cometbft not found: run scripts/setup.sh (it builds the pinned version into .tools/bin)")


def node_id(cometbft_home: Path) -> str:
    """The CometBFT node id of a home (the hex address of its node key), as peers name it."""
    return subprocess.run([str(cometbft_binary()), "show-node-id", "--home", str(cometbft_home)], check=True,
                          capture_output=True, text=True).stdout.strip()


@dataclass(frozen=True)
class NodeStatus:
    index: int
    running_app: bool
    running_cometbft: bool
    height: int | None
    app_hash: str | None
    peers: int | None
    catching_up: bool | None
    error: str | None = None


class Localnet:
    def __init__(
        self,
        home: Path = DEFAULT_HOME,
        nodes: int = 4,
        base_port: int = DEFAULT_BASE_PORT,
        chain_id: str = DEFAULT_CHAIN_ID,
        timeout_commit: str = "500ms",
        fog_params: FogParams = LOCALNET_FOG,
    ) -> None:
        self.home = Path(home).resolve()
        self.fog_params = fog_params  # used only when the genesis is written (init)
        manifest = self.home / "localnet.json"
        if manifest.exists():
            data = json.loads(manifest.read_text())
            nodes, base_port, chain_id = data["nodes"], data["base_port"], data["chain_id"]
            timeout_commit = data.get("timeout_commit", timeout_commit)
        self.nodes = nodes
        self.base_port = base_port
        self.chain_id = chain_id
        self.timeout_commit = timeout_commit

    # -- layout ------------------------------------------------------------------

    def node_dir(self, index: int) -> Path:
        return self.home / f"node{index}"

    def p2p_port(self, index: int) -> int:
        return self.base_port + 10 * index

    def rpc_port(self, index: int) -> int:
        return self.base_port + 10 * index + 1

    def metrics_port(self, index: int) -> int:
        return self.base_port + 10 * index + 2

    def app_metrics_port(self, index: int) -> int:
        return self.base_port + 10 * index + 3

    def rpc_url(self, index: int = 0) -> str:
        return f"http://127.0.0.1:{self.rpc_port(index)}"

    @property
    def wallet_home(self) -> Path:
        return self.home / "wallet"

    @property
    def initialized(self) -> bool:
        return (self.home / "localnet.json").exists()

    # -- init ----------------------------------------------------------------------

    def init(self) -> None:
        """Create node homes, keys, the dev wallet and a genesis shared by all nodes (once)."""
        if self.initialized:
            return
        binary = cometbft_binary()
        self.home.mkdir(parents=True, exist_ok=True)
        validators = []
        node_ids = []
        for index in range(self.nodes):
            cometbft_home = self.node_dir(index) / "cometbft"
            subprocess.run([str(binary), "init", "--home", str(cometbft_home)], check=True, capture_output=True)
            key = json.loads((cometbft_home / "config" / "priv_validator_key.json").read_text())
            validators.append(GenesisValidator(f"node{index}", base64.b64decode(key["pub_key"]["value"]), 10))
            node_ids.append(node_id(cometbft_home))

        keyring = open_keyring(self.wallet_home, "test")
        recipients: dict[str, list[str]] = {"ieo": []}
        for name in IEO_ACCOUNTS:
            info, _mnemonic = keyring.add(name)
            recipients["ieo"].append(info.address)
        for allocation, name in BUCKET_ACCOUNTS.items():
            info, _mnemonic = keyring.add(name)
            recipients[allocation] = [info.address]
        # each validator's operator holds a share of the infrastructure allocation and bonds from it
        super_nodes = []
        recipients["infrastructure"] = []
        for index, validator in enumerate(validators):
            info, _mnemonic = keyring.add(f"node{index}")
            recipients["infrastructure"].append(info.address)
            super_nodes.append(SuperNodeSpec(info.address, validator, GENESIS_SELF_BOND))
        for name in SERVICE_KEYS:  # funded from alice once the chain runs (localnet/services.py)
            keyring.add(name)
        (self.wallet_home / "client.json").write_text(
            json.dumps({"chain_id": self.chain_id, "node": self.rpc_url(0), "keyring_backend": "test"}, indent=2) + "\n"
        )

        genesis = build_genesis(
            self.chain_id, datetime.now(timezone.utc), validators, recipients,
            staking_params=LOCALNET_STAKING, super_nodes=super_nodes, slashing_params=LOCALNET_SLASHING,
            compute_params=localnet_compute_params(), fog_params=self.fog_params, gov_params=LOCALNET_GOV,
            # a development option: the foundation key verifies applications on the localnet without a proposal
            apppool_params=AppPoolParams((decode_address(recipients["foundation"][0]),)),
        )
        for index in range(self.nodes):
            cometbft_home = self.node_dir(index) / "cometbft"
            write_genesis(genesis, cometbft_home / "config" / "genesis.json")
            peers = [
                f"{node_ids[other]}@127.0.0.1:{self.p2p_port(other)}" for other in range(self.nodes) if other != index
            ]
            configure_node(
                cometbft_home / "config" / "config.toml",
                moniker=f"node{index}",
                abci_socket=self.node_dir(index) / "app.sock",
                p2p_port=self.p2p_port(index),
                rpc_port=self.rpc_port(index),
                metrics_port=self.metrics_port(index),
                persistent_peers=peers,
                timeout_commit=self.timeout_commit,
            )
        (self.home / "localnet.json").write_text(
            json.dumps(
                {"chain_id": self.chain_id, "nodes": self.nodes, "base_port": self.base_port, "timeout_commit": self.timeout_commit},
                indent=2,
            )
            + "\n"
        )

    def add_node(self) -> int:
        """Create one more (non-validator) node with the same genesis, peered with all others; start it.

        It becomes a validator only if it is elected: register its candidate
        with its consensus key (nodeI/cometbft/config/priv_validator_key.json)
        and get enough delegations (docs/operations.md).
        """
        if not self.initialized:
            raise LocalnetError("no localnet yet: run 'amino localnet up' first")
        binary = cometbft_binary()
        index = self.nodes
        cometbft_home = self.node_dir(index) / "cometbft"
        subprocess.run([str(binary), "init", "--home", str(cometbft_home)], check=True, capture_output=True)
        shutil.copy(self.node_dir(0) / "cometbft" / "config" / "genesis.json", cometbft_home / "config" / "genesis.json")
        peers = []
        for other in range(index):
            peers.append(f"{node_id(self.node_dir(other) / 'cometbft')}@127.0.0.1:{self.p2p_port(other)}")
        configure_node(
            cometbft_home / "config" / "config.toml",
            moniker=f"node{index}",
            abci_socket=self.node_dir(index) / "app.sock",
            p2p_port=self.p2p_port(index),
            rpc_port=self.rpc_port(index),
            metrics_port=self.metrics_port(index),
            persistent_peers=peers,
            timeout_commit=self.timeout_commit,
        )
        self.nodes += 1
        manifest = self.home / "localnet.json"
        data = json.loads(manifest.read_text())
        data["nodes"] = self.nodes
        manifest.write_text(json.dumps(data, indent=2) + "\n")
        self.start_node(index)
        return index

    def consensus_pubkey(self, index: int) -> bytes:
        key = json.loads((self.node_dir(index) / "cometbft" / "config" / "priv_validator_key.json").read_text())
        return base64.b64decode(key["pub_key"]["value"])

    # -- processes -----------------------------------------------------------------

    def _pid_file(self, index: int, process: str) -> Path:
        return self.node_dir(index) / f"{process}.pid"

    def _pid(self, index: int, process: str) -> int | None:
        return pid_in(self.node_dir(index), process)

    def is_running(self, index: int, process: str) -> bool:
        return running_in(self.node_dir(index), process)

    def _spawn(self, index: int, process: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        return spawn_in(self.node_dir(index), process, argv, env)

    def start_app(self, index: int, env: dict[str, str] | None = None) -> None:
        """Start node ``index``'s app (``env``: extra environment, e.g. a fail point of abci_app/failpoints.py)."""
        if self.is_running(index, "app"):
            return
        node = self.node_dir(index)
        socket = node / "app.sock"
        if socket.exists():
            socket.unlink()
        env = dict(os.environ, PYTHONHASHSEED=str(1000 + index), **(env or {}))
        argv = [
            sys.executable, "-m", "abci_app",
            "--db", str(node / "app" / "data"),
            "--address", f"unix://{socket}",
            "--metrics-port", str(self.app_metrics_port(index)),
        ]
        child = self._spawn(index, "app", argv, env)
        deadline = time.monotonic() + 30
        while not socket.exists():
            if child.poll() is not None:
                raise LocalnetError(f"node{index} app exited at start; see {node / 'app.log'}")
            if time.monotonic() > deadline:
                raise LocalnetError(f"node{index} app did not open its socket; see {node / 'app.log'}")
            time.sleep(0.05)

    def start_cometbft(self, index: int) -> None:
        if self.is_running(index, "cometbft"):
            return
        node = self.node_dir(index)
        argv = [str(cometbft_binary()), "node", "--home", str(node / "cometbft")]
        self._spawn(index, "cometbft", argv, dict(os.environ))

    def start_node(self, index: int) -> None:
        self.start_app(index)
        self.start_cometbft(index)

    def stop_process(self, index: int, process: str, hard: bool = False, timeout: float = 15.0) -> None:
        stop_in(self.node_dir(index), process, hard, timeout)

    def stop_node(self, index: int, hard: bool = False) -> None:
        self.stop_process(index, "cometbft", hard)
        self.stop_process(index, "app", hard)

    def up(self, wait_height: int = 2, timeout: float = 90.0) -> None:
        self.init()
        for index in range(self.nodes):
            self.start_node(index)
        self.wait_for_height(wait_height, timeout)

    def down(self) -> None:
        for index in range(self.nodes):
            self.stop_node(index)

    def reset(self) -> None:
        self.down()
        if self.home.exists():
            shutil.rmtree(self.home)

    def wait_for_height(self, height: int, timeout: float = 60.0, nodes: list[int] | None = None) -> None:
        deadline = time.monotonic() + timeout
        for index in nodes if nodes is not None else range(self.nodes):
            with CometRpc(self.rpc_url(index), timeout=2) as rpc:
                while True:
                    try:
                        if rpc.latest_height() >= height:
                            break
                    except RpcError:
                        pass
                    if time.monotonic() > deadline:
                        raise LocalnetError(
                            f"node{index} did not reach height {height} in {timeout:.0f}s; "
                            f"see {self.node_dir(index)}/cometbft.log and app.log"
                        )
                    for process in ("app", "cometbft"):
                        if not self.is_running(index, process):
                            raise LocalnetError(f"node{index} {process} is not running; see {self.node_dir(index)}/{process}.log")
                    time.sleep(0.2)

    # -- status --------------------------------------------------------------------

    def status(self) -> list[NodeStatus]:
        statuses = []
        for index in range(self.nodes):
            running_app = self.is_running(index, "app")
            running_cometbft = self.is_running(index, "cometbft")
            height = app_hash = peers = catching_up = error = None
            if running_cometbft:
                try:
                    with CometRpc(self.rpc_url(index), timeout=2) as rpc:
                        info = rpc.status()["sync_info"]
                        height = int(info["latest_block_height"])
                        app_hash = info["latest_app_hash"]
                        catching_up = bool(info["catching_up"])
                        peers = int(rpc.net_info()["n_peers"])
                except RpcError as exc:
                    error = str(exc)
            statuses.append(NodeStatus(index, running_app, running_cometbft, height, app_hash, peers, catching_up, error))
        return statuses

    def chain_health(self, interval: float = 1.0, halt_after: float | None = None) -> ChainHealth:
        """Whether the chain still makes blocks and which validators sign (localnet/health.py)."""
        if halt_after is None:
            halt_after = default_halt_after(self.timeout_commit)
        with _RpcSource(self) as source:
            return assess_chain(source, halt_after, interval)

    def validator_address(self, index: int) -> str:
        """The consensus address (upper-case hex) of node ``index``'s validator key."""
        key = json.loads((self.node_dir(index) / "cometbft" / "config" / "priv_validator_key.json").read_text())
        return key["address"].upper()

    def app_hash_splits(self, height: int | None = None) -> dict[int, dict[str, list[int]]]:
        """Heights (default: the lowest latest height of the running nodes) where nodes disagree on the app hash."""
        hashes: dict[int, str] = {}
        statuses = [s for s in self.status() if s.height]
        if not statuses:
            return {}
        check_height = height or min(s.height for s in statuses)  # type: ignore[type-var]
        for status in statuses:
            try:
                with CometRpc(self.rpc_url(status.index), timeout=2) as rpc:
                    header = rpc.block(check_height)["block"]["header"]
                    hashes[status.index] = header["app_hash"]
            except RpcError:
                continue
        groups: dict[str, list[int]] = {}
        for index, value in sorted(hashes.items()):
            groups.setdefault(value, []).append(index)
        return {check_height: groups} if len(groups) > 1 else {}


class _RpcSource:
    """The ChainSource of a running localnet: its nodes' RPC, pid files and validator keys."""

    def __init__(self, net: Localnet) -> None:
        self.net = net
        self.nodes = net.nodes
        self._clients: dict[int, CometRpc] = {}

    def __enter__(self) -> "_RpcSource":
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self._clients.values():
            client.close()

    def call(self, index: int, method: str, **params: str) -> dict:
        if not self.net.is_running(index, "cometbft"):
            raise RpcError(f"node{index} cometbft is not running")
        if index not in self._clients:
            self._clients[index] = CometRpc(self.net.rpc_url(index), timeout=2)
        return self._clients[index].call(method, **params)

    def node_running(self, index: int) -> bool:
        return self.net.is_running(index, "app") and self.net.is_running(index, "cometbft")

    def validator_addresses(self) -> dict[str, int]:
        addresses = {}
        for index in range(self.nodes):
            try:
                addresses[self.net.validator_address(index)] = index
            except (OSError, ValueError, KeyError):
                continue
        return addresses

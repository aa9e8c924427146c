"""The localnet's compute services: one master node service and three workers, plus the example jobs.

Layout under the localnet home:
  master0/                 store/ (blobs), master.log, master.pid
  workerI/                 worker.toml, journal.jsonl, results/, worker.log, worker.pid
  examples/                <name>.wasm and <name>.input for every example job

Setup (idempotent, once the chain runs): alice funds the service keys, the
foundation key (the localnet's apppool authority) registers and verifies
the example applications. The master node registers itself as a candidate
sponsored by node0; it becomes active at the next staking epoch, and only
active master nodes receive tasks.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

from chain_modules.apppool.types import MsgRegisterApp, MsgSetAppVerified
from chain_modules.bank.types import MsgMultiSend, Output
from chain_modules.common.address import decode_address
from chain_modules.common.amount import UAMIO_PER_AMIO
from chain_modules.staking.types import MsgConsentSponsorship
from client.chain import ChainClient, ChainError
from client.wallet.keyring import open_keyring
from localnet.launcher import Localnet, LocalnetError, running_in, spawn_in, stop_in
from wasm_jobs.examples import EXAMPLES, build

MASTER = "master0"
WORKERS = ["worker0", "worker1", "worker2"]
# workers that run any registered application (any_app), so that a customer's own, unverified module runs on the
# localnet; two, because a single-replica task may be audited by a second worker (docs/modules/apppool.md)
ANY_APP_WORKERS = ("worker0", "worker1")
MASTER_FUNDS = 20_000 * UAMIO_PER_AMIO
MASTER_BOND = 10_000 * UAMIO_PER_AMIO
WORKER_FUNDS = 1_000 * UAMIO_PER_AMIO


class ComputeServices:
    def __init__(self, net: Localnet) -> None:
        self.net = net
        self.keyring = open_keyring(net.wallet_home, "test")

    # -- addresses and ports ------------------------------------------------------------------

    def master_port(self, name: str = MASTER) -> int:
        """base+95 for master0, +96 for master1...: above the ports of the first nine nodes (base+10*I..+3)."""
        return self.net.base_port + 95 + int(name.removeprefix("master") or 0)

    def master_url(self, name: str = MASTER) -> str:
        return f"http://127.0.0.1:{self.master_port(name)}"

    def address(self, name: str) -> str:
        return self.keyring.show(name).address

    def directory(self, name: str) -> Path:
        return self.net.home / name

    def client(self, name: str, node: int = 0) -> ChainClient:
        return ChainClient(self.net.rpc_url(node), self.keyring.signing_key(name), self.net.chain_id)

    # -- setup ----------------------------------------------------------------------------------

    def fund(self, wanted: dict[str, int]) -> None:
        """Create the keys that are missing and send each key with an empty balance its amount from alice."""
        alice = self.client("alice")
        try:
            outputs = []
            for name, amount in wanted.items():
                if name not in {info.name for info in self.keyring.list()}:
                    self.keyring.add(name)
                if not alice.rpc.abci_query(f"/bank/balance/{self.address(name)}").value:
                    outputs.append(Output(decode_address(self.address(name)), amount))
            if outputs:
                alice.send([MsgMultiSend(decode_address(alice.address), tuple(outputs))])
        finally:
            alice.close()

    def setup(self) -> None:
        """Fund the service keys and register + verify the example applications (each only once)."""
        self.fund({MASTER: MASTER_FUNDS, **{w: WORKER_FUNDS for w in WORKERS}})
        foundation = self.client("foundation")
        examples = self.net.home / "examples"
        examples.mkdir(exist_ok=True)
        try:
            msgs = []
            authority = decode_address(foundation.address)
            for name, (_wat, _reference, sample) in EXAMPLES.items():
                module = build(name)
                (examples / f"{name}.wasm").write_bytes(module)
                (examples / f"{name}.input").write_bytes(sample)
                digest = hashlib.sha256(module).digest()
                if foundation.query_or_none(f"/apppool/app/{digest.hex()}") is None:
                    msgs.append(MsgRegisterApp(authority, digest, len(module), name, f"example job {name}", (), module))
                    msgs.append(MsgSetAppVerified(authority, digest, True))
            if msgs:
                foundation.send(msgs)
        finally:
            foundation.close()

    # -- processes ------------------------------------------------------------------------------

    def _amino(self) -> list[str]:
        return [sys.executable, "-m", "cli.main", "--home", str(self.net.wallet_home), "--node", self.net.rpc_url(0)]

    def consent(self, sponsor: str, master: str) -> None:
        """The sponsoring super node's operator consents to sponsor ``master`` (once: the chain keeps it)."""
        client = self.client(sponsor)
        try:
            master_address = decode_address(self.address(master))
            if client.query_or_none(f"/staking/sponsor_consent/{self.address(master)}") != self.address(sponsor):
                client.send([MsgConsentSponsorship(decode_address(client.address), master_address)])
        finally:
            client.close()

    def start_master(self, name: str = MASTER, sponsor: str = "node0", timeout: float = 60.0) -> None:
        """Start the master node service ``name``; it registers itself on first start (sponsored by ``sponsor``)."""
        directory = self.directory(name)
        if running_in(directory, "master"):
            return
        self.consent(sponsor, name)
        argv = self._amino() + [
            "master", "start", "--from", name, "--listen", f"127.0.0.1:{self.master_port(name)}",
            "--store", str(directory / "store"), "--sponsor", sponsor, "--bond", f"{MASTER_BOND // UAMIO_PER_AMIO}amio",
        ]
        spawn_in(directory, "master", argv, dict(os.environ))
        self._wait(lambda: self._master_ready(name), timeout, f"{name} did not start; see {directory / 'master.log'}",
                   directory, "master")

    def _master_ready(self, name: str) -> bool:
        import httpx

        try:
            return httpx.get(f"{self.master_url(name)}/v1/status", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def write_worker_config(self, name: str, node: int, lie: bool = False, any_app: bool = False,
                            master: str = MASTER) -> Path:
        directory = self.directory(name)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "worker.toml"
        path.write_text(
            f'key_name = "{name}"\nmaster_url = "{self.master_url(master)}"\nrpc_url = "{self.net.rpc_url(node)}"\n'
            f'chain_id = "{self.net.chain_id}"\nhome = "{directory}"\nslots = 1\ncpu_cores = 2\ngpu = 0\n'
            f"ram_mb = 2048\nstorage_mb = 4096\nmax_memory_mb = 2048\nmax_fuel = {10**12}\nwall_timeout_seconds = 150\n"
            f"heartbeat_seconds = 5\npoll_seconds = 1\ndeposit = {100 * UAMIO_PER_AMIO}\n"
            f"any_app = {'true' if any_app else 'false'}\nlie = {'true' if lie else 'false'}\n"
        )
        return path

    def start_worker(self, name: str, lie: bool = False, any_app: bool | None = None, master: str = MASTER,
                     timeout: float = 60.0) -> None:
        """Start worker ``name`` in ``master``'s pool; it registers itself with a deposit on first start. ``any_app``
        defaults to whether ``name`` is one of ANY_APP_WORKERS."""
        any_app = name in ANY_APP_WORKERS if any_app is None else any_app
        directory = self.directory(name)
        if running_in(directory, "worker"):
            return
        node = int(name.removeprefix("worker") or 0) % self.net.nodes
        config = self.write_worker_config(name, node, lie, any_app, master)
        argv = self._amino() + ["worker", "start", "--config", str(config), "--master", self.address(master), "--no-tui"]
        spawn_in(directory, "worker", argv, dict(os.environ))
        probe = self.client(name)
        try:
            # registered, and online: a worker that went offline when it stopped heartbeats as it starts again
            self._wait(lambda: (probe.query_or_none(f"/compute/worker/{probe.address}") or {}).get("online"), timeout,
                       f"{name} did not register or come online; see {directory / 'worker.log'}", directory, "worker")
        finally:
            probe.close()

    def _wait(self, ready, timeout: float, message: str, directory: Path, process: str) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if not running_in(directory, process):
                raise LocalnetError(f"{message} (the process exited)")
            if time.monotonic() > deadline:
                raise LocalnetError(message)
            time.sleep(0.3)

    def stop_worker(self, name: str, hard: bool = False) -> None:
        stop_in(self.directory(name), "worker", hard)

    def stop_master(self, name: str = MASTER, hard: bool = False) -> None:
        stop_in(self.directory(name), "master", hard)

    def up(self, workers: list[str] | None = None) -> None:
        try:
            self.setup()
        except ChainError as exc:
            raise LocalnetError(f"compute setup failed: {exc}") from None
        self.start_master()
        for name in workers if workers is not None else WORKERS:
            self.start_worker(name)

    def down(self) -> None:
        """Stop every worker and master node service of this localnet, the extra ones included."""
        for directory in sorted(self.net.home.glob("worker*")):
            self.stop_worker(directory.name)
        for directory in sorted(self.net.home.glob("master*")):
            self.stop_master(directory.name)

    def wait_master_active(self, name: str = MASTER, timeout: float = 120.0) -> None:
        """Until the staking epoch elects the master node (only active master nodes receive tasks)."""
        probe = self.client(name)
        try:
            deadline = time.monotonic() + timeout
            while not probe.query(f"/compute/master/{probe.address}")["active"]:
                if time.monotonic() > deadline:
                    raise LocalnetError(f"{name} was not elected an active master node in time")
                time.sleep(0.5)
        finally:
            probe.close()

    def status(self) -> list[dict]:
        """Every master node and worker service of this localnet home, running or not."""
        rows = [{"service": d.name, "running": running_in(d, "master"), "url": self.master_url(d.name), "log": str(d / "master.log")}
                for d in sorted(self.net.home.glob("master*"))]
        rows += [{"service": d.name, "running": running_in(d, "worker"), "url": "", "log": str(d / "worker.log")}
                 for d in sorted(self.net.home.glob("worker*"))]
        return rows

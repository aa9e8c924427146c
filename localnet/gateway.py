"""The localnet's REST gateway and explorer: one process on base+94, over node0's RPC.

Layout under the localnet home: ``gateway/`` with gateway.log, gateway.pid and trust/ (the header the
gateway's ``?prove=true`` answers are checked from).
"""

from __future__ import annotations

import os
import sys
import time

import httpx

from localnet.launcher import Localnet, LocalnetError, running_in, spawn_in, stop_in

PROCESS = "gateway"


class LocalnetGateway:
    def __init__(self, net: Localnet) -> None:
        self.net = net
        self.directory = net.home / "gateway"

    @property
    def port(self) -> int:
        """base+94: above the ports of the first nine nodes (base+10*I..+3), below the master nodes' (+95...)."""
        return self.net.base_port + 94

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def running(self) -> bool:
        return running_in(self.directory, PROCESS)

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/status", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self, timeout: float = 60.0) -> None:
        if self.running():
            return
        argv = [sys.executable, "-m", "cli.main", "--home", str(self.net.wallet_home), "--node", self.net.rpc_url(0),
                "gateway", "start", "--listen", f"127.0.0.1:{self.port}", "--gateway-home", str(self.directory)]
        spawn_in(self.directory, PROCESS, argv, dict(os.environ))
        deadline = time.monotonic() + timeout
        while not self.ready():
            if not self.running():
                raise LocalnetError(f"the gateway exited; see {self.directory / 'gateway.log'}")
            if time.monotonic() > deadline:
                raise LocalnetError(f"the gateway did not answer in {timeout:.0f}s; see {self.directory / 'gateway.log'}")
            time.sleep(0.3)

    def stop(self, hard: bool = False) -> None:
        stop_in(self.directory, PROCESS, hard)

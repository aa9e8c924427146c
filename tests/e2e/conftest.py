import os
import socket
import time

import pytest

from localnet.launcher import Localnet

E2E_BASE_PORT = int(os.environ.get("AMINO_E2E_BASE_PORT", "29656"))


def _ports_free(base: int, nodes: int) -> bool:
    for index in range(nodes):
        for offset in range(4):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", base + 10 * index + offset)) == 0:
                    return False
    return True


@pytest.fixture(scope="module")
def localnet(tmp_path_factory, request):
    """A real 4-validator localnet (cometbft + app processes) on 127.0.0.1, torn down after the module.

    A test module may set ``LOCALNET_FOG`` (chain_modules.fog.types.FogParams) to start its chain with other FOG
    params than the localnet's, e.g. without liveness probes where its tests time the compute flow."""
    # the previous module's localnet may still be exiting: give its processes a moment to let go of the ports
    deadline = time.monotonic() + 30
    while not _ports_free(E2E_BASE_PORT, 4) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _ports_free(E2E_BASE_PORT, 4), f"ports from {E2E_BASE_PORT} are taken; set AMINO_E2E_BASE_PORT"
    options = {"fog_params": request.module.LOCALNET_FOG} if hasattr(request.module, "LOCALNET_FOG") else {}
    net = Localnet(tmp_path_factory.mktemp("localnet"), nodes=4, base_port=E2E_BASE_PORT, timeout_commit="300ms",
                   **options)
    try:
        net.up(wait_height=2, timeout=120)
        yield net
    finally:
        net.down()


@pytest.fixture(scope="module")
def services(localnet):
    """The compute services on the session's localnet (a master node and three workers), for one test module."""
    from localnet.services import ComputeServices

    compute = ComputeServices(localnet)
    try:
        compute.up()
        compute.wait_master_active()
        yield compute
    finally:
        compute.down()

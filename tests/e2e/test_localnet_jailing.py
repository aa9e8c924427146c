"""End to end: a validator whose processes are stopped misses blocks, is jailed and slashed by the
other three, comes back, unjails itself with the CLI after the jail time and is elected again."""

import json
import subprocess
import sys
import time

import pytest

from chain_modules.common.encoding import decode
from client.rpc import CometRpc
from client.wallet.keyring import open_keyring

pytestmark = pytest.mark.e2e
VICTIM = 3


def candidate(rpc: CometRpc, operator: str) -> dict:
    return decode(rpc.abci_query(f"/staking/candidate/{operator}").value)


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_stopped_validator_is_jailed_then_unjails_and_is_elected_again(localnet):
    rpc = CometRpc(localnet.rpc_url(0))
    operator = open_keyring(localnet.wallet_home, "test").show(f"node{VICTIM}").address
    before = candidate(rpc, operator)
    assert before["status"] == "validator"

    localnet.stop_node(VICTIM)
    jailed = wait_until(lambda: (c := candidate(rpc, operator))["jailed"] and c, 90, "the stopped validator to be jailed")
    assert jailed["tokens"] < before["tokens"]  # slashed for downtime
    wait_until(lambda: operator not in {v["operator"] for v in decode(rpc.abci_query("/staking/validators").value)},
               30, "the jailed validator to leave the set")

    localnet.start_node(VICTIM)
    localnet.wait_for_height(rpc.latest_height(), timeout=90, nodes=[VICTIM])
    wait_until(lambda: rpc.status()["sync_info"]["latest_block_time"] and
               _block_time(rpc) >= jailed["jailed_until"], 60, "the end of the jail time")

    env = {"AMINO_HOME": str(localnet.wallet_home), "PATH": "/usr/bin:/bin"}
    unjail = subprocess.run([sys.executable, "-m", "client.cli.main", "-o", "json", "tx", "slashing", "unjail", f"node{VICTIM}", "--yes"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert unjail.returncode == 0, unjail.stderr + unjail.stdout
    assert json.loads(unjail.stdout)["code"] == 0
    wait_until(lambda: candidate(rpc, operator)["status"] == "validator", 60, "re-election at the next epoch")
    assert localnet.app_hash_splits() == {}
    rpc.close()


def _block_time(rpc: CometRpc) -> int:
    from datetime import datetime

    text = rpc.status()["sync_info"]["latest_block_time"]
    return int(datetime.fromisoformat(text[:19] + "+00:00").timestamp())

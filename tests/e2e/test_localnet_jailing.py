"""End to end: a validator restarted quickly is neither jailed nor slashed; one whose processes stay stopped
longer than min_downtime_seconds is jailed and slashed by the other three (a stand-by candidate fills the set),
comes back, unjails itself with the CLI after the jail time and is elected again."""

import json
import subprocess
import sys
import time

import hashlib

import pytest
from nacl.signing import SigningKey

from chain_modules.bank.types import MsgSend
from chain_modules.common.address import decode_address
from chain_modules.common.encoding import decode
from chain_modules.staking.types import MsgCreateSuperNode, proof_of_possession_bytes
from client.rpc import CometRpc
from client.wallet.keyring import open_keyring
from localnet.launcher import LOCALNET_SLASHING
from tests.e2e.helpers import submit, wait_until

pytestmark = pytest.mark.e2e
VICTIM = 3


def candidate(rpc: CometRpc, operator: str) -> dict:
    return decode(rpc.abci_query(f"/staking/candidate/{operator}").value)






def add_standby_candidate(rpc: CometRpc, localnet) -> str:
    """A fifth super node candidate with too little stake to be elected while the four genesis ones are eligible.
    Its node never runs: it only enters the set while a genesis validator is jailed, with a tiny power."""
    keyring = open_keyring(localnet.wallet_home, "test")
    operator = keyring.add("standby")[0]
    address = decode_address(operator.address)
    submit(rpc, keyring, localnet.chain_id, "alice", MsgSend(decode_address(keyring.show("alice").address), address, 20_000 * 10**6))
    key = SigningKey(hashlib.sha256(b"standby consensus key").digest())
    proof = key.sign(proof_of_possession_bytes(localnet.chain_id, address)).signature
    submit(rpc, keyring, localnet.chain_id, "standby",
           MsgCreateSuperNode(address, bytes(key.verify_key), "standby", 500, 100, 10_000 * 10**6, proof))
    return operator.address


def test_a_stopped_validator_is_jailed_then_unjails_and_is_elected_again(localnet):
    rpc = CometRpc(localnet.rpc_url(0))
    operator = open_keyring(localnet.wallet_home, "test").show(f"node{VICTIM}").address
    before = candidate(rpc, operator)
    assert before["status"] == "validator"
    standby = add_standby_candidate(rpc, localnet)

    # a restart shorter than min_downtime_seconds: neither jailed nor slashed, whatever the window says
    localnet.stop_node(VICTIM)
    time.sleep(LOCALNET_SLASHING.min_downtime_seconds / 2)
    localnet.start_node(VICTIM)
    localnet.wait_for_height(rpc.latest_height() + 2, timeout=90, nodes=[VICTIM])
    consensus_address = hashlib.sha256(localnet.consensus_pubkey(VICTIM)).digest()[:20].hex()
    wait_until(lambda: decode(rpc.abci_query(f"/slashing/signing_info/{consensus_address}").value)["missing_since"] == 0,
               60, "the restarted validator to sign again")
    after_restart = candidate(rpc, operator)
    assert not after_restart["jailed"] and after_restart["tokens"] == before["tokens"]

    localnet.stop_node(VICTIM)
    stopped_at = time.monotonic()
    jailed = wait_until(lambda: (c := candidate(rpc, operator))["jailed"] and c, 150, "the stopped validator to be jailed")
    assert time.monotonic() - stopped_at >= LOCALNET_SLASHING.min_downtime_seconds
    assert jailed["tokens"] < before["tokens"]  # slashed for downtime
    set_now = wait_until(lambda: (ops := {v["operator"] for v in decode(rpc.abci_query("/staking/validators").value)})
                         and operator not in ops and ops, 30, "the jailed validator to leave the set")
    assert standby in set_now and len(set_now) == 4  # the stand-by keeps a set of four

    localnet.start_node(VICTIM)
    localnet.wait_for_height(rpc.latest_height(), timeout=90, nodes=[VICTIM])
    wait_until(lambda: rpc.status()["sync_info"]["latest_block_time"] and
               _block_time(rpc) >= jailed["jailed_until"], 60, "the end of the jail time")

    env = {"AMINO_HOME": str(localnet.wallet_home), "PATH": "/usr/bin:/bin"}
    unjail = subprocess.run([sys.executable, "-m", "cli.main", "-o", "json", "tx", "slashing", "unjail", f"node{VICTIM}", "--yes"],
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

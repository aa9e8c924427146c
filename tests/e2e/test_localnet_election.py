"""End to end: a 5th node joins the localnet, is elected into the CometBFT validator set by
delegations at an epoch boundary, signs blocks, and leaves the set when the votes are withdrawn."""

import hashlib
import json
import subprocess
import sys
import time

import pytest

from chain_modules.bank.types import MsgSend
from chain_modules.common.address import decode_address
from chain_modules.common.encoding import decode
from chain_modules.staking.types import MsgDelegate, MsgUndelegate
from client.rpc import CometRpc
from client.wallet import tx as wallet_tx
from client.wallet.keyring import open_keyring

pytestmark = pytest.mark.e2e

AMIO = 1_000_000


def submit(rpc: CometRpc, keyring, chain_id: str, signer: str, msg) -> dict:
    params = wallet_tx.get_params(rpc)
    sequence = wallet_tx.get_sequence(rpc, keyring.show(signer).address)
    doc = wallet_tx.build_doc(chain_id, sequence, [(msg.TYPE, msg.to_body(), msg.gas())], params)
    result = wallet_tx.broadcast(rpc, wallet_tx.sign(doc, keyring.signing_key(signer)))
    assert result.check_code == 0 and result.code == 0, result
    return result.to_dict()


def staking_validators(rpc: CometRpc) -> dict[str, int]:
    return {v["operator"]: v["power"] for v in decode(rpc.abci_query("/staking/validators").value)}


def comet_validators(rpc: CometRpc) -> dict[str, int]:
    result = rpc.call("validators", per_page="100")
    return {v["address"]: int(v["voting_power"]) for v in result["validators"]}


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_fifth_node_is_elected_by_delegations_signs_blocks_and_leaves(localnet):
    rpc = CometRpc(localnet.rpc_url(0))
    keyring = open_keyring(localnet.wallet_home, "test")
    env = {"AMINO_HOME": str(localnet.wallet_home), "PATH": "/usr/bin:/bin"}

    def proven_balance() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "client.cli.main", "-o", "json", "query", "bank", "balance", "bob", "--prove"],
                              capture_output=True, text=True, env=env, timeout=120)

    first = proven_balance()  # anchors the wallet's trust in the genesis validator set
    assert first.returncode == 0, first.stderr
    index = localnet.add_node()
    assert index == 4
    localnet.wait_for_height(rpc.latest_height(), timeout=90, nodes=[index])

    operator = keyring.add("node4")[0]
    submit(rpc, keyring, localnet.chain_id, "alice", MsgSend(decode_address(keyring.show("alice").address), decode_address(operator.address), 20_000 * AMIO))

    created = subprocess.run(
        [sys.executable, "-m", "client.cli.main", "-o", "json", "tx", "staking", "create-super-node", "node4",
         "--moniker", "node4", "--self-bond", "10000amio", "--node-home", str(localnet.node_dir(index) / "cometbft"), "--yes"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert created.returncode == 0, created.stderr + created.stdout
    assert json.loads(created.stdout)["code"] == 0

    node4_address = hashlib.sha256(localnet.consensus_pubkey(index)).digest()[:20].hex().upper()
    assert operator.address not in staking_validators(rpc)  # 10,000 AMIO does not outrank 1,000,000

    bob = decode_address(keyring.show("bob").address)
    submit(rpc, keyring, localnet.chain_id, "bob", MsgDelegate(bob, decode_address(operator.address), 1_500_000 * AMIO))

    elected = wait_until(lambda: staking_validators(rpc).get(operator.address), 60, "node4 to be elected")
    assert elected == 1_510_000
    assert len(staking_validators(rpc)) == 4  # the weakest genesis validator made room
    wait_until(lambda: comet_validators(rpc).get(node4_address) == 1_510_000, 30, "CometBFT to apply the update")

    def node4_signed() -> bool:
        height = rpc.latest_height()
        signatures = rpc.call("commit", height=str(height))["signed_header"]["commit"]["signatures"]
        return any(s["validator_address"] == node4_address and s["block_id_flag"] == 2 for s in signatures)

    wait_until(node4_signed, 30, "a commit signed by node4")
    # the validator set changed since the wallet anchored its trust: proofs still verify, and trust moves
    after = proven_balance()
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["proof"] == "verified"

    submit(rpc, keyring, localnet.chain_id, "bob", MsgUndelegate(bob, decode_address(operator.address), 1_500_000 * AMIO))
    wait_until(lambda: operator.address not in staking_validators(rpc), 60, "node4 to leave the elected set")
    wait_until(lambda: node4_address not in comet_validators(rpc), 30, "CometBFT to remove node4")
    assert len(comet_validators(rpc)) == 4
    delegations = decode(rpc.abci_query(f"/staking/delegations/{keyring.show('bob').address}").value)
    assert delegations["unbondings"][0]["entries"][0]["balance"] == 1_500_000 * AMIO
    assert localnet.app_hash_splits() == {}
    rpc.close()

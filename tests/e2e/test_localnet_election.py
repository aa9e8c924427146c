"""End to end: a 5th node joins the localnet, is elected into the CometBFT validator set by
delegations at an epoch boundary, signs blocks, and leaves the set when the votes are withdrawn."""

import hashlib
import json
import subprocess
import sys

import pytest
from nacl.signing import SigningKey

from chain_modules.bank.types import MsgSend
from chain_modules.common.address import decode_address
from chain_modules.common.encoding import decode
from chain_modules.staking.types import MsgCreateSuperNode, MsgDelegate, MsgUndelegate, proof_of_possession_bytes
from client.rpc import CometRpc
from client.wallet import tx as wallet_tx
from client.wallet.keyring import open_keyring
from tests.e2e.helpers import submit, wait_until

pytestmark = pytest.mark.e2e

AMIO = 1_000_000




def staking_validators(rpc: CometRpc) -> dict[str, int]:
    return {v["operator"]: v["power"] for v in decode(rpc.abci_query("/staking/validators").value)}


def comet_validators(rpc: CometRpc) -> dict[str, int]:
    result = rpc.call("validators", per_page="100")
    return {v["address"]: int(v["voting_power"]) for v in result["validators"]}




def test_a_fifth_node_is_elected_by_delegations_signs_blocks_and_leaves(localnet):
    rpc = CometRpc(localnet.rpc_url(0))
    keyring = open_keyring(localnet.wallet_home, "test")
    env = {"AMINO_HOME": str(localnet.wallet_home), "PATH": "/usr/bin:/bin"}

    def proven_balance() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cli.main", "-o", "json", "query", "bank", "balance", "bob", "--prove"],
                              capture_output=True, text=True, env=env, timeout=120)

    first = proven_balance()  # anchors the wallet's trust in the genesis validator set
    assert first.returncode == 0, first.stderr
    index = localnet.add_node()
    assert index == 4
    localnet.wait_for_height(rpc.latest_height(), timeout=90, nodes=[index])

    operator = keyring.add("node4")[0]
    submit(rpc, keyring, localnet.chain_id, "alice", MsgSend(decode_address(keyring.show("alice").address), decode_address(operator.address), 20_000 * AMIO))

    created = subprocess.run(
        [sys.executable, "-m", "cli.main", "-o", "json", "tx", "staking", "create-super-node", "node4",
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
    powers = staking_validators(rpc)
    assert len(powers) == 4  # the weakest genesis validator made room
    # 1,510,000 of stake would be a third of the set's power: the cap keeps it below (docs/modules/staking.md)
    assert elected < 1_510_000 and elected * 3 < sum(powers.values())
    wait_until(lambda: comet_validators(rpc).get(node4_address) == elected, 30, "CometBFT to apply the update")

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


def test_a_candidate_nobody_signs_for_cannot_halt_the_chain(localnet):
    """The attack of the security review: a consensus key nobody signs for, elected with a third of the power,
    stopped the chain for good. Unusable keys are refused, and a usable key whose node never runs is capped
    below a third: the chain keeps committing, and the silent validator is jailed for downtime."""
    rpc = CometRpc(localnet.rpc_url(0))
    keyring = open_keyring(localnet.wallet_home, "test")
    operator = keyring.add("mallory-op")[0]
    operator_address = decode_address(operator.address)
    submit(rpc, keyring, localnet.chain_id, "alice", MsgSend(decode_address(keyring.show("alice").address), operator_address, 20_000 * AMIO))

    def broadcast_create(pubkey: bytes, proof: bytes):
        msg = MsgCreateSuperNode(operator_address, pubkey, "mallory", 500, 100, 10_000 * AMIO, proof)
        params = wallet_tx.get_params(rpc)
        sequence = wallet_tx.get_sequence(rpc, operator.address)
        doc = wallet_tx.build_doc(localnet.chain_id, sequence, [(msg.TYPE, msg.to_body(), msg.gas())], params)
        return wallet_tx.broadcast(rpc, wallet_tx.sign(doc, keyring.signing_key("mallory-op")))

    for unusable in (b"\xff" * 32, bytes(32)):  # not a point; the identity, of small order
        refused = broadcast_create(unusable, bytes(64))
        assert (refused.codespace, refused.check_code or refused.code) == ("staking", 14), refused
    ghost = SigningKey(hashlib.sha256(b"a key no node runs").digest())
    wrong_chain = ghost.sign(proof_of_possession_bytes("another-chain", operator_address)).signature
    refused = broadcast_create(bytes(ghost.verify_key), wrong_chain)
    assert (refused.codespace, refused.check_code or refused.code) == ("staking", 21), refused

    accepted = broadcast_create(bytes(ghost.verify_key), ghost.sign(proof_of_possession_bytes(localnet.chain_id, operator_address)).signature)
    assert accepted.code == 0, accepted
    bob = decode_address(keyring.show("bob").address)
    submit(rpc, keyring, localnet.chain_id, "bob", MsgDelegate(bob, operator_address, 1_500_000 * AMIO))
    ghost_address = hashlib.sha256(bytes(ghost.verify_key)).digest()[:20].hex().upper()
    wait_until(lambda: ghost_address in comet_validators(rpc), 60, "the silent candidate to enter the validator set")
    powers = comet_validators(rpc)
    assert powers[ghost_address] * 3 < sum(powers.values())
    joined = rpc.latest_height()
    # the three signing validators hold more than 2/3: blocks keep coming while the ghost never signs
    wait_until(lambda: rpc.latest_height() >= joined + 10, 60, "ten more blocks with the silent validator in the set")
    wait_until(lambda: ghost_address not in comet_validators(rpc), 120, "the silent validator to be jailed for downtime")
    candidate = decode(rpc.abci_query(f"/staking/candidate/{operator.address}").value)
    assert candidate["jailed"] is True
    height = rpc.latest_height()
    wait_until(lambda: rpc.latest_height() >= height + 3, 30, "blocks after the jailing")
    assert localnet.app_hash_splits() == {}
    rpc.close()

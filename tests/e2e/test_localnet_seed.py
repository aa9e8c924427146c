"""End to end on a real 4-validator CometBFT localnet: vote extensions are on, and every block after the first
starts with a seed record that CometBFT's own data confirms.

Checked against what CometBFT reports, not against the app: the record lists exactly the validators that the
block's last commit marks as having signed, in that commit's round, and each extension signature verifies with
that validator's key from /validators at the previous height over CometBFT's sign bytes. The record has a tx
result of its own, and the transfer of a wallet keeps its meaning (and its place in the tx index).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys

import pytest
from nacl.signing import SigningKey, VerifyKey

from abci_app import seed as block_seed
from chain_modules.common.address import address_from_pubkey
from client.rpc import CometRpc
from tests.e2e.helpers import wait_until

pytestmark = pytest.mark.e2e

FIRST_HEIGHTS = 8


def block_txs(rpc: CometRpc, height: int) -> list[bytes]:
    return [base64.b64decode(tx) for tx in rpc.block(height)["block"]["data"]["txs"] or []]


def validator_keys(rpc: CometRpc, height: int) -> dict[str, bytes]:
    """Consensus address (hex upper) -> ed25519 public key of the validator set at ``height``, from CometBFT."""
    result = rpc.call("validators", height=str(height), per_page="100")
    return {v["address"]: base64.b64decode(v["pub_key"]["value"]) for v in result["validators"]}


def check_record(rpc: CometRpc, chain_id: str, height: int) -> bytes:
    """Check block ``height``'s seed record against CometBFT's last commit and validator set; return the record."""
    block = rpc.block(height)["block"]
    txs = [base64.b64decode(tx) for tx in block["data"]["txs"] or []]
    assert txs and block_seed.is_seed_record(txs[0]), f"block {height} does not start with a seed record"
    assert not any(block_seed.is_seed_record(tx) for tx in txs[1:])
    record = block_seed.decode_record(txs[0])
    last_commit = block["last_commit"]
    assert record.round == int(last_commit["round"])
    committed = {sig["validator_address"] for sig in last_commit["signatures"] if int(sig["block_id_flag"]) == 2}
    assert {address.hex().upper() for address, _signature in record.entries} == committed
    keys = validator_keys(rpc, height - 1)
    sign_bytes = block_seed.extension_sign_bytes(chain_id, height - 1, record.round)
    for address, signature in record.entries:
        VerifyKey(keys[address.hex().upper()]).verify(sign_bytes, signature)  # raises if it does not verify
    results = rpc.call("block_results", height=str(height))
    tx_results = results["txs_results"] or []
    assert len(tx_results) == len(txs)
    first = tx_results[0]
    assert int(first.get("code", 0)) == 0 and first.get("log") == "seed record" and not first.get("events")
    assert int(first.get("gas_used", 0)) == 0 and int(first.get("gas_wanted", 0)) == 0
    return txs[0]


def run_cli(localnet, *args):
    env = {"AMINO_HOME": str(localnet.wallet_home), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_localnet_runs_with_vote_extensions_and_every_block_carries_a_verified_seed_record(localnet):
    rpc = CometRpc(localnet.rpc_url(0), timeout=10)
    try:
        params = rpc.call("consensus_params")["consensus_params"]
        assert int(params["abci"]["vote_extensions_enable_height"]) == 1
        wait_until(lambda: rpc.latest_height() >= FIRST_HEIGHTS, 60, f"height {FIRST_HEIGHTS}")
        assert not any(block_seed.is_seed_record(tx) for tx in block_txs(rpc, 1))  # no previous commit
        records = [check_record(rpc, localnet.chain_id, height) for height in range(2, FIRST_HEIGHTS + 1)]
        assert len(set(records)) == len(records)  # fresh signatures at every height

        # a wallet transfer: committed after the record, its result and index entry are its own
        recipient = address_from_pubkey(bytes(SigningKey(hashlib.sha256(b"seed-e2e-recipient").digest()).verify_key))
        sent = run_cli(localnet, "-o", "json", "tx", "bank", "send", "alice", recipient, "3amio", "--yes")
        assert sent.returncode == 0, sent.stderr
        result = json.loads(sent.stdout)
        assert result["code"] == 0
        committed = rpc.tx(bytes.fromhex(result["tx_hash"]))
        height = int(committed["height"])
        assert int(committed["index"]) >= 1
        txs = block_txs(rpc, height)
        assert hashlib.sha256(txs[int(committed["index"])]).hexdigest().upper() == result["tx_hash"].upper()
        record = check_record(rpc, localnet.chain_id, height)

        # the record is indexed like any block tx: the wallet finds it by hash
        found = run_cli(localnet, "-o", "json", "query", "tx", hashlib.sha256(record).hexdigest().upper())
        assert found.returncode == 0, found.stderr
        shown = json.loads(found.stdout)
        assert shown["code"] == 0 and int(shown["height"]) == height and shown["log"] == "seed record"

        # the chain keeps going with every node on one app hash
        wait_until(lambda: rpc.latest_height() >= height + 3, 60, "three more blocks")
        check_record(rpc, localnet.chain_id, height + 3)
        assert localnet.app_hash_splits() == {}
    finally:
        rpc.close()

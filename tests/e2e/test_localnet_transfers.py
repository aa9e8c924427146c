"""End to end on a real 4-validator CometBFT localnet: transfers over RPC, app-hash agreement at
every height, the ledger, and a node killed with SIGKILL mid-stream that catches up."""

import hashlib
import json
import subprocess
import sys
import time

import pytest
from nacl.signing import SigningKey

from abci_app.codec import SignDoc, sign_tx
from chain_modules.bank.types import MsgSend
from chain_modules.common.address import address_from_pubkey, decode_address
from client.rpc import CometRpc, RpcError
from client.wallet.keyring import open_keyring
from client.wallet.tx import get_params
from tests.e2e.helpers import app_hashes

pytestmark = pytest.mark.e2e

SENDERS = ["alice", "bob", "carol", "dave", "erin", "frank"]
TRANSFERS = 200
VICTIM = 3  # the node killed mid-stream; no tx is submitted to it


def balance(rpc: CometRpc, address: str) -> int:
    value = rpc.abci_query(f"/bank/balance/{address}").value
    return int.from_bytes(value, "big") if value else 0


def test_transfers_commit_on_every_node_with_one_app_hash_and_a_killed_node_catches_up(localnet):
    keyring = open_keyring(localnet.wallet_home, "test")
    rpcs = [CometRpc(localnet.rpc_url(i), timeout=10) for i in range(localnet.nodes)]
    params = get_params(rpcs[0])
    recipients = [address_from_pubkey(bytes(SigningKey(hashlib.sha256(bytes([i])).digest()).verify_key)) for i in range(10)]

    starting = {name: balance(rpcs[0], keyring.show(name).address) for name in SENDERS}
    sequences = {name: 0 for name in SENDERS}
    expected_received = {address: 0 for address in recipients}
    spent = {name: 0 for name in SENDERS}
    txs = []
    for n in range(TRANSFERS):
        name = SENDERS[n % len(SENDERS)]
        key = keyring.signing_key(name)
        amount = 1_000 + n
        recipient = recipients[n % len(recipients)]
        gas = 30_000
        fee = params.min_fee(gas)
        doc = SignDoc(localnet.chain_id, sequences[name], fee, gas, f"e2e {n}",
                      ((MsgSend.TYPE, MsgSend(decode_address(keyring.show(name).address), decode_address(recipient), amount).to_body()),))
        txs.append((name, sign_tx(doc, key)))
        sequences[name] += 1
        expected_received[recipient] += amount
        spent[name] += amount + fee

    hashes = []
    kill_height = None
    for n, (name, raw) in enumerate(txs):
        if n == TRANSFERS // 2:
            kill_height = rpcs[VICTIM].latest_height()
            localnet.stop_node(VICTIM, hard=True)  # kill -9 app and cometbft mid-stream
        node = SENDERS.index(name) % 3  # a sender always uses the same live node, so its sequence order holds
        result = rpcs[node].broadcast_tx_sync(raw)
        assert int(result["code"]) == 0, result
        hashes.append(bytes.fromhex(result["hash"]))
        if n % 20 == 19:
            time.sleep(0.3)  # spread the stream over several blocks

    # the other three (75% of the power) keep committing while the victim is down
    rpcs[0].wait_for_height(kill_height + 4, timeout=60)
    assert not localnet.is_running(VICTIM, "app") and not localnet.is_running(VICTIM, "cometbft")
    localnet.start_node(VICTIM)

    committed_heights = set()
    for tx_hash in hashes:
        committed = rpcs[0].wait_for_tx(tx_hash, timeout=120)
        assert int(committed["tx_result"].get("code", 0)) == 0, committed["tx_result"]
        committed_heights.add(int(committed["height"]))

    final_height = rpcs[0].latest_height()
    localnet.wait_for_height(final_height, timeout=120)
    # every node agrees on the app hash at every height
    reference = app_hashes(rpcs[0], 1, final_height)
    assert sorted(reference) == list(range(1, final_height + 1))
    for index in range(1, localnet.nodes):
        assert app_hashes(rpcs[index], 1, final_height) == reference, f"node{index} disagrees on an app hash"
    assert len(committed_heights) >= 2

    # the ledger matches on every node, including the one that was killed
    for rpc in rpcs:
        for address, amount in expected_received.items():
            assert balance(rpc, address) == amount
        for name in SENDERS:
            assert balance(rpc, keyring.show(name).address) == starting[name] - spent[name]
    assert localnet.app_hash_splits() == {}
    for rpc in rpcs:
        rpc.close()


def run_cli(localnet, *args):
    env = {"AMINO_HOME": str(localnet.wallet_home), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, env=env, timeout=120)


def test_wallet_cli_sends_and_proves_a_balance(localnet):
    recipient = address_from_pubkey(bytes(SigningKey(hashlib.sha256(b"cli-recipient").digest()).verify_key))
    sent = run_cli(localnet, "-o", "json", "tx", "bank", "send", "grace", recipient, "10amio", "--yes")
    assert sent.returncode == 0, sent.stderr
    result = json.loads(sent.stdout)
    assert result["code"] == 0 and result["height"] > 0 and result["gas_used"] > 0
    assert {"type": "transfer", "attributes": {"sender": open_keyring(localnet.wallet_home, "test").show("grace").address,
            "recipient": recipient, "amount": "10000000uamio"}} in result["events"]

    proven = run_cli(localnet, "-o", "json", "query", "bank", "balance", recipient, "--prove")
    assert proven.returncode == 0, proven.stderr
    data = json.loads(proven.stdout)
    assert data["balance"] == "10000000uamio" and data["proof"] == "verified"

    rejected = run_cli(localnet, "-o", "json", "tx", "bank", "send", "grace", recipient, "999999999amio", "--yes")
    assert rejected.returncode == 1 and rejected.stdout == ""  # the wallet refuses it before signing
    assert "less than the 999999999amio this sends" in rejected.stderr

    status = run_cli(localnet, "localnet", "status", "--localnet-home", str(localnet.home))
    assert status.returncode == 0, status.stderr
    assert "agree on the app hash" in status.stderr


def test_offline_sign_then_broadcast(localnet, tmp_path):
    recipient = address_from_pubkey(bytes(SigningKey(hashlib.sha256(b"offline-recipient").digest()).verify_key))
    unsigned = run_cli(localnet, "tx", "bank", "send", "heidi", recipient, "1amio", "--generate-only")
    assert unsigned.returncode == 0, unsigned.stderr
    assert json.loads(unsigned.stdout)["sign_doc"]["msgs"][0]["body"]["to"] == recipient
    (tmp_path / "unsigned.json").write_text(unsigned.stdout)
    signed = run_cli(localnet, "--node", "http://127.0.0.1:1", "--chain-id", localnet.chain_id, "tx", "sign", str(tmp_path / "unsigned.json"), "--from", "heidi")
    assert signed.returncode == 0, signed.stderr  # signing needs no node
    (tmp_path / "signed.json").write_text(signed.stdout)
    broadcast = run_cli(localnet, "-o", "json", "tx", "broadcast", str(tmp_path / "signed.json"))
    assert broadcast.returncode == 0, broadcast.stderr
    assert json.loads(broadcast.stdout)["code"] == 0
    again = run_cli(localnet, "-o", "json", "tx", "broadcast", str(tmp_path / "signed.json"))
    assert again.returncode == 1  # a replay is refused


def test_every_app_serves_metrics_on_loopback(localnet):
    import httpx

    for index in range(localnet.nodes):
        text = httpx.get(f"http://127.0.0.1:{localnet.app_metrics_port(index)}/metrics", timeout=5).text
        heights = [line for line in text.splitlines() if line.startswith("amino_height ")]
        assert heights and float(heights[0].split()[1]) >= 2
        assert "amino_finalize_block_seconds_count" in text

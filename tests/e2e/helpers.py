"""What several end-to-end tests share: sending one signed message through RPC, and waiting for a condition."""

from __future__ import annotations

import time

from client.rpc import CometRpc
from client.wallet import tx as wallet_tx


def submit(rpc: CometRpc, keyring, chain_id: str, signer: str, msg) -> dict:
    """Sign ``msg`` with key ``signer`` at its current sequence, broadcast it, wait for it and require success."""
    result = wallet_tx.sign_and_broadcast(rpc, chain_id, keyring.show(signer).address, [msg], keyring.signing_key(signer))
    assert result.check_code == 0 and result.code == 0, result
    return result.to_dict()


def poll_until(predicate, timeout: float, poll: float = 0.5):
    """Call ``predicate`` every ``poll`` seconds until it returns something true, and return that; None when
    ``timeout`` seconds passed first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    return None


def wait_until(predicate, timeout: float, what: str, poll: float = 0.5):
    """poll_until, failing the test with ``what`` on a timeout."""
    value = poll_until(predicate, timeout, poll)
    if not value:
        raise AssertionError(f"timed out waiting for {what}")
    return value


def app_hashes(rpc: CometRpc, low: int, high: int) -> dict[int, str]:
    """The app hash in each block header from ``low`` to ``high`` (the blockchain RPC, 20 headers per call)."""
    headers = {}
    while low <= high:
        top = min(high, low + 19)
        for meta in rpc.call("blockchain", minHeight=str(low), maxHeight=str(top))["block_metas"]:
            headers[int(meta["header"]["height"])] = meta["header"]["app_hash"]
        low = top + 1
    return headers


def events_of(rpc: CometRpc, kind: str) -> list[dict]:
    """Every event of type ``kind`` so far, in chain order (tx events, then the block's own events, per height), as
    attribute dicts with the height."""
    found = []
    height = int(rpc.call("status")["sync_info"]["latest_block_height"])
    for h in range(1, height + 1):
        results = rpc.call("block_results", height=str(h))
        groups = [tx.get("events") or [] for tx in results.get("txs_results") or []]
        groups.append(results.get("finalize_block_events") or [])
        for group in groups:
            for event in group:
                if event["type"] == kind:
                    found.append({a["key"]: a["value"] for a in event["attributes"]} | {"height": h})
    return found


def query(services, path: str):
    """A chain query through a fresh client of ``services`` (localnet.services.ComputeServices)."""
    client = services.client("alice")
    try:
        return client.query(path)
    finally:
        client.close()


def send(services, key: str, msg) -> None:
    """One message signed by ``key`` of ``services``' keyring, committed."""
    client = services.client(key)
    try:
        client.send([msg])
    finally:
        client.close()

"""What several end-to-end tests share: sending one signed message through RPC, and waiting for a condition."""

from __future__ import annotations

import time

from client.rpc import CometRpc
from client.wallet import tx as wallet_tx


def submit(rpc: CometRpc, keyring, chain_id: str, signer: str, msg) -> dict:
    """Sign ``msg`` with key ``signer`` at its current sequence, broadcast it, wait for it and require success."""
    params = wallet_tx.get_params(rpc)
    sequence = wallet_tx.get_sequence(rpc, keyring.show(signer).address)
    doc = wallet_tx.build_doc(chain_id, sequence, [(msg.TYPE, msg.to_body(), msg.gas())], params)
    result = wallet_tx.broadcast(rpc, wallet_tx.sign(doc, keyring.signing_key(signer)))
    assert result.check_code == 0 and result.code == 0, result
    return result.to_dict()


def wait_until(predicate, timeout: float, what: str, poll: float = 0.5):
    """Call ``predicate`` every ``poll`` seconds until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")

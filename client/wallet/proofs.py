"""Proven queries: check an abci_query answer against the app hash of a header the validators signed.

The app hash after block H is in the header of block H+1, so a value
queried at height H is checked against the verified header H+1. Trust in
the validator set is anchored on first use: the validators hash seen the
first time is stored under the wallet home (trust/<chain-id>.json). A later
header signed by another set is accepted only if validators of the trusted
set holding more than 1/3 of its power signed it too (CometBFT's skipping
verification); trust then moves to the new set (docs/architecture.md).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from abci_app.merkle import ProofError, verify_proof
from chain_modules.common.encoding import EncodingError, decode
from client.lightclient import LightClientError, fetch_header_following_trust, fetch_verified_header
from client.rpc import CometRpc
from client.wallet.tx import WalletError

PROOF_OP_TYPE = "amino/smt16"


def _trust_file(home: Path, chain_id: str) -> Path:
    return home / "trust" / f"{chain_id}.json"


def proven_query(rpc: CometRpc, home: Path, chain_id: str, path: str, wait_timeout: float = 30.0) -> tuple[bytes, int, str]:
    """Return (value, height, app hash hex) after checking the proof; raise WalletError if anything fails."""
    result = rpc.abci_query(path, prove=True)
    if result.code:
        raise WalletError(f"query {path} failed: {result.log}")
    if len(result.proof_ops) != 1 or result.proof_ops[0].get("type") != PROOF_OP_TYPE:
        raise WalletError(f"query {path} returned no {PROOF_OP_TYPE} proof")
    op = result.proof_ops[0]
    try:
        proof = decode(base64.b64decode(op["data"]))
    except (EncodingError, ValueError, KeyError):
        raise WalletError("the proof is malformed") from None
    key = base64.b64decode(op.get("key") or "")
    if key != result.key:
        raise WalletError("the proof is for another key")

    rpc.wait_for_height(result.height + 1, timeout=wait_timeout)
    trust_file = _trust_file(home, chain_id)
    trust = json.loads(trust_file.read_text()) if trust_file.exists() else None
    try:
        if trust is None:
            header = fetch_verified_header(rpc.url, result.height + 1, chain_id)
        else:
            # elections change the validator set: trust moves when >1/3 of the trusted set signed the new header
            header = fetch_header_following_trust(
                rpc.url, result.height + 1, chain_id, bytes.fromhex(trust["validators_hash"]), int(trust["height"])
            )
    except LightClientError as exc:
        raise WalletError(f"header {result.height + 1} failed verification: {exc}") from None
    if trust is None or header.validators_hash.hex() != trust["validators_hash"]:
        trust_file.parent.mkdir(parents=True, exist_ok=True)
        trust_file.write_text(json.dumps({"validators_hash": header.validators_hash.hex(), "height": header.height}) + "\n")
    try:
        verify_proof(header.app_hash, key, result.value or None, proof)
    except ProofError as exc:
        raise WalletError(f"proof check failed: {exc}") from None
    return result.value, result.height, header.app_hash.hex().upper()

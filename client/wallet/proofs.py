"""Proven queries: check an abci_query answer against the app hash of a header the validators signed.

The app hash after block H is in the header of block H+1, so a value
queried at height H is checked against the verified header H+1. Trust in
the validator set is anchored on first use: the validators hash seen the
first time is stored under the wallet home (trust/<chain-id>.json) and every
later header must be signed by that set (docs/architecture.md, "Proofs").
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from abci_app.merkle import ProofError, verify_proof
from chain_modules.common.encoding import EncodingError, decode
from client.lightclient import LightClientError, fetch_verified_header
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
    trusted = bytes.fromhex(json.loads(trust_file.read_text())["validators_hash"]) if trust_file.exists() else None
    try:
        header = fetch_verified_header(rpc.url, result.height + 1, chain_id, trusted_validators_hash=trusted)
    except LightClientError as exc:
        raise WalletError(f"header {result.height + 1} failed verification: {exc}") from None
    if trusted is None:
        trust_file.parent.mkdir(parents=True, exist_ok=True)
        trust_file.write_text(json.dumps({"validators_hash": header.validators_hash.hex(), "height": header.height}) + "\n")
    try:
        verify_proof(header.app_hash, key, result.value or None, proof)
    except ProofError as exc:
        raise WalletError(f"proof check failed: {exc}") from None
    return result.value, result.height, header.app_hash.hex().upper()

"""``?prove=true``: a provable query's value checked end to end, with the proof and the header it passed.

The same checks as the wallet's proven queries (client/wallet/proofs.py, docs/security-wallet.md): the proof
is about the state key the gateway derives itself from the path (chain_modules.provable), the value at height
H is checked against the app hash of header H+1, and that header is verified by the light client from the
gateway's trusted state (under ``<home>/trust/``, anchored on first use unless `amino trust anchor --home`
pinned one). A failed check is a 502: the node the gateway asked answered something that does not verify.
"""

from __future__ import annotations

import base64
import threading
from pathlib import Path

from abci_app.merkle import ProofError, verify_proof
from chain_modules.common.encoding import EncodingError, decode
from client.lightclient import LightClient, LightClientError
from client.rpc import CometRpc, RpcError
from client.wallet.proofs import PROOF_OP_TYPE, expected_proof_key, load_trust, save_trust
from client.wallet.tx import WalletError
from gateway.errors import GatewayError, UPSTREAM_UNAVAILABLE, bad_request, from_query

PROOF_FAILED = 12


def _refused(message: str) -> GatewayError:
    return GatewayError(502, message, PROOF_FAILED)


class Prover:
    """Proves queries against one node; one at a time, so the trusted state only moves forward."""

    def __init__(self, rpc_url: str, home: Path, chain_id: str | None = None) -> None:
        self.rpc_url = rpc_url
        self.home = Path(home)
        self._chain_id = chain_id
        self._lock = threading.Lock()

    def chain_id(self, rpc: CometRpc) -> str:
        if self._chain_id is None:
            self._chain_id = rpc.status()["node_info"]["network"]
        return self._chain_id

    def __call__(self, path: str) -> dict:
        try:
            expected_key = expected_proof_key(path)
        except WalletError as exc:
            raise bad_request(str(exc)) from None
        with self._lock, CometRpc(self.rpc_url) as rpc:
            try:
                return self._prove(rpc, path, expected_key)
            except RpcError as exc:
                raise GatewayError(502, str(exc), UPSTREAM_UNAVAILABLE) from None
            except WalletError as exc:
                raise _refused(str(exc)) from None

    def _prove(self, rpc: CometRpc, path: str, expected_key: bytes) -> dict:
        chain_id = self.chain_id(rpc)
        result = rpc.abci_query(path, prove=True)
        if result.code:
            raise from_query(result.code, result.codespace, result.log)
        if result.key != expected_key:
            raise _refused(f"the node answered {path} about another state key")
        ops = result.proof_ops
        if len(ops) != 1 or not isinstance(ops[0], dict) or ops[0].get("type") != PROOF_OP_TYPE:
            raise _refused(f"the node returned no {PROOF_OP_TYPE} proof for {path}")
        try:
            op_key = base64.b64decode(ops[0].get("key") or "", validate=True)
            proof_bytes = base64.b64decode(ops[0]["data"], validate=True)
            proof = decode(proof_bytes)
        except (EncodingError, ValueError, KeyError, TypeError):
            raise _refused("the proof is malformed") from None
        if op_key != expected_key:
            raise _refused(f"the proof is for another state key than {path}")
        rpc.wait_for_height(result.height + 1, timeout=30)
        with LightClient(rpc.url, chain_id) as light:
            trusted = load_trust(self.home, chain_id, light)
            try:
                if trusted is None:
                    state = light.anchor(result.height + 1)
                    header = state.header
                else:
                    header, state = light.verify_to(trusted, result.height + 1)
            except LightClientError as exc:
                raise _refused(f"header {result.height + 1} failed verification: {exc}") from None
        try:
            verify_proof(header.app_hash, expected_key, result.value or None, proof)
        except ProofError as exc:
            raise _refused(f"proof check failed: {exc}") from None
        if trusted is None or state.height > trusted.height:
            save_trust(self.home, state)
        return {
            "height": result.height,
            "value": result.value,
            "proof": {"type": PROOF_OP_TYPE, "key": op_key.hex(), "data": base64.b64encode(proof_bytes).decode()},
            "header": {"chain_id": header.chain_id, "height": header.height, "time": header.time,
                       "app_hash": header.app_hash.hex().upper(), "header_hash": header.header_hash.hex().upper()},
        }

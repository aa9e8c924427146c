"""Proven queries: check an abci_query answer against the app hash of a header the validators signed.

What a --prove answer must pass (docs/security-wallet.md):

1. The proof is for the key of the path the wallet asked for. The wallet
   derives that key itself (chain_modules.provable, the function the app
   uses), so a node cannot answer with another key's value and valid
   proof. A path whose key the wallet cannot derive is refused.
2. The value at height H is checked against the app hash in header H+1.
3. Header H+1 is verified by the light client (client/lightclient.py) from
   the wallet's trusted state: adjacent or skipping verification with
   bisection, trust level 1/3 over signatures checked against the trusted
   keys, trusting period, clock drift, chain id, and the witnesses when
   configured.

The trusted state (header and validator set) lives under the wallet home
in trust/<chain-id>.json. Without one, the first proven query anchors trust
on the node's header (trust on first use); `amino trust anchor` pins a
header hash from a source the user trusts instead. The file moves only after
everything above passed, and only forward.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from abci_app.merkle import ProofError, verify_proof
from chain_modules.common.address import AddressError
from chain_modules.common.encoding import EncodingError, decode
from chain_modules.provable import PROVABLE_PATHS, provable_key
from client.lightclient import (
    DEFAULT_TRUSTING_PERIOD_SECONDS,
    LightClient,
    LightClientError,
    TrustedState,
    TrustExpiredError,
    WitnessError,
)
from client.rpc import CometRpc
from client.wallet.tx import WalletError

PROOF_OP_TYPE = "amino/smt16"
_CHAIN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")
REANCHOR_HINT = ("re-anchor with a header hash from a source you trust: "
                 "'amino trust anchor --height H --hash HASH' (or 'amino trust reset' to trust the node's "
                 "current validators on the next --prove)")


@dataclass(frozen=True)
class ProvenValue:
    value: bytes
    height: int
    app_hash: str  # hex of the verified app hash the value was proven against
    trusted_height: int  # height of the wallet's trusted header after this query
    anchored_on_first_use: bool  # no trusted state existed: this query anchored it on the node's header


def expected_proof_key(path: str) -> bytes:
    """The state key a proof for ``path`` must be about, derived by the wallet; WalletError if none."""
    try:
        key = provable_key(path)
    except AddressError as exc:
        raise WalletError(f"cannot prove {path}: {exc}") from None
    if key is None:
        raise WalletError(f"{path} cannot be proven: --prove works for {', '.join(PROVABLE_PATHS)}")
    return key


# -- trusted state -------------------------------------------------------------------


def trust_file(home: Path, chain_id: str) -> Path:
    if not _CHAIN_ID_RE.match(chain_id or ""):
        raise WalletError(f"chain id {chain_id!r} is not valid (letters, digits, '.', '_', '-'; at most 50)")
    return Path(home) / "trust" / f"{chain_id}.json"


def read_trust(home: Path, chain_id: str) -> dict | None:
    """The trust file's JSON, or None when there is none."""
    path = trust_file(home, chain_id)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise WalletError(f"trust file {path} is unreadable ({exc}); {REANCHOR_HINT}") from None
    if not isinstance(data, dict):
        raise WalletError(f"trust file {path} is corrupt; {REANCHOR_HINT}")
    return data


def load_trust(home: Path, chain_id: str, light: LightClient) -> TrustedState | None:
    """The trusted state of ``chain_id``, or None when the wallet has none yet.

    A trust file of the first format (validators hash and height only) is
    upgraded by verifying the header at that height against that exact set.
    """
    data = read_trust(home, chain_id)
    if data is None:
        return None
    path = trust_file(home, chain_id)
    if "version" not in data and set(data) == {"validators_hash", "height"}:
        try:
            return light.anchor(int(data["height"]), expected_validators_hash=bytes.fromhex(data["validators_hash"]))
        except TrustExpiredError as exc:
            raise WalletError(f"the trust anchor for {chain_id} has expired: {exc}; {REANCHOR_HINT}") from None
        except (LightClientError, ValueError) as exc:
            raise WalletError(f"cannot upgrade trust file {path}: {exc}; {REANCHOR_HINT}") from None
    try:
        state = TrustedState.from_dict(data)
    except LightClientError as exc:
        raise WalletError(f"trust file {path} is corrupt ({exc}); {REANCHOR_HINT}") from None
    if state.header.chain_id != chain_id:
        raise WalletError(f"trust file {path} is for chain {state.header.chain_id!r}; {REANCHOR_HINT}")
    return state


def save_trust(home: Path, state: TrustedState) -> Path:
    """Write the trusted state atomically (a crash leaves the old file or the new one)."""
    path = trust_file(home, state.header.chain_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(state.to_dict(), indent=2) + "\n")
    os.replace(temporary, path)
    return path


def reset_trust(home: Path, chain_id: str) -> bool:
    """Forget the trusted state of ``chain_id``; True if there was one."""
    path = trust_file(home, chain_id)
    if path.exists():
        path.unlink()
        return True
    return False


def _light_client(rpc_url: str, chain_id: str, trusting_period_seconds: int, witnesses: Sequence[str],
                  clock: Callable[[], int] | None, http_client: Any) -> LightClient:
    try:
        return LightClient(rpc_url, chain_id, trusting_period_seconds=trusting_period_seconds,
                           witnesses=witnesses, clock=clock, client=http_client)
    except LightClientError as exc:
        raise WalletError(str(exc)) from None


def anchor_trust(
    rpc_url: str,
    home: Path,
    chain_id: str,
    height: int,
    header_hash: bytes,
    *,
    trusting_period_seconds: int = DEFAULT_TRUSTING_PERIOD_SECONDS,
    witnesses: Sequence[str] = (),
    clock: Callable[[], int] | None = None,
    http_client: Any = None,
) -> TrustedState:
    """Anchor trust on the header at ``height`` whose hash the user got from a source they trust."""
    if len(header_hash) != 32:
        raise WalletError("a header hash is 32 bytes (64 hex digits)")
    trust_file(home, chain_id)
    with _light_client(rpc_url, chain_id, trusting_period_seconds, witnesses, clock, http_client) as light:
        try:
            state = light.anchor(height, expected_hash=header_hash)
        except LightClientError as exc:
            raise WalletError(f"cannot anchor trust at height {height}: {exc}") from None
    save_trust(home, state)
    return state


# -- the query ---------------------------------------------------------------------------


def _query(rpc: CometRpc, path: str, expected_key: bytes) -> tuple[Any, dict, int]:
    """The node's answer to ``path`` with a proof bound to ``expected_key``: (value, proof, height)."""
    try:
        result = rpc.abci_query(path, prove=True)
    except (KeyError, ValueError, TypeError, AttributeError):
        raise WalletError(f"the node's answer to {path} is malformed") from None
    if result.code:
        raise WalletError(f"query {path} failed: {result.log}")
    if result.key != expected_key:
        raise WalletError(f"the node answered {path} about another state key: refusing it")
    if len(result.proof_ops) != 1 or not isinstance(result.proof_ops[0], dict) \
            or result.proof_ops[0].get("type") != PROOF_OP_TYPE:
        raise WalletError(f"query {path} returned no {PROOF_OP_TYPE} proof")
    op = result.proof_ops[0]
    try:
        op_key = base64.b64decode(op.get("key") or "", validate=True)
        proof = decode(base64.b64decode(op["data"], validate=True))
    except (EncodingError, ValueError, KeyError, TypeError):
        raise WalletError("the proof is malformed") from None
    if op_key != expected_key:
        raise WalletError(f"the proof is for another state key than {path}: refusing it")
    if result.height < 1:
        raise WalletError(f"the node answered {path} at height {result.height}")
    return result.value, proof, result.height


def proven_query(
    rpc: CometRpc,
    home: Path,
    chain_id: str,
    path: str,
    *,
    trusting_period_seconds: int = DEFAULT_TRUSTING_PERIOD_SECONDS,
    witnesses: Sequence[str] = (),
    wait_timeout: float = 30.0,
    clock: Callable[[], int] | None = None,
    http_client: Any = None,
) -> ProvenValue:
    """Query ``path`` and check the answer end to end; raise WalletError if anything fails.

    The trusted state moves forward only when everything passed. ``clock``
    (nanoseconds since the epoch) and ``http_client`` (an httpx.Client for
    the light client's requests) are for tests.
    """
    expected_key = expected_proof_key(path)
    trust_file(home, chain_id)
    value, proof, height = _query(rpc, path, expected_key)
    rpc.wait_for_height(height + 1, timeout=wait_timeout)

    with _light_client(rpc.url, chain_id, trusting_period_seconds, witnesses, clock, http_client) as light:
        trusted = load_trust(home, chain_id, light)
        try:
            if trusted is None:
                state = light.anchor(height + 1)
                header = state.header
            else:
                header, state = light.verify_to(trusted, height + 1)
        except TrustExpiredError as exc:
            raise WalletError(f"the trust anchor for {chain_id} has expired: {exc}; {REANCHOR_HINT}") from None
        except WitnessError as exc:
            raise WalletError(f"witness check failed: {exc}") from None
        except LightClientError as exc:
            raise WalletError(f"header {height + 1} failed verification: {exc}") from None

    try:
        verify_proof(header.app_hash, expected_key, value or None, proof)
    except ProofError as exc:
        raise WalletError(f"proof check failed: {exc}") from None

    if trusted is None or state.height > trusted.height:
        save_trust(home, state)
    return ProvenValue(value=value, height=height, app_hash=header.app_hash.hex().upper(),
                       trusted_height=state.height, anchored_on_first_use=trusted is None)

"""Build, sign, broadcast and await transactions; render sign docs for people and scripts."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from nacl.signing import SigningKey

from abci_app.codec import SignDoc, decode_sign_doc, encode_tx, sign_bytes
from chain_modules.auth.types import TxParams
from chain_modules.common.address import ADDRESS_LENGTH, decode_address, encode_address
from chain_modules.common.encoding import decode
from client.rpc import CometRpc, RpcError

# Envelope overhead over the sign doc: msgpack array + bin headers + pubkey + signature.
_ENVELOPE_OVERHEAD = 1 + 5 + 2 + 32 + 2 + 64
GAS_MARGIN_NUM, GAS_MARGIN_DEN = 11, 10


class WalletError(Exception):
    """A user-facing wallet error with a message that says what to do."""


def get_params(rpc: CometRpc) -> TxParams:
    result = rpc.abci_query("/auth/params")
    if result.code:
        raise WalletError(f"cannot read tx params: {result.log}")
    return TxParams.from_dict(decode(result.value))


def get_sequence(rpc: CometRpc, address: str) -> int:
    result = rpc.abci_query(f"/auth/account/{address}")
    if result.code:
        raise WalletError(f"cannot read account {address}: {result.log}")
    if not result.value:
        return 0
    _pubkey, sequence = decode(result.value)
    return sequence


def get_pubkey(rpc: CometRpc, address: str) -> bytes | None:
    """The public key the chain knows for ``address`` (None until the account signed a tx)."""
    result = rpc.abci_query(f"/auth/account/{address}")
    if result.code:
        raise WalletError(f"cannot read account {address}: {result.log}")
    if not result.value:
        return None
    pubkey, _sequence = decode(result.value)
    return pubkey or None


# Placeholders for the fee and gas limit of a doc to simulate: 5 msgpack bytes each, as large as any real value
# below 2**32, so the simulated tx is never smaller than the one then signed.
PROBE_PLACEHOLDER = 2**32 - 1
SIMULATE_PATH = "/app/simulate"


def probe_doc(chain_id: str, sequence: int, msgs: list[tuple[str, dict, int]], memo: str = "") -> SignDoc:
    return SignDoc(chain_id, sequence, PROBE_PLACEHOLDER, PROBE_PLACEHOLDER, memo,
                   tuple((msg_type, body) for msg_type, body, _gas in msgs))


def simulate(rpc: CometRpc, doc: SignDoc, pubkey: bytes) -> dict:
    """Ask the node to run ``doc`` (unsigned, for the key ``pubkey``) on a scratch copy of its current state.

    Returns {"gas_used", "code", "codespace", "log", "events"}; nothing is written on the node.
    Raises: WalletError (the node refused the simulation)
    """
    raw = encode_tx(doc.to_bytes(), pubkey, bytes(64))
    result = rpc.abci_query(SIMULATE_PATH, data=raw)
    if result.code:
        raise WalletError(f"the node could not simulate the tx: {result.log}")
    return decode(result.value)


def events_from_simulation(events: list) -> list[dict]:
    """Simulated events as a tx result shows them: [{"type", "attributes": {key: value}}]."""
    return [{"type": event_type, "attributes": {key: value for key, value in attributes}}
            for event_type, attributes in events]


def estimate_gas(params: TxParams, doc_size: int, message_gas: int) -> int:
    exact = params.gas_base + params.gas_per_byte * (doc_size + _ENVELOPE_OVERHEAD + 16) + message_gas
    return exact * GAS_MARGIN_NUM // GAS_MARGIN_DEN


def build_doc(
    chain_id: str,
    sequence: int,
    msgs: list[tuple[str, dict, int]],
    params: TxParams,
    memo: str = "",
    gas_limit: int | None = None,
    fee: int | None = None,
) -> SignDoc:
    """A sign doc for (type, body, gas) messages; gas and fee default to an estimate and the minimum fee."""
    bodies = tuple((msg_type, body) for msg_type, body, _gas in msgs)
    if gas_limit is None:
        probe = SignDoc(chain_id, sequence, 2**32, 2**32, memo, bodies)
        gas_limit = estimate_gas(params, len(probe.to_bytes()), sum(gas for _t, _b, gas in msgs))
    if fee is None:
        fee = params.min_fee(gas_limit)
    return SignDoc(chain_id, sequence, fee, gas_limit, memo, bodies)


def sign(doc: SignDoc, signing_key: SigningKey) -> bytes:
    """The tx bytes of ``doc`` signed with ``signing_key``."""
    return _signed(doc.to_bytes(), signing_key)


def sign_doc_bytes_signed(doc_bytes: bytes, signing_key: SigningKey) -> bytes:
    """Sign exact sign-doc bytes from an unsigned tx file (offline signing)."""
    decode_sign_doc(doc_bytes)  # refuses malformed files before anything is signed
    return _signed(doc_bytes, signing_key)


def _signed(doc_bytes: bytes, signing_key: SigningKey) -> bytes:
    signature = signing_key.sign(sign_bytes(doc_bytes)).signature
    return encode_tx(doc_bytes, bytes(signing_key.verify_key), signature)


def render_value(value: Any) -> Any:
    """JSON-friendly rendering: 20-byte fields as bech32 addresses, other bytes as hex."""
    if isinstance(value, bytes):
        return encode_address(value) if len(value) == ADDRESS_LENGTH else value.hex()
    if isinstance(value, dict):
        return {k: render_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render_value(v) for v in value]
    return value


def render_doc(doc: SignDoc) -> dict:
    return {
        "chain_id": doc.chain_id,
        "sequence": doc.sequence,
        "fee": f"{doc.fee}uamio",
        "gas_limit": doc.gas_limit,
        "memo": doc.memo,
        "msgs": [{"type": t, "body": render_value(b)} for t, b in doc.msgs],
    }


def unsigned_tx_json(doc: SignDoc) -> str:
    return json.dumps({"sign_doc": render_doc(doc), "sign_doc_bytes": base64.b64encode(doc.to_bytes()).decode()}, indent=2)


def signed_tx_json(tx: bytes) -> str:
    return json.dumps({"tx": base64.b64encode(tx).decode()}, indent=2)


def address_bytes(text: str) -> bytes:
    try:
        return decode_address(text)
    except ValueError as exc:
        raise WalletError(str(exc)) from None


@dataclass(frozen=True)
class BroadcastResult:
    tx_hash: str
    check_code: int
    check_log: str
    codespace: str
    height: int | None = None
    code: int | None = None
    log: str | None = None
    gas_wanted: int | None = None
    gas_used: int | None = None
    events: list | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def broadcast(rpc: CometRpc, tx: bytes, wait: bool = True, timeout: float = 30.0) -> BroadcastResult:
    """broadcast_tx_sync, then (with wait) poll for inclusion by hash."""
    result = rpc.broadcast_tx_sync(tx)
    tx_hash = result["hash"]
    check = BroadcastResult(tx_hash, int(result["code"]), result.get("log", ""), result.get("codespace", ""))
    if check.check_code != 0 or not wait:
        return check
    try:
        committed = rpc.wait_for_tx(bytes.fromhex(tx_hash), timeout=timeout)
    except RpcError as exc:
        raise WalletError(f"{exc}; it may still be committed later: amino query tx {tx_hash}") from None
    tx_result = committed["tx_result"]
    events = [
        {"type": event["type"], "attributes": {a["key"]: a["value"] for a in event.get("attributes", [])}}
        for event in tx_result.get("events", [])
    ]
    return BroadcastResult(
        tx_hash,
        0,
        "",
        tx_result.get("codespace", ""),
        int(committed["height"]),
        int(tx_result.get("code", 0)),
        tx_result.get("log", ""),
        int(tx_result.get("gas_wanted", 0)),
        int(tx_result.get("gas_used", 0)),
        events,
    )


def sign_and_broadcast(
    rpc: CometRpc,
    chain_id: str,
    sender: str,
    msgs: Sequence,
    signing_key: SigningKey | Callable[[], SigningKey],
    *,
    params: TxParams | None = None,
    sequence: int | None = None,
    memo: str = "",
    gas_limit: int | None = None,
    fee: int | None = None,
    review: Callable[[SignDoc], bool] | None = None,
    wait: bool = True,
    timeout: float = 30.0,
    gas_price: Fraction | None = None,
) -> BroadcastResult | None:
    """Build the tx of ``msgs`` (message dataclasses) from address ``sender``, sign it and broadcast it.

    The one path by which the CLI, the task client and the services send a
    transaction. Tx params and ``sender``'s sequence are queried unless
    given; gas and fee default to an estimate and the minimum fee.
    ``review`` sees the sign doc before anything is signed and may decline
    it (returns False): then nothing is signed or sent and the result is
    None. ``signing_key`` may be a function that returns the key, called only
    once the doc is accepted, so a keyring passphrase is not asked for a tx
    that is not sent. With ``wait``, waits up to ``timeout`` seconds for the
    tx to be committed. Without ``fee``, a ``gas_price`` (uamio per gas)
    sets the fee to the gas limit times it, rounded up.

    Raises: WalletError (params or sequence unreadable, not committed in time), RpcError (node unreachable)
    """
    if params is None:
        params = get_params(rpc)
    if sequence is None:
        sequence = get_sequence(rpc, sender)
    doc = build_doc(chain_id, sequence, [(m.TYPE, m.to_body(), m.gas()) for m in msgs], params, memo, gas_limit, fee)
    if fee is None and gas_price is not None:
        priced = gas_price * doc.gas_limit
        doc = SignDoc(doc.chain_id, doc.sequence, -(-priced.numerator // priced.denominator), doc.gas_limit, doc.memo,
                      doc.msgs)
    if review is not None and not review(doc):
        return None
    key = signing_key() if callable(signing_key) else signing_key
    return broadcast(rpc, sign(doc, key), wait=wait, timeout=timeout)

"""JSON renderings of chain data: msgpack values, raw state values, txs and events."""

from __future__ import annotations

import base64
from typing import Any

from abci_app.codec import TxDecodeError, decode_tx
from chain_modules.common.address import ADDRESS_LENGTH, address_from_pubkey, encode_address
from chain_modules.common.encoding import EncodingError, decode


def render_value(value: Any) -> Any:
    """20-byte fields as bech32 addresses, other bytes as hex, everything else as it is."""
    if isinstance(value, bytes):
        return encode_address(value) if len(value) == ADDRESS_LENGTH else value.hex()
    if isinstance(value, dict):
        return {str(k): render_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render_value(v) for v in value]
    return value


def _uint(raw: bytes) -> int:
    return int.from_bytes(raw, "big") if raw else 0


def _account(raw: bytes) -> dict:
    if not raw:
        return {"pubkey": None, "sequence": 0}
    pubkey, sequence = decode(raw)
    return {"pubkey": pubkey.hex() if pubkey else None, "sequence": sequence}


# raw (provable) queries answer a state value; how each one reads, by module and path template
RAW_DECODERS = {
    ("bank", "balance/{address:address}"): _uint,
    ("bank", "supply"): _uint,
    ("auth", "account/{address:address}"): _account,
}


def decode_raw(module: str, template: str, raw: bytes) -> Any:
    decoder = RAW_DECODERS.get((module, template))
    if decoder is None:
        return raw.hex()
    return decoder(raw)


def decode_view(raw: bytes) -> Any:
    return render_value(decode(raw)) if raw else None


def events(raw_events: list | None) -> list[dict]:
    """CometBFT events as ``{"type", "attributes": {key: value}}`` (the app never repeats a key in one event)."""
    return [{"type": event.get("type", ""),
             "attributes": {a.get("key", ""): a.get("value", "") for a in event.get("attributes") or []}}
            for event in raw_events or []]


def decoded_tx(raw: bytes) -> dict:
    """The signer, fee, memo and messages of tx bytes; ``{"error": ...}`` when they do not decode."""
    try:
        tx = decode_tx(raw)
    except (TxDecodeError, EncodingError) as exc:
        return {"error": str(exc)}
    return {
        "signer": address_from_pubkey(tx.pubkey),
        "chain_id": tx.doc.chain_id,
        "sequence": tx.doc.sequence,
        "fee": tx.doc.fee,
        "gas_limit": tx.doc.gas_limit,
        "memo": tx.doc.memo,
        "messages": [{"type": msg_type, "body": render_value(body)} for msg_type, body in tx.doc.msgs],
    }


def tx_view(result: dict) -> dict:
    """A committed tx as CometBFT's ``tx``/``tx_search`` returns it, decoded."""
    raw = base64.b64decode(result.get("tx") or "")
    tx_result = result.get("tx_result") or {}
    return {
        "hash": result.get("hash", ""),
        "height": int(result.get("height", 0)),
        "index": int(result.get("index", 0)),
        "code": int(tx_result.get("code", 0)),
        "codespace": tx_result.get("codespace", ""),
        "log": tx_result.get("log", ""),
        "gas_wanted": int(tx_result.get("gas_wanted") or 0),
        "gas_used": int(tx_result.get("gas_used") or 0),
        "tx": decoded_tx(raw),
        "events": events(tx_result.get("events")),
    }

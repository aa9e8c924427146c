"""Transaction wire format: a msgpack envelope of (sign-doc bytes, pubkey, signature).

The sign doc is the canonical msgpack map
  {"chain_id": str, "fee": int, "gas_limit": int, "memo": str,
   "msgs": [[type, body], ...], "sequence": int}
and the signature is ed25519 over TX_SIGN_DOMAIN + sign-doc bytes. The tx
hash is sha256 of the whole tx bytes, as CometBFT computes it. Clients
import this module to build and sign transactions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from chain_modules.common.encoding import EncodingError, decode_canonical, encode

TX_SIGN_DOMAIN = b"amino-chain/tx/v1\x00"
SIGN_DOC_FIELDS = ("chain_id", "fee", "gas_limit", "memo", "msgs", "sequence")
_UINT64_MAX = 2**64 - 1


class TxDecodeError(ValueError):
    """The bytes are not a well-formed transaction; the message says which part."""


@dataclass(frozen=True, slots=True)
class SignDoc:
    chain_id: str
    sequence: int
    fee: int
    gas_limit: int
    memo: str
    msgs: tuple[tuple[str, Any], ...]

    def to_bytes(self) -> bytes:
        return encode(
            {
                "chain_id": self.chain_id,
                "fee": self.fee,
                "gas_limit": self.gas_limit,
                "memo": self.memo,
                "msgs": [[msg_type, body] for msg_type, body in self.msgs],
                "sequence": self.sequence,
            }
        )


@dataclass(frozen=True, slots=True)
class Tx:
    raw: bytes
    hash: bytes
    sign_doc_bytes: bytes
    pubkey: bytes
    signature: bytes
    doc: SignDoc


def tx_hash(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


def sign_bytes(sign_doc_bytes: bytes) -> bytes:
    return TX_SIGN_DOMAIN + sign_doc_bytes


def encode_tx(sign_doc_bytes: bytes, pubkey: bytes, signature: bytes) -> bytes:
    return encode([sign_doc_bytes, pubkey, signature])


def sign_tx(doc: SignDoc, signing_key) -> bytes:
    """Sign ``doc`` with a nacl SigningKey and return the tx bytes."""
    doc_bytes = doc.to_bytes()
    signature = signing_key.sign(sign_bytes(doc_bytes)).signature
    return encode_tx(doc_bytes, bytes(signing_key.verify_key), signature)


def decode_tx(raw: bytes) -> Tx:
    """Parse tx bytes without checking the signature. Raises TxDecodeError."""
    try:
        envelope = decode_canonical(raw)
    except EncodingError as exc:
        raise TxDecodeError(f"tx envelope: {exc}") from None
    if not (isinstance(envelope, list) and len(envelope) == 3):
        raise TxDecodeError("tx envelope must be [sign_doc, pubkey, signature]")
    doc_bytes, pubkey, signature = envelope
    if type(doc_bytes) is not bytes:
        raise TxDecodeError("sign doc must be bytes")
    if type(pubkey) is not bytes or len(pubkey) != 32:
        raise TxDecodeError("pubkey must be 32 bytes (ed25519)")
    if type(signature) is not bytes or len(signature) != 64:
        raise TxDecodeError("signature must be 64 bytes (ed25519)")
    return Tx(raw, tx_hash(raw), doc_bytes, pubkey, signature, decode_sign_doc(doc_bytes))


def decode_sign_doc(doc_bytes: bytes) -> SignDoc:
    try:
        doc = decode_canonical(doc_bytes)
    except EncodingError as exc:
        raise TxDecodeError(f"sign doc: {exc}") from None
    if not isinstance(doc, dict) or tuple(doc) != SIGN_DOC_FIELDS:
        raise TxDecodeError(f"sign doc must be a map with exactly the fields {list(SIGN_DOC_FIELDS)}")
    chain_id, fee, gas_limit, memo, msgs, sequence = (doc[f] for f in SIGN_DOC_FIELDS)
    if type(chain_id) is not str:
        raise TxDecodeError("chain_id must be a string")
    for name, value in (("fee", fee), ("gas_limit", gas_limit), ("sequence", sequence)):
        if type(value) is not int or not 0 <= value <= _UINT64_MAX:
            raise TxDecodeError(f"{name} must be an unsigned 64-bit integer")
    if type(memo) is not str:
        raise TxDecodeError("memo must be a string")
    if not isinstance(msgs, list):
        raise TxDecodeError("msgs must be a list")
    parsed = []
    for index, msg in enumerate(msgs):
        if not (isinstance(msg, list) and len(msg) == 2 and type(msg[0]) is str and isinstance(msg[1], dict)):
            raise TxDecodeError(f"message {index} must be [type, body-map]")
        parsed.append((msg[0], msg[1]))
    return SignDoc(chain_id, sequence, fee, gas_limit, memo, tuple(parsed))

"""Account addresses: bech32 with prefix ``amio`` over the first 20 bytes of sha256(pubkey)."""

from __future__ import annotations

import hashlib

import bech32

ADDRESS_PREFIX = "amio"
ADDRESS_LENGTH = 20
PUBKEY_LENGTH = 32


class AddressError(ValueError):
    """Raised for a string that is not a valid amio address."""


def address_bytes_from_pubkey(pubkey: bytes) -> bytes:
    if len(pubkey) != PUBKEY_LENGTH:
        raise AddressError(f"ed25519 public key must be {PUBKEY_LENGTH} bytes, got {len(pubkey)}")
    return hashlib.sha256(pubkey).digest()[:ADDRESS_LENGTH]


def encode_address(raw: bytes, prefix: str = ADDRESS_PREFIX) -> str:
    if len(raw) != ADDRESS_LENGTH:
        raise AddressError(f"address must be {ADDRESS_LENGTH} bytes, got {len(raw)}")
    data = bech32.convertbits(raw, 8, 5, True)
    return bech32.bech32_encode(prefix, data)


def address_from_pubkey(pubkey: bytes) -> str:
    return encode_address(address_bytes_from_pubkey(pubkey))


def decode_address(text: str, prefix: str = ADDRESS_PREFIX) -> bytes:
    """Return the 20 address bytes of ``text``; raise AddressError naming what is wrong."""
    if not isinstance(text, str):
        raise AddressError("address must be a string")
    if text != text.lower():
        raise AddressError(f"address {text!r} must be lower case")
    hrp, data = bech32.bech32_decode(text)
    if hrp is None or data is None:
        raise AddressError(f"address {text!r} is not valid bech32")
    if hrp != prefix:
        raise AddressError(f"address {text!r} has prefix {hrp!r}, expected {prefix!r}")
    raw = bech32.convertbits(data, 5, 8, False)
    if raw is None or len(raw) != ADDRESS_LENGTH:
        raise AddressError(f"address {text!r} does not hold {ADDRESS_LENGTH} bytes")
    return bytes(raw)


def is_valid_address(text: object) -> bool:
    try:
        decode_address(text)  # type: ignore[arg-type]
    except AddressError:
        return False
    return True

"""Account addresses: bech32 with prefix ``amio`` over the first 20 bytes of sha256(pubkey)."""

from __future__ import annotations

import functools
import hashlib
import operator

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
    """The bech32 text of 20 address bytes: the same string as ``bech32.bech32_encode(prefix, convertbits(raw, 8, 5))``.

    Written out because events name addresses for every transfer and the reference library's bit-by-bit checksum
    was a tenth of a CheckTx; tests/codec/test_address_encoding.py compares the two on random addresses.
    """
    if len(raw) != ADDRESS_LENGTH:
        raise AddressError(f"address must be {ADDRESS_LENGTH} bytes, got {len(raw)}")
    number = int.from_bytes(raw, "big")  # 160 bits: exactly 32 five-bit groups, no padding
    data = [(number >> shift) & 31 for shift in _GROUP_SHIFTS]
    check = _polymod(_prefix_state(prefix), data)
    check = _polymod(check, _SIX_ZEROS) ^ 1
    return prefix + "1" + "".join([_CHARSET[value] for value in data]) + "".join([_CHARSET[(check >> shift) & 31] for shift in _CHECKSUM_SHIFTS])


_CHARSET = bech32.CHARSET
_GROUP_SHIFTS = tuple(155 - 5 * index for index in range(32))
_CHECKSUM_SHIFTS = (25, 20, 15, 10, 5, 0)
_SIX_ZEROS = (0, 0, 0, 0, 0, 0)
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
# the generator terms to XOR in for each value of the checksum's top five bits, as bech32_polymod adds them one by one
_TOP_TERMS = tuple(
    functools.reduce(operator.xor, (_GENERATOR[bit] for bit in range(5) if top >> bit & 1), 0) for top in range(32)
)


def _polymod(check: int, values) -> int:
    terms = _TOP_TERMS
    for value in values:
        check = ((check & 0x1FFFFFF) << 5 ^ value) ^ terms[check >> 25]
    return check


@functools.lru_cache(maxsize=16)
def _prefix_state(prefix: str) -> int:
    """The checksum state after the expanded prefix, which is the same for every address."""
    return _polymod(1, bech32.bech32_hrp_expand(prefix))


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

"""The one canonical byte encoding of state values and sign docs: msgpack.

Canonical means: maps are written with keys in sorted order, strings as str,
bytes as bin, integers in their shortest form, no floats. Two nodes that
encode the same value get the same bytes, so values can go into the Merkle
tree and into signatures.
"""

from __future__ import annotations

from typing import Any

import msgpack

MAX_DEPTH = 32


class EncodingError(ValueError):
    """Raised for bytes that are not canonical msgpack of the expected shape."""


def _canonical(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise EncodingError("value nested too deeply")
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):
            raise EncodingError("map keys must be strings")
        return {k: _canonical(value[k], depth + 1) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_canonical(v, depth + 1) for v in value]
    if isinstance(value, float):
        raise EncodingError("floats are not allowed in consensus data")
    return value


def encode(value: Any) -> bytes:
    """Canonical msgpack bytes of ``value`` (dict keys sorted, no floats)."""
    return msgpack.packb(_canonical(value), use_bin_type=True)


def encode_fast(value: Any) -> bytes:
    """msgpack bytes of a value the caller knows is already canonical (flat, sorted, no floats)."""
    return msgpack.packb(value, use_bin_type=True)


def decode(data: bytes) -> Any:
    """Decode msgpack bytes; raise EncodingError on anything malformed or non-canonical types."""
    try:
        return msgpack.unpackb(
            data,
            raw=False,
            strict_map_key=True,
            use_list=True,
        )
    except (ValueError, TypeError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as exc:
        raise EncodingError(f"malformed msgpack: {type(exc).__name__}") from None


def decode_canonical(data: bytes) -> Any:
    """Decode, and reject bytes that are not the canonical encoding of what they hold.

    Rejecting non-canonical encodings keeps one transaction from having
    several byte forms (and so several hashes) with one meaning.
    """
    value = decode(data)
    if _contains_float(value):
        raise EncodingError("floats are not allowed in consensus data")
    if encode(value) != data:
        raise EncodingError("encoding is not canonical")
    return value


def _contains_float(value: Any, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        raise EncodingError("value nested too deeply")
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_contains_float(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_contains_float(v, depth + 1) for v in value)
    return False

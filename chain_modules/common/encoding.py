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

    One walk over the decoded value finds, in depth-first order, the first
    float or too-deep value, and notes map keys that are not strings or not
    in sorted order. A map whose keys are out of order cannot be canonical
    (canonical bytes decode in sorted order), so only a value already in
    canonical order is re-encoded and compared, without the sorted copy
    ``encode`` makes. It accepts exactly what "decode, reject floats, compare
    with ``encode(value)``" accepts, with the same error messages, at a
    fraction of the cost (the walks dominated tx decoding);
    tests/codec/test_canonical_decoding.py checks the two side by side.
    """
    value = decode(data)
    flags = _scan(value, 0)
    if flags & _OTHER_TYPE:  # an ext type (a tuple to ``encode``): the definition itself decides
        if encode(value) != data:
            raise EncodingError("encoding is not canonical")
        return value
    if flags & _NON_STRING_KEY:
        raise EncodingError("map keys must be strings")
    if flags & _UNSORTED_KEYS or msgpack.packb(value, use_bin_type=True) != data:
        raise EncodingError("encoding is not canonical")
    return value


_NON_STRING_KEY = 1
_UNSORTED_KEYS = 2
_OTHER_TYPE = 4
_PLAIN = frozenset({int, str, bytes, bool, type(None)})


def _scan(value: Any, depth: int) -> int:
    """Raise for the first too-deep value or float (depth first); return the flags of everything inside."""
    if depth > MAX_DEPTH:
        raise EncodingError("value nested too deeply")
    kind = type(value)
    if kind is dict:
        flags = 0
        previous = None
        for key in value:
            if type(key) is not str:
                flags |= _NON_STRING_KEY
            elif previous is not None and key <= previous:
                flags |= _UNSORTED_KEYS
            previous = key if type(key) is str else None
        for item in value.values():
            if type(item) not in _PLAIN or depth >= MAX_DEPTH:
                flags |= _scan(item, depth + 1)
        return flags
    if kind is list:
        flags = 0
        for item in value:
            if type(item) not in _PLAIN or depth >= MAX_DEPTH:
                flags |= _scan(item, depth + 1)
        return flags
    if isinstance(value, float):
        raise EncodingError("floats are not allowed in consensus data")
    return 0 if kind in _PLAIN else _OTHER_TYPE

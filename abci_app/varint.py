"""Unsigned varints (protobuf's base-128 encoding): ABCI frames and length-delimited sign bytes."""

from __future__ import annotations


def encode_uvarint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)

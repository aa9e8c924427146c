"""Helpers every module's genesis parser uses, and the exported-state format.

Errors name the field they are about, as a path like ``app_state.bank.allocations[2].share_bps``.

Exported state: a module's section of an exported genesis carries its params (typed, as in a fresh genesis)
and ``state``: every key/value the module owns (its key prefix), as ``[hex key, base64 value]`` pairs in key
order. A chain started from it has the same state under the module's prefix, so the same app hash. Loading
checks that every key is the module's own and that no pair repeats; ``amino genesis validate`` then runs every
module's invariants over the loaded state (genesis/validate.py).
"""

from __future__ import annotations

import base64
import binascii
from chain_modules.common.state import StateRead, StateWrite


class GenesisError(ValueError):
    """A genesis file problem; the message starts with the path of the offending field."""


def require_int(value: object, path: str, minimum: int = 0) -> int:
    if type(value) is not int or value < minimum:
        raise GenesisError(f"{path}: must be an integer >= {minimum}, got {value!r}")
    return value


def require_map(value: object, path: str, fields: set[str], optional: set[str] = frozenset()) -> dict:
    if not isinstance(value, dict):
        raise GenesisError(f"{path}: must be an object")
    missing = sorted(fields - set(value))
    if missing:
        raise GenesisError(f"{path}.{missing[0]}: is required")
    unknown = sorted(set(value) - fields - optional)
    if unknown:
        raise GenesisError(f"{path}.{unknown[0]}: unknown field")
    return value


def parse_params(raw: object, cls, path: str):
    """A module's params from genesis, with the error prefixed by the field path."""
    if not isinstance(raw, dict):
        raise GenesisError(f"{path}: must be an object")
    try:
        return cls.from_dict(raw)
    except (TypeError, ValueError) as exc:
        raise GenesisError(f"{path}: {exc}") from None


def export_state(state: StateRead, prefix: bytes) -> list[list[str]]:
    """Every key/value under ``prefix``, in key order, as [hex key, base64 value]."""
    return [[key.hex(), base64.b64encode(value).decode()] for key, value in state.iter_prefix(prefix)]


def parse_state(raw: object, path: str, prefix: bytes) -> tuple[tuple[bytes, bytes], ...]:
    """The pairs of an exported ``state`` list, each key under ``prefix``, strictly increasing."""
    if not isinstance(raw, list):
        raise GenesisError(f"{path}: must be a list of [hex key, base64 value]")
    pairs: list[tuple[bytes, bytes]] = []
    for index, item in enumerate(raw):
        ipath = f"{path}[{index}]"
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            raise GenesisError(f"{ipath}: must be [hex key, base64 value]")
        try:
            key = bytes.fromhex(item[0])
            value = base64.b64decode(item[1], validate=True)
        except (ValueError, binascii.Error):
            raise GenesisError(f"{ipath}: must be [hex key, base64 value]") from None
        if not key.startswith(prefix) or len(key) == len(prefix):
            raise GenesisError(f"{ipath}: key {item[0]} is not under this module's prefix {prefix!r}")
        if pairs and key <= pairs[-1][0]:
            raise GenesisError(f"{ipath}: keys must be in strictly increasing order")
        pairs.append((key, value))
    return tuple(pairs)


def import_state(state: StateWrite, pairs: tuple[tuple[bytes, bytes], ...]) -> None:
    for key, value in pairs:
        state.set(key, value)


"""Query paths as modules declare them: a path template, typed parameters, and a view.

A module lists ``Query("candidate/{operator:address}", views.candidate)`` in its manifest; the app answers
``/staking/candidate/amino1...`` by parsing ``operator`` as an address and calling
``views.candidate(ctx, operator=b"...")``. Parameters are parsed strictly (ASCII only, exact lengths), so a
malformed path gets ERR_INVALID_ARGUMENT with a readable log, never an internal error.

A raw query (``key=``) answers the state value at one key, and can be proven against the app hash: the key
must be the one chain_modules/provable.py derives for the path, which the wallet recomputes itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from chain_modules.common.address import AddressError, decode_address
from chain_modules.common.state import StateRead

ERR_UNKNOWN_PATH = 2
ERR_INVALID_ARGUMENT = 3
ERR_HEIGHT_UNAVAILABLE = 4
ERR_NOT_FOUND = 5

UINT64_MAX = 2**64 - 1
# re.ASCII: without it \d would match any Unicode decimal digit; fullmatch, so a trailing newline fails too
_DECIMAL = re.compile(r"[0-9]+", re.ASCII)
_HEX = re.compile(r"[0-9a-fA-F]+", re.ASCII)
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}", re.ASCII)


class QueryError(Exception):
    def __init__(self, code: int, log: str) -> None:
        super().__init__(log)
        self.code = code
        self.log = log


def not_found(log: str) -> QueryError:
    return QueryError(ERR_NOT_FOUND, log)


@dataclass(frozen=True, slots=True)
class QueryContext:
    """What a view may read: committed state at ``height``, whose block time is ``time`` (seconds)."""

    state: StateRead
    height: int
    time: int


def parse_address(text: str) -> bytes:
    try:
        return decode_address(text)
    except AddressError as exc:
        raise QueryError(ERR_INVALID_ARGUMENT, str(exc)) from None


def parse_uint64(text: str, what: str = "number") -> int:
    """A plain decimal integer: ASCII digits only, within uint64.

    str.isdigit() and int() also take Unicode digits ('²', '١٢'), '1_000', ' 12 ' and '+5'; none of those is a
    well-formed id.
    """
    if _DECIMAL.fullmatch(text) is None or len(text) > 20 or int(text) > UINT64_MAX:
        raise QueryError(ERR_INVALID_ARGUMENT, f"{text!r} is not a {what} (decimal digits 0-9, at most {UINT64_MAX})")
    return int(text)


def parse_hex(text: str, size: int, what: str) -> bytes:
    """Exactly ``2 * size`` ASCII hex digits (bytes.fromhex alone would also take spaces between them)."""
    if _HEX.fullmatch(text) is None or len(text) != 2 * size:
        raise QueryError(ERR_INVALID_ARGUMENT, f"{text!r} is not a {what} ({2 * size} hex digits)")
    return bytes.fromhex(text)


def parse_name(text: str, what: str = "name") -> str:
    if _NAME.fullmatch(text) is None:
        raise QueryError(ERR_INVALID_ARGUMENT, f"{text!r} is not a {what} (lower-case letters, digits, '-' and '_')")
    return text


# parameter kinds a template may use: {name:kind}
PARSERS: dict[str, Callable[[str, str], Any]] = {
    "address": lambda text, name: parse_address(text),
    "uint64": lambda text, name: parse_uint64(text, name.replace("_", " ")),
    "hash32": lambda text, name: parse_hex(text, 32, name.replace("_", " ")),
    "hex20": lambda text, name: parse_hex(text, 20, name.replace("_", " ")),
    "name": lambda text, name: parse_name(text, name.replace("_", " ")),
    "text": lambda text, name: text,  # any segment: the view decides (an unknown one is not found)
}


@dataclass(frozen=True)
class Query:
    """One query path of a module, relative to the module's name: ``"task/{task_id:uint64}"``."""

    path: str
    view: Callable[..., object] | None = None
    doc: str = ""
    key: Callable[..., bytes] | None = None  # a raw, provable query: the state key the path reads

    def __post_init__(self) -> None:
        assert (self.view is None) != (self.key is None), f"query {self.path!r}: give a view or a key, not both"
        for segment in self.segments:
            if segment.startswith("{"):
                name, _, kind = segment[1:-1].partition(":")
                assert name and kind in PARSERS, f"query {self.path!r}: bad parameter {segment!r}"

    @property
    def segments(self) -> list[str]:
        return self.path.split("/") if self.path else []

    def match(self, parts: list[str]) -> dict[str, Any] | None:
        """The parsed parameters when ``parts`` (the path after the module name) fits this template, else None.

        Raises QueryError(ERR_INVALID_ARGUMENT) when the path fits but a parameter is malformed."""
        segments = self.segments
        if len(segments) != len(parts):
            return None
        raw: list[tuple[str, str, str]] = []
        for segment, part in zip(segments, parts):
            if segment.startswith("{"):
                name, _, kind = segment[1:-1].partition(":")
                raw.append((name, kind, part))
            elif segment != part:
                return None
        return {name: PARSERS[kind](part, name) for name, kind, part in raw}

"""Events: typed records of state changes, indexed by CometBFT for tx_search and subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from chain_modules.common.address import encode_address


@lru_cache(maxsize=262_144)  # bech32 encoding is pure Python and slow; recipients repeat
def bech32(address: bytes) -> str:
    """The bech32 text of an address, as events and views show it."""
    return encode_address(address)


@dataclass(frozen=True, slots=True)
class Event:
    """An event type and its (key, value) attributes, all strings, all indexed."""

    type: str
    attributes: tuple[tuple[str, str], ...]


def make_event(event_type: str, **attributes: object) -> Event:
    """The one way events are built: attributes in the order given, each a string (booleans as true/false).

    Style (docs/architecture.md, "Events"): every module builds its events in its events.py; addresses are bech32
    (``bech32``), amounts carry their denomination (``uamio``), times are unix seconds, hashes hex."""
    return Event(event_type, tuple((key, _text(value)) for key, value in attributes.items()))


def _text(value: object) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def uamio(amount: int) -> str:
    """An amount attribute: the integer and its denomination, as Cosmos events write coins."""
    return f"{amount}uamio"

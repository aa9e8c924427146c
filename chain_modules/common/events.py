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
    return Event(event_type, tuple((key, str(value)) for key, value in attributes.items()))

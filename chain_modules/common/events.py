"""Events: typed records of state changes, indexed by CometBFT for tx_search and subscriptions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    """An event type and its (key, value) attributes, all strings, all indexed."""

    type: str
    attributes: tuple[tuple[str, str], ...]


def make_event(event_type: str, **attributes: object) -> Event:
    return Event(event_type, tuple((key, str(value)) for key, value in attributes.items()))

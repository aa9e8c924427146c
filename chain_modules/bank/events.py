"""bank events (Cosmos-compatible names so explorers and scripts feel familiar)."""

from __future__ import annotations

from chain_modules.common.events import Event, bech32, make_event, uamio


def event_transfer(sender: bytes, recipient: bytes, amount: int) -> Event:
    return make_event("transfer", sender=bech32(sender), recipient=bech32(recipient), amount=uamio(amount))


def event_coin_spent(spender: bytes, amount: int) -> Event:
    return make_event("coin_spent", spender=bech32(spender), amount=uamio(amount))


def event_coin_received(receiver: bytes, amount: int) -> Event:
    return make_event("coin_received", receiver=bech32(receiver), amount=uamio(amount))

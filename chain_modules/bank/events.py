"""bank events (Cosmos-compatible names so explorers and scripts feel familiar)."""

from __future__ import annotations

from chain_modules.bank.types import DENOM
from chain_modules.common.events import Event, bech32


def event_transfer(sender: bytes, recipient: bytes, amount: int) -> Event:
    return Event("transfer", (("sender", bech32(sender)), ("recipient", bech32(recipient)), ("amount", f"{amount}{DENOM}")))


def event_coin_spent(spender: bytes, amount: int) -> Event:
    return Event("coin_spent", (("spender", bech32(spender)), ("amount", f"{amount}{DENOM}")))


def event_coin_received(receiver: bytes, amount: int) -> Event:
    return Event("coin_received", (("receiver", bech32(receiver)), ("amount", f"{amount}{DENOM}")))

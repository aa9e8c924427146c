"""distribution events (Cosmos-compatible names)."""

from __future__ import annotations

from chain_modules.common.events import Event, bech32, make_event, uamio


def event_withdraw_rewards(delegator: bytes, candidate: bytes, amount: int) -> Event:
    return make_event("withdraw_rewards", delegator=bech32(delegator), candidate=bech32(candidate), amount=uamio(amount))


def event_withdraw_commission(operator: bytes, amount: int) -> Event:
    return make_event("withdraw_commission", operator=bech32(operator), amount=uamio(amount))

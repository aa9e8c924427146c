"""slashing events (Cosmos-compatible names)."""

from __future__ import annotations

from chain_modules.common.events import Event, bech32, make_event, uamio


def event_slash_double_sign(operator: bytes, amount: int, infraction_height: int) -> Event:
    return make_event("slash", operator=bech32(operator), reason="double_sign", amount=uamio(amount),
                      infraction_height=infraction_height, jailed_until="forever")


def event_slash_downtime(operator: bytes, amount: int, missed_blocks: int, jailed_until: str) -> Event:
    return make_event("slash", operator=bech32(operator), reason="downtime", amount=uamio(amount),
                      missed_blocks=missed_blocks, jailed_until=jailed_until)


def event_unjail(operator: bytes) -> Event:
    return make_event("unjail", operator=bech32(operator))

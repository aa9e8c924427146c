"""staking events."""

from __future__ import annotations

from chain_modules.common.events import bech32
from chain_modules.common.events import Event


def event_create_super_node(operator: bytes, pubkey: bytes, moniker: str, self_bond: int) -> Event:
    return Event("create_super_node", (("operator", bech32(operator)), ("consensus_pubkey", pubkey.hex()), ("moniker", moniker), ("self_bond", f"{self_bond}uamio")))


def event_edit_super_node(operator: bytes, moniker: str, commission_bps: int) -> Event:
    return Event("edit_super_node", (("operator", bech32(operator)), ("moniker", moniker), ("commission_bps", str(commission_bps))))


def event_delegate(delegator: bytes, candidate: bytes, amount: int, shares: int) -> Event:
    return Event("delegate", (("delegator", bech32(delegator)), ("candidate", bech32(candidate)), ("amount", f"{amount}uamio"), ("shares", str(shares))))


def event_undelegate(delegator: bytes, candidate: bytes, amount: int, completion_time: int) -> Event:
    return Event("undelegate", (("delegator", bech32(delegator)), ("candidate", bech32(candidate)), ("amount", f"{amount}uamio"), ("completion_time", str(completion_time))))


def event_redelegate(delegator: bytes, source: bytes, destination: bytes, amount: int, completion_time: int) -> Event:
    return Event("redelegate", (
        ("delegator", bech32(delegator)), ("source", bech32(source)), ("destination", bech32(destination)),
        ("amount", f"{amount}uamio"), ("completion_time", str(completion_time)),
    ))


def event_complete_unbonding(delegator: bytes, candidate: bytes, amount: int) -> Event:
    return Event("complete_unbonding", (("delegator", bech32(delegator)), ("candidate", bech32(candidate)), ("amount", f"{amount}uamio")))


def event_validator_update(operator: bytes, pubkey: bytes, power: int) -> Event:
    return Event("validator_update", (("operator", bech32(operator)), ("consensus_pubkey", pubkey.hex()), ("power", str(power))))

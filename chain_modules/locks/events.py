"""locks events. Every lock has one lock_created, one lock_expired and one lock_withdrawn."""

from __future__ import annotations

from chain_modules.common.events import bech32
from chain_modules.common.events import Event
from chain_modules.locks.types import Lock


def event_lock_created(lock: Lock) -> Event:
    return Event("lock_created", (
        ("lock_id", str(lock.id)), ("owner", bech32(lock.owner)), ("kind", lock.kind),
        ("amount", f"{lock.amount}uamio"), ("start", str(lock.start)), ("end", str(lock.end)),
    ))


def event_api_access_bought(lock: Lock, duration: int, access_until: int) -> Event:
    return Event("api_access_bought", (
        ("lock_id", str(lock.id)), ("owner", bech32(lock.owner)), ("amount", f"{lock.amount}uamio"),
        ("duration", str(duration)), ("access_until", str(access_until)),
    ))


def event_lock_expired(lock: Lock) -> Event:
    return Event("lock_expired", (
        ("lock_id", str(lock.id)), ("owner", bech32(lock.owner)), ("kind", lock.kind),
        ("amount", f"{lock.amount}uamio"), ("end", str(lock.end)),
    ))


def event_lock_withdrawn(lock: Lock) -> Event:
    return Event("lock_withdrawn", (
        ("lock_id", str(lock.id)), ("owner", bech32(lock.owner)), ("kind", lock.kind), ("amount", f"{lock.amount}uamio"),
    ))

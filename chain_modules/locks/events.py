"""locks events. Every lock has one lock_created, one lock_expired and one lock_withdrawn."""

from __future__ import annotations

from chain_modules.common.events import Event, bech32, make_event, uamio
from chain_modules.locks.types import Lock


def event_lock_created(lock: Lock) -> Event:
    return make_event("lock_created", lock_id=lock.id, owner=bech32(lock.owner), kind=lock.kind, amount=uamio(lock.amount),
                      start=lock.start, end=lock.end)


def event_api_access_bought(lock: Lock, duration: int, access_until: int) -> Event:
    return make_event("api_access_bought", lock_id=lock.id, owner=bech32(lock.owner), amount=uamio(lock.amount),
                      duration=duration, access_until=access_until)


def event_lock_expired(lock: Lock) -> Event:
    return make_event("lock_expired", lock_id=lock.id, owner=bech32(lock.owner), kind=lock.kind, amount=uamio(lock.amount),
                      end=lock.end)


def event_lock_withdrawn(lock: Lock) -> Event:
    return make_event("lock_withdrawn", lock_id=lock.id, owner=bech32(lock.owner), kind=lock.kind, amount=uamio(lock.amount))

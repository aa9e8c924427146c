"""fog events: epochs and periods closing, FOG settling to earners and lockers, redemptions."""

from __future__ import annotations

from chain_modules.common.events import Event, bech32, make_event, uamio
from chain_modules.fog.types import DENOM


def ufog(amount: int) -> str:
    return f"{amount}{DENOM}"


def event_epoch_closed(epoch: int, emission: int, points: int, locker_emission: int, locked_seconds: int) -> Event:
    return make_event("fog_epoch_closed", epoch=epoch, emission=ufog(emission), points=points,
                      locker_emission=ufog(locker_emission), locked_seconds=locked_seconds)


def event_settled(address: bytes, epoch: int, points: int, amount: int) -> Event:
    return make_event("fog_settled", address=bech32(address), epoch=epoch, points=points, amount=ufog(amount))


def event_locker_settled(owner: bytes, lock_id: int, amount: int) -> Event:
    return make_event("fog_locker_settled", owner=bech32(owner), lock_id=lock_id, amount=ufog(amount))


def event_redeem_requested(address: bytes, period: int, amount: int, period_end: int) -> Event:
    return make_event("fog_redeem_requested", address=bech32(address), period=period, amount=ufog(amount),
                      period_end=period_end)


def event_period_closed(period: int, pool: int, supply: int, requested: int, payout: int) -> Event:
    return make_event("fog_period_closed", period=period, pool=uamio(pool), supply=ufog(supply),
                      requested=ufog(requested), payout=uamio(payout))


def event_redeemed(address: bytes, period: int, amount: int, paid: int) -> Event:
    return make_event("fog_redeemed", address=bech32(address), period=period, burned=ufog(amount), paid=uamio(paid))


def event_probe_drawn(worker: bytes, epoch: int, heartbeat_height: int, task_id: int) -> Event:
    """task_id 0: not drawn (or no probe could run), the held windows count."""
    return make_event("fog_probe_drawn", worker=bech32(worker), epoch=epoch, heartbeat_height=heartbeat_height,
                      probed=str(bool(task_id)).lower(), task_id=task_id)


def event_probe_ended(worker: bytes, task_id: int, passed: bool, current: bool) -> Event:
    """current: the probe of the worker's open epoch (else of a closed one: it only proves the class)."""
    return make_event("fog_probe_ended", worker=bech32(worker), task_id=task_id, passed=str(passed).lower(),
                      current=str(current).lower())

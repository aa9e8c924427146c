"""Shared pieces of the locks module tests: pre-state builders, block contexts and snapshots."""

from __future__ import annotations

from abci_app.store import MemoryState, Overlay
from chain_modules.bank.state import get_balance, set_balance, set_vesting
from chain_modules.bank.types import VestingSchedule
from chain_modules.common.context import BlockContext
from chain_modules.common.events import Event
from chain_modules.locks.api import LOCKS_POOL
from chain_modules.locks.state import set_params
from chain_modules.locks.types import DAY, LockParams
from tests.support import make_key

NOW = 1_800_000_000  # block time in seconds
MONTH = 30 * DAY

ALICE = make_key("alice")
BOB = make_key("bob")
CAROL = make_key("carol")


def context(now: int = NOW, height: int = 7) -> BlockContext:
    return BlockContext(chain_id="amino-test", height=height, time_ns=now * 1_000_000_000)


def pre_state(balances: dict[bytes, int], vesting: dict[bytes, VestingSchedule] | None = None,
              params: LockParams | None = None) -> Overlay:
    """An overlay over a base that already holds ``balances``, ``vesting`` and ``params``; writes and events start empty."""
    setup = Overlay(MemoryState())
    for address, amount in balances.items():
        set_balance(setup, address, amount)
    for address, schedule in (vesting or {}).items():
        set_vesting(setup, address, schedule)
    if params is not None:
        set_params(setup, params)
    return settle(setup)


def settle(state: Overlay) -> Overlay:
    """A fresh overlay over everything ``state`` shows, as a committed block would be: writes and events empty."""
    return Overlay(MemoryState(dict(state.iter_prefix(b""))))


def snapshot(state: Overlay) -> tuple[dict[bytes, bytes | None], list[Event], dict[bytes, bytes]]:
    """Everything a handler could change: pending writes, events and the visible key/values."""
    return dict(state.writes), list(state.events), dict(state.iter_prefix(b""))


def balances(state: Overlay, *addresses: bytes) -> list[int]:
    return [get_balance(state, address) for address in addresses]


def pool(state: Overlay) -> int:
    return get_balance(state, LOCKS_POOL)


def attributes(event: Event) -> dict[str, str]:
    return dict(event.attributes)


def events_of(state: Overlay, event_type: str) -> list[dict[str, str]]:
    return [attributes(event) for event in state.events if event.type == event_type]

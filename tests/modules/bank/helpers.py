"""Shared pieces of the bank module tests: a pre-state builder, a block context and snapshots."""

from __future__ import annotations

from abci_app.store import MemoryState, Overlay
from chain_modules.bank.state import get_balance, set_balance, set_vesting
from chain_modules.bank.types import VestingSchedule
from chain_modules.common.context import BlockContext
from chain_modules.common.events import Event
from tests.support import make_key

NOW = 1_800_000_000  # block time in seconds

ALICE = make_key("alice")
BOB = make_key("bob")
CAROL = make_key("carol")
DAVE = make_key("dave")


def context(now: int = NOW) -> BlockContext:
    return BlockContext(chain_id="amino-test", height=7, time_ns=now * 1_000_000_000)


def pre_state(balances: dict[bytes, int], vesting: dict[bytes, VestingSchedule] | None = None) -> Overlay:
    """An overlay over a base that already holds ``balances`` and ``vesting``; its writes and events start empty."""
    setup = Overlay(MemoryState())
    for address, amount in balances.items():
        set_balance(setup, address, amount)
    for address, schedule in (vesting or {}).items():
        set_vesting(setup, address, schedule)
    base = {key: value for key, value in setup.writes.items() if value is not None}
    return Overlay(MemoryState(base))


def snapshot(state: Overlay) -> tuple[dict[bytes, bytes | None], list[Event], dict[bytes, bytes]]:
    """Everything a handler could change: pending writes, events and the visible key/values."""
    return dict(state.writes), list(state.events), dict(state.iter_prefix(b""))


def balances(state: Overlay, *addresses: bytes) -> list[int]:
    return [get_balance(state, address) for address in addresses]


def attributes(event: Event) -> dict[str, str]:
    return dict(event.attributes)

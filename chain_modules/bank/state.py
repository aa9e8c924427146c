"""The only code that reads and writes bank keys."""

from __future__ import annotations

from typing import Iterator

from chain_modules.bank.keys import (
    BALANCE_PREFIX,
    SUPPLY_KEY,
    VESTING_PREFIX,
    balance_key,
    delegated_vesting_key,
    vesting_key,
)
from chain_modules.bank.types import VestingSchedule
from chain_modules.common.encoding import decode, encode
from chain_modules.common.state import StateRead, StateWrite


def get_balance(state: StateRead, address: bytes) -> int:
    raw = state.get(balance_key(address))
    return 0 if raw is None else int.from_bytes(raw, "big")


def set_balance(state: StateWrite, address: bytes, amount: int) -> None:
    if amount == 0:
        state.delete(balance_key(address))
    else:
        state.set(balance_key(address), amount.to_bytes(8, "big"))


def iter_balances(state: StateRead) -> Iterator[tuple[bytes, int]]:
    strip = len(BALANCE_PREFIX)
    for key, raw in state.iter_prefix(BALANCE_PREFIX):
        yield key[strip:], int.from_bytes(raw, "big")


def get_vesting(state: StateRead, address: bytes) -> VestingSchedule | None:
    raw = state.get(vesting_key(address))
    return None if raw is None else VestingSchedule.from_list(decode(raw))


def set_vesting(state: StateWrite, address: bytes, schedule: VestingSchedule) -> None:
    state.set(vesting_key(address), encode(schedule.to_list()))


def delete_vesting(state: StateWrite, address: bytes) -> None:
    state.delete(vesting_key(address))


def iter_vesting(state: StateRead) -> Iterator[tuple[bytes, VestingSchedule]]:
    strip = len(VESTING_PREFIX)
    for key, raw in state.iter_prefix(VESTING_PREFIX):
        yield key[strip:], VestingSchedule.from_list(decode(raw))


def get_supply(state: StateRead) -> int:
    raw = state.get(SUPPLY_KEY)
    return 0 if raw is None else int.from_bytes(raw, "big")


def set_supply(state: StateWrite, amount: int) -> None:
    state.set(SUPPLY_KEY, amount.to_bytes(8, "big"))


def get_delegated_vesting(state: StateRead, address: bytes) -> tuple[int, int]:
    """(delegated vesting, delegated free) of a vesting account: which part of its delegations was locked."""
    raw = state.get(delegated_vesting_key(address))
    return (0, 0) if raw is None else tuple(decode(raw))  # type: ignore[return-value]


def set_delegated_vesting(state: StateWrite, address: bytes, vesting: int, free: int) -> None:
    if vesting == 0 and free == 0:
        state.delete(delegated_vesting_key(address))
    else:
        state.set(delegated_vesting_key(address), encode([vesting, free]))

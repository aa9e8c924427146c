"""What other modules may use of bank: balances, spendable amounts and transfers."""

from __future__ import annotations

from chain_modules.bank.allocation import DEFAULT_ALLOCATIONS, allocation_amount, split_evenly
from chain_modules.bank.keys import SUPPLY_KEY, balance_key
from chain_modules.bank.errors import ErrInsufficientFunds, ErrLockedByVesting
from chain_modules.bank.events import event_coin_received, event_coin_spent, event_transfer
from chain_modules.bank.state import (
    get_balance,
    get_delegated_vesting,
    get_supply,
    get_vesting,
    set_balance,
    set_delegated_vesting,
)
from chain_modules.bank.types import DENOM, FEE_COLLECTOR, module_address
from chain_modules.common.state import StateRead, StateWrite

__all__ = [
    "DEFAULT_ALLOCATIONS",
    "SUPPLY_KEY",
    "allocation_amount",
    "balance_key",
    "split_evenly",
    "get_balance",
    "get_supply",
    "locked_amount",
    "spendable",
    "withdraw",
    "deposit",
    "transfer",
    "delegate_coins",
    "undelegate_coins",
    "FEE_COLLECTOR",
    "module_address",
]


def locked_amount(state: StateRead, address: bytes, now: int) -> int:
    """Uamio of the balance of ``address`` still locked by vesting at ``now`` (seconds).

    Locked tokens that were delegated are no longer in the balance, so they
    do not lock it (the Cosmos SDK's delegated-vesting rule).
    """
    schedule = get_vesting(state, address)
    if schedule is None:
        return 0
    delegated_vesting, _free = get_delegated_vesting(state, address)
    return max(0, schedule.locked(now) - delegated_vesting)


def spendable(state: StateRead, address: bytes, now: int) -> int:
    return max(0, get_balance(state, address) - locked_amount(state, address, now))


def withdraw(state: StateWrite, address: bytes, amount: int, now: int) -> None:
    """Take ``amount`` from the spendable balance of ``address``.

    Raises: ErrInsufficientFunds, ErrLockedByVesting
    """
    balance = get_balance(state, address)
    if balance < amount:
        raise ErrInsufficientFunds(f"balance {balance}{DENOM} is smaller than {amount}{DENOM}")
    locked = locked_amount(state, address, now)
    if balance - locked < amount:
        raise ErrLockedByVesting(
            f"spendable balance {balance - locked}{DENOM} is smaller than {amount}{DENOM} "
            f"({locked}{DENOM} locked by vesting)"
        )
    set_balance(state, address, balance - amount)
    state.emit(event_coin_spent(address, amount))


def deposit(state: StateWrite, address: bytes, amount: int) -> None:
    """Add ``amount`` to the balance of ``address`` (the caller took it from somewhere)."""
    set_balance(state, address, get_balance(state, address) + amount)
    state.emit(event_coin_received(address, amount))


def transfer(state: StateWrite, sender: bytes, recipient: bytes, amount: int, now: int) -> None:
    """Move ``amount`` from sender's spendable balance to recipient.

    Raises: ErrInsufficientFunds, ErrLockedByVesting
    """
    withdraw(state, sender, amount, now)
    deposit(state, recipient, amount)
    state.emit(event_transfer(sender, recipient, amount))


def delegate_coins(state: StateWrite, address: bytes, pool: bytes, amount: int, now: int) -> None:
    """Bond ``amount`` from ``address`` into a staking pool; vesting (locked) tokens may be bonded.

    The locked part is used first and recorded as delegated vesting, so it
    stays locked when it comes back. Raises: ErrInsufficientFunds
    """
    balance = get_balance(state, address)
    if balance < amount:
        raise ErrInsufficientFunds(f"balance {balance}{DENOM} is smaller than {amount}{DENOM}")
    schedule = get_vesting(state, address)
    if schedule is not None:
        vesting, free = get_delegated_vesting(state, address)
        from_vesting = min(max(schedule.locked(now) - vesting, 0), amount)
        set_delegated_vesting(state, address, vesting + from_vesting, free + amount - from_vesting)
    set_balance(state, address, balance - amount)
    state.emit(event_coin_spent(address, amount))
    deposit(state, pool, amount)


def undelegate_coins(state: StateWrite, pool: bytes, address: bytes, amount: int) -> None:
    """Return ``amount`` from a staking pool to ``address``, free part first, then vesting."""
    pool_balance = get_balance(state, pool)
    if pool_balance < amount:
        raise ErrInsufficientFunds(f"pool holds {pool_balance}{DENOM}, cannot return {amount}{DENOM}")
    if get_vesting(state, address) is not None:
        vesting, free = get_delegated_vesting(state, address)
        from_free = min(free, amount)
        from_vesting = min(vesting, amount - from_free)
        set_delegated_vesting(state, address, vesting - from_vesting, free - from_free)
    set_balance(state, pool, pool_balance - amount)
    state.emit(event_coin_spent(pool, amount))
    deposit(state, address, amount)


def transfer_module(state: StateWrite, source: bytes, destination: bytes, amount: int) -> None:
    """Move between module accounts (no vesting applies to them)."""
    balance = get_balance(state, source)
    if balance < amount:
        raise ErrInsufficientFunds(f"module account holds {balance}{DENOM}, cannot move {amount}{DENOM}")
    set_balance(state, source, balance - amount)
    state.emit(event_coin_spent(source, amount))
    deposit(state, destination, amount)

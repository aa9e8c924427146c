"""What other modules may use of bank: balances, spendable amounts and transfers."""

from __future__ import annotations

from chain_modules.bank.errors import ErrInsufficientFunds, ErrLockedByVesting
from chain_modules.bank.events import event_coin_received, event_coin_spent, event_transfer
from chain_modules.bank.state import get_balance, get_supply, get_vesting, set_balance
from chain_modules.bank.types import DENOM, FEE_COLLECTOR, module_address
from chain_modules.common.state import StateRead, StateWrite

__all__ = [
    "get_balance",
    "get_supply",
    "locked_amount",
    "spendable",
    "withdraw",
    "deposit",
    "transfer",
    "FEE_COLLECTOR",
    "module_address",
]


def locked_amount(state: StateRead, address: bytes, now: int) -> int:
    """Uamio of ``address`` still locked by its vesting schedule at time ``now`` (seconds)."""
    schedule = get_vesting(state, address)
    return 0 if schedule is None else schedule.locked(now)


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

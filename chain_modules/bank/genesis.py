"""bank genesis: balances and vesting schedules, and the total supply they must add up to."""

from __future__ import annotations

from dataclasses import dataclass

from chain_modules.bank.state import set_balance, set_supply, set_vesting
from chain_modules.bank.types import VestingSchedule
from chain_modules.common.state import StateWrite


@dataclass(frozen=True, slots=True)
class GenesisAccount:
    address: bytes
    amount: int
    vesting: VestingSchedule | None = None


def init_genesis(state: StateWrite, accounts: list[GenesisAccount], total_supply: int) -> None:
    """Write genesis balances and schedules; the amounts must add up to ``total_supply`` exactly."""
    merged: dict[bytes, GenesisAccount] = {}
    for account in accounts:
        if account.address in merged:
            raise ValueError(f"genesis account {account.address.hex()} appears twice")
        merged[account.address] = account
    total = sum(account.amount for account in accounts)
    if total != total_supply:
        raise ValueError(f"genesis balances add up to {total}, total supply is {total_supply}")
    for address in sorted(merged):
        account = merged[address]
        set_balance(state, address, account.amount)
        if account.vesting is not None:
            set_vesting(state, address, account.vesting)
    set_supply(state, total_supply)

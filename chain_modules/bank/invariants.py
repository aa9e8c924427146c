"""bank invariants, checked by tests after every block."""

from __future__ import annotations

from chain_modules.bank.state import get_supply, iter_balances, iter_vesting
from chain_modules.common.state import StateRead


def check_supply(state: StateRead) -> None:
    """The sum of all balances equals the recorded total supply, and no balance is negative."""
    total = 0
    for address, amount in iter_balances(state):
        assert amount > 0, f"zero or negative balance stored for {address.hex()}"
        total += amount
    supply = get_supply(state)
    assert total == supply, f"sum of balances {total} != total supply {supply}"


def check_vesting_within_balance_at_genesis(state: StateRead) -> None:
    """Every vesting schedule's original amount is positive and its periods add up."""
    for address, schedule in iter_vesting(state):
        assert schedule.original > 0, address.hex()
        if schedule.kind == "periodic":
            assert sum(amount for _, amount in schedule.periods) == schedule.original, address.hex()

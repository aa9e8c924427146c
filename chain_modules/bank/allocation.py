"""The genesis allocation of the fixed AMIO supply (DESIGN.md section 6, whitepaper section 6).

Vesting is relative to the genesis time. A month is 30 days of block time
(2,592,000 s): a fixed length keeps schedules simple integer arithmetic and
is documented in docs/modules/bank.md.
"""

from __future__ import annotations

from chain_modules.common.amount import TOTAL_SUPPLY_UAMIO

DAY = 86_400
MONTH = 30 * DAY
BPS = 10_000  # shares and period fractions are in basis points

# name, share of the supply in basis points, vesting schedule relative to genesis
DEFAULT_ALLOCATIONS: list[tuple[str, int, dict]] = [
    ("ieo", 500, {"kind": "periodic", "periods": [[0, 4000], [60 * DAY, 3000], [90 * DAY, 3000]]}),
    ("early_investors", 1000, {"kind": "linear", "duration": 5 * MONTH}),
    ("infrastructure", 2500, {"kind": "linear", "duration": 10 * MONTH}),
    ("team", 2000, {"kind": "linear", "duration": 24 * MONTH}),
    ("foundation", 2000, {"kind": "linear", "duration": 24 * MONTH}),
    ("community", 2000, {"kind": "linear", "duration": 20 * MONTH}),
]


def allocation_amount(share_bps: int, total_supply: int = TOTAL_SUPPLY_UAMIO) -> int:
    return total_supply * share_bps // BPS


def split_evenly(amount: int, parts: int) -> list[int]:
    """Split ``amount`` into ``parts`` integers that add up exactly (the first ones carry the remainder)."""
    base, remainder = divmod(amount, parts)
    return [base + (1 if index < remainder else 0) for index in range(parts)]

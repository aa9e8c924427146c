"""Token amounts: non-negative integers in base units, checked at every boundary."""

from __future__ import annotations

import re

UAMIO_PER_AMIO = 1_000_000
UFOG_PER_FOG = 1_000_000
TOTAL_SUPPLY_UAMIO = 1_000_000_000 * UAMIO_PER_AMIO
# Larger than any possible balance; bounds what a message may carry so that
# sums of a bounded number of amounts cannot leave 64-bit range.
MAX_AMOUNT = 2**63 - 1

_AMOUNT_RE = re.compile(r"^([0-9]+)(?:\.([0-9]{1,6}))?(amio|uamio)$")


def is_amount(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_AMOUNT


def is_positive_amount(value: object) -> bool:
    return type(value) is int and 0 < value <= MAX_AMOUNT


def parse_amio(text: str) -> int:
    """Parse '10amio', '0.5amio' or '1500uamio' into uamio; raise ValueError naming the problem."""
    match = _AMOUNT_RE.match(text.strip().lower())
    if not match:
        raise ValueError(f"invalid amount {text!r}: expected e.g. 10amio, 0.25amio or 1500uamio")
    whole, fraction, denom = match.groups()
    if denom == "uamio":
        if fraction:
            raise ValueError(f"invalid amount {text!r}: uamio has no fractional part")
        value = int(whole)
    else:
        value = int(whole) * UAMIO_PER_AMIO + int((fraction or "").ljust(6, "0") or 0)
    if value > MAX_AMOUNT:
        raise ValueError(f"invalid amount {text!r}: too large")
    return value


def format_amio(uamio: int) -> str:
    whole, fraction = divmod(uamio, UAMIO_PER_AMIO)
    if fraction == 0:
        return f"{whole}amio"
    return f"{whole}.{fraction:06d}".rstrip("0") + "amio"

"""FOG amounts for people: '12.5fog' or '12500000ufog' read into ufog, and ufog shown as FOG with its decimals.

FOG has 6 decimals, as AMIO has (1 FOG = 10^6 ufog). The wallet and the worker both show FOG this way.
"""

from __future__ import annotations

import re

from chain_modules.common.amount import MAX_AMOUNT, UFOG_PER_FOG

_FOG_RE = re.compile(r"^([0-9]+)(?:\.([0-9]{1,6}))?(fog|ufog)$")
_DENOMINATION_RE = re.compile(r"[a-z]+$")


def denomination(text: str) -> str:
    """The letters an amount ends with, lower case ('12.5FOG' -> 'fog'); '' when it ends otherwise."""
    match = _DENOMINATION_RE.search(text.strip().lower())
    return match.group(0) if match else ""


def is_fog(text: str) -> bool:
    """Whether ``text`` is written in FOG or ufog (whatever the rest of it)."""
    return denomination(text) in ("fog", "ufog")


def parse_fog(text: str) -> int:
    """Parse '12.5fog' or '12500000ufog' into ufog; raise ValueError naming the problem."""
    match = _FOG_RE.match(text.strip().lower())
    if not match:
        raise ValueError(f"invalid FOG amount {text!r}: expected e.g. 12.5fog or 12500000ufog (6 decimals at most)")
    whole, fraction, unit = match.groups()
    if unit == "ufog":
        if fraction:
            raise ValueError(f"invalid FOG amount {text!r}: ufog has no fractional part")
        value = int(whole)
    else:
        value = int(whole) * UFOG_PER_FOG + int((fraction or "").ljust(6, "0") or 0)
    if value > MAX_AMOUNT:
        raise ValueError(f"invalid FOG amount {text!r}: too large")
    return value


def format_fog(ufog: int) -> str:
    """ufog as FOG with the decimals it has: 12500000 -> '12.5fog', 1 -> '0.000001fog', 0 -> '0fog'."""
    sign = "-" if ufog < 0 else ""
    whole, fraction = divmod(abs(ufog), UFOG_PER_FOG)
    if fraction == 0:
        return f"{sign}{whole}fog"
    return f"{sign}{whole}.{fraction:06d}".rstrip("0") + "fog"


def format_factor(bps: int) -> str:
    """A factor in basis points as a multiplier: 10500 -> '×1.05', 1000 -> '×0.1', 10000 -> '×1'."""
    whole, fraction = divmod(bps, 10_000)
    return f"×{whole}" if fraction == 0 else f"×{whole}.{fraction:04d}".rstrip("0")


# why a worker's availability of an epoch was forfeited (the contribution query's "forfeited"), for people
FORFEITS = {
    "slashed": "the worker was slashed",
    "handed_back": "the worker handed back a job it was given",
    "probe_failed": "the worker failed its liveness probe",
}

# the epoch's liveness probe (the contribution query's "probe"), for people; formatted with the query's fields
PROBES = {
    "": "none yet this epoch (drawn after the first counted heartbeat)",
    "drawing": "being drawn ({held:,} availability points held until the draw)",
    "unsampled": "not drawn this epoch",
    "pending": "task {probe_task} running ({held:,} availability points held until it passes)",
    "passed": "task {probe_task} passed",
    "failed": "task {probe_task} failed: the epoch's availability is lost",
}

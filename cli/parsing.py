"""Reading what people type: amounts, rates and durations, with a clear error naming what is wrong."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import click

from chain_modules.common.amount import parse_amio
from client.fog import is_fog, parse_fog

DURATION_UNITS = {"s": 1, "min": 60, "h": 3_600, "d": 86_400, "w": 7 * 86_400, "y": 365 * 86_400}
_DURATION_RE = re.compile(r"^([0-9]+)(s|min|h|d|w|y)?$")


UINT64_MAX = 2**64 - 1
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class Uint64(click.ParamType):
    """A plain decimal integer of ASCII digits 0-9 (click's int also takes '١٢', '1_000' and ' 7')."""

    name = "integer"

    def __init__(self, minimum: int = 0, maximum: int = UINT64_MAX) -> None:
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value)
            if _ASCII_DIGITS.fullmatch(text) is None or len(text) > 20:
                self.fail(f"{text!r} is not a number: use digits 0-9 only", param, ctx)
            number = int(text)
        if not self.minimum <= number <= self.maximum:
            self.fail(f"{number} is not between {self.minimum} and {self.maximum}", param, ctx)
        return number


UINT64 = Uint64()


FOG_IS_NOT_TRANSFERABLE = "FOG cannot be sent: it is earned by contributing to the network and only redeemed " \
                          "(amino tx fog redeem)"


def refuse_fog(text: str, message: str) -> None:
    """Stop the command with ``message`` (one line) when ``text`` is an amount of FOG: FOG never moves between
    accounts, it is earned and redeemed only."""
    if is_fog(text):
        raise click.ClickException(message)


def parse_amount(text: str, param_hint: str | None = None) -> int:
    """'10amio', '0.5amio' or '1500uamio' -> a positive number of uamio (an amount of FOG is refused by name)."""
    where = f" for {param_hint}" if param_hint else ""
    refuse_fog(text, f"{text.strip()!r}{where} is FOG, and this takes AMIO (e.g. 10amio): FOG is earned and redeemed "
                     "only, never sent, bonded or locked")
    try:
        value = parse_amio(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=param_hint) from None
    if value == 0:
        raise click.BadParameter("amount must be positive", param_hint=param_hint)
    return value


def parse_fog_amount(text: str, param_hint: str | None = None) -> int:
    """'12.5fog' or '12500000ufog' -> a positive number of ufog (FOG has 6 decimals, as AMIO)."""
    try:
        value = parse_fog(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=param_hint) from None
    if value == 0:
        raise click.BadParameter("amount must be positive", param_hint=param_hint)
    return value


def parse_rate(text: str) -> int:
    """'0.1', '10%' or '1000bps' -> basis points."""
    value = text.strip().lower()
    try:
        if value.endswith("bps"):
            bps = int(value[:-3])
        elif value.endswith("%"):
            whole, _, fraction = value[:-1].partition(".")
            bps = int(whole or "0") * 100 + int((fraction + "00")[:2] or "0")
        else:
            whole, _, fraction = value.partition(".")
            bps = int(whole or "0") * 10_000 + int((fraction + "0000")[:4] or "0")
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a rate such as 0.1, 10% or 1000bps") from None
    if not 0 <= bps <= 10_000:
        raise click.BadParameter(f"{text!r} must be between 0 and 100%")
    return bps


def parse_duration(text: str) -> int:
    """'90s', '45min', '12h', '30d', '2w' or '1y' (= 365d) -> seconds; a bare number is seconds."""
    value = text.strip().lower()
    match = _DURATION_RE.match(value)
    if match is None:
        if re.match(r"^[0-9]+(m|mo|month|months)$", value):
            raise click.BadParameter(f"{text!r} is ambiguous: write 45min for minutes or 30d for a month")
        raise click.BadParameter(f"{text!r} is not a duration such as 90s, 45min, 12h, 30d, 2w or 1y (1y = 365d)")
    number, unit = match.groups()
    seconds = int(number) * DURATION_UNITS[unit or "s"]
    if seconds == 0:
        raise click.BadParameter(f"{text!r}: a duration must be positive")
    return seconds


def format_duration(seconds: int) -> str:
    """Seconds as e.g. '1y 30d', '2d 3h', '45min 10s' (the two largest units)."""
    if seconds <= 0:
        return "0s"
    parts = []
    for unit in ("y", "d", "h", "min", "s"):
        size = DURATION_UNITS[unit]
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts[:2])


def format_time(seconds: int) -> str:
    """Block time (unix seconds) as e.g. '2025-01-31 12:00:00 UTC'."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_when(seconds: int, now: int | None = None) -> str:
    """A block time as a date with the time left or past: '2027-01-15 09:00:00 UTC (in 2d 3h)'; 0 is '-'.

    ``now`` defaults to this machine's clock: a display, never a consensus decision.
    """
    if not seconds:
        return "-"
    import time

    now = int(time.time()) if now is None else now
    if seconds > now:
        relative = f"in {format_duration(seconds - now)}"
    elif seconds < now:
        relative = f"{format_duration(now - seconds)} ago"
    else:
        relative = "now"
    return f"{format_time(seconds)} ({relative})"


def format_amio_days(uamio_seconds: int | str) -> str:
    """uamio-seconds (an int, or the decimal string a view gives for values past 64 bits) as AMIO-days with two
    decimals (rounded down)."""
    hundredths = int(uamio_seconds) * 100 // (1_000_000 * 86_400)
    return f"{hundredths // 100}.{hundredths % 100:02d}"

"""amino tx lock ... and amino query lock ...: investor locks, lock weight and API access."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import click

from chain_modules.common.amount import format_amio, parse_amio
from chain_modules.common.encoding import decode
from chain_modules.locks.types import MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from cli.context import CliContext, pass_ctx
from cli.output import emit

DURATION_UNITS = {"s": 1, "min": 60, "h": 3_600, "d": 86_400, "w": 7 * 86_400, "y": 365 * 86_400}
_DURATION_RE = re.compile(r"^([0-9]+)(s|min|h|d|w|y)?$")


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


def _time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _amount(text: str) -> int:
    try:
        value = parse_amio(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="AMOUNT") from None
    if value == 0:
        raise click.BadParameter("amount must be positive", param_hint="AMOUNT")
    return value


def _amio_days(weight: str) -> str:
    """uamio-seconds as AMIO-days with two decimals (rounded down)."""
    hundredths = int(weight) * 100 // (1_000_000 * 86_400)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def register(tx_group: click.Group, query_group: click.Group, tx_options, run_tx, resolve_address, address_bytes) -> None:
    @tx_group.group("lock")
    def tx_lock() -> None:
        """Investor locks and API access locks."""

    @tx_lock.command("create")
    @click.argument("owner")
    @click.argument("amount")
    @click.option("--period", required=True, help="How long to lock: e.g. 90d, 26w, 1y (1y = 365d).")
    @tx_options
    @pass_ctx
    def create(ctx: CliContext, owner, amount, period, **options):
        """Lock AMOUNT (e.g. 1000amio) of key OWNER for --period; vesting tokens may be locked too."""
        try:
            duration = parse_duration(period)
        except click.BadParameter as exc:
            raise click.BadParameter(exc.message, param_hint="--period") from None
        msg = MsgCreateLock(address_bytes(resolve_address(ctx, owner)), _amount(amount), duration)
        run_tx(ctx, owner, [msg], **options)

    @tx_lock.command("withdraw")
    @click.argument("owner")
    @click.argument("lock_id", type=click.IntRange(min=0))
    @tx_options
    @pass_ctx
    def withdraw(ctx: CliContext, owner, lock_id, **options):
        """Return the tokens of ended lock LOCK_ID to key OWNER."""
        msg = MsgWithdrawLock(address_bytes(resolve_address(ctx, owner)), lock_id)
        run_tx(ctx, owner, [msg], **options)

    @tx_lock.command("api-access")
    @click.argument("owner")
    @click.argument("amount")
    @click.option("--duration", required=True, help="Access time to buy: e.g. 30d, 12h (see 'query lock params' for the rate).")
    @tx_options
    @pass_ctx
    def api_access(ctx: CliContext, owner, amount, duration, **options):
        """Lock AMOUNT of key OWNER to buy --duration of gateway API access (extends current access)."""
        try:
            seconds = parse_duration(duration)
        except click.BadParameter as exc:
            raise click.BadParameter(exc.message, param_hint="--duration") from None
        msg = MsgBuyApiAccess(address_bytes(resolve_address(ctx, owner)), _amount(amount), seconds)
        run_tx(ctx, owner, [msg], **options)

    @query_group.group("lock")
    def query_lock() -> None:
        """Locks, lock weight and API access."""

    def _query(ctx: CliContext, path: str):
        result = ctx.rpc().abci_query(path)
        if result.code:
            raise click.ClickException(f"query failed ({result.codespace} {result.code}): {result.log}")
        return decode(result.value), result.height

    @query_lock.command("list")
    @click.argument("address")
    @pass_ctx
    def list_locks(ctx: CliContext, address):
        """Every lock of ADDRESS (or key name), ended ones until withdrawn."""
        value, height = _query(ctx, f"/locks/list/{resolve_address(ctx, address)}")
        if ctx.output == "json":
            emit("json", value | {"height": height})
        elif not value["locks"]:
            emit("text", {"address": value["address"], "locks": f"none (at most {value['max_locks']})"})
        else:
            emit("text", [_render_lock(lock) for lock in value["locks"]],
                 title=f"locks of {value['address']} ({value['count']}/{value['max_locks']}, {format_amio(value['total_amount'])})")

    @query_lock.command("weight")
    @click.argument("address", required=False)
    @pass_ctx
    def weight(ctx: CliContext, address):
        """Lock weight (amount x remaining time) of ADDRESS, or of the whole chain without ADDRESS."""
        path = "/locks/weight" if address is None else f"/locks/weight/{resolve_address(ctx, address)}"
        value, height = _query(ctx, path)
        if ctx.output == "json":
            emit("json", value | {"height": height})
        else:
            emit("text", {"address": value["address"] or "(all accounts)", "weight": f"{value['weight']} uamio-seconds",
                          "amio_days": _amio_days(value["weight"]), "locked": format_amio(value["locked_amount"]),
                          "time": _time(value["time"]), "height": height})

    @query_lock.command("api-access")
    @click.argument("address")
    @pass_ctx
    def api_access_query(ctx: CliContext, address):
        """Whether ADDRESS (or key name) has gateway API access, and until when."""
        value, height = _query(ctx, f"/locks/api_access/{resolve_address(ctx, address)}")
        if ctx.output == "json":
            emit("json", value | {"height": height})
        else:
            emit("text", {"address": value["address"], "active": value["active"],
                          "until": _time(value["access_until"]) if value["access_until"] else "never bought",
                          "remaining": format_duration(value["remaining_seconds"]),
                          "price": f"{value['rate']}uamio per second ({format_amio(value['rate'] * 86_400)} per day)",
                          "height": height})

    @query_lock.command("params")
    @pass_ctx
    def params(ctx: CliContext):
        """Locks params."""
        value, _height = _query(ctx, "/locks/params")
        emit(ctx.output, value)


def _render_lock(lock: dict) -> dict:
    return {
        "id": lock["id"],
        "kind": lock["kind"],
        "amount": format_amio(lock["amount"]),
        "start": _time(lock["start"]),
        "end": _time(lock["end"]),
        "status": "withdrawable" if lock["withdrawable"] else f"{format_duration(lock['remaining_seconds'])} left",
        "amio_days": _amio_days(lock["weight"]),
    }

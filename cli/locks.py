"""amino tx lock ... and amino query lock ...: investor locks, lock weight and API access."""

from __future__ import annotations

import click

from chain_modules.common.amount import format_amio
from chain_modules.locks.types import MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from cli.context import CliContext, pass_ctx
from cli.output import emit
from cli.parsing import UINT64, format_amio_days, format_duration, format_time, parse_amount, parse_duration
from cli.tx import send_tx, tx_options


def _duration_option(text: str, option: str) -> int:
    try:
        return parse_duration(text)
    except click.BadParameter as exc:
        raise click.BadParameter(exc.message, param_hint=option) from None


@click.group("lock")
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
    duration = _duration_option(period, "--period")
    msg = MsgCreateLock(ctx.address_bytes(owner), parse_amount(amount, "AMOUNT"), duration)
    send_tx(ctx, owner, [msg], **options)


@tx_lock.command("withdraw")
@click.argument("owner")
@click.argument("lock_id", type=UINT64)
@tx_options
@pass_ctx
def withdraw(ctx: CliContext, owner, lock_id, **options):
    """Return the tokens of ended lock LOCK_ID to key OWNER."""
    send_tx(ctx, owner, [MsgWithdrawLock(ctx.address_bytes(owner), lock_id)], **options)


@tx_lock.command("api-access")
@click.argument("owner")
@click.argument("amount")
@click.option("--duration", required=True, help="Access time to buy: e.g. 30d, 12h (see 'query lock params' for the rate).")
@tx_options
@pass_ctx
def api_access(ctx: CliContext, owner, amount, duration, **options):
    """Lock AMOUNT of key OWNER to buy --duration of gateway API access (extends current access)."""
    seconds = _duration_option(duration, "--duration")
    msg = MsgBuyApiAccess(ctx.address_bytes(owner), parse_amount(amount, "AMOUNT"), seconds)
    send_tx(ctx, owner, [msg], **options)


@click.group("lock")
def query_lock() -> None:
    """Locks, lock weight and API access."""


@query_lock.command("list")
@click.argument("address")
@pass_ctx
def list_locks(ctx: CliContext, address):
    """Every lock of ADDRESS (or key name), ended ones until withdrawn."""
    value, height = ctx.query(f"/locks/list/{ctx.resolve_address(address)}")
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
    path = "/locks/weight" if address is None else f"/locks/weight/{ctx.resolve_address(address)}"
    value, height = ctx.query(path)
    if ctx.output == "json":
        emit("json", value | {"height": height})
    else:
        emit("text", {"address": value["address"] or "(all accounts)", "weight": f"{value['weight']} uamio-seconds",
                      "amio_days": format_amio_days(value["weight"]), "locked": format_amio(value["locked_amount"]),
                      "time": format_time(value["time"]), "height": height})


@query_lock.command("api-access")
@click.argument("address")
@pass_ctx
def api_access_query(ctx: CliContext, address):
    """Whether ADDRESS (or key name) has gateway API access, and until when."""
    value, height = ctx.query(f"/locks/api_access/{ctx.resolve_address(address)}")
    if ctx.output == "json":
        emit("json", value | {"height": height})
    else:
        emit("text", {"address": value["address"], "active": value["active"],
                      "until": format_time(value["access_until"]) if value["access_until"] else "never bought",
                      "remaining": format_duration(value["remaining_seconds"]),
                      "price": f"{value['rate']}uamio per second ({format_amio(value['rate'] * 86_400)} per day)",
                      "height": height})


@query_lock.command("params")
@pass_ctx
def lock_params(ctx: CliContext):
    """Locks params."""
    value, _height = ctx.query("/locks/params")
    emit(ctx.output, value)


def _render_lock(lock: dict) -> dict:
    return {
        "id": lock["id"],
        "kind": lock["kind"],
        "amount": format_amio(lock["amount"]),
        "start": format_time(lock["start"]),
        "end": format_time(lock["end"]),
        "status": "withdrawable" if lock["withdrawable"] else f"{format_duration(lock['remaining_seconds'])} left",
        "amio_days": format_amio_days(lock["weight"]),
    }

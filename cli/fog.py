"""amino tx fog ... and amino query fog ...: FOG, the non-transferable token earned by contribution, its epochs,
and redemption for a share of the revenue pool (docs/modules/fog.md).

-o json prints each query's view as the chain answers it (amounts in ufog and uamio), plus the height; the text
output shows FOG with its decimals."""

from __future__ import annotations

import click

from chain_modules.common.amount import format_amio
from chain_modules.fog.types import MsgRedeem
from cli.context import CliContext, pass_ctx
from cli.output import emit
from cli.parsing import UINT64, format_amio_days, format_duration, format_time, parse_fog_amount
from cli.tx import send_tx, tx_options
from client.fog import FORFEITS, PROBES, format_factor, format_fog


# -- amino tx fog ----------------------------------------------------------------------------------------


@click.group("fog")
def tx_fog() -> None:
    """Redeem FOG for AMIO (FOG itself cannot be sent)."""


@tx_fog.command("redeem")
@click.argument("amount")
@click.option("--from", "key", required=True, help="The key whose FOG to redeem.")
@tx_options
@pass_ctx
def redeem(ctx: CliContext, amount, key, **options):
    """Redeem AMOUNT of FOG (e.g. 12.5fog or 12500000ufog) at the close of the current redemption period.

    The FOG is set aside now and burned at the close, for AMOUNT x pool / supply AMIO at the rate fixed then
    ('amino query fog redemption'). FOG of epochs that closed during the current period is redeemable from the
    next one."""
    value = parse_fog_amount(amount, "AMOUNT")
    address = ctx.resolve_address(key)
    if not options["generate_only"]:
        _check_redeemable(ctx, address, value)
    send_tx(ctx, key, [MsgRedeem(ctx.address_bytes(address), value)], **options)


def _check_redeemable(ctx: CliContext, address: str, amount: int) -> None:
    """Refuse, before anything is signed, to ask for more than the chain would let ``address`` redeem now."""
    balance, _height = ctx.query(f"/fog/balance/{address}")
    if amount > balance["redeemable"]:
        held = balance["balance"] + balance["unsettled"]
        raise click.ClickException(
            f"cannot redeem {format_fog(amount)}: {format_fog(balance['redeemable'])} is redeemable now "
            f"(balance {format_fog(held)}; FOG of epochs closed in the current redemption period is redeemable from "
            "the next)")


# -- amino query fog -------------------------------------------------------------------------------------


@click.group("fog")
def query_fog() -> None:
    """FOG balances, contribution points, epochs, redemption and supply."""


@query_fog.command("balance")
@click.argument("address")
@pass_ctx
def balance(ctx: CliContext, address):
    """FOG of ADDRESS (or key name): balance, redeemable now, waiting for redemption, and FOG per past epoch."""
    value, height = ctx.query(f"/fog/balance/{ctx.resolve_address(address)}")
    if ctx.output == "json":
        emit("json", value | {"height": height})
        return
    emit("text", {
        "address": value["address"],
        "balance": format_fog(value["balance"] + value["unsettled"])
                   + (f" ({format_fog(value['unsettled'])} of it earned in closed epochs, credited at the next "
                      "transaction)" if value["unsettled"] else ""),
        "redeemable now": format_fog(value["redeemable"]),
        "being redeemed": f"{format_fog(value['requested'])} (paid in AMIO at the close of its period)",
        "earned": f"{format_fog(value['earned'])} in all, {format_fog(value['contribution_total'])} of it by contribution",
        "redeemed": format_fog(value["redeemed"]),
        "height": height,
    })
    if value["history"]:
        emit("text", [{"epoch": item["epoch"], "FOG": format_fog(item["amount"])} for item in value["history"]],
             title="FOG per epoch")


@query_fog.command("contribution")
@click.argument("worker")
@pass_ctx
def contribution(ctx: CliContext, worker):
    """This epoch's contribution points of WORKER (a worker or master node's address, or a key name) and why."""
    value, height = ctx.query(f"/fog/contribution/{ctx.resolve_address(worker)}")
    if ctx.output == "json":
        emit("json", value | {"height": height})
        return
    params, _height = ctx.query("/fog/params")
    share = _percent(value["points"], value["epoch_points"])
    estimate = value["points"] * params["emission_per_epoch"] // value["epoch_points"] if value["epoch_points"] else 0
    probation = (f"{format_factor(value['probation_bps'])} on availability and work (fewer than "
                 f"{params['probation_results']} verified results)"
                 if value["probation_bps"] < 10_000 else "none")
    emit("text", {
        "epoch": f"{value['epoch']} (ends {format_time(value['epoch_ends'])})",
        "points": f"{value['points']:,} of the epoch's {value['epoch_points']:,} ({share}; about "
                  f"{format_fog(estimate)} if the epoch closed now)",
        "availability": f"{value['availability']:,} points in {value['windows']} of {value['windows_per_epoch']} windows"
                        + f" at capacity weight {value['capacity_weight']}"
                        + (f" (forfeited this epoch: {FORFEITS.get(value['forfeited'], value['forfeited'])})"
                           if value["forfeited"] else ""),
        "probe": PROBES.get(value["probe"], value["probe"]).format(**value),
        "work": f"{value['work']:,} points for {value['verified_fuel']:,} verified fuel",
        "routing": f"{value['routing']:,} points (a master node's share of its pool's points)",
        "loyalty": f"{format_factor(value['loyalty_bps'])} on availability and work ({value['streak']} contributing "
                   "epochs in a row before this one)",
        "probation": probation,
        "proven weight": f"{value['proven_weight']} (capability proven by verified results; availability is "
                         f"{params['availability_points']} points per window times this)",
        "verified results": value["verified_results"],
        "height": height,
    })


@query_fog.command("epoch")
@click.argument("number", required=False, type=UINT64)
@pass_ctx
def epoch(ctx: CliContext, number):
    """The open contribution epoch, or epoch NUMBER: emission, total points and the lockers' part."""
    value, height = ctx.query("/fog/epoch" if number is None else f"/fog/epoch/{number}")
    if ctx.output == "json":
        emit("json", value | {"height": height})
        return
    if not value["closed"]:
        emit("text", {
            "epoch": f"{value['epoch']} (open)",
            "start": format_time(value["start"]),
            "ends": f"{format_time(value['ends'])} (at the first block from then)",
            "emission": f"{format_fog(value['emission'])} to workers and master nodes, by points"
                        + ("" if value["points"] else " (none if no one earns a point)"),
            "points": f"{value['points']:,} so far",
            "lockers": f"1/9 of the emission on top, by amount x time locked; {format_amio(value['locked'])} "
                       "in investor locks now",
            "height": height,
        })
        return
    emit("text", {
        "epoch": f"{value['epoch']} (closed)",
        "start": format_time(value["start"]),
        "end": f"{format_time(value['end'])} ({format_duration(value['end'] - value['start'])})",
        "emission": f"{format_fog(value['emission'])} to workers and master nodes, by points",
        "points": f"{value['points']:,}",
        "unsettled": f"{format_fog(value['unsettled'])} (credited to earners at their next transaction)",
        "lockers": f"{format_fog(value['locker_emission'])} by amount x time locked "
                   f"({format_amio_days(value['locked_seconds'])} AMIO-days)",
        "height": height,
    })


@query_fog.command("redemption")
@pass_ctx
def redemption(ctx: CliContext):
    """The current redemption period, its end, the revenue pool, the FOG supply and the last close's rate."""
    value, height = ctx.query("/fog/redemption")
    if ctx.output == "json":
        emit("json", value | {"height": height})
        return
    shown = {
        "period": value["period"],
        "start": format_time(value["start"]),
        "ends": f"{format_time(value['ends'])} (requests of this period are paid at its close, all at one rate)",
        "requested": f"{format_fog(value['requested'])} in {value['requests']} requests",
        "revenue pool": format_amio(value["revenue_pool"]),
        "FOG supply": format_fog(value["supply"]),
        "rate now": f"{_rate(value['revenue_pool'], value['supply'])} (pool / supply; the rate is fixed only at the close)",
    }
    last = value["last_close"]
    if last is None:
        shown["last close"] = "none yet"
    else:
        shown["last close"] = (f"period {last['period']}: {_rate(last['pool'], last['supply'])} "
                               f"(pool {format_amio(last['pool'])}, supply {format_fog(last['supply'])}); "
                               f"{format_fog(last['requested'])} redeemed for {format_amio(last['payout'])}")
    emit("text", shown | {"height": height})


@query_fog.command("supply")
@pass_ctx
def supply(ctx: CliContext):
    """FOG minted, burned and in circulation (settled to balances, or minted and not yet credited)."""
    value, height = ctx.query("/fog/supply")
    if ctx.output == "json":
        emit("json", value | {"height": height})
        return
    emit("text", {
        "supply": f"{format_fog(value['supply'])} (minted - burned)",
        "minted": format_fog(value["minted"]),
        "burned": f"{format_fog(value['burned'])} (redeemed)",
        "in balances": format_fog(value["settled"]),
        "not yet credited": f"{format_fog(value['unsettled_providers'])} to workers and master nodes, "
                            f"{format_fog(value['unsettled_lockers'])} to lockers",
        "being redeemed": format_fog(value["requested"]),
        "height": height,
    })


@query_fog.command("params")
@pass_ctx
def fog_params(ctx: CliContext):
    """FOG params (emission_per_epoch in ufog)."""
    value, _height = ctx.query("/fog/params")
    emit(ctx.output, value)


def _rate(pool: int, supply: int) -> str:
    """pool (uamio) / supply (ufog) as uamio per FOG, with up to 6 decimals (rounded down), and in AMIO when that
    reads better."""
    if supply <= 0:
        return "none (no FOG in supply)"
    whole, fraction = divmod(pool * 10**12 // supply, 10**6)
    text = f"{whole}" if fraction == 0 else f"{whole}.{fraction:06d}".rstrip("0")
    return f"{text}uamio per FOG" + (f" ({format_amio(whole)})" if whole >= 1_000 else "")


def _percent(part: int, whole: int) -> str:
    """part / whole as a percentage with two decimals, rounded down."""
    if whole <= 0:
        return "0%"
    hundredths = part * 10_000 // whole
    return f"{hundredths // 100}.{hundredths % 100:02d}%"

"""amino tx bank ... and amino query bank ...: AMIO transfers, balances and supply."""

from __future__ import annotations

import click

from chain_modules.bank.types import MsgMultiSend, MsgSend, Output
from chain_modules.common.amount import format_amio, parse_amio
from chain_modules.common.encoding import decode
from cli.context import CliContext, pass_ctx
from cli.output import emit
from cli.parsing import FOG_IS_NOT_TRANSFERABLE, refuse_fog
from cli.query import query_value
from cli.trust import prove_options
from cli.tx import send_tx, tx_options


@click.group("bank")
def tx_bank() -> None:
    """AMIO transfers."""


@tx_bank.command("send")
@click.argument("sender")
@click.argument("recipient")
@click.argument("amount")
@tx_options
@pass_ctx
def tx_bank_send(ctx: CliContext, sender: str, recipient: str, amount: str, **options) -> None:
    """Send AMOUNT (e.g. 10amio, 0.5amio, 1500uamio) from key SENDER to address RECIPIENT. Only AMIO moves:
    FOG is not transferable."""
    refuse_fog(amount, FOG_IS_NOT_TRANSFERABLE)
    try:
        value = parse_amio(amount)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="AMOUNT") from None
    if value == 0:
        raise click.BadParameter("amount must be positive", param_hint="AMOUNT")
    send_tx(ctx, sender, [MsgSend(ctx.address_bytes(sender), ctx.address_bytes(recipient), value)], spends=value,
            **options)


@tx_bank.command("multi-send")
@click.argument("sender")
@click.argument("outputs", nargs=-1, required=True)
@tx_options
@pass_ctx
def tx_bank_multi_send(ctx: CliContext, sender: str, outputs: tuple[str, ...], **options) -> None:
    """Send AMIO from key SENDER to several ADDRESS=AMOUNT outputs, all or nothing (FOG is not transferable)."""
    for output in outputs:
        refuse_fog(output, FOG_IS_NOT_TRANSFERABLE)
    parsed = []
    for output in outputs:
        address, sep, amount = output.partition("=")
        if not sep:
            raise click.BadParameter(f"{output!r} is not ADDRESS=AMOUNT", param_hint="OUTPUTS")
        try:
            parsed.append(Output(ctx.address_bytes(address), parse_amio(amount)))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="OUTPUTS") from None
    send_tx(ctx, sender, [MsgMultiSend(ctx.address_bytes(sender), tuple(parsed))],
            spends=sum(output.amount for output in parsed), **options)


@click.group("bank")
def query_bank() -> None:
    """AMIO balances and supply."""


@query_bank.command("balance")
@click.argument("address")
@prove_options
@pass_ctx
def query_bank_balance(ctx: CliContext, address: str, prove: bool, witnesses: tuple[str, ...],
                       trusting_period: int | None) -> None:
    """Balance of ADDRESS (or key name)."""
    address = ctx.resolve_address(address)
    value, meta = query_value(ctx, f"/bank/balance/{address}", prove, witnesses, trusting_period)
    amount = int.from_bytes(value, "big") if value else 0
    data = {"address": address, "balance": f"{amount}uamio", "amio": format_amio(amount), **meta}
    if not prove:
        spendable = decode(ctx.rpc().abci_query(f"/bank/spendable/{address}").value)
        data["spendable"] = f"{spendable['spendable']}uamio"
        data["locked_by_vesting"] = f"{spendable['locked']}uamio"
    emit(ctx.output, data)


@query_bank.command("supply")
@prove_options
@pass_ctx
def query_bank_supply(ctx: CliContext, prove: bool, witnesses: tuple[str, ...], trusting_period: int | None) -> None:
    """Total AMIO supply."""
    value, meta = query_value(ctx, "/bank/supply", prove, witnesses, trusting_period)
    amount = int.from_bytes(value, "big") if value else 0
    emit(ctx.output, {"supply": f"{amount}uamio", "amio": format_amio(amount), **meta})

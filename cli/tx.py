"""amino tx: the options every tx command takes, the one path by which they sign and broadcast, and offline
signing (tx sign, tx broadcast). The messages of each module are built in that module's file."""

from __future__ import annotations

import base64
import json

import click

from abci_app.codec import SignDoc, decode_sign_doc
from chain_modules.common.amount import parse_amio
from cli.context import CliContext, pass_ctx
from cli.output import emit
from cli.parsing import refuse_fog
from client.wallet import tx as wallet_tx

_TX_OPTIONS = [
    click.option("--fee", default=None, help="Fee, e.g. 500uamio (default: the minimum for the gas limit)."),
    click.option("--gas", "gas_limit", type=int, default=None, help="Gas limit (default: estimated)."),
    click.option("--memo", default="", help="Memo (at most 256 bytes)."),
    click.option("--sequence", type=int, default=None, help="Account sequence (default: queried)."),
    click.option("-y", "--yes", is_flag=True, help="Sign and broadcast without asking."),
    click.option("--generate-only", is_flag=True, help="Print the unsigned tx (JSON) instead of signing."),
    click.option("--no-wait", is_flag=True, help="Return after CheckTx instead of waiting for inclusion."),
]


def tx_options(function):
    """The options of every tx command; the command passes them on to send_tx as ``**options``."""
    for option in reversed(_TX_OPTIONS):
        function = option(function)
    return function


def send_tx(ctx: CliContext, signer: str, msgs: list, fee: str | None, gas_limit: int | None, memo: str,
            sequence: int | None, yes: bool, generate_only: bool, no_wait: bool) -> None:
    """Sign ``msgs`` with key ``signer`` and broadcast them (the path of every tx command), then print the result.

    Without --yes the sign doc is shown and the user confirms; --generate-only prints it unsigned instead.
    The keyring is asked for the signing key only once the doc is accepted. Exits 1 when the tx fails.
    """
    if fee:
        refuse_fog(fee, f"fees are paid in AMIO (e.g. --fee 500uamio), not in FOG: {fee.strip()!r}")
    try:
        fee_amount = parse_amio(fee) if fee else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fee") from None
    keyring = ctx.keyring()
    info = keyring.show(signer)
    rpc = ctx.rpc()

    def review(doc: SignDoc) -> bool:
        if generate_only:
            click.echo(wallet_tx.unsigned_tx_json(doc))
            return False
        if not yes:
            click.echo(json.dumps(wallet_tx.render_doc(doc), indent=2), err=True)
            click.confirm("Sign and broadcast?", abort=True, err=True)
        return True

    result = wallet_tx.sign_and_broadcast(rpc, ctx.resolved_chain_id(rpc), info.address, msgs,
                                          lambda: keyring.signing_key(signer), sequence=sequence, memo=memo,
                                          gas_limit=gas_limit, fee=fee_amount, review=review, wait=not no_wait)
    if result is not None:
        report_broadcast(ctx, result)


def report_broadcast(ctx: CliContext, result: wallet_tx.BroadcastResult) -> None:
    """Print a broadcast's result (and its events); exit 1 when CheckTx or the block refused the tx."""
    data = result.to_dict()
    if ctx.output == "json":
        emit("json", data)
    else:
        emit("text", {k: v for k, v in data.items() if k != "events" and v not in (None, "")})
        for event in result.events or []:
            click.echo(f"  event {event['type']}: " + ", ".join(f"{k}={v}" for k, v in event["attributes"].items()))
    if result.check_code or result.code:
        raise SystemExit(1)


@click.group()
def tx() -> None:
    """Build, sign and broadcast transactions."""


@tx.command("sign")
@click.argument("file", type=click.File("r"))
@click.option("--from", "signer", required=True, help="Key to sign with.")
@pass_ctx
def tx_sign(ctx: CliContext, file, signer: str) -> None:
    """Sign an unsigned tx file from --generate-only (works offline)."""
    try:
        doc_bytes = base64.b64decode(json.load(file)["sign_doc_bytes"])
        doc = decode_sign_doc(doc_bytes)
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"not an unsigned tx file: {exc}") from None
    click.echo(json.dumps(wallet_tx.render_doc(doc), indent=2), err=True)
    raw = wallet_tx.sign_doc_bytes_signed(doc_bytes, ctx.keyring().signing_key(signer))
    click.echo(wallet_tx.signed_tx_json(raw))


@tx.command("broadcast")
@click.argument("file", type=click.File("r"))
@click.option("--no-wait", is_flag=True)
@pass_ctx
def tx_broadcast(ctx: CliContext, file, no_wait: bool) -> None:
    """Broadcast a signed tx file from 'amino tx sign'."""
    try:
        raw = base64.b64decode(json.load(file)["tx"])
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"not a signed tx file: {exc}") from None
    report_broadcast(ctx, wallet_tx.broadcast(ctx.rpc(), raw, wait=not no_wait))

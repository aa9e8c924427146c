"""amino tx: the options every tx command takes, the one path by which they sign and broadcast, and offline
(cold-wallet) signing: --generate-only with --offline, then tx sign, then tx broadcast. The messages of each
module are built in that module's file."""

from __future__ import annotations

import base64
import json
import re
from fractions import Fraction

import click

from abci_app.codec import SignDoc, decode_sign_doc
from chain_modules.auth.types import TxParams
from chain_modules.common.address import ADDRESS_PREFIX, encode_address
from cli.context import CliContext, pass_ctx
from cli.errors import readable
from cli.lazy import LazyGroup, lazy_module
from cli.output import emit
from cli.parsing import UINT64, refuse_fog

wallet_tx = lazy_module("client.wallet.tx")  # httpx and nacl: imported when a tx is built, not for --help

GAS_ADJUSTMENT_DEFAULT = "1.3"
_AMOUNT_RE = re.compile(r"([0-9]+(?:\.[0-9]+)?)(uamio|amio)", re.ASCII)


class GasType(click.ParamType):
    """--gas: a number of gas units, or 'auto' (simulate the tx on the node and add --gas-adjustment)."""

    name = "integer|auto"

    def convert(self, value, param, ctx):
        if value is None or isinstance(value, int) or value == "auto":
            return value
        return UINT64.convert(value, param, ctx)


_TX_OPTIONS = [
    click.option("--fees", "--fee", "fee", default=None,
                 help="Fee, e.g. 500uamio or 0.0005amio (default: --gas-prices x gas, else the chain's minimum)."),
    click.option("--gas-prices", default=None, help="Price per unit of gas, e.g. 0.01uamio; fee = gas x price."),
    click.option("--gas", "gas_limit", type=GasType(), default=None,
                 help="Gas limit: a number, or 'auto' to simulate the tx on the node (default: estimated offline)."),
    click.option("--gas-adjustment", default=GAS_ADJUSTMENT_DEFAULT, show_default=True,
                 help="With --gas auto: the simulated gas times this factor (1 to 10)."),
    click.option("--note", "--memo", "memo", default="", help="Memo (at most 256 bytes)."),
    click.option("--sequence", type=UINT64, default=None, help="Account sequence (default: asked from the node)."),
    click.option("-y", "--yes", is_flag=True, help="Sign and broadcast without asking."),
    click.option("--dry-run", is_flag=True, help="Simulate the tx on the node, print its gas and result; send nothing."),
    click.option("--generate-only", is_flag=True,
                 help="Print the unsigned tx (JSON) instead of signing; the signer may be an address."),
    click.option("--offline", is_flag=True,
                 help="Ask no node (with --generate-only; needs --chain-id and --sequence)."),
    click.option("--no-wait", is_flag=True, help="Return after CheckTx instead of waiting for inclusion."),
]

# The first argument of these tx commands names the signer; --from may name it instead (Cosmos style).
SIGNER_ARGUMENTS = ("sender", "key", "operator", "delegator", "owner", "sponsor")


def tx_options(function):
    """The options of every tx command; the command passes them on to send_tx as ``**options``."""
    for option in reversed(_TX_OPTIONS):
        function = option(function)
    return function


class SignerAliasCommand(click.Command):
    """A tx command whose first argument is the signer also takes it as ``--from NAME``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args, moved = list(args), False
        for index, arg in enumerate(args):
            if arg == "--":
                break
            if arg == "--from" and index + 1 < len(args):
                signer = args[index + 1]
                del args[index:index + 2]
                args.insert(0, signer)
                moved = True
                break
            if arg.startswith("--from="):
                del args[index]
                args.insert(0, arg.split("=", 1)[1])
                moved = True
                break
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if moved and "unexpected extra argument" in exc.message:
                raise click.UsageError("the signer is given twice: name it with --from or as the first argument, "
                                       "not both", ctx) from None
            raise


def enable_from_flag(command: click.Command) -> None:
    """Give a tx command (or every loaded one under a group) whose first argument is the signer a --from alias."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            enable_from_flag(sub)
        return
    arguments = [param for param in command.params if isinstance(param, click.Argument)]
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    if "--generate-only" in options and "--from" not in options and arguments \
            and arguments[0].name in SIGNER_ARGUMENTS:
        command.__class__ = SignerAliasCommand
        command.params.append(click.Option(["--from"], expose_value=False, metavar="KEY",
                                           help=f"The signer, instead of the first argument "
                                                f"{arguments[0].human_readable_name}."))


def parse_gas_price(text: str) -> Fraction:
    """'0.01uamio' or '0.00000001amio' -> uamio per unit of gas, exactly."""
    refuse_fog(text, f"gas prices are in AMIO (e.g. --gas-prices 0.01uamio), not in FOG: {text.strip()!r}")
    match = _AMOUNT_RE.fullmatch(text.strip().lower())
    if match is None:
        raise click.BadParameter(f"{text!r} is not a gas price such as 0.01uamio", param_hint="--gas-prices")
    price = Fraction(match.group(1))
    return price * 1_000_000 if match.group(2) == "amio" else price


def parse_gas_adjustment(text: str) -> Fraction:
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text.strip(), re.ASCII) is None:
        raise click.BadParameter(f"{text!r} is not a number such as 1.3", param_hint="--gas-adjustment")
    value = Fraction(text.strip())
    if not 1 <= value <= 10:
        raise click.BadParameter(f"{text!r} must be between 1 and 10", param_hint="--gas-adjustment")
    return value


def parse_fee(fee: str) -> int:
    refuse_fog(fee, f"fees are paid in AMIO (e.g. --fees 500uamio), not in FOG: {fee.strip()!r}")
    from chain_modules.common.amount import parse_amio

    try:
        return parse_amio(fee)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fees") from None


def message_signers(doc: SignDoc) -> list[bytes]:
    """The address each message of ``doc`` must be signed by (messages this wallet does not know are skipped)."""
    from abci_app.modules import ROUTES  # every module's message classes: only for the commands that sign files

    classes = {route.message.TYPE: route.message for route in ROUTES}
    signers = []
    for msg_type, body in doc.msgs:
        if msg_type in classes:
            try:
                signers.append(classes[msg_type].from_body(body).signer)
            except Exception as exc:  # a body the chain would refuse: say so before signing it
                raise click.ClickException(f"message {msg_type} in the file is malformed: {exc}") from None
    return signers


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def send_tx(ctx: CliContext, signer: str, msgs: list, fee: str | None, gas_prices: str | None,
            gas_limit: int | str | None, gas_adjustment: str, memo: str, sequence: int | None, yes: bool,
            dry_run: bool, generate_only: bool, offline: bool, no_wait: bool, spends: int = 0,
            report=None) -> None:
    """Sign ``msgs`` as ``signer`` (a key name, or with --generate-only also an address) and broadcast them: the
    path of every tx command. Then print the result.

    Order: the options are checked first; then the node is asked (params, sequence, simulation) unless
    --offline; then --dry-run or --generate-only print and stop; otherwise the sign doc is shown and confirmed
    (unless --yes), and only then is the keyring asked for the signing key. Exits 1 when the tx fails.
    ``spends`` is the AMIO the messages take from the signer's spendable balance: with the fee it must fit,
    else the command stops before signing and says how much can be sent. ``report``, when given, prints the
    result of a tx that succeeded instead of the generic report (a failed tx is always reported and exits 1).
    """
    if fee and gas_prices:
        raise click.UsageError("give --fees or --gas-prices, not both")
    fee_amount = parse_fee(fee) if fee else None
    if not fee and not gas_prices:
        gas_prices = ctx.configured_gas_prices()
    price = parse_gas_price(gas_prices) if gas_prices else None
    adjustment = parse_gas_adjustment(gas_adjustment)
    if offline:
        if not generate_only:
            raise click.UsageError("--offline cannot broadcast: add --generate-only, sign the file with 'amino tx sign' "
                                   "and send it with 'amino tx broadcast'")
        if gas_limit == "auto" or dry_run:
            raise click.UsageError("--gas auto and --dry-run simulate the tx on a node: with --offline give --gas N")
        if sequence is None:
            raise click.UsageError("--offline needs --sequence N (the account's sequence: 'amino query account ADDRESS' "
                                   "where a node is reachable)")
        chain_id = ctx.configured_chain_id()
        if not chain_id:
            raise click.UsageError("--offline needs --chain-id (or chain-id in client.toml)")
        rpc, params = None, TxParams()
    else:
        rpc = ctx.rpc()
        chain_id = ctx.resolved_chain_id(rpc)
        params = wallet_tx.get_params(rpc)
    address = ctx.resolve_address(signer)
    key_name = None if signer.startswith(ADDRESS_PREFIX + "1") else signer
    if sequence is None:
        sequence = wallet_tx.get_sequence(rpc, address)
    triples = [(m.TYPE, m.to_body(), m.gas()) for m in msgs]

    simulated = None
    if gas_limit == "auto" or dry_run:
        pubkey = ctx.keyring().show(key_name).pubkey if key_name else wallet_tx.get_pubkey(rpc, address)
        if pubkey is None:
            raise click.ClickException(f"{address} has never signed a tx, so the node cannot simulate one for it "
                                       "without its public key: sign with its key name, or give --gas N")
        simulated = wallet_tx.simulate(rpc, wallet_tx.probe_doc(chain_id, sequence, triples, memo), pubkey)
        if simulated["code"] and not dry_run:
            raise click.ClickException(f"the tx would fail, nothing was sent: {readable(simulated['log'])} "
                                       f"({simulated['codespace']} {simulated['code']})")
        if gas_limit == "auto" or gas_limit is None:
            # the simulated gas was measured with 5-byte placeholders for fee and gas limit: the final doc is no bigger
            gas_limit = _ceil(simulated["gas_used"] * adjustment)
    doc = wallet_tx.build_doc(chain_id, sequence, triples, params, memo, gas_limit, None)
    if fee_amount is None and price is not None:
        fee_amount = _ceil(price * doc.gas_limit)
    if fee_amount is not None:
        doc = SignDoc(doc.chain_id, doc.sequence, fee_amount, doc.gas_limit, doc.memo, doc.msgs)
    if not offline and doc.fee < params.min_fee(doc.gas_limit):
        raise click.ClickException(f"fee {doc.fee}uamio is below the chain's minimum {params.min_fee(doc.gas_limit)}uamio "
                                   f"for gas limit {doc.gas_limit}: raise --fees or --gas-prices")

    if spends and not offline:
        _check_balance_covers(rpc, address, spends, doc.fee)
    if dry_run:
        report = {"gas_used": simulated["gas_used"], "gas_limit": doc.gas_limit, "fee": f"{doc.fee}uamio",
                  "code": simulated["code"], "codespace": simulated["codespace"], "log": readable(simulated["log"]) if
                  simulated["log"] else "", "events": wallet_tx.events_from_simulation(simulated["events"])}
        _print_result(ctx, report)
        if simulated["code"]:
            raise SystemExit(1)
        return
    if generate_only:
        click.echo(wallet_tx.unsigned_tx_json(doc))
        return
    if key_name is None:
        key_name = ctx.key_name_of(address)
    keyring = ctx.keyring()
    if not yes:
        click.echo(json.dumps(wallet_tx.render_doc(doc), indent=2), err=True)
        click.confirm("Sign and broadcast?", abort=True, err=True)
    raw = wallet_tx.sign(doc, keyring.signing_key(key_name))
    result = wallet_tx.broadcast(rpc, raw, wait=not no_wait)
    if report is not None and not result.check_code and not result.code:
        report(result)
        return
    report_broadcast(ctx, result)


def _check_balance_covers(rpc, address: str, spends: int, fee: int) -> None:
    from chain_modules.common.amount import format_amio
    from chain_modules.common.encoding import decode

    result = rpc.abci_query(f"/bank/spendable/{address}")
    if result.code or not result.value:
        return  # the chain will say it; this check only words the common mistake better
    spendable = int(decode(result.value)["spendable"])
    if spends + fee <= spendable:
        return
    if spends <= spendable:
        raise click.ClickException(
            f"{address} can spend {format_amio(spendable)}: sending {format_amio(spends)} leaves nothing for the fee "
            f"of {format_amio(fee)}; the most it can send with this fee is {format_amio(max(spendable - fee, 0))}")
    raise click.ClickException(f"{address} can spend {format_amio(spendable)}, less than the {format_amio(spends)} "
                               f"this sends (plus a fee of {format_amio(fee)})")


def _print_result(ctx: CliContext, data: dict) -> None:
    if ctx.output == "json":
        emit("json", data)
        return
    emit("text", {k: v for k, v in data.items() if k != "events" and v not in (None, "")})
    for event in data.get("events") or []:
        click.echo(f"  event {event['type']}: " + ", ".join(f"{k}={v}" for k, v in event["attributes"].items()))


def report_broadcast(ctx: CliContext, result: wallet_tx.BroadcastResult) -> None:
    """Print a broadcast's result (and its events); exit 1 when CheckTx or the block refused the tx."""
    data = result.to_dict()
    for field in ("check_log", "log"):
        if data.get(field):
            data[field] = readable(data[field])
    _print_result(ctx, data)
    if result.check_code or result.code:
        raise SystemExit(1)


@click.group(cls=LazyGroup)
def tx() -> None:
    """Build, sign and broadcast transactions.

    Every tx command takes --from (or the signer as its first argument), --fees or --gas-prices, --gas N|auto,
    --note, -y, --dry-run and, for a cold wallet, --generate-only --offline --sequence N --chain-id C."""


@tx.command("sign")
@click.argument("file", type=click.File("r"))
@click.option("--from", "signer", required=True, help="Key to sign with.")
@click.option("--offline", is_flag=True, help="Accepted for Cosmos habits: signing never asks a node.")
@pass_ctx
def tx_sign(ctx: CliContext, file, signer: str, offline: bool) -> None:
    """Sign an unsigned tx file from --generate-only (never asks a node: works on a cold machine)."""
    try:
        doc_bytes = base64.b64decode(json.load(file)["sign_doc_bytes"], validate=True)
        doc = decode_sign_doc(doc_bytes)
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"not an unsigned tx file (from --generate-only): {exc}") from None
    info = ctx.keyring().show(signer)
    wrong = sorted({encode_address(s) for s in message_signers(doc) if encode_address(s) != info.address})
    if wrong:
        raise click.ClickException(f"signer does not match: the messages must be signed by {', '.join(wrong)}, "
                                   f"and key '{signer}' is {info.address}")
    click.echo(json.dumps(wallet_tx.render_doc(doc), indent=2), err=True)
    raw = wallet_tx.sign_doc_bytes_signed(doc_bytes, ctx.keyring().signing_key(signer))
    click.echo(wallet_tx.signed_tx_json(raw))


@tx.command("broadcast")
@click.argument("file", type=click.File("r"))
@click.option("--no-wait", is_flag=True, help="Return after CheckTx instead of waiting for inclusion.")
@pass_ctx
def tx_broadcast(ctx: CliContext, file, no_wait: bool) -> None:
    """Broadcast a signed tx file from 'amino tx sign'."""
    from abci_app.codec import TxDecodeError, decode_tx
    from chain_modules.common.address import address_from_pubkey

    try:
        raw = base64.b64decode(json.load(file)["tx"], validate=True)
        tx = decode_tx(raw)
    except (ValueError, KeyError, TypeError, TxDecodeError) as exc:
        raise click.ClickException(f"not a signed tx file (from 'amino tx sign'): {exc}") from None
    signed_by = address_from_pubkey(tx.pubkey)
    wrong = sorted({encode_address(s) for s in message_signers(tx.doc) if encode_address(s) != signed_by})
    if wrong:
        raise click.ClickException(f"signer does not match: the messages must be signed by {', '.join(wrong)}, and "
                                   f"this tx is signed by {signed_by}; nothing was sent")
    report_broadcast(ctx, wallet_tx.broadcast(ctx.rpc(), raw, wait=not no_wait))

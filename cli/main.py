"""amino: the command-line wallet and node tool of Amino chain."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import click

from chain_modules.bank.types import MsgMultiSend, MsgSend, Output
from chain_modules.common.amount import format_amio, parse_amio
from cli.context import DEFAULT_HOME, CliContext, pass_ctx
from cli.output import emit
from cli.trust import prove_options, trust
from client.rpc import RpcError
from client.wallet.keyring import KeyringError
from client.wallet.tx import WalletError


class AminoGroup(click.Group):
    """Turns expected errors into one clear line and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (WalletError, KeyringError, RpcError) as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=AminoGroup)
@click.option("--home", type=click.Path(path_type=Path), default=DEFAULT_HOME, show_default=True, envvar="AMINO_HOME",
              help="Wallet home (keys, client.json, trust).")
@click.option("--node", default=None, envvar="AMINO_NODE", help="CometBFT RPC URL (default from client.json or http://127.0.0.1:26657).")
@click.option("--chain-id", default=None, envvar="AMINO_CHAIN_ID", help="Chain id (default from client.json or the node).")
@click.option("--keyring-backend", type=click.Choice(["file", "test"]), default=None, envvar="AMINO_KEYRING_BACKEND",
              help="file: encrypted with a passphrase (default); test: UNENCRYPTED, for tests only.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", help="Output format.")
@click.pass_context
def cli(ctx: click.Context, home: Path, node: str | None, chain_id: str | None, keyring_backend: str | None, output: str) -> None:
    """Amino chain wallet, queries and node tools."""
    ctx.obj = CliContext(home, node, chain_id, keyring_backend, output)


# -- keys --------------------------------------------------------------------------


@cli.group()
def keys() -> None:
    """Manage keys (BIP39 mnemonic, ed25519, SLIP-0010 path m/44'/9009'/0'/0'/0')."""


def _key_dict(info) -> dict:
    return {"name": info.name, "address": info.address, "pubkey": info.pubkey.hex(), "backend": info.backend}


@keys.command("add")
@click.argument("name")
@click.option("--recover", is_flag=True, help="Import from an existing mnemonic (asked on the terminal or read from stdin).")
@click.option("--account", default=0, show_default=True, help="HD account number.")
@click.option("--index", default=0, show_default=True, help="HD address index.")
@click.option("--overwrite", is_flag=True, help="Replace an existing key of that name.")
@pass_ctx
def keys_add(ctx: CliContext, name: str, recover: bool, account: int, index: int, overwrite: bool) -> None:
    """Create a key (the mnemonic is shown once) or recover one with --recover."""
    keyring = ctx.keyring()
    mnemonic = None
    if recover:
        mnemonic = click.prompt("Enter your mnemonic", hide_input=True) if sys.stdin.isatty() else sys.stdin.readline().strip()
    info, words = keyring.add(name, mnemonic=mnemonic, account=account, index=index, overwrite=overwrite)
    data = _key_dict(info)
    if not recover:
        data["mnemonic"] = words
    emit(ctx.output, data)
    if not recover and ctx.output != "json":
        click.echo("\nWrite this mnemonic down and keep it safe: it is the only way to recover the key. It is not shown again.", err=True)


@keys.command("list")
@pass_ctx
def keys_list(ctx: CliContext) -> None:
    """List keys."""
    emit(ctx.output, [_key_dict(info) for info in ctx.keyring().list()])


@keys.command("show")
@click.argument("name")
@click.option("-a", "--address", "address_only", is_flag=True, help="Print only the address.")
@pass_ctx
def keys_show(ctx: CliContext, name: str, address_only: bool) -> None:
    """Show a key's address and public key."""
    info = ctx.keyring().show(name)
    if address_only:
        click.echo(info.address)
    else:
        emit(ctx.output, _key_dict(info))


@keys.command("export")
@click.argument("name")
@pass_ctx
def keys_export(ctx: CliContext, name: str) -> None:
    """Export a key as an armored, passphrase-encrypted block."""
    passphrase = click.prompt("Passphrase to encrypt the export", hide_input=True, confirmation_prompt=True)
    click.echo(ctx.keyring().export(name, passphrase))


@keys.command("import")
@click.argument("name")
@click.argument("file", type=click.File("r"))
@click.option("--overwrite", is_flag=True)
@pass_ctx
def keys_import(ctx: CliContext, name: str, file, overwrite: bool) -> None:
    """Import an armored key exported with 'keys export'."""
    passphrase = click.prompt("Passphrase of the export", hide_input=True)
    emit(ctx.output, _key_dict(ctx.keyring().import_key(name, file.read(), passphrase, overwrite=overwrite)))


@keys.command("delete")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def keys_delete(ctx: CliContext, name: str, yes: bool) -> None:
    """Delete a key from the keyring."""
    keyring = ctx.keyring()
    keyring.show(name)
    if not yes:
        click.confirm(f"Delete key '{name}'? Without its mnemonic it cannot be recovered", abort=True)
    keyring.delete(name)
    click.echo(f"deleted key '{name}'")


# -- tx ------------------------------------------------------------------------------


def _resolve_address(ctx: CliContext, value: str) -> str:
    """An address, or the name of a key in the keyring."""
    if value.startswith("amio1"):
        return value
    return ctx.keyring().show(value).address


def tx_options(function):
    options = [
        click.option("--fee", default=None, help="Fee, e.g. 500uamio (default: the minimum for the gas limit)."),
        click.option("--gas", "gas_limit", type=int, default=None, help="Gas limit (default: estimated)."),
        click.option("--memo", default="", help="Memo (at most 256 bytes)."),
        click.option("--sequence", type=int, default=None, help="Account sequence (default: queried)."),
        click.option("-y", "--yes", is_flag=True, help="Sign and broadcast without asking."),
        click.option("--generate-only", is_flag=True, help="Print the unsigned tx (JSON) instead of signing."),
        click.option("--no-wait", is_flag=True, help="Return after CheckTx instead of waiting for inclusion."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _run_tx(ctx: CliContext, signer: str, msgs: list, fee, gas_limit, memo, sequence, yes, generate_only, no_wait) -> None:
    from client.wallet import tx as wallet_tx

    try:
        fee_amount = parse_amio(fee) if fee else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fee") from None
    keyring = ctx.keyring()
    info = keyring.show(signer)
    rpc = ctx.rpc()

    def review(doc) -> bool:
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
        _report_broadcast(ctx, result)


def _report_broadcast(ctx: CliContext, result) -> None:
    data = result.to_dict()
    if ctx.output == "json":
        emit("json", data)
    else:
        emit("text", {k: v for k, v in data.items() if k != "events" and v not in (None, "")})
        for event in result.events or []:
            click.echo(f"  event {event['type']}: " + ", ".join(f"{k}={v}" for k, v in event["attributes"].items()))
    if result.check_code or result.code:
        raise SystemExit(1)


@cli.group()
def tx() -> None:
    """Build, sign and broadcast transactions."""


@tx.group("bank")
def tx_bank() -> None:
    """AMIO transfers."""


@tx_bank.command("send")
@click.argument("sender")
@click.argument("recipient")
@click.argument("amount")
@tx_options
@pass_ctx
def tx_bank_send(ctx: CliContext, sender: str, recipient: str, amount: str, **options) -> None:
    """Send AMOUNT (e.g. 10amio, 0.5amio, 1500uamio) from key SENDER to address RECIPIENT."""
    from client.wallet.tx import address_bytes

    try:
        value = parse_amio(amount)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="AMOUNT") from None
    if value == 0:
        raise click.BadParameter("amount must be positive", param_hint="AMOUNT")
    msg = MsgSend(address_bytes(_resolve_address(ctx, sender)), address_bytes(_resolve_address(ctx, recipient)), value)
    _run_tx(ctx, sender, [msg], **options)


@tx_bank.command("multi-send")
@click.argument("sender")
@click.argument("outputs", nargs=-1, required=True)
@tx_options
@pass_ctx
def tx_bank_multi_send(ctx: CliContext, sender: str, outputs: tuple[str, ...], **options) -> None:
    """Send from key SENDER to several ADDRESS=AMOUNT outputs, all or nothing."""
    from client.wallet.tx import address_bytes

    parsed = []
    for output in outputs:
        address, sep, amount = output.partition("=")
        if not sep:
            raise click.BadParameter(f"{output!r} is not ADDRESS=AMOUNT", param_hint="OUTPUTS")
        try:
            parsed.append(Output(address_bytes(_resolve_address(ctx, address)), parse_amio(amount)))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="OUTPUTS") from None
    msg = MsgMultiSend(address_bytes(_resolve_address(ctx, sender)), tuple(parsed))
    _run_tx(ctx, sender, [msg], **options)


@tx.command("sign")
@click.argument("file", type=click.File("r"))
@click.option("--from", "signer", required=True, help="Key to sign with.")
@pass_ctx
def tx_sign(ctx: CliContext, file, signer: str) -> None:
    """Sign an unsigned tx file from --generate-only (works offline)."""
    from abci_app.codec import decode_sign_doc
    from client.wallet import tx as wallet_tx

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
    from client.wallet import tx as wallet_tx

    try:
        raw = base64.b64decode(json.load(file)["tx"])
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"not a signed tx file: {exc}") from None
    _report_broadcast(ctx, wallet_tx.broadcast(ctx.rpc(), raw, wait=not no_wait))


# -- query -----------------------------------------------------------------------------


@cli.group()
def query() -> None:
    """Query chain state (add --prove to check a Merkle proof against a signed header)."""


def _query_value(ctx: CliContext, path: str, prove: bool, witnesses: tuple[str, ...] = (),
                 trusting_period: int | None = None) -> tuple[bytes, dict]:
    if not prove and (witnesses or trusting_period is not None):
        raise click.ClickException("--witness and --trusting-period only apply with --prove")
    rpc = ctx.rpc()
    if prove:
        from client.wallet.proofs import proven_query

        proven = proven_query(rpc, ctx.home, ctx.trusted_chain_id(), path,
                              trusting_period_seconds=ctx.trusting_period_seconds(trusting_period),
                              witnesses=ctx.witnesses(witnesses))
        if proven.anchored_on_first_use:
            click.echo(f"note: no trusted header for this chain yet: trusted the node's header {proven.height + 1} "
                       "on first use ('amino trust show'; 'amino trust anchor' pins one you checked)", err=True)
        return proven.value, {"height": proven.height, "proof": "verified", "app_hash": proven.app_hash,
                              "trusted_height": proven.trusted_height}
    result = rpc.abci_query(path)
    if result.code:
        raise click.ClickException(f"query failed ({result.codespace} {result.code}): {result.log}")
    return result.value, {"height": result.height}


@query.group("bank")
def query_bank() -> None:
    """AMIO balances and supply."""


@query_bank.command("balance")
@click.argument("address")
@prove_options
@pass_ctx
def query_bank_balance(ctx: CliContext, address: str, prove: bool, witnesses: tuple[str, ...],
                       trusting_period: int | None) -> None:
    """Balance of ADDRESS (or key name)."""
    address = _resolve_address(ctx, address)
    value, meta = _query_value(ctx, f"/bank/balance/{address}", prove, witnesses, trusting_period)
    amount = int.from_bytes(value, "big") if value else 0
    data = {"address": address, "balance": f"{amount}uamio", "amio": format_amio(amount), **meta}
    if not prove:
        from chain_modules.common.encoding import decode

        spendable = decode(ctx.rpc().abci_query(f"/bank/spendable/{address}").value)
        data["spendable"] = f"{spendable['spendable']}uamio"
        data["locked_by_vesting"] = f"{spendable['locked']}uamio"
    emit(ctx.output, data)


@query_bank.command("supply")
@prove_options
@pass_ctx
def query_bank_supply(ctx: CliContext, prove: bool, witnesses: tuple[str, ...], trusting_period: int | None) -> None:
    """Total AMIO supply."""
    value, meta = _query_value(ctx, "/bank/supply", prove, witnesses, trusting_period)
    amount = int.from_bytes(value, "big") if value else 0
    emit(ctx.output, {"supply": f"{amount}uamio", "amio": format_amio(amount), **meta})


@query.command("account")
@click.argument("address")
@prove_options
@pass_ctx
def query_account(ctx: CliContext, address: str, prove: bool, witnesses: tuple[str, ...],
                  trusting_period: int | None) -> None:
    """Account of ADDRESS (or key name): sequence and public key."""
    from chain_modules.common.encoding import decode

    address = _resolve_address(ctx, address)
    value, meta = _query_value(ctx, f"/auth/account/{address}", prove, witnesses, trusting_period)
    pubkey, sequence = decode(value) if value else (None, 0)
    emit(ctx.output, {"address": address, "sequence": sequence, "pubkey": pubkey.hex() if pubkey else None, **meta})


@query.command("tx")
@click.argument("tx_hash")
@pass_ctx
def query_tx(ctx: CliContext, tx_hash: str) -> None:
    """A committed transaction by hash."""
    result = ctx.rpc().tx(bytes.fromhex(tx_hash))
    tx_result = result["tx_result"]
    emit(ctx.output, {"hash": result["hash"], "height": result["height"], "code": tx_result.get("code", 0),
                      "codespace": tx_result.get("codespace", ""), "log": tx_result.get("log", ""),
                      "gas_wanted": tx_result.get("gas_wanted"), "gas_used": tx_result.get("gas_used")})


@cli.command()
@pass_ctx
def status(ctx: CliContext) -> None:
    """Node and chain status."""
    result = ctx.rpc().status()
    info, sync = result["node_info"], result["sync_info"]
    emit(ctx.output, {"node": ctx.node_url, "chain_id": info["network"], "moniker": info["moniker"], "version": info["version"],
                      "height": sync["latest_block_height"], "time": sync["latest_block_time"],
                      "app_hash": sync["latest_app_hash"], "catching_up": sync["catching_up"]})


# -- node and genesis --------------------------------------------------------------------


@cli.group()
def node() -> None:
    """Run the ABCI application."""


@node.command("start")
@click.option("--db", type=click.Path(path_type=Path), required=True, help="App state directory (LevelDB).")
@click.option("--address", default="unix://./app.sock", show_default=True, help="unix:///path or tcp://127.0.0.1:port")
@click.option("--metrics-port", type=int, default=None, help="Serve Prometheus metrics on 127.0.0.1:PORT.")
@click.option("--log-level", default="INFO")
def node_start(db: Path, address: str, metrics_port: int | None, log_level: str) -> None:
    """Start the app's ABCI server for a cometbft node (proxy_app must point at --address)."""
    import logging

    from abci_app.server import run

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run(db, address, metrics_port)


@cli.group()
def genesis() -> None:
    """Build and validate genesis files."""


@genesis.command("validate")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
def genesis_validate(file: Path) -> None:
    """Check FILE; on error print the offending field."""
    from genesis.app_state import GenesisError
    from genesis.validate import validate_genesis_file

    try:
        app = validate_genesis_file(file)
    except GenesisError as exc:
        raise click.ClickException(f"invalid genesis: {exc}") from None
    click.echo(f"{file}: valid ({len(app.accounts)} accounts, supply {format_amio(app.total_supply)})")


@genesis.command("build")
@click.option("--chain-id", required=True)
@click.option("--validator", "validators", multiple=True, required=True,
              help="NAME:BASE64_ED25519_PUBKEY:POWER (repeat for each validator).")
@click.option("--recipients", type=click.File("r"), required=True,
              help='JSON {"ieo": [addr, ...], "early_investors": [...], "infrastructure": [...], "team": [...], "foundation": [...], "community": [...]}')
@click.option("--genesis-time", default=None, help="RFC 3339 time (default: now).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("genesis.json"), show_default=True)
def genesis_build(chain_id: str, validators: tuple[str, ...], recipients, genesis_time: str | None, out: Path) -> None:
    """Write a genesis.json with the allocation table, vesting and the initial validators."""
    from datetime import datetime, timezone

    from genesis.app_state import GenesisError
    from genesis.build import GenesisValidator, build_genesis, write_genesis
    from genesis.validate import validate_genesis

    parsed = []
    for spec in validators:
        try:
            name, pubkey, power = spec.split(":")
            parsed.append(GenesisValidator(name, base64.b64decode(pubkey, validate=True), int(power)))
        except ValueError:
            raise click.BadParameter(f"{spec!r} is not NAME:BASE64_PUBKEY:POWER", param_hint="--validator") from None
    moment = datetime.now(timezone.utc) if genesis_time is None else datetime.fromisoformat(genesis_time.replace("Z", "+00:00"))
    try:
        document = build_genesis(chain_id, moment, parsed, json.load(recipients))
        validate_genesis(document)
    except (GenesisError, ValueError) as exc:
        raise click.ClickException(f"cannot build genesis: {exc}") from None
    write_genesis(document, out)
    click.echo(f"wrote {out}")


# -- modules and localnet ------------------------------------------------------------------

from cli import compute as compute_cli  # noqa: E402
from cli import locks as locks_cli  # noqa: E402
from cli import staking as staking_cli  # noqa: E402
from cli.localnet import localnet  # noqa: E402
from client.wallet.tx import address_bytes  # noqa: E402

staking_cli.register(tx, query, tx_options, _run_tx, _resolve_address, address_bytes)
locks_cli.register(tx, query, tx_options, _run_tx, _resolve_address, address_bytes)
compute_cli.register(cli, tx, query, tx_options, _run_tx, _resolve_address, address_bytes)
cli.add_command(localnet)
cli.add_command(trust)


def main() -> None:
    cli(prog_name="amino")


if __name__ == "__main__":
    main()

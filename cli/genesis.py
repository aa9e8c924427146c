"""amino genesis ...: build and validate genesis files."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from pathlib import Path

import click

from chain_modules.common.amount import format_amio
from chain_modules.common.genesis import GenesisError
from cli.context import CliContext, pass_ctx
from cli.output import say
from genesis.build import GenesisValidator, build_genesis, write_genesis
from genesis.validate import validate_genesis, validate_genesis_file


@click.group()
def genesis() -> None:
    """Build and validate genesis files."""


@genesis.command("validate")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@pass_ctx
def genesis_validate(ctx: CliContext, file: Path) -> None:
    """Check FILE; on error print the offending field."""
    try:
        app = validate_genesis_file(file)
    except GenesisError as exc:
        raise click.ClickException(f"invalid genesis: {exc}") from None
    supply = format_amio(app["bank"].extra.total_supply)
    data = {"file": str(file), "valid": True, "exported_state": bool(app.app_state),
            "accounts": None if app.app_state else len(app.accounts), "supply": f"{app['bank'].extra.total_supply}uamio"}
    if app.app_state:
        say(ctx.output, data, f"{file}: valid (exported state, supply {supply})")
    else:
        say(ctx.output, data, f"{file}: valid ({len(app.accounts)} accounts, supply {supply})")


@genesis.command("export")
@click.option("--db", "db", type=click.Path(path_type=Path), required=True,
              help="The app database of a stopped node (on the localnet: <home>/node<i>/app/data).")
@click.option("--genesis", "template", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The chain's genesis.json: its consensus params are kept (recommended).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("exported-genesis.json"), show_default=True)
@pass_ctx
def genesis_export(ctx: CliContext, db: Path, template: Path | None, out: Path) -> None:
    """Write the last committed state of a stopped node as a genesis.json that starts a new chain at the next
    height with the same state and app hash."""
    from genesis.export import ExportError, export_genesis

    try:
        original = json.loads(template.read_text()) if template else None
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{template}: cannot read the genesis file ({exc})") from None
    try:
        exported = export_genesis(db, original)
        validate_genesis(exported)
    except (ExportError, GenesisError) as exc:
        raise click.ClickException(str(exc)) from None
    write_genesis(exported, out)
    say(ctx.output, {"file": str(out), "chain_id": exported["chain_id"], "initial_height": exported["initial_height"],
                     "app_hash": exported["app_hash"]},
        f"{out}: chain {exported['chain_id']} from height {exported['initial_height']}, app hash {exported['app_hash']}")


@genesis.command("build")
@click.option("--chain-id", required=True)
@click.option("--validator", "validators", multiple=True, required=True,
              help="NAME:BASE64_ED25519_PUBKEY:POWER (repeat for each validator).")
@click.option("--recipients", type=click.File("r"), required=True,
              help='JSON {"ieo": [addr, ...], "early_investors": [...], "infrastructure": [...], "team": [...], "foundation": [...], "community": [...]}')
@click.option("--genesis-time", default=None, help="RFC 3339 time (default: now).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("genesis.json"), show_default=True)
@pass_ctx
def genesis_build(ctx: CliContext, chain_id: str, validators: tuple[str, ...], recipients, genesis_time: str | None, out: Path) -> None:
    """Write a genesis.json with the allocation table, vesting and the initial validators."""
    parsed = []
    for spec in validators:
        try:
            name, pubkey, power = spec.split(":")
            parsed.append(GenesisValidator(name, base64.b64decode(pubkey, validate=True), int(power)))
        except ValueError:
            raise click.BadParameter(f"{spec!r} is not NAME:BASE64_PUBKEY:POWER", param_hint="--validator") from None
    try:
        moment = datetime.now(timezone.utc) if genesis_time is None else datetime.fromisoformat(genesis_time.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{genesis_time!r} is not an RFC 3339 time such as 2030-01-01T00:00:00Z",
                                 param_hint="--genesis-time") from None
    try:
        document = build_genesis(chain_id, moment, parsed, json.load(recipients))
        validate_genesis(document)
    except (GenesisError, ValueError) as exc:
        raise click.ClickException(f"cannot build genesis: {exc}") from None
    write_genesis(document, out)
    say(ctx.output, {"file": str(out), "chain_id": chain_id}, f"wrote {out}")

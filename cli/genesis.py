"""amino genesis ...: build and validate genesis files."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from pathlib import Path

import click

from chain_modules.common.amount import format_amio
from genesis.app_state import GenesisError
from genesis.build import GenesisValidator, build_genesis, write_genesis
from genesis.validate import validate_genesis, validate_genesis_file


@click.group()
def genesis() -> None:
    """Build and validate genesis files."""


@genesis.command("validate")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
def genesis_validate(file: Path) -> None:
    """Check FILE; on error print the offending field."""
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
    click.echo(f"wrote {out}")

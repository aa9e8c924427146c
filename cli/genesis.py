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
@click.option("--gentx-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Also check that the super nodes are exactly the registrations these gentxs signed.")
@pass_ctx
def genesis_validate(ctx: CliContext, file: Path, gentx_dir: Path | None) -> None:
    """Check FILE; on error print the offending field."""
    try:
        app = validate_genesis_file(file)
    except GenesisError as exc:
        raise click.ClickException(f"invalid genesis: {exc}") from None
    if gentx_dir is not None:
        from genesis.ceremony import GentxError, check_genesis_against_gentxs, read_gentxs

        document = json.loads(file.read_text())
        try:
            check_genesis_against_gentxs(document, read_gentxs(gentx_dir, document["chain_id"]))
        except GentxError as exc:
            raise click.ClickException(f"the genesis does not match the gentxs: {exc}") from None
    supply = format_amio(app["bank"].extra.total_supply)
    data = {"file": str(file), "valid": True, "exported_state": bool(app.app_state),
            "accounts": None if app.app_state else len(app.accounts), "supply": f"{app['bank'].extra.total_supply}uamio"}
    signed = ""
    if gentx_dir is not None:
        data["gentxs_matched"] = len(document["app_state"]["staking"]["super_nodes"])
        signed = f", {data['gentxs_matched']} super nodes as their gentxs signed them"
    if app.app_state:
        say(ctx.output, data, f"{file}: valid (exported state, supply {supply}{signed})")
    else:
        say(ctx.output, data, f"{file}: valid ({len(app.accounts)} accounts, supply {supply}{signed})")


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
    moment = _genesis_moment(genesis_time)
    try:
        document = build_genesis(chain_id, moment, parsed, json.load(recipients))
        validate_genesis(document)
    except (GenesisError, ValueError) as exc:
        raise click.ClickException(f"cannot build genesis: {exc}") from None
    write_genesis(document, out)
    say(ctx.output, {"file": str(out), "chain_id": chain_id}, f"wrote {out}")


# -- the genesis ceremony of a network on several machines (genesis/ceremony.py) ------------------------------


@genesis.command("gentx")
@click.option("--from", "key_name", required=True, help="The operator's key in the keyring (it bonds and signs).")
@click.option("--node-home", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="This machine's cometbft home: its consensus key signs the proof of possession, and its node "
                   "key gives the node id.")
@click.option("--chain-id", required=True)
@click.option("--moniker", required=True)
@click.option("--self-bond", required=True, help="Amount bonded from the operator's genesis balance, e.g. 1000000amio.")
@click.option("--p2p-address", required=True, help="host:port the other validators dial, e.g. 203.0.113.7:26656.")
@click.option("--commission", default="0.10", show_default=True, help="0.1, 10% or 1000bps")
@click.option("--max-change", default="0.01", show_default=True, help="largest commission change per day")
@click.option("--output-document", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the gentx (default: gentx-MONIKER.json).")
@pass_ctx
def genesis_gentx(ctx: CliContext, key_name, node_home: Path, chain_id, moniker, self_bond, p2p_address, commission,
                  max_change, out: Path | None) -> None:
    """Sign this operator's super-node registration for a new chain's genesis; send the file to the coordinator.
    The keys never leave this machine."""
    import subprocess

    from cli.parsing import parse_amount, parse_rate
    from cli.staking import _node_signing_key
    from genesis.ceremony import GentxError, make_gentx
    from localnet.launcher import node_id as read_node_id

    bond = parse_amount(self_bond, "--self-bond")
    rates = parse_rate(commission), parse_rate(max_change)
    consensus = _node_signing_key(node_home)
    try:
        node_id = read_node_id(node_home)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise click.ClickException(f"cannot read the node id of {node_home}: {exc}") from None
    operator = ctx.keyring().signing_key(key_name)
    try:
        gentx = make_gentx(chain_id, operator, consensus, moniker, bond, node_id, p2p_address, *rates)
    except GentxError as exc:
        raise click.ClickException(f"cannot make the gentx: {exc}") from None
    out = out or Path(f"gentx-{moniker}.json")
    out.write_text(json.dumps(gentx.to_json(), indent=2) + "\n")
    say(ctx.output, {"file": str(out), "operator": gentx.operator, "peer": gentx.peer},
        f"wrote {out}: {moniker} ({gentx.operator}) bonds {format_amio(bond)}, peer {gentx.peer}")


@genesis.command("collect-gentxs")
@click.option("--gentx-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="The operators' gentx files (*.json).")
@click.option("--chain-id", required=True)
@click.option("--recipients", type=click.File("r"), required=True,
              help='JSON {"ieo": [addr, ...], ..., "infrastructure": [...]}: every operator must be a recipient '
                   "whose share covers its self bond.")
@click.option("--genesis-time", default=None, help="RFC 3339 time (default: now).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("genesis.json"), show_default=True)
@pass_ctx
def genesis_collect_gentxs(ctx: CliContext, gentx_dir: Path, chain_id, recipients, genesis_time, out: Path) -> None:
    """Check every gentx and write the genesis whose validators are exactly their super nodes; print the
    persistent_peers line the operators put in their config."""
    from genesis.ceremony import GentxError, collect_gentxs, persistent_peers, read_gentxs

    moment = _genesis_moment(genesis_time)
    try:
        gentxs = read_gentxs(gentx_dir, chain_id)
        document = collect_gentxs(gentxs, chain_id, moment, json.load(recipients))
        validate_genesis(document)
    except (GentxError, GenesisError, ValueError) as exc:
        raise click.ClickException(f"cannot collect the gentxs: {exc}") from None
    write_genesis(document, out)
    peers = ",".join(persistent_peers(gentxs))
    say(ctx.output, {"file": str(out), "chain_id": chain_id, "validators": len(gentxs), "persistent_peers": peers},
        f"wrote {out}: {len(gentxs)} validators\npersistent_peers = \"{peers}\"")


def _genesis_moment(text: str | None) -> datetime:
    try:
        return datetime.now(timezone.utc) if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an RFC 3339 time such as 2030-01-01T00:00:00Z",
                                 param_hint="--genesis-time") from None

"""The client config file, $AMINO_HOME/client.toml, and `amino config [get KEY | set KEY VALUE]`.

Keys (as gaiad's client.toml): chain-id, node, output, keyring-backend, gas-prices, and the light client's
witnesses and trusting-period. A flag or environment variable wins over the file. An older client.json
(written by earlier versions and by the localnet launcher) is still read for the keys client.toml lacks.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import click

CONFIG_FILE = "client.toml"
LEGACY_CONFIG_FILE = "client.json"


def _check_node(value: str) -> str:
    from client.rpc import RpcError, normalize_node_url

    try:
        normalize_node_url(value)
    except RpcError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _check_choice(*choices: str):
    def check(value: str) -> str:
        if value not in choices:
            raise click.BadParameter(f"{value!r} is not one of {', '.join(choices)}")
        return value
    return check


def _check_chain_id(value: str) -> str:
    if not value or len(value) > 50 or any(c.isspace() for c in value):
        raise click.BadParameter(f"{value!r} is not a chain id (1 to 50 characters, no spaces)")
    return value


def _check_gas_prices(value: str) -> str:
    from cli.tx import parse_gas_price

    parse_gas_price(value)
    return value


def _check_duration(value: str) -> str:
    from cli.parsing import parse_duration

    parse_duration(value)
    return value


def _check_witnesses(value: str) -> list[str]:
    urls = [url.strip() for url in value.split(",") if url.strip()]
    for url in urls:
        _check_node(url)
    return urls


# key in the file: (what it is, how a value is checked)
KEYS: dict[str, tuple[str, Any]] = {
    "chain-id": ("chain id the wallet signs for and trusts", _check_chain_id),
    "node": ("CometBFT RPC address (tcp://, http:// or https://)", _check_node),
    "output": ("default output: text or json", _check_choice("text", "json")),
    "keyring-backend": ("file, os or test", _check_choice("file", "os", "test")),
    "gas-prices": ("default --gas-prices, e.g. 0.01uamio", _check_gas_prices),
    "denom": ("unit of amounts in text output: amio or uamio", _check_choice("amio", "uamio")),
    "trusting-period": ("light client trusting period, e.g. 14d", _check_duration),
    "witnesses": ("comma-separated RPC addresses the light client cross-checks", _check_witnesses),
}


def load(home: Path) -> dict[str, Any]:
    """The client config as a dict with underscore keys (chain_id, node, ...): client.toml over client.json."""
    config: dict[str, Any] = {}
    legacy = home / LEGACY_CONFIG_FILE
    if legacy.exists():
        try:
            config.update(json.loads(legacy.read_text()))
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"{legacy} is not valid JSON: {exc}") from None
    path = home / CONFIG_FILE
    if path.exists():
        try:
            document = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise click.ClickException(f"{path} is not valid TOML: {exc}") from None
        config.update({key.replace("-", "_"): value for key, value in document.items()})
    return config


def set_value(home: Path, key: str, value: str) -> Any:
    """Check ``value`` for ``key`` and write it into client.toml, keeping the file's other lines and comments."""
    import tomlkit

    if key not in KEYS:
        raise click.BadParameter(f"{key!r} is not a client config key: {', '.join(KEYS)}", param_hint="KEY")
    checked = KEYS[key][1](value)
    path = home / CONFIG_FILE
    try:
        document = tomlkit.parse(path.read_text()) if path.exists() else tomlkit.document()
    except tomlkit.exceptions.TOMLKitError as exc:
        raise click.ClickException(f"{path} is not valid TOML: {exc}") from None
    document[key] = checked
    home.mkdir(parents=True, exist_ok=True)
    path.write_text(tomlkit.dumps(document))
    return checked


@click.group("config", invoke_without_command=True)
@click.pass_context
def config(click_ctx: click.Context) -> None:
    """Show or change the client config ($AMINO_HOME/client.toml).

    Flags and AMINO_* environment variables win over it."""
    if click_ctx.invoked_subcommand is None:
        from cli.context import CliContext
        from cli.output import emit

        ctx = click_ctx.find_object(CliContext)
        values = load(ctx.home)
        emit(ctx.output, {key: values.get(key.replace("-", "_")) for key in KEYS})


@config.command("get")
@click.argument("key")
@click.pass_context
def config_get(click_ctx: click.Context, key: str) -> None:
    """Print the value of KEY (empty when unset)."""
    from cli.context import CliContext
    from cli.output import emit

    if key not in KEYS:
        raise click.BadParameter(f"{key!r} is not a client config key: {', '.join(KEYS)}", param_hint="KEY")
    ctx = click_ctx.find_object(CliContext)
    value = load(ctx.home).get(key.replace("-", "_"))
    if ctx.output == "json":
        emit("json", {"key": key, "value": value})
    else:
        click.echo(",".join(value) if isinstance(value, list) else "" if value is None else str(value))


@config.command("set")
@click.argument("key")
@click.argument("value")
@click.pass_context
def config_set(click_ctx: click.Context, key: str, value: str) -> None:
    """Set KEY to VALUE in client.toml (checked first: a bad value changes nothing)."""
    from cli.context import CliContext
    from cli.output import emit

    ctx = click_ctx.find_object(CliContext)
    checked = set_value(ctx.home, key, value)
    emit(ctx.output, {"key": key, "value": checked} if ctx.output == "json" else f"{key} = {checked!r} in "
         f"{ctx.home / CONFIG_FILE}")

"""amino gateway: the REST gateway and web explorer (docs/gateway.md)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import CliContext, pass_ctx


@click.group()
def gateway() -> None:
    """The REST gateway and web explorer over a node's CometBFT RPC."""


@gateway.command("start")
@click.option("--listen", default="127.0.0.1:1317", show_default=True, help="host:port of the REST API and explorer.")
@click.option("--gateway-home", type=click.Path(path_type=Path), default=None,
              help="Where the gateway keeps its trusted header for ?prove=true [default: <home>/gateway].")
@pass_ctx
def gateway_start(ctx: CliContext, listen: str, gateway_home: Path | None) -> None:
    """Serve REST (/api lists the endpoints) and the explorer (/) for the node given by --node."""
    from gateway.server import ListenError, serve

    try:
        serve(ctx.node_url, listen, gateway_home or ctx.home / "gateway")
    except ListenError as exc:
        raise click.ClickException(str(exc)) from None

"""amino status and amino node start: the node's view of the chain, and the ABCI application process."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from cli.context import CliContext, pass_ctx
from cli.output import emit


@click.command()
@pass_ctx
def status(ctx: CliContext) -> None:
    """Node and chain status."""
    result = ctx.rpc().status()
    info, sync = result["node_info"], result["sync_info"]
    emit(ctx.output, {"node": ctx.node_url, "chain_id": info["network"], "moniker": info["moniker"], "version": info["version"],
                      "height": sync["latest_block_height"], "time": sync["latest_block_time"],
                      "app_hash": sync["latest_app_hash"], "catching_up": sync["catching_up"]})


@click.group("node")
def node_group() -> None:
    """Run the ABCI application."""


@node_group.command("start")
@click.option("--db", type=click.Path(path_type=Path), required=True, help="App state directory (LevelDB).")
@click.option("--address", default="unix://./app.sock", show_default=True, help="unix:///path or tcp://127.0.0.1:port")
@click.option("--metrics-port", type=int, default=None, help="Serve Prometheus metrics on 127.0.0.1:PORT.")
@click.option("--log-level", default="INFO")
def node_start(db: Path, address: str, metrics_port: int | None, log_level: str) -> None:
    """Start the app's ABCI server for a cometbft node (proxy_app must point at --address)."""
    from abci_app.server import run  # the node's imports (protobuf classes, LevelDB) only for this command

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run(db, address, metrics_port)

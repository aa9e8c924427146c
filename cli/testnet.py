"""amino testnet ...: the files of a network on several machines, and running one of its nodes."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import CliContext, pass_ctx
from cli.output import say


@click.group()
def testnet() -> None:
    """A network of validators on several machines: write its files, run a node."""


@testnet.command("init-files")
@click.option("--hosts", required=True,
              help="Comma-separated addresses of the machines, one validator each (e.g. 10.0.0.1,10.0.0.2,...).")
@click.option("--chain-id", required=True)
@click.option("--output-dir", "output_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("testnet"),
              show_default=True)
@click.option("--p2p-port", type=click.IntRange(1, 65535), default=26656, show_default=True)
@click.option("--rpc-port", type=click.IntRange(1, 65534), default=26657, show_default=True,
              help="Each node's RPC on 127.0.0.1 (metrics on the next port).")
@click.option("--self-bond", default="1000000amio", show_default=True)
@click.option("--timeout-commit", default="1s", show_default=True)
@pass_ctx
def init_files(ctx: CliContext, hosts: str, chain_id: str, output_dir: Path, p2p_port: int, rpc_port: int,
               self_bond: str, timeout_commit: str) -> None:
    """Write node0..nodeN-1 (keys, config, gentx), the gentxs and the genesis they make. Copy node<i> to host i and
    run `amino testnet start node<i>` there. Test keys only: a network of value runs `amino genesis gentx` on
    each operator's machine instead."""
    from cli.parsing import parse_amount
    from genesis.ceremony import GentxError
    from localnet.testnet import TestnetError, init_files as write_files

    names = [host.strip() for host in hosts.split(",") if host.strip()]
    bond = parse_amount(self_bond, "--self-bond")
    try:
        manifest = write_files(output_dir, names, chain_id, p2p_port, rpc_port, bond, timeout_commit)
    except (TestnetError, GentxError) as exc:
        raise click.ClickException(str(exc)) from None
    say(ctx.output, manifest | {"output_dir": str(output_dir)},
        f"wrote {len(names)} node directories, gentxs and genesis.json under {output_dir}")


@testnet.command("start")
@click.argument("node_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def start(node_dir: Path) -> None:
    """Run NODE_DIR's app and CometBFT in the foreground; Ctrl-C or SIGTERM stops both."""
    from localnet.testnet import TestnetError, start as run_node

    try:
        code = run_node(node_dir, log=click.echo)
    except TestnetError as exc:
        raise click.ClickException(str(exc)) from None
    raise SystemExit(code)

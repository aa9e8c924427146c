"""amino: the command-line wallet and node tool of Amino chain.

This file only wires the command groups together; the commands live in one module per topic.
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.bank import query_bank, tx_bank
from cli.compute import query_apppool, query_compute, tx_apppool, tx_compute
from cli.context import DEFAULT_HOME, CliContext
from cli.errors import AminoGroup
from cli.fog import query_fog, tx_fog
from cli.gateway import gateway
from cli.genesis import genesis
from cli.keys import keys
from cli.localnet import localnet
from cli.locks import query_lock, tx_lock
from cli.node import node_group, status
from cli.query import query
from cli.services import master, worker
from cli.staking import query_distribution, query_slashing, query_staking, tx_distribution, tx_slashing, tx_staking
from cli.task import task
from cli.trust import trust
from cli.tx import tx


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


for group, commands in (
    (cli, [keys, tx, query, status, node_group, genesis, task, master, worker, localnet, trust, gateway]),
    (tx, [tx_bank, tx_staking, tx_distribution, tx_slashing, tx_lock, tx_apppool, tx_compute, tx_fog]),
    (query, [query_bank, query_staking, query_distribution, query_slashing, query_lock, query_compute, query_apppool, query_fog]),
):
    for command in commands:
        group.add_command(command)


def main() -> None:
    cli(prog_name="amino")


if __name__ == "__main__":
    main()

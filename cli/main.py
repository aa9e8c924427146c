"""amino: the command-line wallet and node tool of Amino chain.

This file only wires the command groups together; the commands live in one module per topic. Each topic's
module is imported only when one of its commands runs (cli/lazy.py), so `amino --help` starts fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import DEFAULT_HOME, CliContext
from cli.lazy import LazyGroup
from cli.options import GLOBAL_OPTIONS, add_global_options

# name -> (module, attribute, one-line help): tests/cli/test_startup.py checks each help against the command's own
COMMANDS = {
    "completion": ("cli.meta", "completion", "Print the shell completion script for SHELL."),
    "config": ("cli.config", "config", "Show or change the client config ($AMINO_HOME/client.toml)."),
    "gateway": ("cli.gateway", "gateway", "The REST gateway and web explorer over a node's CometBFT RPC."),
    "genesis": ("cli.genesis", "genesis", "Build and validate genesis files."),
    "keys": ("cli.keys", "keys", "Manage keys (BIP39 mnemonic, ed25519, SLIP-0010 path m/44'/9009'/0'/0'/0')."),
    "localnet": ("cli.localnet", "localnet", "A 4-validator localnet on 127.0.0.1 (CometBFT + app processes)."),
    "master": ("cli.services", "master", "The master node service."),
    "node": ("cli.node", "node_group", "Run the ABCI application."),
    "query": ("cli.query", "query", "Query chain state; account, bank balance and bank supply also take --prove."),
    "status": ("cli.node", "status", "Node and chain status."),
    "task": ("cli.task", "task", "Run compute tasks: the whole flow (run) or step by step."),
    "testnet": ("cli.testnet", "testnet", "A network of validators on several machines: write its files, run a node."),
    "trust": ("cli.trust", "trust", "The trusted header that --prove verifies new headers from (one per chain id)."),
    "tx": ("cli.tx", "tx", "Build, sign and broadcast transactions."),
    "version": ("cli.meta", "version", "Print the version of amino."),
    "worker": ("cli.services", "worker", "The worker service."),
}
TX_COMMANDS = {
    "apppool": ("cli.compute", "tx_apppool", "The application pool: register job modules, mark them verified."),
    "bank": ("cli.bank", "tx_bank", "AMIO transfers."),
    "compute": ("cli.compute", "tx_compute", "Workers: register under a master node, heartbeat, deposits."),
    "distribution": ("cli.staking", "tx_distribution", "Withdraw staking rewards and commission."),
    "fog": ("cli.fog", "tx_fog", "Redeem FOG for AMIO (FOG itself cannot be sent)."),
    "gov": ("cli.gov", "tx_gov", "Submit proposals, deposit on them and vote."),
    "lock": ("cli.locks", "tx_lock", "Investor locks and API access locks."),
    "slashing": ("cli.staking", "tx_slashing", "Unjail a super node."),
    "staking": ("cli.staking", "tx_staking", "Super nodes and delegations (votes)."),
}
QUERY_COMMANDS = {
    "apppool": ("cli.compute", "query_apppool", "Registered job applications."),
    "bank": ("cli.bank", "query_bank", "AMIO balances and supply."),
    "compute": ("cli.compute", "query_compute", "Tasks, workers, master node capacity, resource classes and prices."),
    "distribution": ("cli.staking", "query_distribution", "Pending rewards and commission."),
    "fog": ("cli.fog", "query_fog", "FOG balances, contribution points, epochs, redemption and supply."),
    "gov": ("cli.gov", "query_gov", "Proposals, votes, tallies and the gov params."),
    "lock": ("cli.locks", "query_lock", "Locks, lock weight and API access."),
    "slashing": ("cli.staking", "query_slashing", "Signing info and slashing params."),
    "staking": ("cli.staking", "query_staking", "Candidates, delegations, unbondings and the validator set."),
}


def _prepare_tx_command(command: click.Command) -> None:
    from cli.tx import enable_from_flag

    enable_from_flag(command)
    add_global_options(command)


def _prepare(command: click.Command) -> None:
    """Called once per top-level command as it is loaded: its subgroups' tables and the global flags."""
    if isinstance(command, LazyGroup) and command.name == "tx":
        command.lazy.update(TX_COMMANDS)
        command.prepare = _prepare_tx_command
        _prepare_tx_command(command)
    elif isinstance(command, LazyGroup) and command.name == "query":
        command.lazy.update(QUERY_COMMANDS)
        command.prepare = add_global_options
    add_global_options(command)


@click.group(cls=LazyGroup, lazy=COMMANDS, prepare=_prepare)
@click.option("--home", type=click.Path(path_type=Path), default=DEFAULT_HOME, show_default="$AMINO_HOME or ~/.amino",
              envvar="AMINO_HOME",
              help="Wallet home (keys, client.toml, trust).")
@click.option("--node", default=None, envvar="AMINO_NODE",
              help="CometBFT RPC address, tcp:// or http(s):// (default from client.toml or http://127.0.0.1:26657).")
@click.option("--chain-id", default=None, envvar="AMINO_CHAIN_ID", help="Chain id (default from client.toml or the node).")
@click.option("--keyring-backend", type=GLOBAL_OPTIONS["keyring_backend"][1], default=None, envvar="AMINO_KEYRING_BACKEND",
              help="file: encrypted with a passphrase (default); os: the system keychain; test: UNENCRYPTED, tests only.")
@click.option("-o", "--output", type=GLOBAL_OPTIONS["output"][1], default=None, envvar="AMINO_OUTPUT",
              help="Output format (default from client.toml, else text).")
@click.option("--keyring-passphrase-file", type=click.Path(dir_okay=False), default=None,
              envvar="AMINO_KEYRING_PASSPHRASE_FILE",
              help="Read the keyring passphrase from this file's first line (else AMINO_KEYRING_PASSPHRASE, else asked).")
@click.option("--denom", type=GLOBAL_OPTIONS["denom"][1], default=None, envvar="AMINO_DENOM",
              help="Unit of amounts in text output: amio (10.058 amio) or uamio (10,058,000 uamio) [default from "
                   "client.toml, else amio].")
@click.pass_context
def cli(ctx: click.Context, home: Path, node: str | None, chain_id: str | None, keyring_backend: str | None, output: str,
        keyring_passphrase_file: str | None, denom: str | None) -> None:
    """Amino chain wallet, queries and node tools.

    The global flags (--home, --node, --chain-id, --keyring-backend, --keyring-passphrase-file, -o/--output,
    --denom) may also be given after the subcommand, as in gaiad and simd."""
    ctx.obj = CliContext(home, node, chain_id, keyring_backend, output, keyring_passphrase_file, denom)


def load_all(group: click.Group = cli) -> None:
    """Import every command (for tools that walk the whole tree: docs, completion tests)."""
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
        if isinstance(command, click.Group):
            load_all(command)


def main() -> None:
    cli(prog_name="amino")


if __name__ == "__main__":
    main()

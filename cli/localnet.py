"""amino localnet: start, inspect and stop the loopback localnet."""

from __future__ import annotations

import time
from pathlib import Path

import click

from cli.output import emit, say
from cli.parsing import UINT64
from localnet.gateway import LocalnetGateway
from localnet.launcher import DEFAULT_HOME, Localnet, LocalnetError
from localnet.services import ComputeServices

home_option = click.option("--localnet-home", "home", type=click.Path(path_type=Path), default=DEFAULT_HOME,
                           show_default="$AMINO_LOCALNET_HOME or .localnet in the source tree",
                           envvar="AMINO_LOCALNET_HOME")


@click.group()
def localnet() -> None:
    """A 4-validator localnet on 127.0.0.1 (CometBFT + app processes)."""


@localnet.command("up")
@home_option
@click.option("--nodes", default=4, show_default=True, help="Validators (only when creating the localnet).")
@click.option("--base-port", default=26656, show_default=True, help="p2p port of node0; node I uses base+10*I..+2.")
@click.option("--no-services", is_flag=True, help="Start the validators only (no master node, no workers).")
def localnet_up(home: Path, nodes: int, base_port: int, no_services: bool) -> None:
    """Create (first time) and start the localnet with its master node and workers, then print how to use it."""
    net = Localnet(home, nodes=nodes, base_port=base_port)
    services = None
    try:
        net.up()
        if not no_services:
            services = ComputeServices(net)
            services.up()
        gateway = LocalnetGateway(net)
        gateway.start()
    except LocalnetError as exc:
        raise click.ClickException(str(exc)) from None
    if _output() == "json":
        emit("json", {
            "chain_id": net.chain_id,
            "home": str(net.home),
            "wallet_home": str(net.wallet_home),
            "keyring_backend": "test",
            "nodes": _node_rows(net),
            "services": services.status() if services is not None else [],
            "master_url": services.master_url() if services is not None else None,
            "gateway": {"url": gateway.url, "explorer": f"{gateway.url}/", "api": f"{gateway.url}/api",
                        "log": str(gateway.directory / "gateway.log")},
        })
        return
    _print_status(net, "text")
    if services is not None:
        emit("text", services.status(), title="compute services")
        examples = net.home / "examples"
        click.echo(
            f"""
Compute: master node {services.master_url()} (active from the next staking epoch, ~10 blocks), 3 workers.
  Run a job:     .venv/bin/amino task run {examples}/hash_chain.wasm --input {examples}/hash_chain.input --class small --replicas 2 --from alice
  Logs:          {net.home}/master0/master.log, {net.home}/worker0/worker.log""")
    click.echo(
        f"""
Localnet '{net.chain_id}' is running ({net.nodes} validators on 127.0.0.1).
  RPC endpoints: {', '.join(net.rpc_url(i) for i in range(net.nodes))}
  Dev wallet:    export AMINO_HOME={net.wallet_home}    (test keyring: UNENCRYPTED keys)
  Try:           .venv/bin/amino keys list
                 .venv/bin/amino tx bank send alice $(.venv/bin/amino keys show bob -a) 10amio --yes
                 .venv/bin/amino query bank balance bob --prove
  Inspect:       .venv/bin/amino localnet status | logs 0 | down | reset
  Explorer:      {gateway.url}/    REST: {gateway.url}/api    (log: {gateway.directory / 'gateway.log'})"""
    )


def _output() -> str:
    """The -o/--output of the command running (text when it runs outside the amino root command)."""
    from cli.context import CliContext

    obj = click.get_current_context().find_object(CliContext)
    return obj.output if obj is not None else "text"


def _node_rows(net: Localnet) -> list[dict]:
    return [
        {
            "node": f"node{s.index}",
            "rpc": net.rpc_url(s.index),
            "app": "up" if s.running_app else "DOWN",
            "cometbft": "up" if s.running_cometbft else "DOWN",
            "height": s.height,
            "app_hash": s.app_hash or "",
            "peers": s.peers,
            "catching_up": s.catching_up,
        }
        for s in net.status()
    ]


def _print_status(net: Localnet, output: str) -> None:
    emit(output, _node_rows(net), title=f"localnet {net.chain_id}")


def _validator_rows(health) -> list[dict]:
    def yes(flag: bool | None) -> str:
        return "-" if flag is None else "yes" if flag else "no"

    return [
        {
            "validator": v.name,
            "address": v.address,
            "power": v.power,
            "signing": "yes" if v.signing else "MISSING",
            "last_commit": yes(v.signed_last_commit),
            "voted_now": yes(v.voted_this_height),
            "processes": "-" if v.node_running is None else "up" if v.node_running else "DOWN",
        }
        for v in health.validators
    ]


@localnet.command("status")
@home_option
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default=None,
              help="Output format [default: the global -o, else text].")
@click.option("--interval", type=click.FloatRange(0.1, 60), default=1.0, show_default=True,
              help="Seconds to watch for a new block when the newest one is old.")
@click.option("--halt-after", type=click.FloatRange(1, 86_400), default=None,
              help="Seconds without a new block that count as halted [default: 20 x timeout_commit, at least 10].")
def localnet_status(home: Path, output: str, interval: float, halt_after: float | None) -> None:
    """Every node's height, app hash and peers, and whether the chain still makes blocks.

    Exits 3 and prints HALTED (with the validators that are not signing) when
    no new block came for --halt-after seconds, 2 on an app-hash split.
    """
    output = output or _output()
    net = Localnet(home)
    if not net.initialized:
        raise click.ClickException(f"no localnet in {home}: run 'amino localnet up'")
    nodes = _node_rows(net)
    services = ComputeServices(net).status()
    health = net.chain_health(interval=interval, halt_after=halt_after)
    splits = net.app_hash_splits()
    if output == "json":
        emit(output, {
            "chain_id": net.chain_id,
            "nodes": nodes,
            "services": services,
            "chain": health.to_dict(),
            "app_hash_splits": {str(height): groups for height, groups in splits.items()},
        })
    else:
        emit(output, nodes, title=f"localnet {net.chain_id}")
        if services:
            emit(output, services, title="compute services")
        if health.validators:
            emit(output, _validator_rows(health), title="validators of the height being decided")
    for height, groups in splits.items():
        click.echo(f"APP HASH SPLIT at height {height}: " + "; ".join(f"{h} on nodes {n}" for h, n in groups.items()), err=True)
    if not splits:
        click.echo("all running nodes agree on the app hash", err=True)
    click.echo(health.message, err=True)
    if splits:
        raise SystemExit(2)
    if health.halted:
        raise SystemExit(3)


@localnet.command("logs")
@home_option
@click.argument("index", type=UINT64)
@click.option("--app", "which", flag_value="app", help="Show the app log instead of cometbft's.")
@click.option("--cometbft", "which", flag_value="cometbft", default=True)
@click.option("-n", "--lines", default=50, show_default=True)
@click.option("-f", "--follow", is_flag=True)
def localnet_logs(home: Path, index: int, which: str, lines: int, follow: bool) -> None:
    """Show the last lines of node INDEX's cometbft (or --app) log."""
    net = Localnet(home)
    path = net.node_dir(index) / f"{which}.log"
    if not path.exists():
        raise click.ClickException(f"no log at {path}")
    with open(path, "rb") as handle:
        for line in handle.readlines()[-lines:]:
            click.echo(line.decode(errors="replace"), nl=False)
        while follow:
            line = handle.readline()
            if line:
                click.echo(line.decode(errors="replace"), nl=False)
            else:
                time.sleep(0.3)


@localnet.command("add-node")
@home_option
def localnet_add_node(home: Path) -> None:
    """Start one more node (a full node; it validates once elected)."""
    net = Localnet(home)
    try:
        index = net.add_node()
        net.wait_for_height(1, timeout=60, nodes=[index])
    except LocalnetError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"""node{index} is running: RPC {net.rpc_url(index)}, cometbft home {net.node_dir(index) / 'cometbft'}
To make it a validator (AMINO_HOME={net.wallet_home}):
  amino keys add node{index}
  amino tx bank send alice node{index} 20000amio --yes
  amino tx staking create-super-node node{index} --moniker node{index} --self-bond 10000amio --node-home {net.node_dir(index) / 'cometbft'} --yes
  amino tx staking delegate bob node{index} 1500000amio --yes
then watch 'amino query staking validators' at the next epoch."""
    )


@localnet.command("down")
@home_option
def localnet_down(home: Path) -> None:
    """Stop the services and every node (state is kept)."""
    net = Localnet(home)
    if net.initialized:
        LocalnetGateway(net).stop()
        ComputeServices(net).down()
    net.down()
    say(_output(), {"stopped": True, "home": str(home)}, "localnet stopped")


@localnet.command("reset")
@home_option
@click.option("-y", "--yes", is_flag=True)
def localnet_reset(home: Path, yes: bool) -> None:
    """Stop every node and delete all localnet state and dev keys."""
    if not yes:
        click.confirm(f"Delete {home} (chain data and dev keys)?", abort=True)
    net = Localnet(home)
    if net.initialized:
        LocalnetGateway(net).stop()
        ComputeServices(net).down()
    net.reset()
    say(_output(), {"removed": str(home)}, f"removed {home}")

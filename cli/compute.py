"""amino tx apppool|compute ... and amino query compute|apppool ...: the application pool, workers, tasks,
resource classes and prices. (Running tasks: cli/task.py; the services: cli/services.py.)"""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from chain_modules.apppool.types import MsgRegisterApp, MsgSetAppVerified
from chain_modules.auth.types import TxParams
from chain_modules.common.encoding import decode
from chain_modules.compute.types import (
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgTopUpDeposit,
    MsgUnregisterWorker,
    MsgWorkerOffline,
)
from cli.context import CliContext, pass_ctx
from cli.output import emit
from cli.parsing import UINT64, parse_amount
from cli.tx import send_tx, tx_options


def read_file(path: Path, what: str) -> bytes:
    """The bytes of ``path``; an unreadable file stops the command with one line."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {what} {path}: {exc.strerror}") from None


# -- amino tx apppool ---------------------------------------------------------------------------------


def _max_tx_bytes(ctx: CliContext) -> int:
    from client.wallet.tx import get_params

    return get_params(ctx.rpc()).max_tx_bytes


@click.group("apppool")
def tx_apppool() -> None:
    """The application pool: register job modules, mark them verified."""


@tx_apppool.command("register")
@click.argument("module", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="Application name (1-64 printable characters).")
@click.option("--classes", default="", help="Comma-separated resource classes it runs on (default: any).")
@click.option("--description", default="")
@click.option("--from", "key", required=True)
@tx_options
@pass_ctx
def apppool_register(ctx: CliContext, module: Path, name, classes, description, key, **options):
    """Register MODULE (.wasm) in the application pool by its sha256; it starts unverified. The module is checked
    first (WebAssembly, no imports, the job ABI's exports), and the tx carries it when it fits, so that the chain
    checks it too."""
    from client.modules import ModuleError, check_job_module

    data = read_file(module, "module")
    try:
        check_job_module(data, module.name)
    except ModuleError as exc:
        raise click.ClickException(str(exc)) from None
    classes_tuple = tuple(c.strip() for c in classes.split(",") if c.strip())
    fits = len(data) + 4_096 <= (TxParams().max_tx_bytes if options.get("offline") else _max_tx_bytes(ctx))
    msg = MsgRegisterApp(ctx.address_bytes(key), hashlib.sha256(data).digest(), len(data), name, description, classes_tuple,
                         data if fits else b"")
    click.echo(f"module hash {hashlib.sha256(data).hexdigest()}", err=True)
    send_tx(ctx, key, [msg], **options)


@tx_apppool.command("verify")
@click.argument("module_hash")
@click.option("--unverify", is_flag=True, help="Take the verified mark back.")
@click.option("--from", "key", required=True, help="An apppool authority key.")
@tx_options
@pass_ctx
def apppool_verify(ctx: CliContext, module_hash: str, unverify: bool, key, **options):
    """Mark the application MODULE_HASH (hex sha256) verified, so verified-only workers run it."""
    try:
        digest = bytes.fromhex(module_hash)
    except ValueError:
        digest = b""
    if len(digest) != 32:
        raise click.BadParameter("MODULE_HASH must be 64 hex digits")
    send_tx(ctx, key, [MsgSetAppVerified(ctx.address_bytes(key), digest, not unverify)], **options)


# -- amino tx compute ---------------------------------------------------------------------------------


@click.group("compute")
def tx_compute() -> None:
    """Workers: register under a master node, heartbeat, deposits."""


@tx_compute.command("register-worker")
@click.argument("key")
@click.option("--master", required=True, help="Operator address of the master node whose pool to join.")
@click.option("--cpu", "cpu_cores", type=click.IntRange(1), default=1, show_default=True)
@click.option("--gpu", type=click.IntRange(0), default=0, show_default=True)
@click.option("--ram-mb", type=click.IntRange(1), default=1024, show_default=True)
@click.option("--storage-mb", type=click.IntRange(1), default=1024, show_default=True)
@click.option("--slots", type=click.IntRange(1), default=1, show_default=True,
              help="Jobs run at once: 1 to the chain's max_worker_slots (16 by default; amino query compute params).")
@click.option("--any-app", is_flag=True, help="Also run applications that are not verified.")
@click.option("--deposit", required=True, help="Deposit, e.g. 100amio.")
@click.option("--master-url", required=True, help="URL of the master node service, which signs the admission.")
@tx_options
@pass_ctx
def register_worker(ctx: CliContext, key, master, cpu_cores, gpu, ram_mb, storage_mb, slots, any_app, deposit,
                    master_url, **options):
    """Register KEY as a worker in --master's pool with its capabilities and a deposit.

    The master node service at --master-url must admit the worker first: it signs an admission that the chain
    checks (a worker joins a pool only with its master's consent)."""
    from worker.admission import AdmissionError, fetch_admission  # the worker service's code, only for this command

    master_address = ctx.resolve_address(master)
    try:
        admission = fetch_admission(master_url, ctx.keyring().signing_key(key), ctx.resolved_chain_id(ctx.rpc()),
                                    master_address)
    except AdmissionError as exc:
        raise click.ClickException(str(exc)) from None
    msg = MsgRegisterWorker(ctx.address_bytes(key), ctx.address_bytes(master_address), cpu_cores, gpu, ram_mb,
                            storage_mb, slots, any_app, parse_amount(deposit),
                            bytes.fromhex(admission["pubkey"]), bytes.fromhex(admission["signature"]))
    send_tx(ctx, key, [msg], **options)


@tx_compute.command("heartbeat")
@click.argument("key")
@tx_options
@pass_ctx
def heartbeat(ctx: CliContext, key, **options):
    """Mark worker KEY online."""
    send_tx(ctx, key, [MsgHeartbeat(ctx.address_bytes(key))], **options)


@tx_compute.command("worker-offline")
@click.argument("key")
@tx_options
@pass_ctx
def worker_offline(ctx: CliContext, key, **options):
    """Take worker KEY out of assignment now, without unregistering: it keeps its deposit and the tasks it holds
    (it must still commit, reveal or hand them back); its next heartbeat brings it back online. A running worker
    service does this by itself when it stops or pauses."""
    send_tx(ctx, key, [MsgWorkerOffline(ctx.address_bytes(key))], **options)


@tx_compute.command("unregister-worker")
@click.argument("key")
@tx_options
@pass_ctx
def unregister_worker(ctx: CliContext, key, **options):
    """Leave the pool (refused while tasks are running); the deposit comes back after the compute param
    worker_unbonding_seconds (amino query compute pending-deposits KEY shows when)."""
    send_tx(ctx, key, [MsgUnregisterWorker(ctx.address_bytes(key))], **options)


@tx_compute.command("top-up")
@click.argument("key")
@click.argument("amount")
@tx_options
@pass_ctx
def top_up(ctx: CliContext, key, amount, **options):
    """Add AMOUNT to worker KEY's deposit."""
    send_tx(ctx, key, [MsgTopUpDeposit(ctx.address_bytes(key), parse_amount(amount))], **options)


# -- amino query compute / apppool --------------------------------------------------------------------


def _show(ctx: CliContext, path: str) -> None:
    result = ctx.rpc().abci_query(path)
    if result.code:
        raise click.ClickException(result.log)
    emit(ctx.output, decode(result.value) if result.value else None)


@click.group("compute")
def query_compute() -> None:
    """Tasks, workers, master node capacity, resource classes and prices."""


@query_compute.command("classes")
@pass_ctx
def query_classes(ctx: CliContext):
    """Resource classes with their current price (uamio per megafuel) and online capacity."""
    _show(ctx, "/compute/classes")


@query_compute.command("prices")
@click.argument("class_name")
@pass_ctx
def query_prices(ctx: CliContext, class_name):
    """Price history of a class, one entry per epoch."""
    _show(ctx, f"/compute/prices/{class_name}")


@query_compute.command("params")
@pass_ctx
def query_compute_params(ctx: CliContext):
    """The compute params."""
    _show(ctx, "/compute/params")


@query_compute.command("task")
@click.argument("task_id", type=UINT64)
@pass_ctx
def query_task(ctx: CliContext, task_id):
    """One task, whatever its state."""
    _show(ctx, f"/compute/task/{task_id}")


@query_compute.command("worker")
@click.argument("address")
@pass_ctx
def query_worker(ctx: CliContext, address):
    """A worker: capabilities, deposit, counters."""
    _show(ctx, f"/compute/worker/{ctx.resolve_address(address)}")


@query_compute.command("pending-deposits")
@click.argument("address")
@pass_ctx
def query_pending_deposits(ctx: CliContext, address):
    """Deposits of an unregistered worker waiting for release: amount, release time, seconds left."""
    _show(ctx, f"/compute/pending_deposits/{ctx.resolve_address(address)}")


@query_compute.command("time-budget")
@click.argument("class_name")
@click.argument("max_fuel", type=UINT64)
@pass_ctx
def query_time_budget(ctx: CliContext, class_name, max_fuel):
    """The seconds a task of CLASS_NAME with MAX_FUEL gets at each step (run time, commit window, shortest timeout)."""
    _show(ctx, f"/compute/time_budget/{class_name}/{max_fuel}")


@query_compute.command("workers")
@click.argument("master")
@pass_ctx
def query_workers(ctx: CliContext, master):
    """Workers registered in a master node's pool."""
    _show(ctx, f"/compute/workers/{ctx.resolve_address(master)}")


@query_compute.command("master")
@click.argument("operator")
@pass_ctx
def query_master(ctx: CliContext, operator):
    """Reputation counters and free capacity per class of a master node."""
    _show(ctx, f"/compute/master/{ctx.resolve_address(operator)}")


@click.group("apppool")
def query_apppool() -> None:
    """Registered job applications."""


@query_apppool.command("apps")
@pass_ctx
def query_apps(ctx: CliContext):
    """Registered applications."""
    _show(ctx, "/apppool/apps")


@query_apppool.command("app")
@click.argument("module_hash")
@pass_ctx
def query_app(ctx: CliContext, module_hash):
    """One application by module hash (hex)."""
    _show(ctx, f"/apppool/app/{module_hash}")

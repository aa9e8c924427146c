"""amino task ..., amino tx apppool|compute ..., amino query compute|apppool ..., amino master|worker start."""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
import time
from pathlib import Path

import click

from chain_modules.apppool.types import MsgRegisterApp, MsgSetAppVerified
from chain_modules.common.amount import format_amio, parse_amio
from chain_modules.common.encoding import decode
from chain_modules.compute.types import (
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgTopUpDeposit,
    MsgUnregisterWorker,
)
from cli.context import CliContext, pass_ctx
from cli.output import emit


REGISTER_ATTEMPTS = 10
LOCALNET_CHAIN_ID = "amino-localnet"  # the localnet launcher's chain id; `master start` admits any worker there


def _amount(text: str) -> int:
    try:
        value = parse_amio(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if value == 0:
        raise click.BadParameter("amount must be positive")
    return value


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {what} {path}: {exc.strerror}") from None


def _chain(ctx: CliContext, key: str | None):
    from client.chain import ChainClient

    signing_key = ctx.keyring().signing_key(key) if key else None
    return ChainClient(ctx.node_url, signing_key, ctx.resolved_chain_id())


def _tasks(ctx: CliContext, key: str | None):
    from client.tasks import TaskClient

    return TaskClient(_chain(ctx, key))


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc)) from None


def _task_text(task: dict) -> dict:
    shown = {k: v for k, v in task.items() if k not in ("participants", "heights", "excluded_masters", "excluded_workers")}
    shown["escrow"] = format_amio(task["escrow"])
    shown["paid"] = format_amio(task["paid"])
    shown["refunded"] = format_amio(task["refunded"])
    shown["workers"] = ", ".join(f"{p['worker']} ({p['status']}{', fuel ' + str(p['fuel']) if p['fuel'] else ''})"
                                 for p in task["participants"]) or "-"
    shown["steps"] = ", ".join(f"{step}@{height}" for step, height in task["heights"])
    return shown


def register(cli: click.Group, tx_group: click.Group, query_group: click.Group, tx_options, run_tx, resolve_address,
             address_bytes) -> None:
    # -- amino task ---------------------------------------------------------------------------

    @cli.group("task")
    def task() -> None:
        """Run compute tasks: the whole flow (run) or step by step."""

    task_options = [
        click.option("--from", "key", required=True, help="Key that pays (the customer)."),
        click.option("--class", "class_name", default="small", show_default=True, help="Resource class."),
        click.option("--replicas", type=click.IntRange(1, 5), default=1, show_default=True,
                     help="Workers that compute the task independently; the majority result wins."),
        click.option("--max-fuel", type=click.IntRange(1), default=1_000_000_000, show_default=True,
                     help="Fuel limit per replica; the escrow is price x max fuel x replicas + fee."),
        click.option("--timeout", type=click.IntRange(1), default=600, show_default=True,
                     help="Seconds until the final deadline; after it the task is refunded in full."),
    ]

    def with_task_options(function):
        for option in reversed(task_options):
            function = option(function)
        return function

    @task.command("run")
    @click.argument("module", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @with_task_options
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Where to write the verified output (default: MODULE name + .out).")
    @click.option("--wait/--no-wait", default=True, show_default=True,
                  help="Wait for the verified result; --no-wait returns once the job is uploaded to the master node.")
    @click.option("--no-confirm", is_flag=True, help="Leave the task delivered; it auto-confirms after the timeout.")
    @pass_ctx
    def task_run(ctx: CliContext, module: Path, input_path: Path, key, class_name, replicas, max_fuel, timeout, out,
                 wait, no_confirm):
        """Run MODULE (a .wasm job) on --input and write the verified output file."""
        from client.tasks import TaskError

        tasks = _tasks(ctx, key)
        module_bytes, data = _read(module, "module"), _read(input_path, "input")
        if not wait:
            try:
                view = tasks.start(module_bytes, data, class_name, replicas, max_fuel, timeout, name=module.stem)
            except Exception as exc:
                _fail(exc)
            emit(ctx.output, {"task_id": view["id"], "state": view["state"], "master": view["master"],
                              "next": f"amino task status {view['id']}; amino task result {view['id']} --out FILE --from {key}"})
            return
        try:
            summary = tasks.run(module_bytes, data, class_name, replicas, max_fuel, timeout, name=module.stem,
                                confirm=not no_confirm)
        except Exception as exc:  # TaskError, ChainError, httpx errors: all user-facing
            _fail(exc if isinstance(exc, TaskError) else click.ClickException(f"{type(exc).__name__}: {exc}"))
        target = out or module.with_suffix(".out")
        if summary.output:
            target.write_bytes(summary.output)
        report = summary.to_dict()
        report["output_file"] = str(target) if summary.output else ""
        if ctx.output == "json":
            emit("json", report)
        else:
            report["escrow"] = format_amio(summary.escrow)
            report["paid"] = format_amio(summary.paid)
            report["refunded"] = format_amio(summary.refunded)
            report["compensation"] = format_amio(summary.compensation)
            report["workers"] = ", ".join(summary.workers)
            report["heights"] = ", ".join(f"{step}@{height}" for step, height in summary.heights)
            emit("text", report)
        if summary.state not in ("settled", "delivered"):
            raise SystemExit(1)

    @task.command("submit")
    @click.argument("module", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @with_task_options
    @pass_ctx
    def task_submit(ctx: CliContext, module: Path, input_path: Path, key, class_name, replicas, max_fuel, timeout):
        """Escrow and submit a task for MODULE on --input (registers the app first if needed); prints the task id."""
        tasks = _tasks(ctx, key)
        module_bytes, data = _read(module, "module"), _read(input_path, "input")
        module_hash = hashlib.sha256(module_bytes).digest()
        try:
            if tasks.app(module_hash) is None:
                tasks.register_app(module_bytes, module.stem)
            task_id = tasks.submit(module_hash, data, class_name, replicas, max_fuel, timeout)
        except Exception as exc:
            _fail(exc)
        emit(ctx.output, {"task_id": task_id, "next": f"amino task upload {task_id} {module} {input_path} --from {key}"})

    @task.command("status")
    @click.argument("task_id", type=int)
    @pass_ctx
    def task_status(ctx: CliContext, task_id: int):
        """Show a task: state, master node, workers, escrow, deadlines, heights of each step."""
        try:
            view = _tasks(ctx, None).status(task_id)
        except Exception as exc:
            _fail(exc)
        emit(ctx.output, view if ctx.output == "json" else _task_text(view))

    @task.command("upload")
    @click.argument("task_id", type=int)
    @click.argument("module", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--from", "key", required=True, help="The customer's key: it signs the upload.")
    @pass_ctx
    def task_upload(ctx: CliContext, task_id: int, module: Path, input_path: Path, key: str):
        """Upload MODULE and INPUT to the master node the task is allocated to (hashes checked on both ends)."""
        try:
            view = _tasks(ctx, key).upload(task_id, _read(module, "module"), _read(input_path, "input"))
        except Exception as exc:
            _fail(exc)
        emit(ctx.output, {"task_id": task_id, "uploaded_to": view["master_endpoint"]})

    @task.command("result")
    @click.argument("task_id", type=int)
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--from", "key", required=True, help="The customer's key: it signs the download.")
    @pass_ctx
    def task_result(ctx: CliContext, task_id: int, out: Path, key: str):
        """Download the accepted result (checked against the chain's result hash) to --out."""
        try:
            data = _tasks(ctx, key).result(task_id)
        except Exception as exc:
            _fail(exc)
        out.write_bytes(data)
        emit(ctx.output, {"task_id": task_id, "bytes": len(data), "file": str(out)})

    def customer_step(name: str, action: str, fields: tuple[str, ...], help_text: str) -> None:
        """A task command signed by the customer: run TaskClient.<action>, then show the task's new state."""

        @task.command(name, help=help_text)
        @click.argument("task_id", type=int)
        @click.option("--from", "key", required=True)
        @pass_ctx
        def command(ctx: CliContext, task_id: int, key: str):
            tasks = _tasks(ctx, key)
            try:
                getattr(tasks, action)(task_id)
                view = tasks.status(task_id)
            except Exception as exc:
                _fail(exc)
            emit(ctx.output, {"task_id": task_id, **{field: view[field] for field in fields}})

    customer_step("confirm", "confirm", ("state", "paid", "refunded"),
                  "Accept the delivered result and settle: pay the verified fuel, get the rest of the escrow back.")
    customer_step("cancel", "cancel", ("state", "refunded"),
                  "Cancel a task no worker was assigned to yet; the whole escrow comes back.")

    @task.command("list")
    @click.argument("address")
    @click.option("--as", "role", type=click.Choice(["customer", "master", "worker"]), default="customer", show_default=True)
    @pass_ctx
    def task_list(ctx: CliContext, address: str, role: str):
        """Open tasks of ADDRESS (a key name or address) as customer, master node or worker."""
        value = _chain(ctx, None).query(f"/compute/tasks/{role}/{resolve_address(ctx, address)}")
        emit(ctx.output, value if ctx.output == "json" else [_task_text(t) for t in value])

    # -- amino tx apppool / compute ----------------------------------------------------------------

    @tx_group.group("apppool")
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
        """Register MODULE (.wasm) in the application pool by its sha256; it starts unverified."""
        data = _read(module, "module")
        classes_tuple = tuple(c.strip() for c in classes.split(",") if c.strip())
        msg = MsgRegisterApp(address_bytes(resolve_address(ctx, key)), hashlib.sha256(data).digest(), len(data), name,
                             description, classes_tuple)
        click.echo(f"module hash {hashlib.sha256(data).hexdigest()}", err=True)
        run_tx(ctx, key, [msg], **options)

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
        run_tx(ctx, key, [MsgSetAppVerified(address_bytes(resolve_address(ctx, key)), digest, not unverify)], **options)

    @tx_group.group("compute")
    def tx_compute() -> None:
        """Workers: register under a master node, heartbeat, deposits."""

    @tx_compute.command("register-worker")
    @click.argument("key")
    @click.option("--master", required=True, help="Operator address of the master node whose pool to join.")
    @click.option("--cpu", "cpu_cores", type=click.IntRange(1), default=1, show_default=True)
    @click.option("--gpu", type=click.IntRange(0), default=0, show_default=True)
    @click.option("--ram-mb", type=click.IntRange(1), default=1024, show_default=True)
    @click.option("--storage-mb", type=click.IntRange(1), default=1024, show_default=True)
    @click.option("--slots", type=click.IntRange(1, 255), default=1, show_default=True)
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
        from worker.admission import AdmissionError, fetch_admission

        master_address = resolve_address(ctx, master)
        try:
            admission = fetch_admission(master_url, ctx.keyring().signing_key(key), ctx.resolved_chain_id(ctx.rpc()),
                                        master_address)
        except AdmissionError as exc:
            raise click.ClickException(str(exc)) from None
        msg = MsgRegisterWorker(address_bytes(resolve_address(ctx, key)), address_bytes(master_address),
                                cpu_cores, gpu, ram_mb, storage_mb, slots, any_app, _amount(deposit),
                                bytes.fromhex(admission["pubkey"]), bytes.fromhex(admission["signature"]))
        run_tx(ctx, key, [msg], **options)

    def worker_command(name: str, msg_class, help_text: str) -> None:
        """A tx whose only field is the signing worker."""

        @tx_compute.command(name, help=help_text)
        @click.argument("key")
        @tx_options
        @pass_ctx
        def command(ctx: CliContext, key, **options):
            run_tx(ctx, key, [msg_class(address_bytes(resolve_address(ctx, key)))], **options)

    worker_command("heartbeat", MsgHeartbeat, "Mark worker KEY online.")
    worker_command("unregister-worker", MsgUnregisterWorker,
                   "Leave the pool (refused while tasks are running); the deposit comes back after the "
                   "compute param worker_unbonding_seconds.")

    @tx_compute.command("top-up")
    @click.argument("key")
    @click.argument("amount")
    @tx_options
    @pass_ctx
    def top_up(ctx: CliContext, key, amount, **options):
        """Add AMOUNT to worker KEY's deposit."""
        run_tx(ctx, key, [MsgTopUpDeposit(address_bytes(resolve_address(ctx, key)), _amount(amount))], **options)

    # -- amino query compute / apppool ---------------------------------------------------------------

    @query_group.group("compute")
    def query_compute() -> None:
        """Tasks, workers, master node capacity, resource classes and prices."""

    @query_group.group("apppool")
    def query_apppool() -> None:
        """Registered job applications."""

    # (group, command, path with {arg}, argument name or None, whether the argument is an address, help)
    queries = [
        (query_compute, "classes", "/compute/classes", None, False,
         "Resource classes with their current price (uamio per megafuel) and online capacity."),
        (query_compute, "prices", "/compute/prices/{arg}", "class_name", False, "Price history of a class, one entry per epoch."),
        (query_compute, "params", "/compute/params", None, False, "The compute params."),
        (query_compute, "task", "/compute/task/{arg}", "task_id", False, "One task, whatever its state."),
        (query_compute, "worker", "/compute/worker/{arg}", "address", True, "A worker: capabilities, deposit, counters."),
        (query_compute, "workers", "/compute/workers/{arg}", "master", True, "Workers registered in a master node's pool."),
        (query_compute, "master", "/compute/master/{arg}", "operator", True,
         "Reputation counters and free capacity per class of a master node."),
        (query_apppool, "apps", "/apppool/apps", None, False, "Registered applications."),
        (query_apppool, "app", "/apppool/app/{arg}", "module_hash", False, "One application by module hash (hex)."),
    ]

    def add_query(group, name, path, argument, is_address, help_text) -> None:
        def command(ctx: CliContext, **kwargs):
            value = kwargs.get(argument) if argument else None
            if is_address:
                value = resolve_address(ctx, value)
            result = ctx.rpc().abci_query(path.format(arg=value))
            if result.code:
                raise click.ClickException(result.log)
            emit(ctx.output if ctx.output == "json" else "text", decode(result.value) if result.value else None)

        command.__doc__ = help_text
        command = pass_ctx(command)
        if argument:
            command = click.argument(argument)(command)
        group.command(name)(command)

    for spec in queries:
        add_query(*spec)

    # -- services ---------------------------------------------------------------------------------

    @cli.group("master")
    def master() -> None:
        """The master node service."""

    @master.command("start")
    @click.option("--from", "key", required=True, help="The master node's operator key.")
    @click.option("--listen", default="127.0.0.1:8700", show_default=True, help="host:port of the HTTP API.")
    @click.option("--endpoint", default="", help="Public URL registered on chain (default: http://LISTEN).")
    @click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
                  help="Directory of the content-addressed blob store (kept across restarts).")
    @click.option("--max-blob-bytes", type=click.IntRange(1), default=64 * 1024 * 1024, show_default=True)
    @click.option("--max-total-bytes", type=click.IntRange(1), default=4 * 1024**3, show_default=True)
    @click.option("--sponsor", default="", help="Register as a master node candidate sponsored by this super node.")
    @click.option("--bond", default="5000amio", show_default=True, help="Bond when registering.")
    @click.option("--region", default="local", show_default=True)
    @click.option("--retention", type=click.FloatRange(0), default=3600, show_default=True,
                  help="Seconds an unreferenced blob (of a settled task) is kept before it is deleted.")
    @click.option("--admit", default=None, metavar="open|FILE",
                  help="Which workers this master admits into its pool: 'open' (any worker that asks), or FILE, "
                       "one worker address per line, re-read when it changes and on SIGHUP. "
                       f"Default: open on the localnet chain ({LOCALNET_CHAIN_ID}); required on any other chain.")
    @click.option("--upload-min-seconds", type=click.FloatRange(0, min_open=True), default=30.0, show_default=True,
                  help="Every upload may take at least this long (its deadline is the larger of this and "
                       "size / --upload-min-rate).")
    @click.option("--upload-min-rate", type=click.IntRange(1), default=64 * 1024, show_default=True,
                  help="Bytes per second an upload must average past --upload-min-seconds.")
    @click.option("--upload-idle-seconds", type=click.FloatRange(0, min_open=True), default=15.0, show_default=True,
                  help="An upload whose next chunk takes longer is dropped and its reserved room freed.")
    @click.option("--max-uploads-per-client", type=click.IntRange(1), default=4, show_default=True,
                  help="Uploads one signing account may have in flight at once.")
    @pass_ctx
    def master_start(ctx: CliContext, key, listen, endpoint, store_dir, max_blob_bytes, max_total_bytes, sponsor, bond, region,
                     retention, admit, upload_min_seconds, upload_min_rate, upload_idle_seconds, max_uploads_per_client):
        """Register (if needed) and serve: blob store, worker job protocol, admissions and task assignment."""
        from masternode.admission import AdmissionPolicy, AdmissionPolicyError
        from masternode.node import MasterSettings, serve

        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit():
            raise click.BadParameter("--listen must be host:port")
        chain = _chain(ctx, key)
        if admit is None:
            chain_id = chain.chain_id
            if chain_id != LOCALNET_CHAIN_ID:
                raise click.UsageError(f"on chain {chain_id!r}, choose whom this master admits: --admit open "
                                       "(any worker) or --admit FILE (one worker address per line)")
            admit = "open"
        try:
            AdmissionPolicy.from_option(admit)
        except AdmissionPolicyError as exc:
            raise click.BadParameter(str(exc), param_hint="--admit") from None
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        settings = MasterSettings(host, int(port), endpoint, str(store_dir), max_blob_bytes, max_total_bytes,
                                  retention_seconds=retention, upload_min_seconds=upload_min_seconds,
                                  upload_min_bytes_per_second=upload_min_rate, upload_idle_seconds=upload_idle_seconds,
                                  max_uploads_per_client=max_uploads_per_client, admit=admit)
        try:
            serve(chain, settings, _amount(bond), resolve_address(ctx, sponsor) if sponsor else "", region, key)
        except Exception as exc:
            _fail(exc)

    @cli.group("worker")
    def worker() -> None:
        """The worker service."""

    @worker.command("init")
    @click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--key", "key_name", required=True)
    @click.option("--master-url", required=True)
    @click.option("--overwrite", is_flag=True)
    @pass_ctx
    def worker_init(ctx: CliContext, config: Path, key_name, master_url, overwrite):
        """Write a worker config file with the default limits."""
        from worker.config import write_default_config

        write_default_config(config, overwrite=overwrite, key_name=key_name, master_url=master_url, rpc_url=ctx.node_url,
                             chain_id=ctx.resolved_chain_id(), home=str(config.parent / key_name))
        click.echo(f"wrote {config}")

    @worker.command("start")
    @click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
    @click.option("--master", "master_address", required=True, help="Operator address of the master node to join.")
    @click.option("--tui/--no-tui", default=None, help="Live status display (default: when stdout is a terminal).")
    @pass_ctx
    def worker_start(ctx: CliContext, config_path: Path, master_address: str, tui):
        """Register (if needed), heartbeat, and compute the jobs the master assigns."""
        from client.chain import ChainClient
        from worker.config import ConfigError, load_config
        from worker.node import Worker
        from worker.status import run_display

        try:
            config = load_config(config_path, {})
        except ConfigError as exc:
            _fail(exc)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        chain = ChainClient(config.rpc_url, ctx.keyring().signing_key(config.key_name), config.chain_id)
        node = Worker(config, chain)
        master = resolve_address(ctx, master_address)
        for attempt in range(REGISTER_ATTEMPTS):  # the node we talk to may be a block behind the master's registration
            try:
                node.ensure_registered(master)
                break
            except Exception as exc:
                if attempt == REGISTER_ATTEMPTS - 1:
                    _fail(exc)
                logging.getLogger("amino.worker").warning("registration failed (%s); retrying", exc)
                time.sleep(2)
        threads = [threading.Thread(target=node.heartbeat_loop, daemon=True, name="heartbeat"),
                   threading.Thread(target=node.run, daemon=True, name="jobs")]
        for thread in threads:
            thread.start()
        try:
            if tui if tui is not None else sys.stdout.isatty():
                run_display(node)
            else:
                while True:
                    time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            node.stop_event.set()
            for thread in threads:
                thread.join(timeout=10)

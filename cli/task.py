"""amino task ...: run compute tasks, the whole flow (run) or step by step, through the client library's
TaskClient (client/tasks.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from chain_modules.common.amount import format_amio
from cli.compute import read_file
from cli.context import CliContext, pass_ctx
from cli.errors import fail
from cli.output import emit
from cli.parsing import UINT64, format_when
from client.tasks import TaskClient, TaskError


def _tasks(ctx: CliContext, key: str | None, gateway: str | None = None) -> TaskClient:
    return TaskClient(ctx.chain(key, click.get_current_context().meta.get(_TX_META)), gateway=gateway)


_TX_META = "amino.task.tx_options"


def _store_tx_option(name: str):
    def callback(click_ctx: click.Context, _param, value):
        if value is None or value == "":
            return value
        options = click_ctx.meta.setdefault(_TX_META, {})
        if name == "fee":
            from cli.tx import parse_fee

            options["fee"] = parse_fee(value)
        elif name == "gas_price":
            from cli.tx import parse_gas_price

            options["gas_price"] = parse_gas_price(value)
        else:
            options[name] = value
        if "fee" in options and "gas_price" in options:
            raise click.UsageError("give --fees or --gas-prices, not both")
        return value
    return callback


_TASK_TX_OPTIONS = [
    click.option("--fees", "--fee", expose_value=False, callback=_store_tx_option("fee"),
                 help="Fee of each tx the command sends, e.g. 500uamio (default: the chain's minimum)."),
    click.option("--gas-prices", expose_value=False, callback=_store_tx_option("gas_price"),
                 help="Price per unit of gas, e.g. 0.01uamio; fee = gas x price."),
    click.option("--gas", expose_value=False, type=UINT64, callback=_store_tx_option("gas_limit"),
                 help="Gas limit of each tx (default: estimated)."),
    click.option("--note", "--memo", expose_value=False, default="", callback=_store_tx_option("memo"),
                 help="Memo of each tx (at most 256 bytes)."),
]


def task_tx_options(function):
    """The tx flags of the task commands that send txs (--fees or --gas-prices, --gas N, --note)."""
    for option in reversed(_TASK_TX_OPTIONS):
        function = option(function)
    return function


def _task_text(task: dict) -> dict:
    shown = {k: v for k, v in task.items() if k not in ("participants", "heights", "excluded_masters", "excluded_workers")}
    shown["escrow"] = format_amio(task["escrow"])
    shown["paid"] = format_amio(task["paid"])
    shown["refunded"] = format_amio(task["refunded"])
    shown["workers"] = ", ".join(f"{p['worker']} ({p['status']}{', fuel ' + str(p['fuel']) if p['fuel'] else ''})"
                                 for p in task["participants"]) or "-"
    shown["steps"] = ", ".join(f"{step}@{height}" for step, height in task["heights"])
    for key in ("deadline", "step_deadline"):
        if key in shown:
            shown[key] = format_when(shown[key])
    return shown


# task list shows these; the rest with -o json or 'amino task status ID'
LIST_COLUMNS = ("id", "state", "class_name", "replicas", "escrow", "deadline")


def _task_row(task: dict) -> dict:
    text = _task_text(task)
    return {key: text.get(key) for key in LIST_COLUMNS}


_TASK_OPTIONS = [
    click.option("--from", "key", required=True, help="Key that pays (the customer)."),
    click.option("--class", "class_name", default="small", show_default=True, help="Resource class."),
    click.option("--replicas", type=click.IntRange(1, 5), default=1, show_default=True,
                 help="Workers that compute the task independently; the majority result wins."),
    click.option("--max-fuel", type=click.IntRange(1), default=1_000_000_000, show_default=True,
                 help="Fuel limit per replica, up to the chain's max_fuel (10,000,000,000 by default); the escrow "
                      "is price x max fuel x replicas + fee."),
    click.option("--timeout", type=click.IntRange(1), default=600, show_default=True,
                 help="Seconds until the final deadline; after it the task is refunded in full."),
]


def task_options(function):
    """The options of a task submission: the paying key, class, replicas, fuel limit and timeout."""
    for option in reversed(_TASK_OPTIONS):
        function = option(function)
    return function


@click.group("task")
def task() -> None:
    """Run compute tasks: the whole flow (run) or step by step."""


@task.command("run")
@click.argument("module", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@task_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the verified output (default: MODULE name + .out).")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Wait for the verified result; --no-wait returns once the job is uploaded to the master node.")
@click.option("--no-confirm", is_flag=True, help="Leave the task delivered; it auto-confirms after the timeout.")
@task_tx_options
@click.option("--gateway", default=None, envvar="AMINO_GATEWAY", metavar="URL",
              help="Go through this gateway's application API (needs an active API-access lock) instead of the "
                   "node's RPC and the master node.")
@pass_ctx
def task_run(ctx: CliContext, module: Path, input_path: Path, key, class_name, replicas, max_fuel, timeout, out,
             wait, no_confirm, gateway):
    """Run MODULE (a .wasm job) on --input and write the verified output file."""
    tasks = _tasks(ctx, key, gateway)
    module_bytes, data = read_file(module, "module"), read_file(input_path, "input")
    if not wait:
        try:
            view = tasks.start(module_bytes, data, class_name, replicas, max_fuel, timeout, name=module.stem)
        except Exception as exc:
            fail(exc)
        emit(ctx.output, {"task_id": view["id"], "state": view["state"], "master": view["master"],
                          "next": f"amino task status {view['id']}; amino task result {view['id']} --out FILE --from {key}"})
        return
    try:
        summary = tasks.run(module_bytes, data, class_name, replicas, max_fuel, timeout, name=module.stem,
                            confirm=not no_confirm)
    except Exception as exc:  # TaskError, ChainError, httpx errors: all user-facing
        fail(exc if isinstance(exc, TaskError) else click.ClickException(f"{type(exc).__name__}: {exc}"))
    _report_run(ctx, summary, out or module.with_suffix(".out"))


def _report_run(ctx: CliContext, summary, target: Path) -> None:
    """Write the verified output to ``target`` and print the run; exit 1 unless the task was delivered or settled."""
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


@task.command("quote")
@click.option("--class", "class_name", default="small", show_default=True, help="Resource class.")
@click.option("--replicas", type=click.IntRange(1, 5), default=1, show_default=True)
@click.option("--max-fuel", type=click.IntRange(1), default=1_000_000_000, show_default=True)
@click.option("--gateway", default=None, envvar="AMINO_GATEWAY", metavar="URL",
              help="Also show the gateway's price forecast for the next epochs and the escrow at those prices.")
@click.option("--epochs", type=click.IntRange(1, 24), default=3, show_default=True, help="Epochs to forecast.")
@pass_ctx
def task_quote(ctx: CliContext, class_name, replicas, max_fuel, gateway, epochs):
    """The escrow a task would need now (price x max fuel x replicas + fee) and, with --gateway, as forecast."""
    from chain_modules.compute.types import cost

    try:
        chain = ctx.chain(None)
        classes = {c["name"]: c for c in chain.query("/compute/classes")}
        fee = chain.query("/compute/params")["protocol_fee"]
    except Exception as exc:
        fail(exc)
    if class_name not in classes:
        raise click.ClickException(f"no resource class {class_name!r}; classes are {', '.join(sorted(classes))}")
    price = classes[class_name]["price"]
    quote = {"class": class_name, "price": price, "escrow": format_amio(cost(price, max_fuel * replicas) + fee)}
    if gateway:
        import httpx

        try:
            response = httpx.get(f"{gateway.rstrip('/')}/forecast/{class_name}", params={"horizon": epochs}, timeout=30)
        except httpx.HTTPError as exc:
            raise click.ClickException(f"cannot reach the gateway at {gateway}: {exc}") from None
        if response.status_code != 200:
            raise click.ClickException(f"the gateway has no forecast for {class_name}: {response.status_code} {response.text}")
        forecast = response.json()
        quote["forecast_prices"] = forecast["price"]
        quote["forecast_escrows"] = [format_amio(cost(p, max_fuel * replicas) + fee) for p in forecast["price"]]
        quote["forecast_utilisation"] = forecast["utilisation"]
        backtest = forecast["backtest_price"]
        if backtest["points"]:
            quote["backtest"] = (f"price error {backtest['model_mae']:.1f} vs {backtest['naive_mae']:.1f} for the naive "
                                 f"last value, over {backtest['points']} epochs")
    emit(ctx.output, quote)


@task.command("submit")
@click.argument("module", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@task_options
@task_tx_options
@pass_ctx
def task_submit(ctx: CliContext, module: Path, input_path: Path, key, class_name, replicas, max_fuel, timeout):
    """Escrow and submit a task for MODULE on --input (registers the app first if needed); prints the task id."""
    tasks = _tasks(ctx, key)
    module_bytes, data = read_file(module, "module"), read_file(input_path, "input")
    module_hash = hashlib.sha256(module_bytes).digest()
    try:
        if tasks.app(module_hash) is None:
            tasks.register_app(module_bytes, module.stem)
        task_id = tasks.submit(module_hash, data, class_name, replicas, max_fuel, timeout)
    except Exception as exc:
        fail(exc)
    emit(ctx.output, {"task_id": task_id, "next": f"amino task upload {task_id} {module} {input_path} --from {key}"})


@task.command("status")
@click.argument("task_id", type=UINT64)
@pass_ctx
def task_status(ctx: CliContext, task_id: int):
    """Show a task: state, master node, workers, escrow, deadlines, heights of each step."""
    try:
        view = _tasks(ctx, None).status(task_id)
    except Exception as exc:
        fail(exc)
    emit(ctx.output, view if ctx.output == "json" else _task_text(view))


@task.command("upload")
@click.argument("task_id", type=UINT64)
@click.argument("module", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from", "key", required=True, help="The customer's key: it signs the upload.")
@pass_ctx
def task_upload(ctx: CliContext, task_id: int, module: Path, input_path: Path, key: str):
    """Upload MODULE and INPUT to the master node the task is allocated to (hashes checked on both ends)."""
    try:
        view = _tasks(ctx, key).upload(task_id, read_file(module, "module"), read_file(input_path, "input"))
    except Exception as exc:
        fail(exc)
    emit(ctx.output, {"task_id": task_id, "uploaded_to": view["master_endpoint"]})


@task.command("result")
@click.argument("task_id", type=UINT64)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--from", "key", required=True, help="The customer's key: it signs the download.")
@pass_ctx
def task_result(ctx: CliContext, task_id: int, out: Path, key: str):
    """Download the accepted result (checked against the chain's result hash) to --out."""
    try:
        data = _tasks(ctx, key).result(task_id)
    except Exception as exc:
        fail(exc)
    out.write_bytes(data)
    emit(ctx.output, {"task_id": task_id, "bytes": len(data), "file": str(out)})


@task.command("confirm")
@click.argument("task_id", type=UINT64)
@click.option("--from", "key", required=True)
@task_tx_options
@pass_ctx
def task_confirm(ctx: CliContext, task_id: int, key: str):
    """Accept the delivered result and settle: pay the verified fuel, get the rest of the escrow back."""
    view = _customer_step(ctx, key, task_id, TaskClient.confirm)
    emit(ctx.output, {"task_id": task_id, "state": view["state"], "paid": view["paid"], "refunded": view["refunded"]})


@task.command("cancel")
@click.argument("task_id", type=UINT64)
@click.option("--from", "key", required=True)
@task_tx_options
@pass_ctx
def task_cancel(ctx: CliContext, task_id: int, key: str):
    """Cancel a task no worker was assigned to yet; the whole escrow comes back."""
    view = _customer_step(ctx, key, task_id, TaskClient.cancel)
    emit(ctx.output, {"task_id": task_id, "state": view["state"], "refunded": view["refunded"]})


def _customer_step(ctx: CliContext, key: str, task_id: int, step) -> dict:
    """Run a TaskClient step signed by the customer ``key``, then return the task's new view."""
    tasks = _tasks(ctx, key)
    try:
        step(tasks, task_id)
        return tasks.status(task_id)
    except Exception as exc:
        fail(exc)


@task.command("list")
@click.argument("address")
@click.option("--as", "role", type=click.Choice(["customer", "master", "worker"]), default="customer", show_default=True)
@pass_ctx
def task_list(ctx: CliContext, address: str, role: str):
    """Open tasks of ADDRESS (a key name or address) as customer, master node or worker."""
    value = ctx.chain(None).query(f"/compute/tasks/{role}/{ctx.resolve_address(address)}")
    emit(ctx.output, value if ctx.output == "json" else [_task_row(t) for t in value])

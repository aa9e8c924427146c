"""amino task ...: run compute tasks, the whole flow (run) or step by step, through the client library's
TaskClient (client/tasks.py)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import click

from chain_modules.common.amount import format_amio
from cli.compute import read_file
from cli.context import CliContext, pass_ctx
from cli.errors import fail
from cli.output import emit
from cli.parsing import UINT64, format_when
from cli.tx import send_tx, tx_options
from client.tasks import TaskClient, TaskError, TaskTimeout

# exit codes of `amino task run` (docs/customer.md, "Exit codes"); click's usage errors exit 2
EXIT_SETTLED = 0  # a verified output, written to --out
EXIT_REFUSED = 1  # nothing or not everything was sent: a bad module, input or job file, a refused tx, a node error
EXIT_REFUNDED = 3  # the task ended without a result (refunded or cancelled): the chain's reason is printed
EXIT_JOB_FAILED = 4  # the workers verified that the job itself failed (trap, out of fuel...): no output file
EXIT_TIMEOUT = 5  # the command stopped waiting (--max-wait); the task goes on on chain


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
@click.argument("module", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-f", "--file", "job_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A job file (TOML: module, input, class, replicas, max_fuel, deadline, max_price, output); "
                   "flags given here win over it.")
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The input file (required unless the job file names one).")
@task_options
@click.option("--max-price", type=click.IntRange(1), default=None,
              help="Refuse to submit if the class costs more than this (uamio per megafuel; default: today's price "
                   "plus one price step).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the verified output (default: MODULE name + .out).")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Wait for the verified result; --no-wait returns once the job is uploaded to the master node.")
@click.option("--max-wait", type=click.IntRange(1), default=None, metavar="SECONDS",
              help="Stop waiting after this long (exit 5; the task goes on on chain). Default: --timeout + 30.")
@click.option("--no-confirm", is_flag=True, help="Leave the task delivered; it auto-confirms after the timeout.")
@click.option("-y", "--yes", is_flag=True, help="Submit without asking (the quote is still checked).")
@click.option("--dry-run", is_flag=True, help="Check the module and input, print the quote and the time budget; "
                                               "send nothing.")
@task_tx_options
@click.option("--gateway", default=None, envvar="AMINO_GATEWAY", metavar="URL",
              help="Go through this gateway's application API (needs an active API-access lock) instead of the "
                   "node's RPC and the master node.")
@pass_ctx
def task_run(ctx: CliContext, module: Path | None, job_file: Path | None, input_path: Path | None, key, class_name,
             replicas, max_fuel, timeout, max_price, out, wait, max_wait, no_confirm, yes, dry_run, gateway):
    """Run MODULE (a .wasm job) on --input, or the task a job file (-f) describes, and write the verified output.

    Checks the module locally before anything is signed, shows the quote and asks (unless -y), then follows the
    task block by block and says why it waits. Exit codes: 0 a verified output; 1 refused before or while
    sending; 3 refunded or cancelled (the chain's reason is printed); 4 the job itself failed (trap, out of
    fuel: no output file); 5 stopped waiting (--max-wait)."""
    from client.modules import ModuleError, check_job_module

    job = _merge_job_file(click.get_current_context(), job_file, module, input_path, class_name, replicas, max_fuel,
                          timeout, max_price, out)
    module, input_path = job["module"], job["input"]
    module_bytes, data = read_file(module, "module"), read_file(input_path, "input")
    try:
        check_job_module(module_bytes, module.name)
    except ModuleError as exc:
        raise click.ClickException(str(exc)) from None
    tasks = _tasks(ctx, key, gateway)
    try:
        quote = _quote(tasks.chain, job["class_name"], job["replicas"], job["max_fuel"], job["timeout"])
        app = tasks.app(hashlib.sha256(module_bytes).digest())
    except Exception as exc:
        fail(exc)
    if job["max_price"] is not None and quote["price"] > job["max_price"]:
        raise click.ClickException(f"class {job['class_name']!r} costs {quote['price']}uamio per megafuel now, above "
                                   f"--max-price {job['max_price']}: nothing was sent")
    if job["max_fuel"] > quote["fuel_limit_of_class"] and not dry_run:
        raise click.ClickException(f"{quote['problem']}: nothing was sent")
    warning = unverified_warning(app, job["class_name"])
    if dry_run:
        emit(ctx.output, quote | {"module_check": "ok", "app": _app_state(app), **({"warning": warning} if warning else {})})
        return
    if ctx.output != "json":
        for line in ([warning] if warning else []) + [_quote_line(quote)]:
            click.echo(line, err=True)
    if not yes:
        click.confirm(f"Submit task {module.name} (escrow {quote['escrow']})?", abort=True, err=True)
    if not wait:
        try:
            view = tasks.start(module_bytes, data, job["class_name"], job["replicas"], job["max_fuel"], job["timeout"],
                               name=module.stem)
        except Exception as exc:
            fail(exc)
        emit(ctx.output, {"task_id": view["id"], "state": view["state"], "master": view["master"],
                          "next": f"amino task status {view['id']}; amino task result {view['id']} --out FILE --from {key}"})
        return
    wait_seconds = max_wait if max_wait is not None else job["timeout"] + 30
    with _progress_display(ctx) as show:
        try:
            summary = tasks.run(module_bytes, data, job["class_name"], job["replicas"], job["max_fuel"], job["timeout"],
                                name=module.stem, confirm=not no_confirm, wait_seconds=wait_seconds, progress=show,
                                max_price=job["max_price"])
        except TaskTimeout as exc:
            _report_timeout(ctx, exc)
        except Exception as exc:  # TaskError, ChainError, httpx errors: all user-facing
            fail(exc if isinstance(exc, TaskError) else click.ClickException(f"{type(exc).__name__}: {exc}"))
    _report_run(ctx, summary, job["out"] or module.with_suffix(".out"))


def _merge_job_file(click_ctx: click.Context, job_file: Path | None, module: Path | None, input_path: Path | None,
                    class_name: str, replicas: int, max_fuel: int, timeout: int, max_price: int | None,
                    out: Path | None) -> dict:
    """The task to run: the flags, over the job file's values where a flag was not given."""
    from click.core import ParameterSource

    def given(name: str) -> bool:
        return click_ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)

    job = {"module": module, "input": input_path, "class_name": class_name, "replicas": replicas,
           "max_fuel": max_fuel, "timeout": timeout, "max_price": max_price, "out": out}
    if job_file is not None:
        from cli.jobfile import load_job_file

        spec, base = load_job_file(job_file)
        from_file = {"module": base / spec.module, "input": base / spec.input, "class_name": spec.class_name,
                     "replicas": spec.replicas, "max_fuel": spec.max_fuel, "timeout": spec.deadline,
                     "max_price": spec.max_price, "out": base / spec.output if spec.output else None}
        for name, value in from_file.items():
            flag = {"module": "module", "input": "input_path"}.get(name, name)
            if not given(flag):
                job[name] = value
        for name in ("module", "input"):
            if not job[name].is_file():
                raise click.ClickException(f"{job_file}: {name} file {job[name]} does not exist")
    if job["module"] is None:
        raise click.UsageError("give MODULE (a .wasm file) or a job file with -f")
    if job["input"] is None:
        raise click.UsageError("give --input FILE (or a job file with -f that names one)")
    return job


def unverified_warning(app: dict | None, class_name: str) -> str:
    """The warning for a module no verified-only worker will run, with the ways forward; "" for a verified one."""
    if app is not None and app.get("verified"):
        return ""
    status = "registered but not verified" if app is not None else "not registered yet (it is registered unverified)"
    return (f"warning: this module is {status}: only workers that run any app (any_app = true) will take it, so the "
            f"task waits until a master has such a worker with a free `{class_name}` slot. Ways forward: use a master "
            f"whose pool has any_app workers, or have it verified by governance: amino tx gov submit-proposal FILE "
            f"--from KEY, FILE a JSON proposal of kind app_pool with content {{\"action\": \"verify\", "
            f"\"module_hash\": \"<sha256 hex>\"}} (docs/modules/gov.md)")


def _app_state(app: dict | None) -> str:
    if app is None:
        return "not registered"
    return "blocked" if app.get("blocked") else "verified" if app.get("verified") else "unverified"


class _progress_display:
    """Shows run()'s progress: a rich status line with the waiting reason and one line per step (height,
    elapsed) on a terminal; plain lines on stderr when not a terminal; nothing with -o json."""

    def __init__(self, ctx: CliContext) -> None:
        self.json = ctx.output == "json"
        self.tty = sys.stderr.isatty() and not self.json
        self.status = None
        self.console = None

    def __enter__(self):
        if self.tty:
            from rich.console import Console

            self.console = Console(stderr=True)
            self.status = self.console.status("submitting")
            self.status.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.status is not None:
            self.status.stop()

    def __call__(self, progress) -> None:
        if self.json:
            return
        at = f"height {progress.height} " if progress.height else ""
        if progress.kind == "step":
            line = f"[{at}+{progress.elapsed:.1f}s] {progress.text}"
        else:
            line = f"[+{progress.elapsed:.1f}s] {progress.text}"
        if self.console is not None:
            from rich.markup import escape

            if progress.kind == "step":
                self.console.print(escape(line), highlight=False)
            else:
                self.status.update(escape(progress.text))
        else:
            click.echo(line, err=True)


def _report_timeout(ctx: CliContext, exc: TaskTimeout):
    report = {"task_id": exc.task_id, "outcome": "timeout", "state": exc.state, "waiting_for": exc.reason,
              "next": f"the task goes on on chain: amino task status {exc.task_id}"}
    emit(ctx.output, report)
    raise SystemExit(EXIT_TIMEOUT)


def _report_run(ctx: CliContext, summary, target: Path) -> None:
    """Write a verified output to ``target`` and print the run; exit with the outcome's code (see task_run)."""
    from client.tasks import JOB_STATUS_WORDS, WHY_FUEL_IS_PAID

    outcome = summary.outcome
    written = outcome == "settled" and bool(summary.output)
    if written:
        target.write_bytes(summary.output)
    report = summary.to_dict()
    report["output_file"] = str(target) if written else ""
    if outcome == "failed_job":
        report["failure"] = JOB_STATUS_WORDS.get(summary.job_status, f"the job ended {summary.job_status}")
        report["fuel_charged"] = summary.fuel_used
        report["why_paid"] = WHY_FUEL_IS_PAID
    elif outcome in ("refunded", "cancelled") and not report["reason"]:
        report["reason"] = "unknown (the node did not return the refunding block's events)"
    if ctx.output == "json":
        emit("json", report)
    else:
        for name in ("escrow", "paid", "refunded", "compensation"):
            report[name] = format_amio(getattr(summary, name))
        report["workers"] = ", ".join(summary.workers) or "-"
        report["excluded_workers"] = ", ".join(summary.excluded_workers) or "-"
        report["heights"] = ", ".join(f"{step}@{height}" for step, height in summary.heights)
        emit("text", report)
    codes = {"settled": EXIT_SETTLED, "failed_job": EXIT_JOB_FAILED, "refunded": EXIT_REFUNDED,
             "cancelled": EXIT_REFUNDED}
    code = codes.get(outcome, EXIT_SETTLED if summary.state == "delivered" else EXIT_REFUNDED)
    if code:
        raise SystemExit(code)


def _quote(chain, class_name: str, replicas: int, max_fuel: int, timeout: int) -> dict:
    """What a submission escrows now (exactly what compute/submit_task takes: price x max fuel x replicas + the
    protocol fee), what it costs at most, and the class's time budget from the compute params."""
    from chain_modules.compute.types import cost

    classes = {c["name"]: c for c in chain.query("/compute/classes")}
    params = chain.query("/compute/params")
    if class_name not in classes:
        raise click.ClickException(f"no resource class {class_name!r}; classes are {', '.join(sorted(classes))}")
    klass = classes[class_name]
    price, fee = klass["price"], params["protocol_fee"]
    run_seconds = -(-max_fuel // klass["fuel_rate"])
    limit = klass["fuel_rate"] * params["max_run_seconds"]
    steps = params["assign_timeout_seconds"] + params["commit_timeout_seconds"] + run_seconds + \
        params["reveal_timeout_seconds"]
    quote = {
        "class": class_name, "price": price, "replicas": replicas, "max_fuel": max_fuel,
        "escrow": format_amio(cost(price, max_fuel * replicas) + fee), "escrow_uamio": cost(price, max_fuel * replicas) + fee,
        "max_cost": format_amio(cost(price, max_fuel * replicas)), "fee": format_amio(fee),
        "pays": "price x verified fuel of the replicas + fee; the rest of the escrow comes back",
        "free_slots": klass.get("free_slots", 0),
        "run_seconds": run_seconds, "fuel_limit_of_class": limit,
        "time_budget": {"assign": params["assign_timeout_seconds"],
                        "commit": params["commit_timeout_seconds"] + run_seconds,
                        "reveal": params["reveal_timeout_seconds"], "confirm": params["confirm_timeout_seconds"],
                        "until_delivery": steps, "deadline": timeout},
    }
    if max_fuel > limit:
        quote["problem"] = (f"max fuel {max_fuel} is above the class's limit {limit} (fuel_rate {klass['fuel_rate']} x "
                            f"max_run_seconds {params['max_run_seconds']}): the chain will refuse the task")
    elif timeout < steps:
        quote["problem"] = (f"the deadline ({timeout}s) is shorter than one round of the steps ({steps}s): the task may "
                            f"be refunded before a result")
    return quote


def _quote_line(quote: dict) -> str:
    budget = quote["time_budget"]
    line = (f"escrow {quote['escrow']} (at most {quote['max_cost']} for {quote['replicas']} x {quote['max_fuel']} fuel "
            f"at {quote['price']}uamio/megafuel + fee {quote['fee']}); time budget: assign {budget['assign']}s, run and "
            f"commit {budget['commit']}s, reveal {budget['reveal']}s, deadline {budget['deadline']}s")
    return line + (f"; {quote['problem']}" if "problem" in quote else "")


@task.command("quote")
@click.argument("module", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The input file: checked against the chain's max_input_bytes.")
@click.option("--class", "class_name", default="small", show_default=True, help="Resource class.")
@click.option("--replicas", type=click.IntRange(1, 5), default=1, show_default=True)
@click.option("--max-fuel", type=click.IntRange(1), default=1_000_000_000, show_default=True)
@click.option("--timeout", type=click.IntRange(1), default=600, show_default=True,
              help="Seconds until the final deadline: compared with the class's time budget.")
@click.option("--gateway", default=None, envvar="AMINO_GATEWAY", metavar="URL",
              help="Also show the gateway's price forecast for the next epochs and the escrow at those prices.")
@click.option("--epochs", type=click.IntRange(1, 24), default=3, show_default=True, help="Epochs to forecast.")
@pass_ctx
def task_quote(ctx: CliContext, module, input_path, class_name, replicas, max_fuel, timeout, gateway, epochs):
    """The escrow a task would take now (price x max fuel x replicas + fee, exactly what submit escrows), its
    largest cost, the fee and the class's time budget; with MODULE, the module is checked too. Sends nothing."""
    from chain_modules.compute.types import cost

    if module is not None:
        from client.modules import ModuleError, check_job_module

        try:
            check_job_module(read_file(module, "module"), module.name)
        except ModuleError as exc:
            raise click.ClickException(str(exc)) from None
    try:
        chain = ctx.chain(None)
        quote = _quote(chain, class_name, replicas, max_fuel, timeout)
        fee = chain.query("/compute/params")["protocol_fee"]
        if input_path is not None:
            limit = chain.query("/compute/params")["max_input_bytes"]
            if input_path.stat().st_size > limit:
                quote["problem"] = f"the input has {input_path.stat().st_size} bytes, above the chain's {limit}"
    except click.ClickException:
        raise
    except Exception as exc:
        fail(exc)
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
@click.option("--max-price", type=click.IntRange(1), default=None,
              help="Refuse if the class costs more than this (uamio per megafuel; default: today's price plus one "
                   "price step).")
@tx_options
@pass_ctx
def task_submit(ctx: CliContext, module: Path, input_path: Path, key, class_name, replicas, max_fuel, timeout,
                max_price, **options):
    """Escrow and submit a task for MODULE on --input, in one tx that also registers the module if needed (the
    module is checked locally first); prints the task id."""
    from chain_modules.apppool.types import MsgRegisterApp
    from chain_modules.compute.types import MsgSubmitTask
    from client.chain import event_attributes
    from client.modules import ModuleError, check_job_module
    from client.tasks import TX_OVERHEAD_BYTES, price_limit

    module_bytes, data = read_file(module, "module"), read_file(input_path, "input")
    try:
        check_job_module(module_bytes, module.name)
    except ModuleError as exc:
        raise click.ClickException(str(exc)) from None
    module_hash = hashlib.sha256(module_bytes).digest()
    customer = ctx.address_bytes(key)
    msgs = []
    try:
        chain = ctx.chain(None)
        app = chain.query_or_none(f"/apppool/app/{module_hash.hex()}")
        if max_price is None:
            prices = {c["name"]: c["price"] for c in chain.query("/compute/classes")}
            if class_name not in prices:
                raise click.ClickException(f"no resource class {class_name!r}; classes are {', '.join(sorted(prices))}")
            max_price = price_limit(prices[class_name], chain.query("/compute/params")["price_step_bps"])
        if app is None:
            fits = len(module_bytes) + TX_OVERHEAD_BYTES * 2 <= int(chain.query("/auth/params")["max_tx_bytes"])
            msgs.append(MsgRegisterApp(customer, module_hash, len(module_bytes), module.stem, "", (),
                                       module_bytes if fits else b""))
    except click.ClickException:
        raise
    except Exception as exc:
        fail(exc)
    warning = unverified_warning(app, class_name)
    if warning and ctx.output != "json":
        click.echo(warning, err=True)
    msgs.append(MsgSubmitTask(customer, module_hash, hashlib.sha256(data).digest(), len(data), class_name, replicas,
                              max_fuel, max_price, timeout))

    def report(result) -> None:
        submitted = event_attributes(result, "task_submitted")
        task_id = int(submitted[0]["task_id"]) if submitted else None
        emit(ctx.output, {"task_id": task_id, "tx_hash": result.tx_hash, "height": result.height,
                          "escrow": submitted[0].get("escrow") if submitted else None,
                          "next": f"amino task upload {task_id} {module} {input_path} --from {key}"})

    send_tx(ctx, key, msgs, report=report, **options)


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
@tx_options
@pass_ctx
def task_confirm(ctx: CliContext, task_id: int, key: str, **options):
    """Accept the delivered result and settle: pay the verified fuel, get the rest of the escrow back."""
    from chain_modules.compute.types import MsgConfirmTask

    _customer_tx(ctx, key, task_id, MsgConfirmTask(ctx.address_bytes(key), task_id), ("state", "paid", "refunded"),
                 options)


@task.command("cancel")
@click.argument("task_id", type=UINT64)
@click.option("--from", "key", required=True)
@tx_options
@pass_ctx
def task_cancel(ctx: CliContext, task_id: int, key: str, **options):
    """Cancel a task no worker was assigned to yet; the whole escrow comes back."""
    from chain_modules.compute.types import MsgCancelTask

    _customer_tx(ctx, key, task_id, MsgCancelTask(ctx.address_bytes(key), task_id), ("state", "refunded"), options)


def _customer_tx(ctx: CliContext, key: str, task_id: int, msg, shown: tuple[str, ...], options: dict) -> None:
    """Send the customer's ``msg`` for ``task_id`` through the shared tx path (-y, --fees, --gas auto, --dry-run,
    --generate-only), then print the task's new state."""
    def report(_result) -> None:
        try:
            view = _tasks(ctx, None).status(task_id)
        except Exception as exc:
            fail(exc)
        emit(ctx.output, {"task_id": task_id, **{name: view[name] for name in shown}})

    send_tx(ctx, key, [msg], report=report, **options)


@task.command("list")
@click.argument("address")
@click.option("--as", "role", type=click.Choice(["customer", "master", "worker"]), default="customer", show_default=True)
@pass_ctx
def task_list(ctx: CliContext, address: str, role: str):
    """Open tasks of ADDRESS (a key name or address) as customer, master node or worker."""
    value = ctx.chain(None).query(f"/compute/tasks/{role}/{ctx.resolve_address(address)}")
    emit(ctx.output, value if ctx.output == "json" else [_task_row(t) for t in value])

"""amino master start and amino worker init|start|stop: the command line of the services (masternode/, worker/).

The services' modules are imported inside the commands that run them, so the other commands start quickly."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import click

from cli.context import CliContext, pass_ctx
from cli.errors import fail
from cli.output import emit, say
from cli.parsing import parse_amount
from client.chain import ChainClient

REGISTER_ATTEMPTS = 10
LOCALNET_CHAIN_ID = "amino-localnet"  # the localnet launcher's chain id; `master start` admits any worker there


PID_FILE = "amino-worker.pid"  # in the worker's home: how `amino worker stop` finds the running worker


# libraries that log a line per HTTP request at INFO: a worker's log was almost only those lines
QUIET_LOGGERS = ("httpx", "httpcore", "uvicorn.access")


def _log_to_stderr() -> None:
    """INFO lines of our own services to stderr; per-request lines only with AMINO_LOG_LEVEL=DEBUG."""
    level = os.environ.get("AMINO_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level if level in logging.getLevelNamesMapping() else "INFO",
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if level != "DEBUG":
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


# -- amino master ---------------------------------------------------------------------------------------


@click.group("master")
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
    from masternode.node import MasterSettings, serve

    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter("--listen must be host:port")
    chain = ctx.chain(key)
    admit = _admission_policy(chain, admit)
    _log_to_stderr()
    settings = MasterSettings(host, int(port), endpoint, str(store_dir), max_blob_bytes, max_total_bytes,
                              retention_seconds=retention, upload_min_seconds=upload_min_seconds,
                              upload_min_bytes_per_second=upload_min_rate, upload_idle_seconds=upload_idle_seconds,
                              max_uploads_per_client=max_uploads_per_client, admit=admit)
    try:
        serve(chain, settings, parse_amount(bond), ctx.resolve_address(sponsor) if sponsor else "", region, key)
    except Exception as exc:
        fail(exc)


def _admission_policy(chain: ChainClient, admit: str | None) -> str:
    """--admit, checked; without it 'open' on the localnet chain, and a usage error on any other chain."""
    from masternode.admission import AdmissionPolicy, AdmissionPolicyError

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
    return admit


# -- amino worker ---------------------------------------------------------------------------------------


@click.group("worker")
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
    say(ctx.output, {"file": str(config)}, f"wrote {config}")


@worker.command("start")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--master", "master_address", required=True, help="Operator address of the master node to join.")
@click.option("--tui/--no-tui", default=None, help="Live status display (default: when stdout is a terminal).")
@pass_ctx
def worker_start(ctx: CliContext, config_path: Path, master_address: str, tui):
    """Register (if needed), heartbeat, and compute the jobs the master assigns."""
    from worker.config import ConfigError, load_config
    from worker.node import Worker

    try:
        config = load_config(config_path, {})
    except ConfigError as exc:
        fail(exc)
    _log_to_stderr()
    node = Worker(config, ChainClient(config.rpc_url, ctx.keyring().signing_key(config.key_name), config.chain_id))
    # SIGTERM (`amino worker stop`, a service manager) stops the worker as Ctrl-C does: gracefully
    signal.signal(signal.SIGTERM, _interrupt)
    _register_worker(node, ctx.resolve_address(master_address))
    pid_file = Path(config.home) / PID_FILE
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{os.getpid()}\n")
    from worker.api import StatusServer, URL_FILE, write_url

    endpoint = StatusServer(node, config.status_host, config.status_port)
    try:
        write_url(config.home, endpoint.start())
    except RuntimeError as exc:
        pid_file.unlink(missing_ok=True)
        fail(exc)
    logging.getLogger("amino.worker").info("status endpoint on %s (amino worker status --config %s)", endpoint.url,
                                           config_path)
    threads = [threading.Thread(target=node.heartbeat_loop, daemon=True, name="heartbeat"),
               threading.Thread(target=node.run, daemon=True, name="jobs"),
               threading.Thread(target=node.earnings_loop, daemon=True, name="earnings")]
    for thread in threads:
        thread.start()
    try:
        _wait_for_interrupt(node, tui if tui is not None else sys.stdout.isatty())
        _leave(node)
    finally:
        node.stop_event.set()
        for thread in threads:
            thread.join(timeout=10)
        endpoint.stop()
        pid_file.unlink(missing_ok=True)
        (Path(config.home) / URL_FILE).unlink(missing_ok=True)


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _leave(node) -> None:
    """Go offline on chain and finish or hand back what the worker holds; a second Ctrl-C/SIGTERM stops at once."""
    log = logging.getLogger("amino.worker")
    log.info("stopping: going offline, then finishing or handing back the jobs held (Ctrl-C again to stop now)")
    try:
        left = node.leave()
    except KeyboardInterrupt:
        log.warning("stopped at once: jobs still held may miss their deadlines")
        return
    log.info("stopped%s", f"; tasks still held: {left}" if left else "; nothing left behind")


@worker.command("stop")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--timeout", type=click.FloatRange(0), default=None,
              help="Seconds to wait for it to exit (default: its stop_grace_seconds + 30).")
@pass_ctx
def worker_stop(ctx: CliContext, config_path: Path, timeout):
    """Stop the worker running with --config gracefully: it goes offline on chain at once (no new task is assigned
    to it), finishes or hands back the jobs it holds, then exits."""
    from worker.config import ConfigError, load_config

    try:
        config = load_config(config_path, {})
    except ConfigError as exc:
        fail(exc)
    pid_file = Path(config.home) / PID_FILE
    try:
        pid = int(pid_file.read_text().strip())
        # a stale file's pid may belong to another program by now: only a worker service is signalled
        if b"worker\x00start" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            raise ValueError(pid)
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        fail(f"no worker is running with {config_path} (no live worker process in {pid_file})")
    wait = config.stop_grace_seconds + 30 if timeout is None else timeout
    deadline = time.monotonic() + wait
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pid):
        fail(f"worker {pid} is still stopping after {wait:.0f}s; see its log")
    say(ctx.output, {"stopped": pid}, f"worker {pid} stopped")


def _endpoint(config_path: Path) -> str:
    """The URL of the status endpoint of the worker running with ``config_path``; one line when there is none."""
    from worker.api import read_url
    from worker.config import ConfigError, load_config

    try:
        config = load_config(config_path, {})
    except ConfigError as exc:
        fail(exc)
    url = read_url(config.home)
    if url is None:
        fail(f"no worker is running with {config_path} (no status endpoint recorded in {config.home})")
    return url


def _call_worker(config_path: Path, method: str, path: str) -> dict:
    import httpx

    url = _endpoint(config_path)
    try:
        response = httpx.request(method, url + path, timeout=30)
    except httpx.HTTPError as exc:
        fail(f"the worker's status endpoint {url} did not answer ({exc}); is the worker running?")
    if response.status_code != 200:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        fail(f"the worker could not do it: {detail}")
    return response.json()


@worker.group("settings")
def worker_settings() -> None:
    """Show or change the worker's config file (limits included); a running worker applies it after a restart."""


@worker_settings.command("show")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@pass_ctx
def worker_settings_show(ctx: CliContext, config_path: Path):
    """Every setting with its value and whether it comes from the file or is the default."""
    from worker.config import ConfigError, settings_view

    try:
        rows = settings_view(config_path)
    except ConfigError as exc:
        fail(exc)
    emit(ctx.output, rows)


@worker_settings.command("set")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.argument("key")
@click.argument("value")
@pass_ctx
def worker_settings_set(ctx: CliContext, config_path: Path, key: str, value: str):
    """Set KEY to VALUE in the config file, checked like the worker checks it (e.g. run_windows 08:00-18:00,
    idle_only true, max_cache_mb 2048, wall_timeout_seconds 150)."""
    from worker.config import ConfigError, set_setting

    try:
        config = set_setting(config_path, key, value)
    except ConfigError as exc:
        fail(exc)
    running = (Path(config.home) / PID_FILE).exists()
    say(ctx.output, {"key": key, "value": getattr(config, key) if key != "home" else str(config.home),
                     "restart_needed": running},
        f"{key} = {getattr(config, key)} in {config_path}"
        + ("; the running worker applies it after a restart (amino worker stop, then start)" if running else ""))


@worker.command("status")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@pass_ctx
def worker_status(ctx: CliContext, config_path: Path):
    """Show the running worker's identity, deposit, reputation, current jobs, recent results and FOG earnings,
    read from its local status endpoint."""
    view = _call_worker(config_path, "GET", "/v1/status")
    if ctx.output == "json":
        emit("json", view)
        return
    emit("text", _status_text(view), "worker")
    if view["recent_results"]:
        emit("text", view["recent_results"], "recent results")


def _status_text(view: dict) -> dict:
    state = "stopping" if view["stopping"] else "paused" if view["paused"] else "running"
    current = view["current"]
    earnings = view["earnings"]
    return {
        "address": view["address"], "master": view["master"],
        "online": f"{'yes' if view['online'] else 'no'} ({state})",
        "deposit": f"{view['deposit']}uamio",
        "results": f"{view['completed']} completed, {view['failed']} failed, {view['slashed']} slashed; reputation "
                   f"{view['reputation_bps'] / 100:.2f}%",
        "current job": "-" if current["task"] is None and not view["jobs_in_threads"] else
                       f"task {current['task']}: {current['phase']} for {current['seconds']}s"
                       + (f"; in job threads: {view['jobs_in_threads']}" if view["jobs_in_threads"] else ""),
        "last run": f"{view['last_run']['status'] or '-'}, {view['last_run']['fuel']} fuel",
        "FOG earnings": "not read from the chain yet" if earnings is None else
                        f"epoch {earnings['epoch']}: {earnings['points']} of {earnings['epoch_points']} points; "
                        f"{earnings['earned_ufog']}ufog earned in all, {earnings['redeemable_ufog']}ufog redeemable",
        "recent errors": view["errors"] or "none",
    }


@worker.command("pause")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@pass_ctx
def worker_pause(ctx: CliContext, config_path: Path):
    """Pause the running worker: it goes offline on chain at once (no new task), hands back the jobs it has not
    started and finishes the rest; it keeps running until `amino worker resume`."""
    view = _call_worker(config_path, "POST", "/v1/pause")
    say(ctx.output, view, f"worker {view['address']} paused: offline on chain")


@worker.command("resume")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@pass_ctx
def worker_resume(ctx: CliContext, config_path: Path):
    """Resume a paused worker: a heartbeat brings it back online and it takes jobs again."""
    view = _call_worker(config_path, "POST", "/v1/resume")
    say(ctx.output, view, f"worker {view['address']} resumed: online on chain")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return Path(f"/proc/{pid}").exists() and "zombie" not in _proc_state(pid)


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return ""


def _register_worker(node, master: str) -> None:
    """Register the worker in ``master``'s pool (if it is not), retrying: the node we talk to may be a block
    behind the master's registration."""
    for attempt in range(REGISTER_ATTEMPTS):
        try:
            node.ensure_registered(master)
            return
        except Exception as exc:
            if attempt == REGISTER_ATTEMPTS - 1:
                fail(exc)
            logging.getLogger("amino.worker").warning("registration failed (%s); retrying", exc)
            time.sleep(2)


def _wait_for_interrupt(node, live_display: bool) -> None:
    """Show the live status display (or sleep) until Ctrl-C."""
    from worker.status import run_display

    try:
        if live_display:
            run_display(node)
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass

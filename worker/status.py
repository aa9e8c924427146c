"""The worker's live status display (rich): identity, deposit and counters from the chain, the current job
and its phase, recent results, the FOG it earns (read from the chain every earnings_seconds) and errors.
Refreshed twice a second until Ctrl-C."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager

from rich.console import Console, Group
from rich.logging import RichHandler
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from chain_modules.common.amount import format_amio
from chain_modules.fog.types import BPS
from client.fog import FORFEITS, format_factor, format_fog


def render(node) -> Group:
    status = node.status
    config = node.config
    head = Table.grid(padding=(0, 2))
    head.add_row("worker", status.address, "master", status.master or "-")
    paused = " (stopping)" if node.leaving.is_set() else " (paused)" if node.paused.is_set() else ""
    head.add_row("online", ("yes" if status.online else "no") + paused, "deposit", format_amio(status.deposit))
    head.add_row("completed / failed / slashed", f"{status.completed} / {status.failed} / {status.slashed}",
                 "slots", str(status.slots))
    head.add_row("limits", f"fuel {config.max_fuel:,}, memory {config.max_memory_mb} MiB, wall {config.wall_timeout_seconds}s",
                 "apps", "any" if config.any_app else "verified only")
    if config.lie:
        head.add_row("[bold red]LYING[/]", "[bold red]returns wrong results (test mode)[/]", "", "")
    elapsed = time.monotonic() - status.phase_started
    current = Table.grid(padding=(0, 2))
    task = "-" if status.current_task is None else str(status.current_task)
    current.add_row("task", task, "phase", f"{status.phase} ({elapsed:.0f}s)")
    in_flight = sorted(getattr(node, "running", {}))
    current.add_row("in job threads", ", ".join(map(str, in_flight)) or "-", "slots", str(config.slots))
    current.add_row("last run", status.last_result or "-", "fuel", f"{status.last_fuel:,}")
    history = Table("task", "outcome", "fuel", "result hash", title="recent results", expand=True)
    for task_id, outcome, fuel, result in reversed(status.history):
        history.add_row(str(task_id), outcome, f"{fuel:,}", result)
    errors = Panel("\n".join(status.errors) or "none", title="recent errors")
    return Group(Panel(head, title="amino worker"), Panel(current, title="current job"), history,
                 render_earnings(status.earnings), errors)


def render_earnings(earnings) -> Panel:
    """This epoch's points and why (availability windows, verified work, loyalty, probation), FOG per past epoch
    and the total."""
    if earnings is None:
        return Panel("not read from the chain yet", title="FOG earnings")
    age = time.monotonic() - earnings.read_at
    try:
        table = _earnings_table(earnings.contribution, earnings.balance, earnings.params)
    except (KeyError, TypeError, ValueError) as exc:  # an answer of another shape must not take the display down
        return Panel(f"cannot show the chain's answer: {exc!r}", title=f"FOG earnings (read {age:.0f}s ago)")
    return Panel(table, title=f"FOG earnings (read {age:.0f}s ago)")


def _earnings_table(work: dict, balance: dict, params: dict) -> Table:
    table = Table.grid(padding=(0, 2))
    ends = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(work["epoch_ends"]))
    estimate = work["points"] * params["emission_per_epoch"] // work["epoch_points"] if work["epoch_points"] else 0
    table.add_row("this epoch", f"epoch {work['epoch']}, ends {ends}: {work['points']:,} points of "
                                f"{work['epoch_points']:,} (about {format_fog(estimate)} if it closed now)")
    availability = (f"{work['availability']:,} points: {work['windows']} of {work['windows_per_epoch']} windows online "
                    f"under an active master, {params['availability_points']} x capacity weight {work['capacity_weight']} "
                    f"each (slots x proven weight {work['proven_weight']}, bounded by the machine and the deposit)")
    if work["proven_weight"] == 0:
        availability += " (no verified result yet: availability earns nothing until one proves a class)"
    table.add_row("availability", availability)
    if work["forfeited"]:
        table.add_row("[bold red]forfeited[/]", f"[bold red]this epoch's availability is lost: "
                                                f"{FORFEITS.get(work['forfeited'], work['forfeited'])}[/]")
    table.add_row("verified work", f"{work['work']:,} points for {work['verified_fuel']:,} fuel")
    table.add_row("loyalty", f"{format_factor(work['loyalty_bps'])} ({work['streak']} contributing epochs in a row)")
    probation = ("none" if work["probation_bps"] >= BPS else
                 f"{format_factor(work['probation_bps'])} until {params['probation_results']} verified results "
                 f"({work['verified_results']} so far)")
    table.add_row("probation", probation)
    past = ", ".join(f"epoch {item['epoch']}: {format_fog(item['amount'])}" for item in balance["history"])
    table.add_row("past epochs", past or "none yet")
    table.add_row("total", f"{format_fog(balance['contribution_total'])} earned by contribution; balance "
                           f"{format_fog(balance['balance'] + balance['unsettled'])}, redeemable now "
                           f"{format_fog(balance['redeemable'])}")
    return table


def run_display(node) -> None:
    """Draw the display until the worker stops; meanwhile log lines are printed above it by the display's own
    console, so they never overwrite it."""
    with Live(render(node), refresh_per_second=2, screen=False) as live:
        with logs_above(live.console):
            while not node.stop_event.is_set():
                time.sleep(0.5)
                live.update(render(node))


@contextmanager
def logs_above(console: Console):
    """Route the root logger's output through ``console`` (rich prints it above a live display) instead of the
    stream handlers, which would write into the display; the handlers come back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:]
    handler = RichHandler(console=console, show_path=False, rich_tracebacks=False, markup=False)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root.handlers = [handler]
    try:
        yield handler
    finally:
        root.handlers = saved

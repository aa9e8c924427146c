"""The worker's live status display (rich): identity, deposit and counters from the chain, the current job
and its phase, recent results and errors. Refreshed twice a second until Ctrl-C."""

from __future__ import annotations

import time

from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from chain_modules.common.amount import format_amio


def render(node) -> Group:
    status = node.status
    config = node.config
    head = Table.grid(padding=(0, 2))
    head.add_row("worker", status.address, "master", status.master or "-")
    head.add_row("online", "yes" if status.online else "no", "deposit", format_amio(status.deposit))
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
    return Group(Panel(head, title="amino worker"), Panel(current, title="current job"), history, errors)


def run_display(node) -> None:
    with Live(render(node), refresh_per_second=2, screen=False) as live:
        while not node.stop_event.is_set():
            time.sleep(0.5)
            live.update(render(node))

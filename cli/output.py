"""Printing results as JSON (-o json, for scripts) or as readable text."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console
from rich.table import Table

console = Console()


def emit(ctx_output: str, data: Any, title: str | None = None) -> None:
    if ctx_output == "json":
        click.echo(json.dumps(data, indent=2, default=str))
        return
    if isinstance(data, dict):
        table = Table(show_header=False, title=title, box=None)
        for key, value in data.items():
            table.add_row(f"[bold]{key}[/bold]", _text(value))
        console.print(table)
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        table = Table(title=title)
        for column in data[0]:
            table.add_column(str(column))
        for row in data:
            table.add_row(*(_text(row.get(c)) for c in data[0]))
        console.print(table)
    else:
        click.echo(str(data))


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return "" if value is None else str(value)

"""Command groups that import a subcommand's module only when that subcommand runs.

`amino --help` and simple commands must start fast; importing every topic's module (and with them wasmtime,
FastAPI, httpx, the light client) costs seconds. A LazyGroup knows each subcommand by name, module, attribute
and one-line help, and imports the module on first use. tests/cli/test_startup.py checks the one-line helps
against the commands' own, so they cannot drift.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import click

from cli.errors import AminoGroup


class lazy_module:
    """A module imported on first attribute access: ``wallet_tx = lazy_module("client.wallet.tx")`` keeps
    ``wallet_tx.sign(...)`` readable while --help never imports the library behind it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)


class LazyGroup(AminoGroup):
    def __init__(self, *args, lazy: dict[str, tuple[str, str, str]] | None = None,
                 prepare: Callable[[click.Command], None] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str, str]] = dict(lazy or {})  # name -> (module, attribute, short help)
        self.prepare = prepare

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy))

    def load(self, name: str) -> click.Command | None:
        """The subcommand ``name``, importing its module the first time."""
        if name not in self.commands and name in self.lazy:
            module, attribute, _help = self.lazy[name]
            command = getattr(importlib.import_module(module), attribute)
            if self.prepare is not None:
                self.prepare(command)
            self.add_command(command, name)
        return self.commands.get(name)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self.load(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands list of --help, from the table: no subcommand module is imported to print it."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str(limit=formatter.width - 6 - len(name))))
            else:
                rows.append((name, self.lazy[name][2]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

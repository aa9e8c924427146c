"""Turning expected errors into one readable line and exit code 1, never a traceback."""

from __future__ import annotations

from typing import NoReturn

import click

from client.rpc import RpcError
from client.wallet.keyring import KeyringError
from client.wallet.tx import WalletError


class AminoGroup(click.Group):
    """Turns expected errors into one clear line and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (WalletError, KeyringError, RpcError) as exc:
            raise click.ClickException(str(exc)) from None


def fail(exc: Exception) -> NoReturn:
    """Stop the command with ``exc``'s message as the one line the user sees."""
    raise click.ClickException(str(exc)) from None

"""Turning expected errors into one readable line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
from typing import NoReturn

import click

from client.chain import ChainError
from client.rpc import RpcError
from client.wallet.keyring import KeyringError
from client.wallet.tx import WalletError

# What CometBFT or the app says, and what a person should read instead.
_PLAIN_WORDS = (
    ("tx already exists in cache", "this exact transaction was already submitted (same bytes, same hash): "
                                   "wait for it with 'amino query tx HASH', or change --sequence, --memo or --fees"),
    ("mempool is full", "the node's mempool is full: try again in a few blocks"),
)


def readable(message: str) -> str:
    """``message`` in the words a person reads: no exception class prefixes, no raw CometBFT phrasing."""
    text = str(message).strip()
    for prefix in ("ChainError: ", "RpcError: ", "WalletError: ", "KeyringError: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    for raw, plain in _PLAIN_WORDS:
        if raw in text:
            return plain
    return text.splitlines()[0] if text else "failed"


class AminoGroup(click.Group):
    """Turns expected errors into one clear line and exit code 1, never a traceback.

    An exception nobody expected still ends as one line ("unexpected error ...") unless AMINO_DEBUG is set,
    which lets the traceback through for a bug report.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (WalletError, KeyringError, RpcError, ChainError) as exc:
            raise click.ClickException(readable(str(exc))) from None
        except (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit, SystemExit,
                KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("AMINO_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected error ({type(exc).__name__}: {readable(str(exc))}); AMINO_DEBUG=1 shows where") from None


def fail(exc: Exception) -> NoReturn:
    """Stop the command with ``exc``'s message as the one line the user sees."""
    raise click.ClickException(readable(str(exc))) from None

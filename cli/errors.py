"""Turning expected errors into one readable line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
from typing import NoReturn

import click

# The library's errors that carry a message meant for the user. Matched by name so that this module (imported by
# every command, --help included) does not import the library: start-up stays fast.
EXPECTED_ERRORS = {("client.wallet.tx", "WalletError"), ("client.wallet.keys", "KeyringError"),
                   ("client.rpc", "RpcError"), ("client.chain", "ChainError")}

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


def is_expected(exc: BaseException) -> bool:
    """Whether ``exc`` is one of the library's errors whose message is written for the user."""
    return any((cls.__module__, cls.__name__) in EXPECTED_ERRORS for cls in type(exc).__mro__)


class AminoGroup(click.Group):
    """Turns expected errors into one clear line and exit code 1, never a traceback.

    An exception nobody expected still ends as one line ("unexpected error ...") unless AMINO_DEBUG is set,
    which lets the traceback through for a bug report.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit, SystemExit,
                KeyboardInterrupt):
            raise
        except Exception as exc:
            if is_expected(exc):
                raise click.ClickException(readable(str(exc))) from None
            if os.environ.get("AMINO_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected error ({type(exc).__name__}: {readable(str(exc))}); AMINO_DEBUG=1 shows where") from None


def fail(exc: Exception) -> NoReturn:
    """Stop the command with ``exc``'s message as the one line the user sees."""
    raise click.ClickException(readable(str(exc))) from None

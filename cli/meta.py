"""amino version [--long] and amino completion bash|zsh|fish: facts about this program, no node asked."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import click

from cli.context import CliContext, pass_ctx
from cli.output import emit

# The CometBFT release this version is built and tested against (scripts/versions.env pins it for setup.sh).
COMETBFT_VERSION = "v0.38.26"
ROOT = Path(__file__).resolve().parents[1]


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def _commit() -> str:
    """The git commit of the source tree this runs from, when it is a checkout (else empty)."""
    try:
        completed = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                                   timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return completed.stdout.strip() if completed.returncode == 0 else ""


@click.command("version")
@click.option("--long", "long_form", is_flag=True, help="Also the commit, CometBFT, Python and library versions.")
@pass_ctx
def version(ctx: CliContext, long_form: bool) -> None:
    """Print the version of amino."""
    from cli import __version__ as own

    if not long_form:
        emit(ctx.output, {"version": own} if ctx.output == "json" else own)
        return
    emit(ctx.output, {"name": "amino", "version": own, "commit": _commit(), "cometbft": COMETBFT_VERSION,
                      "python": platform.python_version(), "platform": f"{sys.platform}/{platform.machine()}",
                      "libraries": {name: package_version(name) for name in
                                    ("click", "httpx", "pynacl", "msgpack", "protobuf", "rich", "tomlkit")}})


@click.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(click_ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for SHELL.

    \b
    bash:  amino completion bash > ~/.local/share/bash-completion/completions/amino
    zsh:   amino completion zsh > "${fpath[1]}/_amino"
    fish:  amino completion fish > ~/.config/fish/completions/amino.fish
    """
    from click.shell_completion import get_completion_class

    root = click_ctx.find_root().command
    completer = get_completion_class(shell)(root, {}, "amino", "_AMINO_COMPLETE")
    click.echo(completer.source())

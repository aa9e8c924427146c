"""Global flags (Cosmos "persistent flags"): --home, --node, --chain-id, --keyring-backend, -o/--output and --denom are
accepted before the subcommand and after it, as in gaiad and simd.

The root group declares them; ``add_global_options`` copies them onto every command that does not declare an
option of the same name itself. A copy given after the subcommand overrides the root's value.
"""

from __future__ import annotations

from pathlib import Path

import click

GLOBAL_OPTIONS = {
    # parameter name: (flags, click type, help)
    "home": (("--home",), click.Path(path_type=Path), "Wallet home (keys, client.toml, trust)."),
    "node": (("--node",), None, "CometBFT RPC address: tcp://HOST:PORT or http(s)://HOST:PORT."),
    "chain_id": (("--chain-id",), None, "Chain id (default from client.toml, else asked from the node)."),
    "keyring_backend": (("--keyring-backend",), click.Choice(["file", "os", "test"]),
                        "file: encrypted with a passphrase; os: the system keychain; test: UNENCRYPTED, tests only."),
    "output": (("-o", "--output"), click.Choice(["text", "json"]), "Output format."),
    "keyring_passphrase_file": (("--keyring-passphrase-file",), click.Path(dir_okay=False),
                                "Read the keyring passphrase from the first line of this file."),
    "denom": (("--denom",), click.Choice(["amio", "uamio"]), "Unit of amounts in text output: amio or uamio."),
}


def _set_on_context(name: str):
    def callback(ctx: click.Context, _param: click.Parameter, value):
        if value is not None:
            from cli.context import CliContext

            obj = ctx.find_object(CliContext)
            if obj is not None:
                obj.override(name, value)
        return value
    return callback


def add_global_options(command: click.Command) -> None:
    """Give ``command`` (or every loaded command under a group) the global flags it does not define itself."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)
        if not command.invoke_without_command:  # a group that runs on its own (amino config) takes them too
            return
    taken = {opt for param in command.params for opt in getattr(param, "opts", [])}
    names = {param.name for param in command.params}
    for name, (flags, kind, help_text) in GLOBAL_OPTIONS.items():
        if name in names or any(flag in taken for flag in flags):
            continue
        command.params.append(click.Option(list(flags), type=kind, default=None, expose_value=False,
                                           callback=_set_on_context(name), help=help_text, hidden=True))

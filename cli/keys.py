"""amino keys ...: the keyring (BIP39 mnemonic, ed25519, SLIP-0010 path m/44'/9009'/0'/0'/0')."""

from __future__ import annotations

import sys

import click

from cli.context import CliContext, pass_ctx
from cli.output import emit


@click.group()
def keys() -> None:
    """Manage keys (BIP39 mnemonic, ed25519, SLIP-0010 path m/44'/9009'/0'/0'/0')."""


def _key_dict(info) -> dict:
    return {"name": info.name, "address": info.address, "pubkey": info.pubkey.hex(), "backend": info.backend}


@keys.command("add")
@click.argument("name")
@click.option("--recover", is_flag=True, help="Import from an existing mnemonic (asked on the terminal or read from stdin).")
@click.option("--account", default=0, show_default=True, help="HD account number.")
@click.option("--index", default=0, show_default=True, help="HD address index.")
@click.option("--overwrite", is_flag=True, help="Replace an existing key of that name.")
@pass_ctx
def keys_add(ctx: CliContext, name: str, recover: bool, account: int, index: int, overwrite: bool) -> None:
    """Create a key (the mnemonic is shown once) or recover one with --recover."""
    keyring = ctx.keyring()
    mnemonic = None
    if recover:
        mnemonic = click.prompt("Enter your mnemonic", hide_input=True) if sys.stdin.isatty() else sys.stdin.readline().strip()
    info, words = keyring.add(name, mnemonic=mnemonic, account=account, index=index, overwrite=overwrite)
    data = _key_dict(info)
    if not recover:
        data["mnemonic"] = words
    emit(ctx.output, data)
    if not recover and ctx.output != "json":
        click.echo("\nWrite this mnemonic down and keep it safe: it is the only way to recover the key. It is not shown again.", err=True)


@keys.command("list")
@pass_ctx
def keys_list(ctx: CliContext) -> None:
    """List keys."""
    emit(ctx.output, [_key_dict(info) for info in ctx.keyring().list()])


@keys.command("show")
@click.argument("name")
@click.option("-a", "--address", "address_only", is_flag=True, help="Print only the address.")
@pass_ctx
def keys_show(ctx: CliContext, name: str, address_only: bool) -> None:
    """Show a key's address and public key."""
    info = ctx.keyring().show(name)
    if address_only:
        click.echo(info.address)
    else:
        emit(ctx.output, _key_dict(info))


@keys.command("export")
@click.argument("name")
@pass_ctx
def keys_export(ctx: CliContext, name: str) -> None:
    """Export a key as an armored, passphrase-encrypted block."""
    passphrase = click.prompt("Passphrase to encrypt the export", hide_input=True, confirmation_prompt=True)
    click.echo(ctx.keyring().export(name, passphrase))


@keys.command("import")
@click.argument("name")
@click.argument("file", type=click.File("r"))
@click.option("--overwrite", is_flag=True)
@pass_ctx
def keys_import(ctx: CliContext, name: str, file, overwrite: bool) -> None:
    """Import an armored key exported with 'keys export'."""
    passphrase = click.prompt("Passphrase of the export", hide_input=True)
    emit(ctx.output, _key_dict(ctx.keyring().import_key(name, file.read(), passphrase, overwrite=overwrite)))


@keys.command("delete")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def keys_delete(ctx: CliContext, name: str, yes: bool) -> None:
    """Delete a key from the keyring."""
    keyring = ctx.keyring()
    keyring.show(name)
    if not yes:
        click.confirm(f"Delete key '{name}'? Without its mnemonic it cannot be recovered", abort=True)
    keyring.delete(name)
    click.echo(f"deleted key '{name}'")

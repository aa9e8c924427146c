"""amino keys ...: the keyring (BIP39 mnemonic, ed25519, SLIP-0010 path m/44'/9009'/0'/0'/0')."""

from __future__ import annotations

import base64

import click

from cli.context import CliContext, ask_secret, pass_ctx
from cli.output import emit, say


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
    """Create a key (the mnemonic is shown once) or recover one with --recover.

    Asks, in this order: the mnemonic (with --recover), then the new passphrase twice (file backend)."""
    keyring = ctx.keyring()
    if not overwrite and keyring.exists(name):  # before any prompt: nothing typed in vain
        raise click.ClickException(f"key '{name}' already exists: pick another name, or --overwrite to replace it")
    mnemonic = None
    if recover:
        mnemonic = ask_secret("Enter your mnemonic").strip()
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
@click.option("-p", "--pubkey", "pubkey_only", is_flag=True, help="Print only the public key (base64, as CometBFT).")
@pass_ctx
def keys_show(ctx: CliContext, name: str, address_only: bool, pubkey_only: bool) -> None:
    """Show a key's address and public key."""
    if address_only and pubkey_only:
        raise click.UsageError("give --address or --pubkey, not both")
    info = ctx.keyring().show(name)
    if address_only:
        say(ctx.output, {"address": info.address}, info.address)
    elif pubkey_only:
        key = base64.b64encode(info.pubkey).decode()
        if ctx.output == "json":
            emit("json", {"type": "ed25519", "key": key})
        else:
            click.echo(key)
    else:
        emit(ctx.output, _key_dict(info))


@keys.command("rename")
@click.argument("old")
@click.argument("new")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def keys_rename(ctx: CliContext, old: str, new: str, yes: bool) -> None:
    """Rename key OLD to NEW (the key, its address and its mnemonic do not change)."""
    keyring = ctx.keyring()
    keyring.show(old)
    if keyring.exists(new):
        raise click.ClickException(f"key '{new}' already exists: pick another name")
    if not yes:
        click.confirm(f"Rename key '{old}' to '{new}'?", abort=True, err=True)
    emit(ctx.output, _key_dict(keyring.rename(old, new)))


@keys.command("mnemonic")
@pass_ctx
def keys_mnemonic(ctx: CliContext) -> None:
    """Print a new random 24-word BIP39 mnemonic (nothing is stored): for 'keys add NAME --recover'."""
    from client.wallet.keys import generate_mnemonic

    words = generate_mnemonic()
    emit(ctx.output, {"mnemonic": words} if ctx.output == "json" else words)


@keys.command("export")
@click.argument("name")
@pass_ctx
def keys_export(ctx: CliContext, name: str) -> None:
    """Export a key as an armored, passphrase-encrypted block."""
    passphrase = ask_secret("Passphrase to encrypt the export", confirm=True)
    armored = ctx.keyring().export(name, passphrase)
    say(ctx.output, {"name": name, "armored": armored}, armored.rstrip("\n"))


@keys.command("import")
@click.argument("name")
@click.argument("file", type=click.File("r"))
@click.option("--overwrite", is_flag=True)
@pass_ctx
def keys_import(ctx: CliContext, name: str, file, overwrite: bool) -> None:
    """Import an armored key exported with 'keys export'."""
    passphrase = ask_secret("Passphrase of the export")
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
    say(ctx.output, {"deleted": name}, f"deleted key '{name}'")

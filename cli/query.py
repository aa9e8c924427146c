"""amino query: the group every module's queries hang under, proven reads (--prove), accounts and committed txs."""

from __future__ import annotations

import re

import click

from chain_modules.common.encoding import decode
from cli.context import CliContext, pass_ctx
from cli.output import emit
from cli.trust import prove_options
from client.wallet.proofs import proven_query


def parse_tx_hash(text: str) -> bytes:
    """A tx hash as CometBFT prints it: 64 hex digits (either case)."""
    if re.fullmatch(r"[0-9a-fA-F]{64}", text, re.ASCII) is None:
        raise click.BadParameter(f"{text!r} is not a hex tx hash (64 hex digits, as 'amino tx' prints it)",
                                 param_hint="TX_HASH")
    return bytes.fromhex(text)


@click.group()
def query() -> None:
    """Query chain state (add --prove to check a Merkle proof against a signed header)."""


def query_value(ctx: CliContext, path: str, prove: bool, witnesses: tuple[str, ...] = (),
                trusting_period: int | None = None) -> tuple[bytes, dict]:
    """The raw value at ``path`` and what to show about where it came from; with ``prove``, checked by a Merkle
    proof against a header the light client verified from the wallet's trusted header."""
    if not prove and (witnesses or trusting_period is not None):
        raise click.ClickException("--witness and --trusting-period only apply with --prove")
    rpc = ctx.rpc()
    if prove:
        proven = proven_query(rpc, ctx.home, ctx.trusted_chain_id(), path,
                              trusting_period_seconds=ctx.trusting_period_seconds(trusting_period),
                              witnesses=ctx.witnesses(witnesses))
        if proven.anchored_on_first_use:
            click.echo(f"note: no trusted header for this chain yet: trusted the node's header {proven.height + 1} "
                       "on first use ('amino trust show'; 'amino trust anchor' pins one you checked)", err=True)
        return proven.value, {"height": proven.height, "proof": "verified", "app_hash": proven.app_hash,
                              "trusted_height": proven.trusted_height}
    result = rpc.abci_query(path)
    if result.code:
        raise click.ClickException(f"query failed ({result.codespace} {result.code}): {result.log}")
    return result.value, {"height": result.height}


@query.command("account")
@click.argument("address")
@prove_options
@pass_ctx
def query_account(ctx: CliContext, address: str, prove: bool, witnesses: tuple[str, ...],
                  trusting_period: int | None) -> None:
    """Account of ADDRESS (or key name): sequence and public key."""
    address = ctx.resolve_address(address)
    value, meta = query_value(ctx, f"/auth/account/{address}", prove, witnesses, trusting_period)
    pubkey, sequence = decode(value) if value else (None, 0)
    emit(ctx.output, {"address": address, "sequence": sequence, "pubkey": pubkey.hex() if pubkey else None, **meta})


@query.command("tx")
@click.argument("tx_hash")
@pass_ctx
def query_tx(ctx: CliContext, tx_hash: str) -> None:
    """A committed transaction by hash."""
    digest = parse_tx_hash(tx_hash)
    result = ctx.rpc().tx(digest)
    tx_result = result["tx_result"]
    emit(ctx.output, {"hash": result["hash"], "height": result["height"], "code": tx_result.get("code", 0),
                      "codespace": tx_result.get("codespace", ""), "log": tx_result.get("log", ""),
                      "gas_wanted": tx_result.get("gas_wanted"), "gas_used": tx_result.get("gas_used")})

"""amino trust ... and the --prove options: the header the wallet's proofs are verified from (docs/security-wallet.md)."""

from __future__ import annotations

import click

from cli.context import CliContext, pass_ctx
from cli.output import emit
from cli.parsing import parse_duration
from cli.lazy import lazy_module

proofs = lazy_module("client.wallet.proofs")  # the light client: imported by the commands that use it


def _duration_option(_ctx, _param, value: str | None) -> int | None:
    return None if value is None else parse_duration(value)


def prove_options(command):
    """--prove and the light-client options that go with it, for the query commands."""
    command = click.option("--trusting-period", "trusting_period", default=None, callback=_duration_option,
                           help="How long a verified header stays trusted (e.g. 14d; default client.toml "
                                "trusting-period or 14d). Keep it below the chain's unbonding period.")(command)
    command = click.option("--witness", "witnesses", multiple=True, metavar="URL",
                           help="RPC URL of another node that must report the same header (repeatable; "
                                "default client.toml witnesses).")(command)
    return click.option("--prove", is_flag=True,
                        help="Verify the value with a Merkle proof and the validators' signatures.")(command)


@click.group()
def trust() -> None:
    """The trusted header that --prove verifies new headers from (one per chain id)."""


@trust.command("show")
@pass_ctx
def trust_show(ctx: CliContext) -> None:
    """Show the trusted header: height, time, header hash and validator set hash."""
    chain_id = ctx.trusted_chain_id()
    data = proofs.read_trust(ctx.home, chain_id)
    if data is None:
        raise click.ClickException(f"no trusted header for chain {chain_id} in {proofs.trust_file(ctx.home, chain_id)}")
    shown = {"chain_id": chain_id, "file": str(proofs.trust_file(ctx.home, chain_id))}
    shown.update({key: value for key, value in data.items() if key != "validators"})
    if isinstance(data.get("validators"), list):
        shown["validators"] = len(data["validators"])
    emit(ctx.output, shown)


@trust.command("anchor")
@click.option("--height", type=click.IntRange(min=1), required=True, help="Height of the header to trust.")
@click.option("--hash", "header_hash", required=True,
              help="That header's hash (64 hex digits), from a source you trust (a validator operator, a block explorer you trust).")
@click.option("--witness", "witnesses", multiple=True, metavar="URL", help="RPC URL of another node that must agree (repeatable).")
@click.option("--trusting-period", "trusting_period", default=None, callback=_duration_option,
              help="How long a verified header stays trusted (default client.toml trusting-period or 14d).")
@pass_ctx
def trust_anchor(ctx: CliContext, height: int, header_hash: str, witnesses: tuple[str, ...], trusting_period: int | None) -> None:
    """Trust the header at HEIGHT with hash HASH (replaces the trusted header of this chain)."""
    try:
        expected = bytes.fromhex(header_hash)
    except ValueError:
        raise click.ClickException(f"--hash {header_hash!r} is not hex") from None
    period = ctx.trusting_period_seconds(trusting_period)
    state = proofs.anchor_trust(ctx.node_url, ctx.home, ctx.trusted_chain_id(), height, expected,
                         trusting_period_seconds=period, witnesses=ctx.witnesses(witnesses))
    emit(ctx.output, {"chain_id": state.header.chain_id, "height": state.height, "time": state.header.time,
                      "header_hash": state.header.header_hash.hex().upper(),
                      "validators_hash": state.header.validators_hash.hex().upper(), "trusted": True})


@trust.command("reset")
@pass_ctx
def trust_reset(ctx: CliContext) -> None:
    """Forget the trusted header: the next --prove trusts the node's header on first use."""
    chain_id = ctx.trusted_chain_id()
    removed = proofs.reset_trust(ctx.home, chain_id)
    emit(ctx.output, {"chain_id": chain_id, "removed": removed})

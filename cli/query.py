"""amino query: the group every module's queries hang under, proven reads (--prove), accounts and committed txs."""

from __future__ import annotations

import base64
import hashlib
import re

import click

from abci_app.codec import TxDecodeError, decode_tx
from chain_modules.common.address import address_from_pubkey
from chain_modules.common.encoding import decode
from cli.context import CliContext, pass_ctx
from cli.lazy import LazyGroup, lazy_module
from cli.output import emit
from cli.parsing import UINT64
from cli.trust import prove_options

wallet_tx = lazy_module("client.wallet.tx")  # the library (httpx, the light client): not imported for --help
proofs = lazy_module("client.wallet.proofs")


def parse_tx_hash(text: str) -> bytes:
    """A tx hash as CometBFT prints it: 64 hex digits (either case)."""
    if re.fullmatch(r"[0-9a-fA-F]{64}", text, re.ASCII) is None:
        raise click.BadParameter(f"{text!r} is not a hex tx hash (64 hex digits, as 'amino tx' prints it)",
                                 param_hint="TX_HASH")
    return bytes.fromhex(text)


@click.group(cls=LazyGroup)
def query() -> None:
    """Query chain state; account, bank balance and bank supply also take --prove.

    --prove checks a Merkle proof of the value against a header the light client verified. Only values stored
    under one state key can be proven (account, bank balance, bank supply); the other queries are views the
    node computes from many keys and are not offered --prove."""


def query_value(ctx: CliContext, path: str, prove: bool, witnesses: tuple[str, ...] = (),
                trusting_period: int | None = None) -> tuple[bytes, dict]:
    """The raw value at ``path`` and what to show about where it came from; with ``prove``, checked by a Merkle
    proof against a header the light client verified from the wallet's trusted header."""
    if not prove and (witnesses or trusting_period is not None):
        raise click.ClickException("--witness and --trusting-period only apply with --prove")
    rpc = ctx.rpc()
    if prove:
        proven = proofs.proven_query(rpc, ctx.home, ctx.trusted_chain_id(), path,
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
    """A committed tx by hash: its decoded messages, result and events."""
    digest = parse_tx_hash(tx_hash)
    from client.rpc import RpcError

    try:
        result = ctx.rpc().tx(digest)
    except RpcError as exc:
        if "not found" in str(exc):
            raise click.ClickException(f"no committed tx {tx_hash.upper()} on this node (it may still be in the "
                                       "mempool, or the node does not index txs)") from None
        raise
    _show_tx(ctx, decoded_tx(result))


def _events(tx_result: dict) -> list[dict]:
    return [{"type": event["type"], "attributes": {a["key"]: a["value"] for a in event.get("attributes", [])}}
            for event in tx_result.get("events", [])]


def decoded_tx(result: dict, with_events: bool = True) -> dict:
    """A committed tx as the RPC returns it (tx or tx_search item), with its messages decoded.

    Schema: hash, height, code, codespace, log, gas_wanted, gas_used, signer, chain_id, sequence, fee,
    gas_limit, memo, msgs [{type, body}], and (with_events) events [{type, attributes}].
    """
    tx_result = result.get("tx_result", {})
    data = {"hash": result["hash"], "height": int(result["height"]), "code": int(tx_result.get("code", 0)),
            "codespace": tx_result.get("codespace", ""), "log": tx_result.get("log", ""),
            "gas_wanted": int(tx_result.get("gas_wanted", 0)), "gas_used": int(tx_result.get("gas_used", 0))}
    try:
        tx = decode_tx(base64.b64decode(result.get("tx", "")))
    except (TxDecodeError, ValueError):
        data.update(signer=None, msgs=None)
    else:
        doc = wallet_tx.render_doc(tx.doc)
        data["signer"] = address_from_pubkey(tx.pubkey) if len(tx.pubkey) == 32 else None
        data.update({key: doc[key] for key in ("chain_id", "sequence", "fee", "gas_limit", "memo", "msgs")})
    if with_events:
        data["events"] = _events(tx_result)
    return data


def _show_tx(ctx: CliContext, data: dict) -> None:
    if ctx.output == "json":
        emit("json", data)
        return
    shown = {k: v for k, v in data.items() if k not in ("msgs", "events") and v not in (None, "")}
    emit("text", shown)
    for index, msg in enumerate(data.get("msgs") or []):
        body = ", ".join(f"{k}={v}" for k, v in msg["body"].items())
        click.echo(f"  msg {index} {msg['type']}: {body}")
    for event in data.get("events") or []:
        click.echo(f"  event {event['type']}: " + ", ".join(f"{k}={v}" for k, v in event["attributes"].items()))


@query.command("txs")
@click.option("--query", "search", required=True,
              help="CometBFT event query, e.g. \"transfer.sender='amio1...'\" or \"tx.height>=10 AND message.action='bank/send'\".")
@click.option("--page", type=UINT64, default=1, show_default=True, help="Page number, from 1.")
@click.option("--limit", type=click.IntRange(1, 100), default=30, show_default=True, help="Txs per page (1 to 100).")
@click.option("--order-by", type=click.Choice(["asc", "desc"]), default="asc", show_default=True,
              help="By height: oldest first (asc) or newest first (desc).")
@pass_ctx
def query_txs(ctx: CliContext, search: str, page: int, limit: int, order_by: str) -> None:
    """Committed txs whose events match --query (CometBFT's tx_search), one page at a time."""
    if not search.strip():
        raise click.BadParameter("give an event query such as \"transfer.sender='amio1...'\"", param_hint="--query")
    if page < 1:
        raise click.BadParameter("pages count from 1", param_hint="--page")
    _show_txs(ctx, _search(ctx, search, page, limit, order_by), page, limit)


def _search(ctx: CliContext, search: str, page: int, limit: int, order_by: str) -> dict:
    from client.rpc import RpcError

    try:
        return ctx.rpc().tx_search(search, page, limit, order_by)
    except RpcError as exc:
        if "page should be within" in str(exc):  # CometBFT's answer for a page past the last one
            return {"txs": [], "total_count": "0"}
        raise click.ClickException(f"the node refused the search {search!r}: {exc}") from None


def _show_txs(ctx: CliContext, result: dict, page: int, limit: int) -> None:
    txs = [decoded_tx(item, with_events=ctx.output == "json") for item in result.get("txs", [])]
    total = int(result.get("total_count", len(txs)))
    data = {"total_count": total, "page": page, "limit": limit, "page_total": max(1, -(-total // limit)), "txs": txs}
    if ctx.output == "json":
        emit("json", data)
        return
    click.echo(f"{total} tx(s), page {page} of {data['page_total']}")
    for tx in txs:
        types = ", ".join(msg["type"] for msg in tx.get("msgs") or [])
        click.echo(f"  height {tx['height']}  {tx['hash']}  code {tx['code']}  {types}")


@query.command("account-txs")
@click.argument("address")
@click.option("--page", type=UINT64, default=1, show_default=True, help="Page number, from 1.")
@click.option("--limit", type=click.IntRange(1, 100), default=30, show_default=True, help="Txs per page (1 to 100).")
@click.option("--order-by", type=click.Choice(["asc", "desc"]), default="desc", show_default=True)
@pass_ctx
def query_account_txs(ctx: CliContext, address: str, page: int, limit: int, order_by: str) -> None:
    """Txs signed by ADDRESS (or key name): the txs whose fee it paid."""
    address = ctx.resolve_address(address)
    if page < 1:
        raise click.BadParameter("pages count from 1", param_hint="--page")
    _show_txs(ctx, _search(ctx, f"tx.fee_payer='{address}'", page, limit, order_by), page, limit)


@query.command("block")
@click.argument("height", type=UINT64, required=False)
@pass_ctx
def query_block(ctx: CliContext, height: int | None) -> None:
    """A committed block (the latest without HEIGHT): hash, time, proposer, app hash and its txs' hashes."""
    if height == 0:
        raise click.BadParameter("heights start at 1", param_hint="HEIGHT")
    result = ctx.rpc().block(height)
    header, txs = result["block"]["header"], result["block"]["data"].get("txs") or []
    data = {"height": int(header["height"]), "hash": result["block_id"]["hash"], "time": header["time"],
            "chain_id": header["chain_id"], "proposer": header["proposer_address"], "app_hash": header["app_hash"],
            "num_txs": len(txs), "txs": [hashlib.sha256(base64.b64decode(tx)).hexdigest().upper() for tx in txs]}
    if ctx.output == "json":
        emit("json", data)
        return
    emit("text", {k: v for k, v in data.items() if k != "txs"})
    for tx_hash in data["txs"]:
        click.echo(f"  tx {tx_hash}")

"""amino tx gov ... and amino query gov ...: proposals, deposits and votes (docs/modules/gov.md).

A proposal is a JSON file::

    {"kind": "param_change", "title": "Faster price steps", "summary": "why", "deposit": "250amio",
     "expedited": false,
     "content": {"changes": [{"module": "compute", "params": {"price_step_bps": 900}}]}}

``content`` per kind: ``text`` {} (or no content); ``param_change`` {"changes": [{"module", "params"}]};
``app_pool`` {"action": "verify"|"unverify"|"block", "module_hash": hex}; ``community_spend``
{"recipient": address or key name, "amount": "10amio"}; ``upgrade`` {"name", "height"}. The file is checked
with the chain's own message rules before anything is signed; the chain then checks what it asks (a param
change against the target module's params).

-o json prints each query's view as the chain answers it (amounts in uamio), plus the height."""

from __future__ import annotations

import json
from pathlib import Path

import click

from chain_modules.common.amount import format_amio
from chain_modules.common.errors import ChainError
from chain_modules.gov.types import APP_POOL, COMMUNITY_SPEND, OPTIONS, MsgDeposit, MsgSubmitProposal, MsgVote
from cli.context import CliContext, pass_ctx
from cli.output import emit
from cli.parsing import format_time, parse_amount
from cli.tx import send_tx, tx_options

FILE_FIELDS = {"kind", "title", "summary", "deposit", "expedited", "content"}
OPTION_NAMES = {"yes": "yes", "no": "no", "abstain": "abstain", "no_with_veto": "no_with_veto",
                "no-with-veto": "no_with_veto", "veto": "no_with_veto"}


def _bad(message: str) -> click.BadParameter:
    return click.BadParameter(message, param_hint="FILE")


def _no_floats(value, where: str) -> None:
    if isinstance(value, float):
        raise _bad(f"{where}: {value!r} is not an integer (the chain has no fractions: use base units)")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_floats(item, f"{where}.{key}")
    if isinstance(value, list):
        for index, item in enumerate(value):
            _no_floats(item, f"{where}[{index}]")


def load_proposal(ctx: CliContext, path: Path, proposer: bytes) -> MsgSubmitProposal:
    """The submit message a proposal file describes; every mistake is one readable line naming the field."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise _bad(f"cannot read {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _bad("the proposal file must hold a JSON object")
    unknown = sorted(set(data) - FILE_FIELDS)
    missing = sorted({"kind", "title", "deposit"} - set(data))
    if unknown or missing:
        raise _bad(f"unknown field {unknown[0]!r}" if unknown else f"field {missing[0]!r} is required")
    if not isinstance(data["deposit"], str):
        raise _bad("'deposit' must be an amount such as \"250amio\"")
    deposit = parse_amount(data["deposit"], "FILE 'deposit'")
    content = data.get("content", {})
    if not isinstance(content, dict):
        raise _bad("'content' must be a JSON object")
    _no_floats(content, "content")
    content = dict(content)
    kind = data["kind"]
    if kind == APP_POOL and isinstance(content.get("module_hash"), str):
        try:
            content["module_hash"] = bytes.fromhex(content["module_hash"])
        except ValueError:
            raise _bad("content.module_hash must be 64 hex digits") from None
    if kind == COMMUNITY_SPEND:
        if isinstance(content.get("recipient"), str):
            content["recipient"] = ctx.address_bytes(content["recipient"])
        if isinstance(content.get("amount"), str):
            content["amount"] = parse_amount(content["amount"], "FILE content.amount")
    body = {"proposer": proposer, "kind": kind, "content": content, "title": data["title"],
            "summary": data.get("summary", ""), "initial_deposit": deposit, "expedited": data.get("expedited", False)}
    try:
        return MsgSubmitProposal.from_body(body)
    except ChainError as exc:
        raise _bad(exc.log) from None


# -- amino tx gov ---------------------------------------------------------------------------------------


@click.group("gov")
def tx_gov() -> None:
    """Submit proposals, deposit on them and vote."""


@tx_gov.command("submit-proposal")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--from", "key", required=True, help="The key that submits and pays the initial deposit.")
@tx_options
@pass_ctx
def submit_proposal(ctx: CliContext, file, key, **options):
    """Submit the proposal in FILE (JSON: kind, title, summary, deposit, expedited, content) with its initial
    deposit. It enters its voting period once its deposits reach the minimum ('amino query gov params')."""
    msg = load_proposal(ctx, file, ctx.address_bytes(key))
    send_tx(ctx, key, [msg], **options)


@tx_gov.command("deposit")
@click.argument("proposal_id", type=click.IntRange(min=1))
@click.argument("amount")
@click.option("--from", "key", required=True, help="The key that deposits.")
@tx_options
@pass_ctx
def deposit(ctx: CliContext, proposal_id, amount, key, **options):
    """Deposit AMOUNT on proposal PROPOSAL_ID in its deposit period (AMOUNT as 100amio). Deposits come back when the
    proposal ends, unless it never reaches voting or is vetoed: then they are burned to the community pool."""
    msg = MsgDeposit(ctx.address_bytes(key), proposal_id, parse_amount(amount, "AMOUNT"))
    send_tx(ctx, key, [msg], **options)


@tx_gov.command("vote")
@click.argument("proposal_id", type=click.IntRange(min=1))
@click.argument("option", type=click.Choice(sorted(OPTION_NAMES), case_sensitive=False))
@click.option("--from", "key", required=True, help="The key that votes.")
@tx_options
@pass_ctx
def vote(ctx: CliContext, proposal_id, option, key, **options):
    """Vote OPTION (yes, no, abstain or no_with_veto) on proposal PROPOSAL_ID with the key's bonded and
    investor-locked AMIO. A super node's operator votes for its delegators too, unless they vote themselves; a
    later vote replaces an earlier one."""
    msg = MsgVote(ctx.address_bytes(key), proposal_id, OPTION_NAMES[option.lower()])
    send_tx(ctx, key, [msg], **options)


# -- amino query gov ------------------------------------------------------------------------------------


@click.group("gov")
def query_gov() -> None:
    """Proposals, votes, tallies and the gov params."""


def _tally_text(tally: dict) -> str:
    return ", ".join(f"{option} {format_amio(tally[option])}" for option in OPTIONS)


def _summary(proposal: dict) -> dict:
    voting = proposal["status"] == "voting_period"
    ends = proposal["voting_end"] if voting else proposal["deposit_end"] if proposal["status"] == "deposit_period" else None
    return {"id": proposal["id"], "kind": proposal["kind"], "status": proposal["status"], "title": proposal["title"],
            "deposit": format_amio(proposal["total_deposit"]), "ends": format_time(ends) if ends else ""}


@query_gov.command("proposals")
@pass_ctx
def proposals(ctx: CliContext):
    """The last 200 proposals."""
    value, height = ctx.query("/gov/proposals")
    if ctx.output == "json":
        emit("json", {"proposals": value, "height": height})
    elif not value:
        click.echo("no proposals")
    else:
        emit("text", [_summary(p) for p in value], title=f"proposals at height {height}")


@query_gov.command("proposal")
@click.argument("proposal_id", type=click.IntRange(min=1))
@pass_ctx
def proposal(ctx: CliContext, proposal_id):
    """One proposal: what it asks, its deposits, its periods and its tally."""
    value, height = ctx.query(f"/gov/proposal/{proposal_id}")
    if ctx.output == "json":
        emit("json", value | {"height": height})
        return
    text = _summary(value) | {"proposer": value["proposer"], "expedited": value["expedited"],
                              "content": value["content"], "summary": value["summary"],
                              "tally": _tally_text(value["tally"])}
    if value["note"]:
        text["note"] = value["note"]
    emit("text", text)


@query_gov.command("votes")
@click.argument("proposal_id", type=click.IntRange(min=1))
@pass_ctx
def votes(ctx: CliContext, proposal_id):
    """The votes on a proposal (the first 200 by voter)."""
    value, height = ctx.query(f"/gov/votes/{proposal_id}")
    if ctx.output == "json":
        emit("json", {"votes": value, "height": height})
    elif not value:
        click.echo(f"no votes on proposal {proposal_id}")
    else:
        emit("text", [{"voter": v["voter"], "option": v["option"], "locked counted": format_amio(v["locked_counted"])}
                      for v in value])


@query_gov.command("tally")
@click.argument("proposal_id", type=click.IntRange(min=1))
@pass_ctx
def tally(ctx: CliContext, proposal_id):
    """A proposal's tally: running during its voting period (with the result it would have now), final after."""
    value, height = ctx.query(f"/gov/tally/{proposal_id}")
    if ctx.output == "json":
        emit("json", value | {"height": height})
        return
    text = {"status": value["status"], "tally": _tally_text(value["tally"]),
            "total voting power": format_amio(value["total_power"])}
    if "result_if_ended_now" in value:
        text["result if it ended now"] = value["result_if_ended_now"]
    emit("text", text)


@query_gov.command("upgrade")
@pass_ctx
def upgrade(ctx: CliContext):
    """The upgrade plan governance scheduled: every node stops at its height unless its build knows the plan."""
    value, height = ctx.query("/gov/upgrade")
    if ctx.output == "json":
        emit("json", value | {"height": height})
    elif value["plan"] is None:
        click.echo("no upgrade plan is scheduled")
    else:
        plan = value["plan"]
        emit("text", {"name": plan["name"], "height": plan["height"], "proposal": plan["proposal_id"]})


@query_gov.command("params")
@pass_ctx
def params(ctx: CliContext):
    """The gov params."""
    value, _height = ctx.query("/gov/params")
    emit(ctx.output, value)

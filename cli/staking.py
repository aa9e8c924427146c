"""amino tx staking|distribution|slashing ... and amino query staking|distribution|slashing ...: super nodes,
master nodes, delegations (votes), rewards, jail, and the validator set."""

from __future__ import annotations

import base64
from pathlib import Path

import click
from nacl.signing import SigningKey

from chain_modules.common.amount import format_amio
from chain_modules.distribution.types import MsgWithdrawCommission, MsgWithdrawRewards
from chain_modules.slashing.types import MsgUnjail
from chain_modules.staking.types import (
    MsgConsentSponsorship,
    MsgCreateMasterNode,
    MsgCreateSuperNode,
    MsgDelegate,
    MsgEditMasterNode,
    MsgEditSuperNode,
    MsgRedelegate,
    MsgUndelegate,
    MsgWithdrawSponsorship,
    is_valid_consensus_key,
    proof_of_possession_bytes,
)
from cli.context import CliContext, pass_ctx
from cli.output import emit
from cli.parsing import parse_amount, parse_rate
from cli.tx import send_tx, tx_options
from client.wallet.tx import address_bytes


def _node_signing_key(node_home: Path) -> SigningKey:
    """The consensus key of a cometbft home (--node-home); one line naming the file when it cannot be read."""
    from genesis.ceremony import consensus_signing_key

    try:
        return consensus_signing_key(node_home)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--node-home") from None


def _base64_field(text: str, size: int, option: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise click.BadParameter(f"must be the base64 of {what}", param_hint=option)
    return raw


def consensus_key_and_proof(ctx: CliContext, operator: bytes, pubkey_text: str | None, proof_text: str | None,
                            node_home: Path | None) -> tuple[bytes, bytes]:
    """The consensus public key and its proof of possession for ``operator``: signed here with the node's key
    file (--node-home), or both given (--consensus-pubkey and --proof-of-possession, made where the key lives
    with `amino tx staking sign-pop`)."""
    if node_home is not None:
        key = _node_signing_key(node_home)
        pubkey = bytes(key.verify_key)
        proof = key.sign(proof_of_possession_bytes(ctx.resolved_chain_id(ctx.rpc()), operator)).signature
    elif pubkey_text is None or proof_text is None:
        raise click.UsageError("give --node-home PATH (a cometbft home), or both --consensus-pubkey and --proof-of-possession")
    else:
        pubkey = _base64_field(pubkey_text, 32, "--consensus-pubkey", "a 32-byte ed25519 key")
        proof = _base64_field(proof_text, 64, "--proof-of-possession", "a 64-byte ed25519 signature")
    if not is_valid_consensus_key(pubkey):
        raise click.BadParameter("is not a usable ed25519 key (not a point of prime order)", param_hint="--consensus-pubkey")
    return pubkey, proof


# -- amino tx staking ------------------------------------------------------------------------------


@click.group("staking")
def tx_staking() -> None:
    """Super nodes and delegations (votes)."""


@tx_staking.command("create-super-node")
@click.argument("operator")
@click.option("--moniker", required=True)
@click.option("--self-bond", required=True, help="e.g. 10000amio")
@click.option("--commission", default="0.10", show_default=True, help="0.1, 10% or 1000bps")
@click.option("--max-change", default="0.01", show_default=True, help="largest commission change per day")
@click.option("--consensus-pubkey", default=None, help="base64 ed25519 key of the node (with --proof-of-possession)")
@click.option("--proof-of-possession", default=None, help="base64 signature made by `amino tx staking sign-pop`")
@click.option("--node-home", type=click.Path(path_type=Path), default=None,
              help="read the key from this cometbft home and sign the proof of possession with it")
@tx_options
@pass_ctx
def create_super_node(ctx: CliContext, operator, moniker, self_bond, commission, max_change, consensus_pubkey,
                      proof_of_possession, node_home, **options):
    """Register key OPERATOR's super node candidate and bond --self-bond.

    The node's consensus key proves it belongs to OPERATOR's candidate by signing the operator's address and
    the chain id (a proof of possession): with --node-home the key file is read and signs here."""
    operator_address = ctx.address_bytes(operator)
    pubkey, proof = consensus_key_and_proof(ctx, operator_address, consensus_pubkey, proof_of_possession, node_home)
    msg = MsgCreateSuperNode(operator_address, pubkey, moniker, parse_rate(commission), parse_rate(max_change),
                             parse_amount(self_bond), proof)
    send_tx(ctx, operator, [msg], **options)


@tx_staking.command("sign-pop")
@click.argument("operator_address")
@click.option("--node-home", type=click.Path(path_type=Path), required=True, help="the cometbft home holding the key")
@click.option("--chain-id", "chain_id", required=True, help="the chain the candidate registers on")
@pass_ctx
def sign_pop(ctx: CliContext, operator_address, node_home, chain_id):
    """Print the consensus key and its proof of possession for OPERATOR_ADDRESS (run where the key lives,
    offline), to pass to create-super-node with --consensus-pubkey and --proof-of-possession."""
    key = _node_signing_key(node_home)
    proof = key.sign(proof_of_possession_bytes(chain_id, address_bytes(operator_address))).signature
    emit(ctx.output, {"consensus_pubkey": base64.b64encode(bytes(key.verify_key)).decode(),
                      "proof_of_possession": base64.b64encode(proof).decode()})


@tx_staking.command("edit-super-node")
@click.argument("operator")
@click.option("--moniker", required=True)
@click.option("--commission", required=True)
@tx_options
@pass_ctx
def edit_super_node(ctx: CliContext, operator, moniker, commission, **options):
    """Change the moniker and the commission rate."""
    send_tx(ctx, operator, [MsgEditSuperNode(ctx.address_bytes(operator), moniker, parse_rate(commission))], **options)


@tx_staking.command("create-master-node")
@click.argument("operator")
@click.option("--moniker", required=True)
@click.option("--endpoint", required=True, help="http(s) URL customers upload jobs to")
@click.option("--region", required=True)
@click.option("--sponsor", required=True, help="operator address (or key name) of the sponsoring super node")
@click.option("--bond", required=True, help="e.g. 5000amio")
@tx_options
@pass_ctx
def create_master_node(ctx: CliContext, operator, moniker, endpoint, region, sponsor, bond, **options):
    """Register key OPERATOR's master node candidate and bond --bond."""
    msg = MsgCreateMasterNode(ctx.address_bytes(operator), moniker, endpoint, region, ctx.address_bytes(sponsor),
                              parse_amount(bond))
    send_tx(ctx, operator, [msg], **options)


@tx_staking.command("consent-sponsorship")
@click.argument("sponsor")
@click.argument("master")
@tx_options
@pass_ctx
def consent_sponsorship(ctx: CliContext, sponsor, master, **options):
    """Key SPONSOR (a super node's operator) consents to sponsor master node MASTER: it will lose its share of that
    master's slashes for the tasks the master is allocated while the consent stands."""
    send_tx(ctx, sponsor, [MsgConsentSponsorship(ctx.address_bytes(sponsor), ctx.address_bytes(master))], **options)


@tx_staking.command("withdraw-sponsorship")
@click.argument("sponsor")
@click.argument("master")
@tx_options
@pass_ctx
def withdraw_sponsorship(ctx: CliContext, sponsor, master, **options):
    """Key SPONSOR withdraws its consent to sponsor MASTER: the master gets no new tasks; the sponsor still answers
    for the tasks allocated before."""
    send_tx(ctx, sponsor, [MsgWithdrawSponsorship(ctx.address_bytes(sponsor), ctx.address_bytes(master))], **options)


@tx_staking.command("edit-master-node")
@click.argument("operator")
@click.option("--endpoint", required=True)
@click.option("--region", required=True)
@tx_options
@pass_ctx
def edit_master_node(ctx: CliContext, operator, endpoint, region, **options):
    """Change the endpoint and region of key OPERATOR's master node."""
    send_tx(ctx, operator, [MsgEditMasterNode(ctx.address_bytes(operator), endpoint, region)], **options)


@tx_staking.command("delegate")
@click.argument("delegator")
@click.argument("candidate")
@click.argument("amount")
@tx_options
@pass_ctx
def delegate(ctx: CliContext, delegator, candidate, amount, **options):
    """Vote for CANDIDATE (operator address) by bonding AMOUNT from key DELEGATOR."""
    msg = MsgDelegate(ctx.address_bytes(delegator), ctx.address_bytes(candidate), parse_amount(amount))
    send_tx(ctx, delegator, [msg], **options)


@tx_staking.command("undelegate")
@click.argument("delegator")
@click.argument("candidate")
@click.argument("amount")
@tx_options
@pass_ctx
def undelegate(ctx: CliContext, delegator, candidate, amount, **options):
    """Withdraw AMOUNT of the vote for CANDIDATE; tokens arrive after the unbonding period."""
    msg = MsgUndelegate(ctx.address_bytes(delegator), ctx.address_bytes(candidate), parse_amount(amount))
    send_tx(ctx, delegator, [msg], **options)


@tx_staking.command("redelegate")
@click.argument("delegator")
@click.argument("source")
@click.argument("destination")
@click.argument("amount")
@tx_options
@pass_ctx
def redelegate(ctx: CliContext, delegator, source, destination, amount, **options):
    """Move AMOUNT of a vote from SOURCE to DESTINATION at once."""
    msg = MsgRedelegate(ctx.address_bytes(delegator), ctx.address_bytes(source), ctx.address_bytes(destination),
                        parse_amount(amount))
    send_tx(ctx, delegator, [msg], **options)


# -- amino tx distribution / slashing --------------------------------------------------------------


@click.group("distribution")
def tx_distribution() -> None:
    """Withdraw staking rewards and commission."""


@tx_distribution.command("withdraw-rewards")
@click.argument("delegator")
@tx_options
@pass_ctx
def withdraw_rewards(ctx: CliContext, delegator, **options):
    """Withdraw the pending rewards of every delegation of key DELEGATOR."""
    send_tx(ctx, delegator, [MsgWithdrawRewards(ctx.address_bytes(delegator))], **options)


@tx_distribution.command("withdraw-commission")
@click.argument("operator")
@tx_options
@pass_ctx
def withdraw_commission(ctx: CliContext, operator, **options):
    """Withdraw the commission earned by key OPERATOR's super node."""
    send_tx(ctx, operator, [MsgWithdrawCommission(ctx.address_bytes(operator))], **options)


@click.group("slashing")
def tx_slashing() -> None:
    """Unjail a super node."""


@tx_slashing.command("unjail")
@click.argument("operator")
@tx_options
@pass_ctx
def unjail(ctx: CliContext, operator, **options):
    """Bring key OPERATOR's jailed super node back into the election after its jail time."""
    send_tx(ctx, operator, [MsgUnjail(ctx.address_bytes(operator))], **options)


# -- amino query slashing / distribution / staking ------------------------------------------------------


@click.group("slashing")
def query_slashing() -> None:
    """Signing info and slashing params."""


@query_slashing.command("signing-info")
@click.argument("consensus_address")
@pass_ctx
def signing_info(ctx: CliContext, consensus_address):
    """Missed blocks of a validator (CONSENSUS_ADDRESS: 40 hex digits, as CometBFT shows it)."""
    value, height = ctx.query(f"/slashing/signing_info/{consensus_address.lower()}")
    emit(ctx.output, value | {"height": height})


@query_slashing.command("params")
@pass_ctx
def slashing_params(ctx: CliContext):
    """Slashing params."""
    value, _height = ctx.query("/slashing/params")
    emit(ctx.output, value)


@click.group("distribution")
def query_distribution() -> None:
    """Pending rewards and commission."""


@query_distribution.command("rewards")
@click.argument("delegator")
@pass_ctx
def rewards(ctx: CliContext, delegator):
    """Pending rewards of DELEGATOR per candidate."""
    value, height = ctx.query(f"/distribution/rewards/{ctx.resolve_address(delegator)}")
    emit(ctx.output, {"rewards": {k: f"{v}uamio" for k, v in value["rewards"].items()}, "total": f"{value['total']}uamio",
                      "height": height})


@query_distribution.command("commission")
@click.argument("operator")
@pass_ctx
def commission(ctx: CliContext, operator):
    """Commission waiting for OPERATOR."""
    value, height = ctx.query(f"/distribution/commission/{ctx.resolve_address(operator)}")
    emit(ctx.output, {"commission": f"{value['commission']}uamio", "height": height})


@click.group("staking")
def query_staking() -> None:
    """Candidates, delegations, unbondings and the validator set."""


@query_staking.command("candidates")
@pass_ctx
def candidates(ctx: CliContext):
    """Every super node candidate with its status, stake and commission."""
    value, _height = ctx.query("/staking/candidates")
    missed, _height = ctx.query("/slashing/missed_blocks")
    emit(ctx.output, [_render_candidate(c) | {"missed_blocks": missed.get(c["operator"], 0)} for c in value],
         title="super node candidates")


@query_staking.command("master-nodes")
@pass_ctx
def master_nodes(ctx: CliContext):
    """Master node candidates; status "active" marks the elected ones."""
    value, _height = ctx.query("/staking/master_nodes")
    emit(ctx.output, [_render_candidate(c) | {"endpoint": c["endpoint"], "region": c["region"]} for c in value],
         title="master nodes")


@query_staking.command("bonds")
@pass_ctx
def bonds(ctx: CliContext):
    """Minimum bonds at the current network size."""
    value, _height = ctx.query("/staking/bonds")
    emit(ctx.output, {"active_workers": value["active_workers"], "min_super_self_bond": format_amio(value["min_super_self_bond"]),
                      "min_master_bond": format_amio(value["min_master_bond"])})


@query_staking.command("candidate")
@click.argument("operator")
@pass_ctx
def candidate(ctx: CliContext, operator):
    """One candidate by operator address (or key name)."""
    value, _height = ctx.query(f"/staking/candidate/{ctx.resolve_address(operator)}")
    shown = _render_candidate(value)
    if value.get("kind", "super") == "super":
        missed, _height = ctx.query("/slashing/missed_blocks")
        shown["missed_blocks"] = missed.get(value["operator"], 0)
    emit(ctx.output, shown)


@query_staking.command("delegations")
@click.argument("delegator")
@pass_ctx
def delegations(ctx: CliContext, delegator):
    """Delegations, unbondings and redelegations of an account."""
    value, height = ctx.query(f"/staking/delegations/{ctx.resolve_address(delegator)}")
    emit(ctx.output, value | {"height": height})


@query_staking.command("validators")
@pass_ctx
def validators(ctx: CliContext):
    """The current CometBFT validator set as elected by staking."""
    value, _height = ctx.query("/staking/validators")
    emit(ctx.output, value, title="validator set")


@query_staking.command("params")
@pass_ctx
def staking_params(ctx: CliContext):
    """Staking params."""
    value, _height = ctx.query("/staking/params")
    emit(ctx.output, value)


def _render_candidate(c: dict) -> dict:
    return {
        "operator": c["operator"],
        "moniker": c["moniker"],
        "status": c["status"],
        "stake": format_amio(c["tokens"]),
        "self_bond": format_amio(c["self_bond"]),
        "commission": f"{c['commission_bps'] / 100:.2f}%",
        "jailed": c["jailed"],
        "power": c["power"],
    }

"""Query views of gov: params, proposals, their votes, deposits and tally, and the upgrade plan."""

from __future__ import annotations

from collections import deque

from chain_modules.common.events import bech32
from chain_modules.common.query import QueryContext, not_found
from chain_modules.common.state import StateRead
from chain_modules.gov import logic
from chain_modules.gov import state as st
from chain_modules.gov.types import APP_POOL, COMMUNITY_SPEND, OPTIONS, VOTING_PERIOD, Proposal

MAX_LIST = 200


def content_view(kind: str, content: dict) -> dict:
    if kind == APP_POOL:
        return {"action": content["action"], "module_hash": content["module_hash"].hex()}
    if kind == COMMUNITY_SPEND:
        return {"recipient": bech32(content["recipient"]), "amount": content["amount"]}
    return content


def _tally_view(values) -> dict:
    return dict(zip(OPTIONS, values))


def proposal_view(state: StateRead, proposal: Proposal) -> dict:
    voting = proposal.status == VOTING_PERIOD
    return {
        "id": proposal.id,
        "proposer": bech32(proposal.proposer),
        "kind": proposal.kind,
        "content": content_view(proposal.kind, proposal.content),
        "title": proposal.title,
        "summary": proposal.summary,
        "expedited": proposal.expedited,
        "status": proposal.status,
        "submit_time": proposal.submit_time,
        "deposit_end": proposal.deposit_end,
        "total_deposit": proposal.total_deposit,
        "depositors": proposal.depositors,
        "voting_start": proposal.voting_start,
        "voting_end": proposal.voting_end,
        "tally": _tally_view(st.get_tally(state, proposal.id) if voting else proposal.final_tally),
        "total_power": proposal.total_power,
        "note": proposal.note,
    }


def _proposal(ctx: QueryContext, proposal_id: int) -> Proposal:
    proposal = st.get_proposal(ctx.state, proposal_id)
    if proposal is None:
        raise not_found(f"no proposal {proposal_id}")
    return proposal


def params_query(ctx: QueryContext) -> dict:
    return st.get_params(ctx.state).to_dict()


def proposals_query(ctx: QueryContext) -> list[dict]:
    """The last MAX_LIST proposals by id."""
    last = deque(st.iter_proposals(ctx.state), maxlen=MAX_LIST)
    return [proposal_view(ctx.state, proposal) for proposal in last]


def proposal_query(ctx: QueryContext, proposal_id: int) -> dict:
    return proposal_view(ctx.state, _proposal(ctx, proposal_id))


def votes_query(ctx: QueryContext, proposal_id: int) -> list[dict]:
    """The first MAX_LIST votes by voter address."""
    _proposal(ctx, proposal_id)
    votes = []
    for voter, option, locked in st.iter_votes(ctx.state, proposal_id):
        votes.append({"voter": bech32(voter), "option": option, "locked_counted": locked})
        if len(votes) >= MAX_LIST:
            break
    return votes


def deposits_query(ctx: QueryContext, proposal_id: int) -> list[dict]:
    _proposal(ctx, proposal_id)
    return [{"depositor": bech32(depositor), "amount": amount}
            for _id, depositor, amount in st.iter_deposits(ctx.state, proposal_id)]


def tally_query(ctx: QueryContext, proposal_id: int) -> dict:
    """The running tally of a proposal in its voting period (with the total voting power now and the result
    the tally would give now), or the final tally of an ended one."""
    proposal = _proposal(ctx, proposal_id)
    params = st.get_params(ctx.state)
    if proposal.status == VOTING_PERIOD:
        values = st.get_tally(ctx.state, proposal_id)
        power = logic.total_voting_power(ctx.state)
        return {"status": proposal.status, "tally": _tally_view(values), "total_power": power,
                "result_if_ended_now": logic.decide(params, values, power, proposal.expedited)}
    return {"status": proposal.status, "tally": _tally_view(proposal.final_tally), "total_power": proposal.total_power}


def upgrade_query(ctx: QueryContext) -> dict:
    """The scheduled plan (or None) and every plan applied so far with its height."""
    plan = st.get_upgrade_plan(ctx.state)
    applied = [{"name": name, "height": height} for name, height in st.iter_upgrades_done(ctx.state)]
    if plan is None:
        return {"plan": None, "applied": applied}
    name, height, proposal_id = plan
    return {"plan": {"name": name, "height": height, "proposal_id": proposal_id}, "applied": applied}

"""Query views of staking: candidates, master nodes, delegations, the validator set."""

from __future__ import annotations

from chain_modules.common.address import encode_address
from chain_modules.common.query import QueryContext, not_found
from chain_modules.common.state import StateRead
from chain_modules.staking import state as st
from chain_modules.staking.api import min_master_bond, min_super_self_bond, self_bond
from chain_modules.staking.types import Candidate


def params_view(ctx: QueryContext) -> dict:
    return st.get_params(ctx.state).to_dict()


def candidate_views(state: StateRead, candidates: list[Candidate]) -> list[dict]:
    """Views of candidates; the params, validator set and active masters are read once for all of them."""
    params = st.get_params(state)
    in_set = {operator for operator, _pubkey, _power in st.iter_validator_set(state)}
    active = set(st.iter_active_masters(state))
    return [_candidate_view(state, params, in_set, active, candidate) for candidate in candidates]


def _candidate_view(state: StateRead, params, in_set: set, active: set, candidate: Candidate) -> dict:
    if candidate.tombstoned:
        status = "tombstoned"
    elif candidate.jailed:
        status = "jailed"
    elif candidate.operator in in_set:
        status = "validator"
    elif candidate.kind == "master" and candidate.operator in active:
        status = "active"
    else:
        status = "candidate"
    return {
        "operator": encode_address(candidate.operator),
        "consensus_pubkey": candidate.consensus_pubkey.hex(),
        "moniker": candidate.moniker,
        "status": status,
        "tokens": candidate.tokens,
        "shares": candidate.shares,
        "self_bond": self_bond(state, candidate),
        "commission_bps": candidate.commission_bps,
        "max_change_bps": candidate.max_change_bps,
        "jailed": candidate.jailed,
        "jailed_until": candidate.jailed_until,
        "power": candidate.tokens // params.power_reduction if candidate.kind == "super" else 0,
        "kind": candidate.kind,
        "endpoint": candidate.endpoint,
        "region": candidate.region,
        "sponsor": encode_address(candidate.sponsor) if candidate.sponsor else "",
    }


def candidates_view(ctx: QueryContext) -> list[dict]:
    return candidate_views(ctx.state, [c for c in st.iter_candidates(ctx.state) if c.kind == "super"])


def master_nodes_view(ctx: QueryContext) -> list[dict]:
    return candidate_views(ctx.state, [c for c in st.iter_candidates(ctx.state) if c.kind == "master"])


def candidate_view(ctx: QueryContext, operator: bytes) -> dict:
    candidate = st.get_candidate(ctx.state, operator)
    if candidate is None:
        raise not_found(f"no candidate with operator {encode_address(operator)}")
    return candidate_views(ctx.state, [candidate])[0]


def bonds_view(ctx: QueryContext) -> dict:
    return {
        "active_workers": st.get_active_workers(ctx.state),
        "min_super_self_bond": min_super_self_bond(ctx.state),
        "min_master_bond": min_master_bond(ctx.state),
    }


def _fields(entry) -> dict:
    return {name: getattr(entry, name) for name in entry.__dataclass_fields__}


def delegations_view(ctx: QueryContext, address: bytes) -> dict:
    state = ctx.state
    delegations = []
    for _delegator, operator, shares in st.iter_delegations(state, address):
        candidate = st.get_candidate(state, operator)
        delegations.append({"candidate": encode_address(operator), "shares": shares,
                            "tokens": candidate.tokens_for_shares(shares) if candidate else 0})
    unbondings = [
        {"candidate": encode_address(operator), "entries": [_fields(e) for e in entries]}
        for _delegator, operator, entries in st.iter_unbondings(state, address)
    ]
    redelegations = [
        {"source": encode_address(source), "destination": encode_address(destination), "entries": [_fields(e) for e in entries]}
        for _delegator, source, destination, entries in st.iter_redelegations(state, address)
    ]
    return {"delegations": delegations, "unbondings": unbondings, "redelegations": redelegations}


def sponsor_consent_view(ctx: QueryContext, master: bytes) -> str:
    sponsor = st.get_sponsor_consent(ctx.state, master)
    if sponsor is None:
        raise not_found(f"no super node consents to sponsor {encode_address(master)}")
    return encode_address(sponsor)


def validators_view(ctx: QueryContext) -> list[dict]:
    return [
        {"operator": encode_address(operator), "consensus_pubkey": pubkey.hex(), "power": power}
        for operator, pubkey, power in st.iter_validator_set(ctx.state)
    ]

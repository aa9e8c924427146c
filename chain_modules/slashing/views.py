"""Query views of slashing: params and signing info."""

from __future__ import annotations

from chain_modules.common.events import bech32
from chain_modules.common.query import QueryContext, not_found
from chain_modules.slashing import state as st
from chain_modules.staking import api as staking_api


def params_view(ctx: QueryContext) -> dict:
    return st.get_params(ctx.state).to_dict()


def signing_info_view(ctx: QueryContext, consensus_address: bytes) -> dict:
    info = st.get_signing_info(ctx.state, consensus_address)
    if info is None:
        raise not_found(f"no signing info for consensus address {consensus_address.hex()!r} (40 hex digits)")
    start_height, seen, missed, _bitmap, missing_since = info
    return {"start_height": start_height, "blocks_seen": seen, "missed_in_window": missed, "missing_since": missing_since}


def missed_blocks_view(ctx: QueryContext) -> dict:
    """Blocks each super node candidate missed in the current signing window, by operator."""
    missed = {}
    for candidate in staking_api.iter_candidates(ctx.state):
        if candidate.kind != "super":
            continue
        info = st.get_signing_info(ctx.state, staking_api.consensus_address(candidate.consensus_pubkey))
        missed[bech32(candidate.operator)] = 0 if info is None else info[2]
    return missed

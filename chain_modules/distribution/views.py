"""Query views of distribution: pending rewards, commission, the community amount."""

from __future__ import annotations

from chain_modules.common.events import bech32
from chain_modules.common.query import QueryContext
from chain_modules.distribution import state as st
from chain_modules.distribution.api import pending_rewards
from chain_modules.staking import api as staking_api


def rewards_view(ctx: QueryContext, address: bytes) -> dict:
    rewards = {
        bech32(operator): pending_rewards(ctx.state, address, operator)
        for _delegator, operator, _shares in staking_api.iter_delegations(ctx.state, address)
    }
    return {"rewards": rewards, "total": sum(rewards.values())}


def commission_view(ctx: QueryContext, operator: bytes) -> dict:
    return {"commission": st.get_commission(ctx.state, operator)}


def community_view(ctx: QueryContext) -> dict:
    return {"community": st.get_community(ctx.state)}

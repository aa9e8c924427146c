"""fog's manifest: the non-transferable FOG token, minted by proof of contribution and redeemed for a share of the
revenue pool (docs/modules/fog.md)."""

from __future__ import annotations

from dataclasses import replace

from chain_modules.common.context import BlockContext, BlockInfo
from chain_modules.common.module import Module, Params, Section, params_genesis
from chain_modules.common.query import Query
from chain_modules.common.state import StateWrite
from chain_modules.fog import invariants, logic, views
from chain_modules.fog import state as st
from chain_modules.fog.api import FogHooks
from chain_modules.fog.handlers import handle_redeem
from chain_modules.fog.keys import PARAMS_KEY, PREFIX
from chain_modules.fog.types import FogParams, MsgRedeem


def end_block(state: StateWrite, ctx: BlockContext, info: BlockInfo) -> None:
    """Draw the probes waiting for this block's seed, close the contribution epoch and the redemption period when
    their time has come, then pay redemptions."""
    params = st.get_params(state)
    logic.draw_probes(state, ctx, params)
    if ctx.time >= st.get_open_epoch(state).start + params.epoch_seconds:
        logic.close_epoch(state, ctx, params)
    if ctx.time >= st.get_open_period(state).start + params.redemption_period_seconds:
        logic.close_period(state, ctx)
    logic.pay_redemptions(state, ctx, params)


PARAMS = Params(FogParams, st.get_params, st.set_params)
_GENESIS = params_genesis("fog", PREFIX, PARAMS, PARAMS_KEY, required=False)


def _init(state: StateWrite, block: BlockContext, section: Section) -> None:
    _GENESIS.init(state, block, section)
    if not section.state:  # a new chain: epoch 0 and period 0 start at genesis
        logic.start(state, block.time)


MODULE = Module(
    name="fog",
    codespace="fog",
    prefix=PREFIX,
    messages=((MsgRedeem, handle_redeem),),
    queries=(
        Query("params", views.params_view, doc="the fog params"),
        Query("balance/{address:address}", views.balance_view,
              doc="FOG balance, what closed epochs owe it (credited at its next transaction), redeemable now, history"),
        Query("contribution/{address:address}", views.contribution_view,
              doc="this epoch's points of a worker or master node and their parts"),
        Query("epoch", views.epoch_view, doc="the open contribution epoch"),
        Query("epoch/{epoch:uint64}", views.closed_epoch_view, doc="a contribution epoch: emission, points, lockers' part"),
        Query("redemption", views.redemption_view, doc="the open redemption period, the pool, the supply, the last rate"),
        Query("supply", views.supply_view, doc="FOG minted, burned, settled and unsettled"),
    ),
    genesis=replace(_GENESIS, init=_init),
    params=PARAMS,
    end_block=end_block,
    hooks=FogHooks(),
    invariants=(invariants.check_supply, invariants.check_points),
)

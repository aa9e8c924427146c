"""slashing's manifest: liveness and double-sign evidence at the start of each block, and unjailing."""

from chain_modules.common.context import BlockContext, BlockInfo
from chain_modules.common.module import Module, Params, params_genesis
from chain_modules.common.query import Query
from chain_modules.common.state import StateWrite
from chain_modules.slashing import api, views
from chain_modules.slashing.handlers import handle_unjail
from chain_modules.slashing.keys import PARAMS_KEY, PREFIX
from chain_modules.slashing.state import get_params, set_params
from chain_modules.slashing.types import MsgUnjail, SlashingParams


def begin_block(state: StateWrite, ctx: BlockContext, info: BlockInfo) -> None:
    """Evidence first, then the liveness of every vote of the last commit (a nil vote is a vote)."""
    api.begin_block(state, ctx, [(v.address, v.power, v.present) for v in info.votes],
                    [(m.address, m.height, m.power) for m in info.misbehavior])


PARAMS = Params(SlashingParams, get_params, set_params)

MODULE = Module(
    name="slashing",
    codespace="slashing",
    prefix=PREFIX,
    messages=((MsgUnjail, handle_unjail),),
    queries=(
        Query("params", views.params_view, doc="the slashing params"),
        Query("signing_info/{consensus_address:hex20}", views.signing_info_view,
              doc="start height, blocks seen, missed in the window, and since when a validator is missing"),
        Query("missed_blocks", views.missed_blocks_view, doc="blocks each super node missed in the signing window"),
    ),
    genesis=params_genesis("slashing", PREFIX, PARAMS, PARAMS_KEY),
    params=PARAMS,
    begin_block=begin_block,
)

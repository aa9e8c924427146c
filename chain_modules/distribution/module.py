"""distribution's manifest: block fees to the validators that signed, rewards, commission, the community pool."""

from chain_modules.bank import api as bank_api
from chain_modules.common.context import BlockContext, BlockInfo
from chain_modules.common.genesis import export_state, import_state, parse_state, require_map
from chain_modules.common.module import Genesis, GenesisContext, Module, Section
from chain_modules.common.query import Query
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.distribution import handlers, views
from chain_modules.distribution.api import DistributionHooks, allocate
from chain_modules.distribution.invariants import check_pool
from chain_modules.distribution.keys import PREFIX
from chain_modules.distribution.types import MsgWithdrawCommission, MsgWithdrawRewards


def begin_block(state: StateWrite, ctx: BlockContext, info: BlockInfo) -> None:
    """The fees collected in the previous block go to the validators that signed it, by power."""
    allocate(state, bank_api.FEE_COLLECTOR, [(v.address, v.power) for v in info.votes if v.signed])


def _parse(raw: object, ctx: GenesisContext) -> Section:
    """Fresh: ``{}`` (reward records start with the genesis super nodes). Exported: ``{"state": [...]}``."""
    section = require_map(raw, "app_state.distribution", set(), {"state"})
    return Section(state=parse_state(section.get("state", []), "app_state.distribution.state", PREFIX))


def _init(state: StateWrite, block: BlockContext, section: Section) -> None:
    import_state(state, section.state)


def _export(state: StateRead) -> dict:
    return {"state": export_state(state, PREFIX)}


MODULE = Module(
    name="distribution",
    codespace="distribution",
    prefix=PREFIX,
    messages=(
        (MsgWithdrawRewards, handlers.handle_withdraw_rewards),
        (MsgWithdrawCommission, handlers.handle_withdraw_commission),
    ),
    queries=(
        Query("rewards/{address:address}", views.rewards_view, doc="pending rewards of a delegator, by candidate"),
        Query("commission/{operator:address}", views.commission_view, doc="a candidate's accumulated commission"),
        Query("community", views.community_view, doc="the community amount (slashes and rounding remainders)"),
    ),
    genesis=Genesis(default=dict, parse=_parse, init=_init, export=_export, required=False),
    begin_block=begin_block,
    hooks=DistributionHooks(),
    invariants=(check_pool,),
)

"""locks' manifest: investor locks (lock weight), API-access locks, and their expiry at the end of each block."""

from chain_modules.common.context import BlockContext, BlockInfo
from chain_modules.common.module import Module, Params, params_genesis
from chain_modules.common.query import Query, QueryContext
from chain_modules.common.state import StateWrite
from chain_modules.locks import epoch, handlers, invariants, views
from chain_modules.locks.keys import PARAMS_KEY, PREFIX
from chain_modules.locks.state import get_params, set_params
from chain_modules.locks.types import LockParams, MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock


def end_block(state: StateWrite, ctx: BlockContext, info: BlockInfo) -> None:
    """Locks whose end has come leave the expiry queue and the weight sums."""
    epoch.end_block(state, ctx)


def _list(ctx: QueryContext, address: bytes) -> dict:
    return views.locks_of(ctx.state, address, ctx.time)


def _total_weight(ctx: QueryContext) -> dict:
    return views.weight_view(ctx.state, None, ctx.time)


def _weight(ctx: QueryContext, address: bytes) -> dict:
    return views.weight_view(ctx.state, address, ctx.time)


def _api_access(ctx: QueryContext, address: bytes) -> dict:
    return views.api_access_view(ctx.state, address, ctx.time)


def _params(ctx: QueryContext) -> dict:
    return views.params_view(ctx.state)


PARAMS = Params(LockParams, get_params, set_params)

MODULE = Module(
    name="locks",
    codespace="locks",
    prefix=PREFIX,
    messages=(
        (MsgCreateLock, handlers.handle_create_lock),
        (MsgWithdrawLock, handlers.handle_withdraw_lock),
        (MsgBuyApiAccess, handlers.handle_buy_api_access),
    ),
    queries=(
        Query("list/{address:address}", _list, doc="every stored lock of an account"),
        Query("weight", _total_weight, doc="the chain's total lock weight"),
        Query("weight/{address:address}", _weight, doc="an account's lock weight"),
        Query("api_access/{address:address}", _api_access, doc="an account's API access"),
        Query("params", _params, doc="the locks params"),
    ),
    genesis=params_genesis("locks", PREFIX, PARAMS, PARAMS_KEY),
    params=PARAMS,
    end_block=end_block,
    invariants=(invariants.check_pool, invariants.check_records, invariants.check_sums),
)

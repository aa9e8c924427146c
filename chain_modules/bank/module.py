"""bank's manifest: transfers, balances, vesting and the fixed supply."""

from chain_modules.bank import keys
from chain_modules.bank.api import get_balance, locked_amount
from chain_modules.bank.genesis import GENESIS
from chain_modules.bank.handlers import handle_multi_send, handle_send
from chain_modules.bank.invariants import check_supply
from chain_modules.bank.types import MsgMultiSend, MsgSend
from chain_modules.common.module import Module
from chain_modules.common.query import Query, QueryContext


def spendable_view(ctx: QueryContext, address: bytes) -> dict:
    balance = get_balance(ctx.state, address)
    locked = min(balance, locked_amount(ctx.state, address, ctx.time))
    return {"balance": balance, "locked": locked, "spendable": balance - locked, "time": ctx.time}


MODULE = Module(
    name="bank",
    codespace="bank",
    prefix=keys.PREFIX,
    messages=((MsgSend, handle_send), (MsgMultiSend, handle_multi_send)),
    queries=(
        Query("balance/{address:address}", key=keys.balance_key,
              doc="raw balance (8-byte big-endian uamio; empty when zero), provable"),
        Query("spendable/{address:address}", spendable_view, doc="balance, locked by vesting and spendable at the last block time"),
        Query("supply", key=lambda: keys.SUPPLY_KEY, doc="raw total supply, provable"),
    ),
    genesis=GENESIS,
    invariants=(check_supply,),
)

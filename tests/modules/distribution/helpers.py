"""Shared pieces of the distribution (and slashing) tests: pre-states built with the app's staking hooks.

The app runs every staking change with ``hooks=(DistributionHooks(),)``, so
every candidate has F1 records from its creation on; these helpers do the
same. The staking params are the staking tests' (tests/modules/staking/helpers.py):
100 uamio are one unit of voting power and a self-bond of 1000 uamio is enough.
"""

from __future__ import annotations

from abci_app.store import Overlay
from chain_modules.bank import api as bank_api
from chain_modules.bank.state import get_balance
from chain_modules.common.context import BlockContext
from chain_modules.distribution import state as dst
from chain_modules.distribution.api import DISTRIBUTION_POOL, DistributionHooks
from chain_modules.distribution.invariants import check_pool
from chain_modules.bank.invariants import check_supply
from chain_modules.staking.handlers import handle_create_super_node, handle_delegate
from chain_modules.staking.invariants import check_pools
from chain_modules.staking.state import consensus_address
from chain_modules.staking.types import MsgDelegate
from tests.modules.staking.helpers import DAY, NOW, PARAMS, consensus_key, create_msg, freeze, funded
from tests.support import TestKey, make_key

HOOKS = (DistributionHooks(),)
FEE_COLLECTOR = bank_api.FEE_COLLECTOR
FEE_PAYER = make_key("fee payer")  # pays the fees of the simulated blocks' transactions
CREATED_AT = NOW - 2 * DAY
CREATED_HEIGHT = 1


def context(now: int = NOW, height: int = 7) -> BlockContext:
    """A block context with the app's staking hooks, so distribution follows every stake change."""
    return BlockContext(chain_id="amino-test", height=height, time_ns=now * 1_000_000_000, hooks=HOOKS)


def pre_state(
    balances: dict[bytes, int],
    candidates: dict[TestKey, int] | None = None,
    delegations: list[tuple[TestKey, TestKey, int]] | None = None,
    commissions: dict[TestKey, int] | None = None,
    params=PARAMS,
) -> Overlay:
    """Balances (the fee payer gets 1_000_000 more), candidates (operator -> self-bond, commission from
    ``commissions`` or 500 bps) and delegations, all made with the real handlers and the hooks at height 1."""
    setup = funded({**balances, FEE_PAYER.address: 1_000_000}, params=params)
    ctx = context(CREATED_AT, CREATED_HEIGHT)
    for key, self_bond in (candidates or {}).items():
        handle_create_super_node(setup, ctx, create_msg(key, self_bond, commission_bps=(commissions or {}).get(key, 500)))
    for delegator, candidate, amount in delegations or []:
        handle_delegate(setup, ctx, MsgDelegate(delegator.address, candidate.address, amount))
    return freeze(setup)


def pay_fees(state: Overlay, amount: int) -> None:
    """Fees of the block's transactions arrive in the fee collector (as the ante handler moves them)."""
    bank_api.transfer_module(state, FEE_PAYER.address, FEE_COLLECTOR, amount)


def signer(key: TestKey, power: int) -> tuple[bytes, int]:
    """(consensus address, power) of ``key``'s validator, as in the last commit's votes."""
    return consensus_address(consensus_key(key)), power


def outstanding(state: Overlay, key: TestKey) -> int:
    return dst.get_outstanding(state, key.address)


def commission(state: Overlay, key: TestKey) -> int:
    return dst.get_commission(state, key.address)


def community(state: Overlay) -> int:
    return dst.get_community(state)


def pool(state: Overlay) -> int:
    return get_balance(state, DISTRIBUTION_POOL)


def check_all(state: Overlay) -> None:
    """distribution pool = outstanding + community; staking pools; bank supply."""
    check_pool(state)
    check_pools(state)
    check_supply(state)

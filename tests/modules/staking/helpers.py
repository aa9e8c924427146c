"""Shared pieces of the staking module tests: small params, funded pre-states, candidates and snapshots.

Params are small so that every number in a test can be checked by hand:
a self-bond of 1000 uamio is enough, 100 uamio are one unit of voting power,
an epoch is 5 blocks, at most 3 super nodes are elected, unbonding takes 100 s.
"""

from __future__ import annotations

from typing import Callable

import pytest

from abci_app.store import MemoryState, Overlay
from chain_modules.common.events import bech32
from chain_modules.bank.state import get_balance, get_supply, set_balance, set_supply, set_vesting
from chain_modules.bank.types import VestingSchedule
from chain_modules.common.context import BlockContext
from chain_modules.common.errors import ChainError
from chain_modules.common.events import Event
from chain_modules.staking import state as st
from chain_modules.staking.api import BONDED_POOL, UNBONDING_POOL
from chain_modules.staking.handlers import handle_create_super_node, handle_delegate
from chain_modules.staking.types import Candidate, MsgCreateSuperNode, MsgDelegate, StakingParams
from tests.support import TestKey, make_key, proof_of_possession

NOW = 1_800_000_000  # block time in seconds
HEIGHT = 7
DAY = 86_400

PARAMS = StakingParams(
    epoch_blocks=5,
    max_super_nodes=3,
    unbonding_seconds=100,
    max_entries=3,
    min_super_self_bond=1_000,
    power_reduction=100,
)

ALICE = make_key("alice")
BOB = make_key("bob")
CAROL = make_key("carol")
DAVE = make_key("dave")
EVE = make_key("eve")

COMMISSION_BPS = 500
MAX_CHANGE_BPS = 100


def consensus_key(key: TestKey) -> bytes:
    """A 32-byte consensus public key that belongs to ``key``'s super node (not its account key)."""
    return make_key(key.name + "/consensus").pubkey


def context(now: int = NOW, height: int = HEIGHT) -> BlockContext:
    return BlockContext(chain_id="amino-test", height=height, time_ns=now * 1_000_000_000)


def consensus_signer(key: TestKey) -> TestKey:
    return make_key(key.name + "/consensus")


def create_msg(key: TestKey, self_bond: int, commission_bps: int = COMMISSION_BPS, max_change_bps: int = MAX_CHANGE_BPS,
               pubkey: bytes | None = None, moniker: str | None = None, signer: TestKey | None = None) -> MsgCreateSuperNode:
    """A create_super_node message whose proof of possession is signed by ``signer`` (by default the holder of
    ``key``'s consensus key; with another ``pubkey`` the proof is that key's holder's only if ``signer`` says so)."""
    signer = consensus_signer(key) if signer is None else signer
    return MsgCreateSuperNode(
        key.address, consensus_key(key) if pubkey is None else pubkey, key.name if moniker is None else moniker,
        commission_bps, max_change_bps, self_bond, proof_of_possession(signer, key.address, "amino-test"),
    )


def freeze(setup: Overlay) -> Overlay:
    """A fresh overlay whose base holds everything ``setup`` can see; its writes and events start empty."""
    return Overlay(MemoryState(dict(setup.iter_prefix(b""))))


def funded(balances: dict[bytes, int], vesting: dict[bytes, VestingSchedule] | None = None,
           params: StakingParams = PARAMS) -> Overlay:
    """A setup overlay with params, balances, vesting schedules and a supply equal to the balances."""
    setup = Overlay(MemoryState())
    st.set_params(setup, params)
    for address, amount in balances.items():
        set_balance(setup, address, amount)
    for address, schedule in (vesting or {}).items():
        set_vesting(setup, address, schedule)
    set_supply(setup, sum(balances.values()))
    return setup


def pre_state(
    balances: dict[bytes, int],
    candidates: dict[TestKey, int] | None = None,
    delegations: list[tuple[TestKey, TestKey, int]] | None = None,
    vesting: dict[bytes, VestingSchedule] | None = None,
    created_at: int = NOW - 2 * DAY,
    params: StakingParams = PARAMS,
) -> Overlay:
    """Balances, then candidates (operator -> self-bond) created with the real handler at ``created_at``,
    then (delegator, candidate, amount) delegations; the self-bonds and delegations come out of the balances."""
    setup = funded(balances, vesting, params)
    for key, self_bond in (candidates or {}).items():
        handle_create_super_node(setup, context(created_at), create_msg(key, self_bond))
    for delegator, candidate, amount in delegations or []:
        handle_delegate(setup, context(created_at), MsgDelegate(delegator.address, candidate.address, amount))
    return freeze(setup)


def set_exchange_rate(state: Overlay, key: TestKey, tokens: int, shares: int) -> None:
    """Give ``key`` a candidate whose only delegation is its operator's ``shares`` worth ``tokens``, as a
    slash would leave it (tokens != shares); the bonded pool and the supply grow by ``tokens``."""
    previous = st.get_candidate(state, key.address)
    assert previous is None, "set_exchange_rate creates the candidate"
    candidate = Candidate(key.address, consensus_key(key), key.name, COMMISSION_BPS, MAX_CHANGE_BPS, NOW - 2 * DAY,
                          tokens=tokens, shares=shares)
    st.set_candidate(state, candidate, None)
    st.set_delegation_shares(state, key.address, key.address, shares)
    set_balance(state, BONDED_POOL, get_balance(state, BONDED_POOL) + tokens)
    set_supply(state, get_supply(state) + tokens)


def set_flags(state: Overlay, key: TestKey, **flags) -> Candidate:
    """Jail, unjail or tombstone a candidate the way slashing will: through state.set_candidate."""
    previous = st.get_candidate(state, key.address)
    assert previous is not None
    updated = previous.with_(**flags)
    st.set_candidate(state, updated, previous)
    return updated


def snapshot(state: Overlay) -> tuple[dict[bytes, bytes | None], list[Event], dict[bytes, bytes]]:
    """Everything a handler could change: pending writes, events and the visible key/values."""
    return dict(state.writes), list(state.events), dict(state.iter_prefix(b""))


def rejects(state: Overlay, handler: Callable, msg: object, error: type[ChainError], ctx: BlockContext | None = None) -> tuple[ChainError, Overlay]:
    """Run ``handler`` on a child overlay, as the router does; it must raise ``error`` and leave ``state`` as it was.

    Returns the error and the child, so a test can also say whether the handler wrote before raising.
    """
    before = snapshot(state)
    child = Overlay(state)
    with pytest.raises(error) as raised:
        handler(child, ctx or context(), msg)
    assert snapshot(state) == before
    return raised.value, child


def balances(state: Overlay, *addresses: bytes) -> list[int]:
    return [get_balance(state, address) for address in addresses]


def pools(state: Overlay) -> list[int]:
    """[bonded pool, unbonding pool]."""
    return balances(state, BONDED_POOL, UNBONDING_POOL)


def attributes(event: Event) -> dict[str, str]:
    return dict(event.attributes)


def events(state: Overlay) -> list[tuple[str, dict[str, str]]]:
    return [(event.type, attributes(event)) for event in state.events]


def coin_spent(address: bytes, amount: int) -> tuple[str, dict[str, str]]:
    return ("coin_spent", {"spender": bech32(address), "amount": f"{amount}uamio"})


def coin_received(address: bytes, amount: int) -> tuple[str, dict[str, str]]:
    return ("coin_received", {"receiver": bech32(address), "amount": f"{amount}uamio"})

"""Shared pieces of the slashing tests: small slashing params, hooked pre-states with an elected validator set,
and blocks of votes.

With these params the signing window is 16 blocks and a validator must sign half of it, so it may miss
at most 8; downtime slashes 1% and jails for 600 s; double-signing slashes 5%. The staking params are the
staking tests' (100 uamio per unit of power, unbonding in 100 s); a block lasts 5 s and block ``h`` is at
NOW + 5h.
"""

from __future__ import annotations

from abci_app.store import Overlay
from chain_modules.common.context import BlockContext
from chain_modules.slashing import api as slashing_api
from chain_modules.slashing import state as slashing_state
from chain_modules.slashing.types import SlashingParams
from chain_modules.staking import state as st
from chain_modules.staking.epoch import apply_election
from tests.modules.distribution.helpers import context, pre_state, signer
from tests.modules.staking.helpers import NOW, PARAMS, freeze
from tests.support import TestKey

SLASHING = SlashingParams(
    signed_blocks_window=16,
    min_signed_bps=5_000,
    downtime_jail_seconds=600,
    slash_fraction_downtime_bps=100,
    slash_fraction_double_sign_bps=500,
    min_downtime_seconds=0,  # tests/modules/slashing/test_downtime_in_time.py sets it
    min_validators_after_jail=1,  # two validators in these tests; ditto
)
WINDOW = SLASHING.signed_blocks_window
MAX_MISSED = WINDOW - WINDOW * SLASHING.min_signed_bps // 10_000  # 8
BLOCK_SECONDS = 5


def block_time(height: int) -> int:
    return NOW + BLOCK_SECONDS * height


def at(height: int) -> BlockContext:
    """The context of block ``height`` (with the app's staking hooks)."""
    return context(now=block_time(height), height=height)


def elected_pre_state(
    balances: dict[bytes, int],
    candidates: dict[TestKey, int],
    delegations: list[tuple[TestKey, TestKey, int]] | None = None,
    params: SlashingParams = SLASHING,
) -> Overlay:
    """A hooked pre-state (tests/modules/distribution/helpers.py) with the slashing params and the candidates elected."""
    setup = pre_state(balances, candidates, delegations)
    slashing_state.set_params(setup, params)
    apply_election(setup, PARAMS)
    return freeze(setup)


def address_of(key: TestKey) -> bytes:
    """The consensus address of ``key``'s validator (what votes and evidence name)."""
    return signer(key, 0)[0]


def vote(state: Overlay, key: TestKey, height: int, signed: bool, power: int | None = None) -> None:
    """One vote of ``key``'s validator in the last commit of block ``height`` (power: its current tokens / 100)."""
    if power is None:
        power = st.get_candidate(state, key.address).tokens // PARAMS.power_reduction
    slashing_api.handle_liveness(state, at(height), address_of(key), power, signed)


def votes(state: Overlay, key: TestKey, first_height: int, pattern: str) -> int:
    """Blocks first_height, first_height + 1, ...: '+' signed, '-' missed; returns the next height."""
    height = first_height
    for mark in pattern:
        assert mark in "+-"
        vote(state, key, height, mark == "+")
        height += 1
    return height


def signing_info(state: Overlay, key: TestKey) -> list | None:
    """[start height, blocks seen, missed in the window, missed bitmap]."""
    return slashing_state.get_signing_info(state, address_of(key))

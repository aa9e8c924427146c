"""staking invariants, checked by tests after every block."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.state import StateRead
from chain_modules.staking import state as st
from chain_modules.staking.api import BONDED_POOL, UNBONDING_POOL
from chain_modules.staking.epoch import elect


def check_pools(state: StateRead) -> None:
    """Bonded pool = sum of candidate tokens; unbonding pool = sum of unbonding entries;
    each candidate's shares = sum of its delegations' shares; nothing negative."""
    candidates = {c.operator: c for c in st.iter_candidates(state)}
    assert bank_api.get_balance(state, BONDED_POOL) == sum(c.tokens for c in candidates.values()), "bonded pool != sum of tokens"
    unbonding = sum(e.balance for _d, _c, entries in st.iter_unbondings(state) for e in entries)
    assert bank_api.get_balance(state, UNBONDING_POOL) == unbonding, "unbonding pool != sum of unbonding entries"
    shares: dict[bytes, int] = {}
    for _delegator, operator, amount in st.iter_delegations(state):
        assert amount > 0
        shares[operator] = shares.get(operator, 0) + amount
    for operator, candidate in candidates.items():
        assert candidate.tokens >= 0 and candidate.shares >= 0
        assert shares.get(operator, 0) == candidate.shares, f"shares of {operator.hex()} do not add up"


def check_validator_set_is_elected(state: StateRead) -> None:
    """Right after an election, the stored validator set is exactly the top N eligible candidates."""
    elected = elect(state, st.get_params(state))
    current = {operator: (pubkey, power) for operator, pubkey, power in st.iter_validator_set(state)}
    assert not elected or current == elected, "validator set differs from the election result"

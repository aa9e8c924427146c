"""distribution invariants."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.state import StateRead
from chain_modules.distribution import state as st
from chain_modules.distribution.api import DISTRIBUTION_POOL


def check_pool(state: StateRead) -> None:
    """The pool holds exactly what is owed: outstanding rewards and commission plus the community amount."""
    outstanding = 0
    for _operator, amount in st.iter_outstanding(state):
        assert amount >= 0
        outstanding += amount
    assert bank_api.get_balance(state, DISTRIBUTION_POOL) == outstanding + st.get_community(state), "distribution pool mismatch"

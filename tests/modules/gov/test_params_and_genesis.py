"""GovParams validation, and gov's genesis section (optional; params only on a fresh chain)."""

from __future__ import annotations

import pytest

from abci_app.modules import GOV
from abci_app.store import MemoryState, Overlay
from chain_modules.common.context import BlockContext
from chain_modules.common.genesis import GenesisError
from chain_modules.common.module import GenesisContext
from chain_modules.gov import state as st
from chain_modules.gov.types import GovParams


def test_params_round_trip_and_the_cosmos_defaults():
    params = GovParams()
    assert GovParams.from_dict(params.to_dict()) == params
    assert (params.quorum_bps, params.threshold_bps, params.veto_bps) == (3_340, 5_000, 3_340)
    assert params.initial_deposit(False) == 250_000_000 and params.initial_deposit(True) == 1_250_000_000


@pytest.mark.parametrize("change, words", [
    ({"quorum_bps": 10_001}, "'quorum_bps' must be at most 10000"),
    ({"voting_period_seconds": 0}, "'voting_period_seconds' must be positive"),
    ({"max_endings_per_block": 0}, "'max_endings_per_block' must be positive"),
    ({"expedited_threshold_bps": 4_000}, "'expedited_threshold_bps' must be at least 'threshold_bps'"),
    ({"expedited_min_deposit": 1}, "'expedited_min_deposit' must be at least 'min_deposit'"),
    ({"expedited_voting_period_seconds": 10**6}, "must not exceed 'voting_period_seconds'"),
    ({"colour": 1}, "unknown gov param 'colour'"),
    ({"min_deposit": 1.5}, "'min_deposit' must be a non-negative integer"),
])
def test_bad_params_are_refused_by_name(change, words):
    with pytest.raises(ValueError, match=words):
        GovParams.from_dict(GovParams().to_dict() | change)


def test_the_genesis_section_is_optional_and_names_a_bad_field():
    assert GOV.genesis.required is False
    context = GenesisContext(genesis_time=0, sections={})
    section = GOV.genesis.parse({"params": GovParams(min_deposit=7).to_dict()}, context)
    state = Overlay(MemoryState())
    GOV.genesis.init(state, BlockContext("amino-test", 1, 0), section)
    assert st.get_params(state).min_deposit == 7
    assert GOV.genesis.export(state)["params"]["min_deposit"] == 7
    with pytest.raises(GenesisError, match=r"^app_state\.gov\.params: gov param 'veto_bps' must be positive"):
        GOV.genesis.parse({"params": GovParams().to_dict() | {"veto_bps": 0}}, context)

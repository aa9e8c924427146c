"""The power cap: no election gives one validator a third of the voting power or more (docs/modules/staking.md).

The attack it stops: a candidate whose consensus key nobody signs for gathers enough delegations to hold a
third of the power; the honest validators then hold no more than 2/3 and the chain halts for good.
"""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as hs

from chain_modules.bank.invariants import check_supply
from chain_modules.staking import state as st
from chain_modules.staking.api import slash
from chain_modules.staking.epoch import cap_powers, end_block
from chain_modules.staking.handlers import handle_delegate
from chain_modules.staking.invariants import check_pools, check_validator_set_is_elected
from chain_modules.staking.types import MsgDelegate, StakingParams
from tests.modules.staking.helpers import ALICE, BOB, CAROL, DAVE, EVE, NOW, PARAMS, context, pre_state

FOUR = replace(PARAMS, max_super_nodes=4)
THIRD_BPS = 3_333
SINK = b"\x09" * 20


def _capped_shares_fit(powers: list[int], cap: int, share_bps: int) -> bool:
    return cap * 10_000 <= share_bps * sum(min(power, cap) for power in powers)


@settings(max_examples=300, deadline=None)
@given(hs.lists(hs.integers(1, 10**12), min_size=4, max_size=40), hs.integers(100, THIRD_BPS))
def test_the_cap_is_the_largest_that_keeps_every_share_within_the_limit(powers, share_bps):
    cap = cap_powers(powers, share_bps)
    if len(powers) * share_bps < 10_000:
        assert cap == max(powers)  # no cap can help so small a set
        return
    assert 1 <= cap <= max(powers)
    assert _capped_shares_fit(powers, cap, share_bps)
    if cap < max(powers):
        assert not _capped_shares_fit(powers, cap + 1, share_bps)
    total = sum(min(power, cap) for power in powers)
    assert all(min(power, cap) * 3 < total for power in powers)  # below one third, strictly


def test_a_set_already_within_the_limit_is_not_capped():
    assert cap_powers([30, 25, 20, 16], THIRD_BPS) == 30  # 30 / 91 < 1/3


def test_exactly_a_third_is_already_too_much():
    assert cap_powers([30, 25, 20, 15], THIRD_BPS) == 29  # 30 / 90 is a third; 29 / 89 is less


def test_one_huge_stake_among_four_gets_less_than_a_third():
    cap = cap_powers([1_000_000, 10, 10, 10], THIRD_BPS)
    assert cap * 3 < cap + 30
    assert cap == 14  # 14 / 44 < 1/3, while 15 / 45 is a third


def test_fewer_than_four_validators_keep_their_stake_powers():
    assert cap_powers([50, 30, 20], THIRD_BPS) == 50
    assert cap_powers([7], THIRD_BPS) == 7
    assert cap_powers([], THIRD_BPS) == 0


def test_an_election_caps_a_candidate_that_gathered_a_third_of_the_stake():
    # four candidates of 30, 25, 20 and 15 power; eve delegates 100 power to dave: 100 / 190 = 53% uncapped
    state = pre_state({k.address: 100_000 for k in (ALICE, BOB, CAROL, DAVE, EVE)},
                      candidates={ALICE: 3_000, BOB: 2_500, CAROL: 2_000, DAVE: 1_500}, params=FOUR)
    handle_delegate(state, context(), MsgDelegate(EVE.address, DAVE.address, 10_000))
    end_block(state, context(NOW, height=FOUR.epoch_blocks))
    check_validator_set_is_elected(state)
    powers = {operator: power for operator, _pubkey, power in st.iter_validator_set(state)}
    total = sum(powers.values())
    assert powers[ALICE.address] == 30 and powers[BOB.address] == 25 and powers[CAROL.address] == 20
    assert powers[DAVE.address] * 3 < total  # below a third: alice, bob and carol alone hold more than 2/3
    assert (powers[ALICE.address] + powers[BOB.address] + powers[CAROL.address]) * 3 > 2 * total
    assert st.get_validator_powers(state, DAVE.address) == (powers[DAVE.address], 115)


def test_a_slash_of_a_capped_validator_follows_its_stake_not_its_capped_power():
    state = pre_state({k.address: 100_000 for k in (ALICE, BOB, CAROL, DAVE, EVE)},
                      candidates={ALICE: 3_000, BOB: 2_500, CAROL: 2_000, DAVE: 1_500}, params=FOUR)
    handle_delegate(state, context(), MsgDelegate(EVE.address, DAVE.address, 10_000))
    end_block(state, context(NOW, height=FOUR.epoch_blocks))
    capped, stake_power = st.get_validator_powers(state, DAVE.address)
    assert capped < stake_power
    # 10% of the stake behind the capped power: 10% of 11,500 uamio
    taken = slash(state, context(), DAVE.address, 1, capped, 1_000, SINK)
    assert taken == 1_150
    check_pools(state)
    check_supply(state)


def test_the_power_share_param_must_stay_below_a_third():
    for bad in (0, 3_334, 5_000):
        try:
            StakingParams.from_dict({"max_power_share_bps": bad})
        except ValueError as exc:
            assert "max_power_share_bps" in str(exc)
        else:
            raise AssertionError(f"{bad} was accepted")
    assert StakingParams.from_dict({"max_power_share_bps": 2_500}).max_power_share_bps == 2_500

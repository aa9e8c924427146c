"""distribution: block fees to the signers of the last commit by power, commission to operators, and
F1 rewards to delegators (withdraw_rewards, withdraw_commission), including rewards across a slash.

Numbers are small so every payout can be checked by hand: 100 uamio are one unit of power,
RATIO_SCALE is 10**18 and every payout is rounded down.
"""

from chain_modules.bank.state import get_balance
from chain_modules.distribution import state as dst
from chain_modules.distribution.api import DISTRIBUTION_POOL, allocate, pending_rewards
from chain_modules.distribution.errors import ErrNoCommission, ErrNoDelegation
from chain_modules.distribution.handlers import handle_withdraw_commission, handle_withdraw_rewards
from chain_modules.distribution.types import RATIO_SCALE, MsgWithdrawCommission, MsgWithdrawRewards
from chain_modules.slashing import api as slashing_api
from chain_modules.slashing import state as slashing_state
from chain_modules.slashing.types import SlashingParams
from chain_modules.staking import state as st
from chain_modules.staking.handlers import handle_delegate, handle_undelegate
from chain_modules.staking.types import MsgDelegate, MsgUndelegate
from tests.modules.distribution.helpers import (
    FEE_COLLECTOR,
    check_all,
    commission,
    community,
    context,
    outstanding,
    pay_fees,
    pool,
    pre_state,
    signer,
)
from tests.modules.staking.helpers import ALICE, BOB, CAROL, DAVE, EVE, events, freeze, rejects, snapshot

BLOCK = 8  # the height the fees are allocated at (the candidates were created at height 1)


def alice_and_bob():
    """alice: 3000 self-bond, 5% commission, carol delegated 1000 (4000 tokens, power 40);
    bob: 1000 self-bond, 10% commission (power 10)."""
    return pre_state(
        {ALICE.address: 10_000, BOB.address: 10_000, CAROL.address: 10_000, DAVE.address: 10_000},
        candidates={ALICE: 3_000, BOB: 1_000},
        delegations=[(CAROL, ALICE, 1_000)],
        commissions={ALICE: 500, BOB: 1_000},
    )


def alice_alone_earned_1000():
    """alice_and_bob after one block whose 1000 uamio of fees went to alice, the only signer:
    50 commission, 950 to her 4000 tokens (ratio 0.2375: carol 237, alice 712, 1 left over)."""
    state = alice_and_bob()
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 40)])
    return freeze(state)


def current_rewards(state, key):
    return dst.get_current(state, key.address)[1]


def withdraw_rewards(state, delegator, height=BLOCK):
    handle_withdraw_rewards(state, context(height=height), MsgWithdrawRewards(delegator.address))


# -- allocation ----------------------------------------------------------------------------------------


def test_allocate_splits_the_fees_by_voting_power_and_takes_each_commission():
    state = alice_and_bob()
    pay_fees(state, 1_001)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 40), signer(BOB, 10)])
    # alice 1001 * 40/50 = 800.8 -> 800, of which 5% commission = 40; bob 200.2 -> 200, of which 10% = 20
    assert (outstanding(state, ALICE), commission(state, ALICE), current_rewards(state, ALICE)) == (800, 40, 760)
    assert (outstanding(state, BOB), commission(state, BOB), current_rewards(state, BOB)) == (200, 20, 180)
    check_all(state)


def test_allocate_gives_the_remainder_of_the_split_to_the_community():
    state = alice_and_bob()
    pay_fees(state, 1_001)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 40), signer(BOB, 10)])
    assert community(state) == 1
    assert pool(state) == 1_001
    assert get_balance(state, FEE_COLLECTOR) == 0
    check_all(state)


def test_allocate_uses_the_power_of_the_votes_not_the_candidates_tokens():
    state = alice_and_bob()
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 1), signer(BOB, 3)])
    assert (outstanding(state, ALICE), outstanding(state, BOB)) == (250, 750)


def test_a_signer_without_a_candidate_neither_receives_fees_nor_dilutes_the_others():
    state = alice_and_bob()
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 40), signer(EVE, 60)])  # eve runs no candidate
    assert outstanding(state, ALICE) == 1_000
    assert community(state) == 0
    check_all(state)


def test_fees_stay_in_the_collector_when_no_signer_maps_to_a_candidate():
    state = alice_and_bob()
    pay_fees(state, 1_000)
    state = freeze(state)
    before = snapshot(state)
    for signers in ([], [signer(EVE, 60)], [signer(ALICE, 0)]):
        allocate(state, FEE_COLLECTOR, signers)
        assert snapshot(state) == before
    assert get_balance(state, FEE_COLLECTOR) == 1_000
    assert pool(state) == 0


def test_fees_that_waited_in_the_collector_are_paid_with_the_next_block_that_has_signers():
    state = alice_and_bob()
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [])
    pay_fees(state, 200)
    allocate(state, FEE_COLLECTOR, [signer(BOB, 10)])
    assert outstanding(state, BOB) == 1_200
    assert get_balance(state, FEE_COLLECTOR) == 0
    check_all(state)


# -- withdraw_rewards ----------------------------------------------------------------------------------


def test_pending_rewards_are_the_stake_times_the_reward_ratio_rounded_down():
    state = alice_alone_earned_1000()
    assert pending_rewards(state, CAROL.address, ALICE.address) == 237  # 1000 x 950/4000 = 237.5
    assert pending_rewards(state, ALICE.address, ALICE.address) == 712  # 3000 x 950/4000 = 712.5
    assert pending_rewards(state, BOB.address, BOB.address) == 0


def test_withdraw_rewards_pays_exactly_the_pending_rewards():
    state = alice_alone_earned_1000()
    pending = pending_rewards(state, CAROL.address, ALICE.address)
    withdraw_rewards(state, CAROL)
    assert get_balance(state, CAROL.address) == 9_000 + pending == 9_237
    assert outstanding(state, ALICE) == 1_000 - 237
    assert pending_rewards(state, CAROL.address, ALICE.address) == 0
    assert events(state)[-1] == ("withdraw_rewards", {"delegator": CAROL.bech32, "candidate": ALICE.bech32, "amount": "237uamio"})
    check_all(state)


def test_withdrawing_twice_pays_nothing_the_second_time():
    state = alice_alone_earned_1000()
    withdraw_rewards(state, CAROL)
    state = freeze(state)
    withdraw_rewards(state, CAROL)
    assert get_balance(state, CAROL.address) == 9_237
    assert events(state) == [("withdraw_rewards", {"delegator": CAROL.bech32, "candidate": ALICE.bech32, "amount": "0uamio"})]
    assert outstanding(state, ALICE) == 763
    check_all(state)


def test_withdraw_rewards_pays_every_delegation_of_the_delegator():
    state = alice_and_bob()
    handle_delegate(state, context(height=2), MsgDelegate(CAROL.address, BOB.address, 1_000))  # bob: 2000 tokens
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 40), signer(BOB, 20)])
    # alice 666 - 33 commission = 633 over 4000; bob 333 - 33 commission = 300 over 2000
    withdraw_rewards(state, CAROL)
    assert get_balance(state, CAROL.address) == 8_000 + 158 + 150  # 1000 x 633/4000 = 158.25; 1000 x 300/2000
    paid = {attributes["candidate"]: attributes["amount"] for kind, attributes in events(state) if kind == "withdraw_rewards"}
    assert paid == {ALICE.bech32: "158uamio", BOB.bech32: "150uamio"}
    check_all(state)


def test_rewards_accrue_across_blocks_until_withdrawn():
    state = alice_alone_earned_1000()
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 40)])
    assert pending_rewards(state, CAROL.address, ALICE.address) == 475  # 1000 x 1900/4000
    withdraw_rewards(state, CAROL)
    assert get_balance(state, CAROL.address) == 9_475
    check_all(state)


def test_changing_a_delegation_pays_its_pending_rewards_first():
    state = alice_alone_earned_1000()
    handle_delegate(state, context(height=BLOCK), MsgDelegate(CAROL.address, ALICE.address, 1_000))
    assert get_balance(state, CAROL.address) == 9_000 - 1_000 + 237
    assert pending_rewards(state, CAROL.address, ALICE.address) == 0
    assert dst.get_starting(state, CAROL.address, ALICE.address)[1] == 2_000
    check_all(state)


def test_a_new_delegation_earns_only_the_fees_allocated_after_it():
    state = alice_alone_earned_1000()
    handle_delegate(state, context(height=BLOCK), MsgDelegate(DAVE.address, ALICE.address, 1_000))  # 5000 tokens
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 50)])
    assert pending_rewards(state, DAVE.address, ALICE.address) == 190  # 1000 x 950/5000
    assert pending_rewards(state, CAROL.address, ALICE.address) == 237 + 190
    check_all(state)


def test_the_dust_of_a_candidate_whose_last_delegation_ended_goes_to_the_community():
    state = alice_alone_earned_1000()
    ctx = context(height=BLOCK)
    handle_undelegate(state, ctx, MsgUndelegate(CAROL.address, ALICE.address, 1_000))
    handle_undelegate(state, ctx, MsgUndelegate(ALICE.address, ALICE.address, 3_000))
    assert get_balance(state, CAROL.address) == 9_237 and get_balance(state, ALICE.address) == 7_712
    assert (outstanding(state, ALICE), commission(state, ALICE)) == (50, 50)  # only the commission is still owed
    assert community(state) == 1
    check_all(state)


def test_rewards_of_a_period_without_tokens_go_to_the_community():
    state = alice_and_bob()
    ctx = context(height=BLOCK)
    handle_undelegate(state, ctx, MsgUndelegate(BOB.address, BOB.address, 1_000))
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(BOB, 10)])  # still in the last commit: its power is the vote's
    handle_delegate(state, ctx, MsgDelegate(DAVE.address, BOB.address, 1_000))  # closes the tokenless period
    assert community(state) == 900
    assert (outstanding(state, BOB), commission(state, BOB)) == (100, 100)
    assert pending_rewards(state, DAVE.address, BOB.address) == 0
    check_all(state)


def test_invalid_withdraw_rewards_without_delegations_leaves_state_unchanged():
    state = alice_alone_earned_1000()
    error, child = rejects(state, handle_withdraw_rewards, MsgWithdrawRewards(DAVE.address), ErrNoDelegation, context(height=BLOCK))
    assert (error.codespace, error.code) == ("distribution", 2)
    assert child.writes == {} and child.events == []


def test_invalid_withdraw_rewards_after_undelegating_everything_leaves_state_unchanged():
    state = alice_alone_earned_1000()
    handle_undelegate(state, context(height=BLOCK), MsgUndelegate(CAROL.address, ALICE.address, 1_000))
    state = freeze(state)  # carol has only an unbonding entry left
    _error, child = rejects(state, handle_withdraw_rewards, MsgWithdrawRewards(CAROL.address), ErrNoDelegation, context(height=BLOCK))
    assert child.writes == {}


# -- withdraw_commission -------------------------------------------------------------------------------


def test_withdraw_commission_pays_the_accumulated_commission_to_the_operator():
    state = alice_alone_earned_1000()
    handle_withdraw_commission(state, context(height=BLOCK), MsgWithdrawCommission(ALICE.address))
    assert get_balance(state, ALICE.address) == 7_000 + 50
    assert (commission(state, ALICE), outstanding(state, ALICE)) == (0, 950)
    assert events(state)[-1] == ("withdraw_commission", {"operator": ALICE.bech32, "amount": "50uamio"})
    check_all(state)


def test_withdraw_commission_leaves_the_delegators_rewards_in_place():
    state = alice_alone_earned_1000()
    handle_withdraw_commission(state, context(height=BLOCK), MsgWithdrawCommission(ALICE.address))
    assert pending_rewards(state, CAROL.address, ALICE.address) == 237
    withdraw_rewards(state, CAROL)
    withdraw_rewards(state, ALICE)
    assert outstanding(state, ALICE) == 1  # the rounding remainder
    check_all(state)


def test_invalid_no_commission_leaves_state_unchanged():
    state = alice_alone_earned_1000()
    error, child = rejects(state, handle_withdraw_commission, MsgWithdrawCommission(BOB.address), ErrNoCommission, context(height=BLOCK))
    assert (error.codespace, error.code) == ("distribution", 3)
    assert child.writes == {}


def test_invalid_second_commission_withdrawal_leaves_state_unchanged():
    state = alice_alone_earned_1000()
    handle_withdraw_commission(state, context(height=BLOCK), MsgWithdrawCommission(ALICE.address))
    state = freeze(state)
    _error, child = rejects(state, handle_withdraw_commission, MsgWithdrawCommission(ALICE.address), ErrNoCommission, context(height=BLOCK))
    assert child.writes == {}


# -- rewards across a slash ----------------------------------------------------------------------------


def slash_alice_10_percent(state, height=BLOCK):
    """alice misses every vote of an 8-block signing window ending at ``height``: she is jailed (not
    tombstoned, so she can still be delegated to) and 10% of her power 40 is slashed, 4000 -> 3600."""
    slashing_state.set_params(state, SlashingParams(signed_blocks_window=8, min_signed_bps=5_000, slash_fraction_downtime_bps=1_000,
                                                       min_downtime_seconds=0, min_validators_after_jail=1))
    address, power = signer(ALICE, 40)
    for block in range(height - 7, height + 1):
        slashing_api.handle_liveness(state, context(height=block), address, power, signed=False)
    alice = st.get_candidate(state, ALICE.address)
    assert (alice.tokens, alice.jailed, alice.tombstoned) == (3_600, True, False)


def test_rewards_after_a_slash_are_computed_on_the_reduced_stake():
    state = alice_alone_earned_1000()
    slash_alice_10_percent(state)
    check_all(state)
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 36)])
    check_all(state)
    # before the slash: 1000 x 950/4000 = 237.5 -> 237
    # after it carol's stake is 900 of 3600 tokens: 900 x floor(950 x 10^18 / 3600) / 10^18 = 237.4999... -> 237
    # (on the stake before the slash it would have been 1000 x 950/3600 = 263)
    ratio_after = 950 * RATIO_SCALE // 3_600
    expected = 237 + 900 * ratio_after // RATIO_SCALE
    assert expected == 474
    assert pending_rewards(state, CAROL.address, ALICE.address) == expected
    withdraw_rewards(state, CAROL)
    assert get_balance(state, CAROL.address) == 9_000 + expected
    check_all(state)


def test_the_operators_rewards_after_a_slash_are_computed_on_its_reduced_self_bond():
    state = alice_alone_earned_1000()
    slash_alice_10_percent(state)
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 36)])
    expected = 712 + 2_700 * (950 * RATIO_SCALE // 3_600) // RATIO_SCALE  # 712 + 712
    assert pending_rewards(state, ALICE.address, ALICE.address) == expected == 1_424
    withdraw_rewards(state, ALICE)
    assert get_balance(state, ALICE.address) == 7_000 + 1_424
    check_all(state)


def test_rewards_allocated_before_a_slash_but_not_withdrawn_are_paid_in_full():
    state = alice_alone_earned_1000()
    slash_alice_10_percent(state)
    assert pending_rewards(state, CAROL.address, ALICE.address) == 237
    withdraw_rewards(state, CAROL)
    assert get_balance(state, CAROL.address) == 9_237
    check_all(state)


def test_a_delegation_made_after_a_slash_earns_on_its_full_value():
    state = alice_alone_earned_1000()
    slash_alice_10_percent(state)  # 3600 tokens for 4000 shares
    handle_delegate(state, context(height=BLOCK + 1), MsgDelegate(DAVE.address, ALICE.address, 360))  # 400 shares
    assert dst.get_starting(state, DAVE.address, ALICE.address)[1] == 360
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 39)])
    ratio = 950 * RATIO_SCALE // 3_960
    assert pending_rewards(state, DAVE.address, ALICE.address) == 360 * ratio // RATIO_SCALE == 86
    assert pending_rewards(state, CAROL.address, ALICE.address) == 237 + 900 * ratio // RATIO_SCALE == 237 + 215
    check_all(state)


def test_the_slashed_stake_goes_to_the_community_and_every_reward_stays_payable():
    state = alice_alone_earned_1000()
    slash_alice_10_percent(state)
    assert community(state) == 400
    assert pool(state) == 1_400
    pay_fees(state, 1_000)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 36)])
    withdraw_rewards(state, CAROL)
    withdraw_rewards(state, ALICE)
    handle_withdraw_commission(state, context(height=BLOCK), MsgWithdrawCommission(ALICE.address))
    # 2000 allocated: 100 commission, 474 + 1424 paid; what rounding left stays owed to nobody yet
    assert outstanding(state, ALICE) == 2_000 - 100 - 474 - 1_424 == 2
    assert get_balance(state, DISTRIBUTION_POOL) == 400 + 2
    check_all(state)

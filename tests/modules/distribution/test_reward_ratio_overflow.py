"""The cumulative reward ratio (uamio per bonded uamio x 10**18) outgrows 64 bits, the largest msgpack
integer, once a candidate has earned ~18.4 uamio per bonded uamio (found by the rewards state machine;
the ratio is now stored as 32 bytes). These tests keep it so.

A candidate reaches that bound at once when its tokens fall while its validator power does not: the power of
its votes is the one elected at the last epoch, so an operator that undelegates all but 1 uamio keeps
earning fees for its old power until the next epoch, and those fees are divided by 1 token.
"""

from chain_modules.bank.state import get_balance
from chain_modules.distribution.api import allocate
from chain_modules.distribution.handlers import handle_withdraw_rewards
from chain_modules.distribution.types import MsgWithdrawRewards
from chain_modules.slashing import api as slashing_api
from chain_modules.slashing import state as slashing_state
from chain_modules.slashing.types import SlashingParams
from chain_modules.staking import state as st
from chain_modules.staking.epoch import apply_election
from chain_modules.staking.handlers import handle_undelegate
from chain_modules.staking.types import MsgUndelegate
from tests.modules.distribution.helpers import FEE_COLLECTOR, check_all, context, pay_fees, pre_state, signer
from tests.modules.staking.helpers import ALICE, BOB, PARAMS, freeze


def bob_holds_the_last_uamio():
    """alice (1000 self-bond, 5% commission) and bob (1000) were elected with power 20; then alice undelegated
    all her self-bond and bob all but 1 uamio: 1 token left, still a validator with power 20 until the next epoch."""
    state = pre_state({ALICE.address: 10_000, BOB.address: 10_000}, {ALICE: 1_000}, [(BOB, ALICE, 1_000)])
    apply_election(state, PARAMS)
    handle_undelegate(state, context(height=2), MsgUndelegate(ALICE.address, ALICE.address, 1_000))
    handle_undelegate(state, context(height=2), MsgUndelegate(BOB.address, ALICE.address, 999))
    assert st.get_candidate(state, ALICE.address).tokens == 1
    assert [power for _operator, _pubkey, power in st.iter_validator_set(state)] == [20]
    return freeze(state)


def one_token_candidate():
    """alice holds 1 uamio of stake and nobody else delegated to her; she is still a validator (power 10)."""
    state = pre_state({ALICE.address: 10_000}, {ALICE: 1_000})
    apply_election(state, PARAMS)
    handle_undelegate(state, context(height=2), MsgUndelegate(ALICE.address, ALICE.address, 999))
    assert st.get_candidate(state, ALICE.address).tokens == 1
    return freeze(state)


def earn(state, fees):
    pay_fees(state, fees)
    allocate(state, FEE_COLLECTOR, [signer(ALICE, 10)])


def test_a_candidate_earning_18_uamio_per_bonded_uamio_pays_them_out():
    state = one_token_candidate()
    earn(state, 18)  # 5% of 18 rounds to no commission
    handle_withdraw_rewards(state, context(height=3), MsgWithdrawRewards(ALICE.address))
    assert get_balance(state, ALICE.address) == 9_000 + 18
    check_all(state)


def test_a_candidate_earning_19_uamio_per_bonded_uamio_pays_them_out():
    state = one_token_candidate()
    earn(state, 19)
    handle_withdraw_rewards(state, context(height=3), MsgWithdrawRewards(ALICE.address))
    assert get_balance(state, ALICE.address) == 9_000 + 19
    check_all(state)


def test_the_delegator_holding_a_validators_last_uamio_is_paid_for_its_validator_power():
    state = bob_holds_the_last_uamio()
    earn(state, 1_000)  # 50 commission, 950 for 1 token
    handle_withdraw_rewards(state, context(height=3), MsgWithdrawRewards(BOB.address))
    assert get_balance(state, BOB.address) == 9_000 + 950
    check_all(state)


def test_a_candidate_that_earned_much_per_token_can_still_be_undelegated_from():
    state = one_token_candidate()
    earn(state, 1_000)
    handle_undelegate(state, context(height=3), MsgUndelegate(ALICE.address, ALICE.address, 1))
    assert get_balance(state, ALICE.address) == 9_000 + 950  # the rewards; the 1 uamio is unbonding
    check_all(state)


def test_double_sign_evidence_for_a_candidate_that_earned_much_per_token_is_processed():
    state = one_token_candidate()
    earn(state, 1_000)
    slashing_state.set_params(state, SlashingParams(slash_fraction_double_sign_bps=5_000))
    address, _power = signer(ALICE, 10)
    # the fault at height 3 is after the undelegation at height 2: the candidate's own token pays
    slashing_api.begin_block(state, context(height=4), [], [(address, 3, 10)])  # as FinalizeBlock runs it
    alice = st.get_candidate(state, ALICE.address)
    assert (alice.tokens, alice.tombstoned) == (0, True)
    check_all(state)

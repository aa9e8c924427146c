"""Double-sign evidence: slash the stake the validator had at the infraction (unbondings and redelegations
that started at or after it pay first), jail it forever and tombstone it; the slashed tokens go to the
distribution pool's community amount, so the supply is unchanged."""

from chain_modules.bank.state import get_balance, get_supply
from chain_modules.distribution.api import DISTRIBUTION_POOL, add_to_community
from chain_modules.slashing import api as slashing_api
from chain_modules.slashing.types import FOREVER
from chain_modules.staking import api as staking_api
from chain_modules.staking import state as st
from chain_modules.staking.api import BONDED_POOL, UNBONDING_POOL, delegation_tokens
from chain_modules.staking.epoch import end_block
from chain_modules.staking.handlers import handle_redelegate, handle_undelegate
from chain_modules.staking.types import MsgRedelegate, MsgUndelegate, UnbondingEntry
from tests.modules.distribution.helpers import check_all, community, pool
from tests.modules.slashing.helpers import address_of, at, elected_pre_state
from tests.modules.staking.helpers import ALICE, BOB, CAROL, DAVE, EVE, PARAMS, consensus_key, events, freeze, snapshot

INFRACTION = 10
EVIDENCE = 21  # not an epoch boundary: the double signer leaves the set because it became ineligible
BALANCES = {ALICE.address: 10_000, BOB.address: 10_000, CAROL.address: 10_000, DAVE.address: 10_000}


def alice_and_dave():
    """alice: 2000 self-bond + 1000 from bob + 1000 from carol (power 40); dave: 1000 (power 10); both elected."""
    return elected_pre_state(BALANCES, {ALICE: 2_000, DAVE: 1_000}, [(BOB, ALICE, 1_000), (CAROL, ALICE, 1_000)])


def busy_alice():
    """alice_and_dave, then alice's delegators move stake around the infraction at height 10:

    height 8:  bob undelegates 200, carol redelegates 300 to dave   (before: never slashed)
    height 10: bob undelegates 100                                   (at the infraction: slashed)
    height 12: bob undelegates 400, carol redelegates 500 to dave   (after: slashed)

    alice is left with 2500 tokens; dave has 1800 (carol's 800 shares); the evidence says power 35.
    """
    state = alice_and_dave()
    handle_undelegate(state, at(8), MsgUndelegate(BOB.address, ALICE.address, 200))
    handle_redelegate(state, at(8), MsgRedelegate(CAROL.address, ALICE.address, DAVE.address, 300))
    handle_undelegate(state, at(10), MsgUndelegate(BOB.address, ALICE.address, 100))
    handle_undelegate(state, at(12), MsgUndelegate(BOB.address, ALICE.address, 400))
    handle_redelegate(state, at(12), MsgRedelegate(CAROL.address, ALICE.address, DAVE.address, 500))
    assert st.get_candidate(state, ALICE.address).tokens == 2_500
    return freeze(state)


def evidence(state, key=ALICE, power=35, infraction=INFRACTION, height=EVIDENCE):
    slashing_api.begin_block(state, at(height), [], [(address_of(key), infraction, power)])


def tokens(state, key):
    return st.get_candidate(state, key.address).tokens


# -- the slash ------------------------------------------------------------------------------------------


def test_double_sign_slashes_the_double_sign_fraction_of_the_power_at_the_infraction():
    state = alice_and_dave()
    evidence(state, power=40)
    assert tokens(state, ALICE) == 4_000 - 40 * 100 * 500 // 10_000 == 3_800
    check_all(state)


def test_every_delegation_of_the_double_signer_loses_the_same_fraction():
    state = alice_and_dave()
    evidence(state, power=40)
    assert delegation_tokens(state, BOB.address, ALICE.address) == 950
    assert delegation_tokens(state, ALICE.address, ALICE.address) == 1_900


def test_the_slash_is_a_fraction_of_the_evidence_power_not_of_the_current_tokens():
    state = alice_and_dave()
    evidence(state, power=20)  # alice has grown to 4000 since the infraction
    assert tokens(state, ALICE) == 4_000 - 100


def test_unbonding_entries_created_at_or_after_the_infraction_are_cut_by_the_fraction_of_their_initial_balance():
    state = busy_alice()
    unbonding_before = get_balance(state, UNBONDING_POOL)
    evidence(state)
    entries = st.get_unbonding(state, BOB.address, ALICE.address)
    assert [(entry.creation_height, entry.initial_balance, entry.balance) for entry in entries] == [
        (8, 200, 200), (10, 100, 95), (12, 400, 380),
    ]
    assert get_balance(state, UNBONDING_POOL) == unbonding_before - 25
    check_all(state)


def test_an_unbonding_entry_cut_by_an_earlier_slash_loses_the_fraction_of_its_initial_balance():
    state = busy_alice()
    # an earlier slash (as a downtime slash would) took a quarter of the entries made since height 12
    amount = staking_api.slash(state, at(14), ALICE.address, 12, 0, 2_500, DISTRIBUTION_POOL)
    add_to_community(state, amount)
    assert st.get_unbonding(state, BOB.address, ALICE.address)[2] == UnbondingEntry(12, at(12).time + PARAMS.unbonding_seconds, 400, 300)
    evidence(state)
    assert st.get_unbonding(state, BOB.address, ALICE.address)[2].balance == 300 - 400 * 5 // 100
    check_all(state)


def test_redelegations_made_after_the_infraction_cut_the_destination_delegation():
    state = busy_alice()
    evidence(state)
    # only the height-12 entry (500 shares of dave) pays: 5% = 25 shares, worth 25 uamio at dave's 1:1 rate
    assert st.get_delegation_shares(state, CAROL.address, DAVE.address) == 800 - 25
    dave = st.get_candidate(state, DAVE.address)
    assert (dave.tokens, dave.shares) == (1_775, 1_775)
    check_all(state)


def test_redelegation_entries_are_kept_after_the_cut():
    state = busy_alice()
    before = st.get_redelegation(state, CAROL.address, ALICE.address, DAVE.address)
    evidence(state)
    assert [(entry.creation_height, entry.destination_shares) for entry in before] == [(8, 300), (12, 500)]
    assert st.get_redelegation(state, CAROL.address, ALICE.address, DAVE.address) == before


def test_the_candidate_pays_what_its_unbondings_and_redelegations_did_not():
    state = busy_alice()
    evidence(state)
    target = 35 * 100 * 500 // 10_000  # 175
    assert tokens(state, ALICE) == 2_500 - (target - 5 - 20 - 25) == 2_375
    check_all(state)


def test_a_slash_larger_than_the_stake_takes_every_token_and_no_more():
    state = alice_and_dave()
    bonded_before = get_balance(state, BONDED_POOL)
    evidence(state, power=100_000)  # 5% of 10 million uamio
    assert tokens(state, ALICE) == 0
    assert get_balance(state, BONDED_POOL) == bonded_before - 4_000
    assert community(state) == 4_000
    check_all(state)


# -- jail and tombstone --------------------------------------------------------------------------------


def test_double_sign_jails_the_candidate_forever_and_tombstones_it():
    state = alice_and_dave()
    evidence(state)
    alice = st.get_candidate(state, ALICE.address)
    assert (alice.jailed, alice.jailed_until, alice.tombstoned) == (True, FOREVER, True)
    assert list(st.iter_by_power(state)) == [DAVE.address]


def test_the_double_signer_leaves_the_validator_set_at_the_next_end_block():
    state = alice_and_dave()
    evidence(state)
    updates = end_block(state, at(EVIDENCE))
    assert updates == [(consensus_key(ALICE), 0)]
    assert [operator for operator, _pubkey, _power in st.iter_validator_set(state)] == [DAVE.address]


def test_double_sign_of_a_candidate_jailed_for_downtime_still_slashes_and_tombstones_it():
    state = alice_and_dave()
    staking_api.jail(state, ALICE.address, at(EVIDENCE).time + 600)
    evidence(state, power=40)
    alice = st.get_candidate(state, ALICE.address)
    assert (alice.tokens, alice.jailed_until, alice.tombstoned) == (3_800, FOREVER, True)


def test_double_sign_emits_a_slash_event():
    state = busy_alice()
    evidence(state)
    assert events(state)[-1] == ("slash", {
        "operator": ALICE.bech32, "reason": "double_sign", "amount": "175uamio",
        "infraction_height": str(INFRACTION), "jailed_until": "forever",
    })


# -- evidence that does nothing ------------------------------------------------------------------------


def test_a_second_evidence_for_a_tombstoned_candidate_changes_nothing():
    state = busy_alice()
    evidence(state)
    state = freeze(state)
    before = snapshot(state)
    evidence(state, infraction=INFRACTION + 1, height=EVIDENCE + 1)
    assert snapshot(state) == before


def test_two_evidence_items_for_one_validator_in_a_block_slash_it_once():
    state = alice_and_dave()
    item = (address_of(ALICE), INFRACTION, 40)
    slashing_api.begin_block(state, at(EVIDENCE), [], [item, item])
    assert tokens(state, ALICE) == 3_800
    assert [kind for kind, _attributes in events(state)].count("slash") == 1


def test_evidence_for_an_unknown_address_changes_nothing():
    state = alice_and_dave()
    before = snapshot(state)
    evidence(state, key=EVE, power=40)  # eve runs no validator
    assert snapshot(state) == before


# -- where the slashed tokens go -----------------------------------------------------------------------


def test_slashed_tokens_go_to_the_distribution_pool_and_the_community_amount():
    state = busy_alice()
    staked_before = get_balance(state, BONDED_POOL) + get_balance(state, UNBONDING_POOL)
    supply_before = get_supply(state)
    evidence(state)
    assert get_supply(state) == supply_before
    assert get_balance(state, BONDED_POOL) + get_balance(state, UNBONDING_POOL) == staked_before - 175
    assert (pool(state), community(state)) == (175, 175)
    check_all(state)  # distribution pool = outstanding + community; staking pools; supply unchanged

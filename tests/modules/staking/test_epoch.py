"""End of block: matured unbondings are paid out, and every epoch_blocks blocks the top candidates are elected.

With the test params an epoch is 5 blocks, 3 super nodes are elected, 100 uamio are one unit of power
and the minimum self-bond is 1000 uamio.
"""

from dataclasses import replace

from chain_modules.bank.invariants import check_supply
from chain_modules.staking import state as st
from chain_modules.staking.api import UNBONDING_POOL
from chain_modules.staking.epoch import apply_election, elect, end_block
from chain_modules.staking.handlers import handle_delegate, handle_undelegate
from chain_modules.staking.invariants import check_pools, check_validator_set_is_elected
from chain_modules.staking.keys import UNBONDING_QUEUE_PREFIX
from chain_modules.staking.types import MsgDelegate, MsgUndelegate, UnbondingEntry
from tests.modules.staking.helpers import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    EVE,
    NOW,
    PARAMS,
    balances,
    coin_received,
    coin_spent,
    consensus_key,
    context,
    events,
    pools,
    pre_state,
    set_flags,
)

EPOCH = PARAMS.epoch_blocks
COMPLETION = NOW + PARAMS.unbonding_seconds
RICH = 100_000


def ck(key):
    return consensus_key(key)


def four_candidates(**self_bonds):
    """alice 3000, bob 2500, carol 2000, dave 1500 unless told otherwise; eve is a rich delegator."""
    bonds = {ALICE: 3_000, BOB: 2_500, CAROL: 2_000, DAVE: 1_500}
    bonds.update({key: self_bonds[key.name] for key in bonds if key.name in self_bonds})
    addresses = {key.address: RICH for key in bonds}
    addresses[EVE.address] = RICH
    return pre_state(addresses, candidates=bonds)


def by_operator(*pairs):
    """Expected updates in the order apply_election gives them: by operator address."""
    return [(ck(key), power) for key, power in sorted(pairs, key=lambda pair: pair[0].address)]


def validator_set(state):
    return {operator: (pubkey, power) for operator, pubkey, power in st.iter_validator_set(state)}


def elect_at(state, height=EPOCH, now=NOW):
    updates = end_block(state, context(now, height))
    check_validator_set_is_elected(state)
    return updates


# -- unbonding completion ---------------------------------------------------------------------------


def bob_unbonding_200():
    state = pre_state({ALICE.address: 5_000, BOB.address: 1_000}, candidates={ALICE: 2_000}, delegations=[(BOB, ALICE, 500)])
    handle_undelegate(state, context(), MsgUndelegate(BOB.address, ALICE.address, 200))
    state.events.clear()
    return state


def test_unbonding_is_not_paid_one_second_before_its_completion_time():
    state = bob_unbonding_200()
    assert end_block(state, context(COMPLETION - 1, height=8)) == []
    assert balances(state, BOB.address) == [500]
    assert pools(state) == [2_300, 200]
    assert st.get_unbonding(state, BOB.address, ALICE.address) == [UnbondingEntry(7, COMPLETION, 200, 200)]
    assert events(state) == []


def test_unbonding_is_paid_from_the_unbonding_pool_exactly_at_its_completion_time():
    state = bob_unbonding_200()
    end_block(state, context(COMPLETION, height=8))
    assert balances(state, BOB.address) == [700]
    assert pools(state) == [2_300, 0]
    assert st.get_unbonding(state, BOB.address, ALICE.address) == []
    assert list(state.iter_prefix(UNBONDING_QUEUE_PREFIX)) == []
    assert list(st.iter_unbonding_delegators_of(state, ALICE.address)) == []
    check_pools(state)
    check_supply(state)


def test_unbonding_completion_emits_the_payment_and_the_completion():
    state = bob_unbonding_200()
    end_block(state, context(COMPLETION + 50, height=8))
    assert events(state) == [
        coin_spent(UNBONDING_POOL, 200),
        coin_received(BOB.address, 200),
        ("complete_unbonding", {"delegator": BOB.bech32, "candidate": ALICE.bech32, "amount": "200uamio"}),
    ]


def test_unbonding_entries_complete_one_by_one_at_their_own_times():
    state = bob_unbonding_200()
    handle_undelegate(state, context(NOW + 10), MsgUndelegate(BOB.address, ALICE.address, 100))
    end_block(state, context(COMPLETION, height=8))
    assert balances(state, BOB.address) == [700]
    assert st.get_unbonding(state, BOB.address, ALICE.address) == [UnbondingEntry(7, COMPLETION + 10, 100, 100)]
    end_block(state, context(COMPLETION + 10, height=9))
    assert balances(state, BOB.address) == [800]
    assert pools(state) == [2_200, 0]


def test_unbonding_entries_matured_in_the_same_block_are_paid_together():
    state = bob_unbonding_200()
    handle_undelegate(state, context(NOW + 10), MsgUndelegate(BOB.address, ALICE.address, 100))
    state.events.clear()
    end_block(state, context(COMPLETION + 10, height=8))
    assert balances(state, BOB.address) == [800]
    assert [event for event in events(state) if event[0] == "complete_unbonding"] == [
        ("complete_unbonding", {"delegator": BOB.bech32, "candidate": ALICE.bech32, "amount": "300uamio"}),
    ]
    check_pools(state)


# -- elections ------------------------------------------------------------------------------------


def test_election_picks_the_top_candidates_by_tokens():
    state = four_candidates()
    updates = elect_at(state)
    assert updates == by_operator((ALICE, 30), (BOB, 25), (CAROL, 20))
    assert validator_set(state) == {ALICE.address: (ck(ALICE), 30), BOB.address: (ck(BOB), 25), CAROL.address: (ck(CAROL), 20)}


def test_election_breaks_ties_by_operator_address():
    state = four_candidates(alice=2_000, bob=2_000, carol=2_000, dave=2_000)
    first_three = sorted([ALICE, BOB, CAROL, DAVE], key=lambda key: key.address)[:3]
    updates = elect_at(state)
    assert updates == by_operator(*[(key, 20) for key in first_three])


def test_election_counts_delegations_in_the_power():
    state = four_candidates()
    handle_delegate(state, context(), MsgDelegate(EVE.address, DAVE.address, 2_000))  # dave 3500
    elected = elect(state, PARAMS)
    assert list(elected) == [DAVE.address, ALICE.address, BOB.address]
    assert elected[DAVE.address] == (ck(DAVE), 35)


def test_election_skips_a_candidate_whose_self_bond_fell_below_the_minimum():
    state = four_candidates()
    handle_delegate(state, context(), MsgDelegate(EVE.address, DAVE.address, 10_000))  # dave has the most tokens
    handle_undelegate(state, context(), MsgUndelegate(DAVE.address, DAVE.address, 501))  # self-bond 999
    updates = elect_at(state)
    assert st.get_candidate(state, DAVE.address).tokens == 10_999
    assert updates == by_operator((ALICE, 30), (BOB, 25), (CAROL, 20))


def test_election_skips_jailed_and_tombstoned_candidates():
    state = four_candidates()
    set_flags(state, ALICE, jailed=True)
    set_flags(state, BOB, jailed=True, tombstoned=True)
    updates = elect_at(state)
    assert updates == by_operator((CAROL, 20), (DAVE, 15))


def test_election_skips_a_candidate_with_less_than_one_unit_of_power():
    params = replace(PARAMS, power_reduction=2_000)
    state = pre_state({ALICE.address: 5_000, BOB.address: 5_000}, candidates={ALICE: 2_000, BOB: 1_999}, params=params)
    updates = elect_at(state)
    assert updates == [(ck(ALICE), 1)]


def test_second_election_with_unchanged_powers_sends_no_updates():
    state = four_candidates()
    elect_at(state)
    state.events.clear()
    assert elect_at(state, height=2 * EPOCH) == []
    assert events(state) == []
    assert len(validator_set(state)) == 3


def test_second_election_sends_only_the_changed_power():
    state = four_candidates()
    elect_at(state)
    handle_delegate(state, context(), MsgDelegate(EVE.address, BOB.address, 100))
    assert elect_at(state, height=2 * EPOCH) == [(ck(BOB), 26)]
    assert validator_set(state)[BOB.address] == (ck(BOB), 26)


def test_power_changes_below_one_unit_send_no_update():
    state = four_candidates()
    elect_at(state)
    handle_delegate(state, context(), MsgDelegate(EVE.address, BOB.address, 99))
    assert elect_at(state, height=2 * EPOCH) == []


def test_a_validator_that_drops_out_is_removed_with_power_zero():
    state = four_candidates()
    elect_at(state)
    handle_delegate(state, context(), MsgDelegate(EVE.address, DAVE.address, 600))  # dave 2100 > carol 2000
    updates = elect_at(state, height=2 * EPOCH)
    assert updates == by_operator((CAROL, 0), (DAVE, 21))
    assert set(validator_set(state)) == {ALICE.address, BOB.address, DAVE.address}


def test_a_jailed_validator_is_removed_at_once_without_waiting_for_the_epoch():
    state = four_candidates()
    elect_at(state)
    set_flags(state, ALICE, jailed=True)
    updates = end_block(state, context(NOW, EPOCH + 1))  # not an epoch boundary
    assert updates == by_operator((ALICE, 0), (DAVE, 15))
    assert ALICE.address not in validator_set(state)
    assert end_block(state, context(NOW, EPOCH + 2)) == []


def test_election_emits_one_event_per_update():
    state = four_candidates()
    elect_at(state)
    handle_delegate(state, context(), MsgDelegate(EVE.address, DAVE.address, 600))
    state.events.clear()
    elect_at(state, height=2 * EPOCH)
    assert events(state) == [
        ("validator_update", {"operator": key.bech32, "consensus_pubkey": ck(key).hex(), "power": str(power)})
        for key, power in sorted([(CAROL, 0), (DAVE, 21)], key=lambda pair: pair[0].address)
    ]


def test_no_update_and_no_empty_set_when_nobody_is_eligible():
    state = four_candidates()
    elect_at(state)
    before = validator_set(state)
    for key in (ALICE, BOB, CAROL, DAVE):
        set_flags(state, key, jailed=True)
    state.events.clear()
    assert elect_at(state, height=2 * EPOCH) == []
    assert validator_set(state) == before
    assert events(state) == []


def test_no_update_when_there_are_no_candidates():
    state = pre_state({ALICE.address: 5_000})
    assert elect_at(state) == []
    assert validator_set(state) == {}


def test_elections_happen_only_at_multiples_of_epoch_blocks():
    state = four_candidates()
    assert [end_block(state, context(NOW, height)) for height in range(1, EPOCH)] == [[]] * (EPOCH - 1)
    assert validator_set(state) == {}
    assert len(end_block(state, context(NOW, EPOCH))) == 3
    handle_delegate(state, context(), MsgDelegate(EVE.address, DAVE.address, 600))
    assert [end_block(state, context(NOW, height)) for height in range(EPOCH + 1, 2 * EPOCH)] == [[]] * (EPOCH - 1)
    assert end_block(state, context(NOW, 2 * EPOCH)) == by_operator((CAROL, 0), (DAVE, 21))


def test_apply_election_never_empties_the_validator_set():
    state = four_candidates()
    elect_at(state)
    for key in (ALICE, BOB, CAROL, DAVE):
        set_flags(state, key, jailed=True)
    assert apply_election(state, PARAMS) == []
    set_flags(state, DAVE, jailed=False)
    assert apply_election(state, PARAMS) == by_operator((ALICE, 0), (BOB, 0), (CAROL, 0), (DAVE, 15))
    assert validator_set(state) == {DAVE.address: (ck(DAVE), 15)}

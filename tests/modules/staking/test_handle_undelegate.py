"""staking/undelegate: pre state, message, post state; one test_invalid_<reason> per error code."""

import pytest

from chain_modules.bank.invariants import check_supply
from chain_modules.staking import state as st
from chain_modules.staking.api import BONDED_POOL, UNBONDING_POOL, delegation_tokens
from chain_modules.staking.epoch import end_block
from chain_modules.staking.errors import ErrInsufficientDelegation, ErrTooManyEntries, ErrUnknownCandidate
from chain_modules.staking.handlers import handle_delegate, handle_undelegate
from chain_modules.staking.invariants import check_pools
from chain_modules.staking.keys import delegation_key, unbonding_queue_key
from chain_modules.staking.types import MsgDelegate, MsgUndelegate, UnbondingEntry
from tests.modules.staking.helpers import (
    ALICE,
    BOB,
    CAROL,
    HEIGHT,
    NOW,
    PARAMS,
    balances,
    coin_received,
    coin_spent,
    context,
    events,
    freeze,
    pools,
    pre_state,
    rejects,
    set_exchange_rate,
    set_flags,
)

COMPLETION = NOW + PARAMS.unbonding_seconds


def bob_delegated_500_to_alice():
    return pre_state(
        {ALICE.address: 5_000, BOB.address: 1_000}, candidates={ALICE: 2_000}, delegations=[(BOB, ALICE, 500)],
    )


# -- success -------------------------------------------------------------------------------------


def test_undelegate_removes_tokens_and_shares_from_the_candidate_at_once():
    state = bob_delegated_500_to_alice()
    handle_undelegate(state, context(), MsgUndelegate(BOB.address, ALICE.address, 200))
    candidate = st.get_candidate(state, ALICE.address)
    assert (candidate.tokens, candidate.shares) == (2_300, 2_300)
    assert st.get_delegation_shares(state, BOB.address, ALICE.address) == 300


def test_undelegate_moves_the_amount_to_the_unbonding_pool_not_to_the_delegator():
    state = bob_delegated_500_to_alice()
    handle_undelegate(state, context(), MsgUndelegate(BOB.address, ALICE.address, 200))
    assert pools(state) == [2_300, 200]
    assert balances(state, BOB.address) == [500]
    check_pools(state)
    check_supply(state)


def test_undelegate_records_an_entry_that_completes_after_the_unbonding_period():
    state = bob_delegated_500_to_alice()
    handle_undelegate(state, context(), MsgUndelegate(BOB.address, ALICE.address, 200))
    assert st.get_unbonding(state, BOB.address, ALICE.address) == [UnbondingEntry(HEIGHT, COMPLETION, 200, 200)]
    assert state.get(unbonding_queue_key(COMPLETION, BOB.address, ALICE.address)) == b""
    assert list(st.iter_unbonding_delegators_of(state, ALICE.address)) == [BOB.address]


def test_undelegate_appends_one_entry_per_message_up_to_the_maximum():
    state = bob_delegated_500_to_alice()
    for second in range(PARAMS.max_entries):
        handle_undelegate(state, context(NOW + second), MsgUndelegate(BOB.address, ALICE.address, 10 * (second + 1)))
    assert st.get_unbonding(state, BOB.address, ALICE.address) == [
        UnbondingEntry(HEIGHT, COMPLETION, 10, 10),
        UnbondingEntry(HEIGHT, COMPLETION + 1, 20, 20),
        UnbondingEntry(HEIGHT, COMPLETION + 2, 30, 30),
    ]
    assert pools(state) == [2_440, 60]


def test_undelegate_of_the_whole_delegation_deletes_it():
    state = bob_delegated_500_to_alice()
    handle_undelegate(state, context(), MsgUndelegate(BOB.address, ALICE.address, 500))
    assert state.get(delegation_key(BOB.address, ALICE.address)) is None
    assert list(st.iter_delegations(state, BOB.address)) == []
    check_pools(state)


def test_operator_may_undelegate_below_the_minimum_self_bond():
    state = bob_delegated_500_to_alice()
    handle_undelegate(state, context(), MsgUndelegate(ALICE.address, ALICE.address, 1_500))
    assert st.get_candidate(state, ALICE.address).tokens == 1_000
    assert delegation_tokens(state, ALICE.address, ALICE.address) == 500
    assert list(st.iter_by_power(state)) == [ALICE.address]  # still ranked; the election skips it


def test_undelegating_every_token_leaves_an_empty_unranked_candidate():
    state = bob_delegated_500_to_alice()
    handle_undelegate(state, context(), MsgUndelegate(ALICE.address, ALICE.address, 2_000))
    handle_undelegate(state, context(), MsgUndelegate(BOB.address, ALICE.address, 500))
    candidate = st.get_candidate(state, ALICE.address)
    assert (candidate.tokens, candidate.shares) == (0, 0)
    assert list(st.iter_by_power(state)) == []
    assert pools(state) == [0, 2_500]
    check_pools(state)


def test_undelegate_from_a_jailed_candidate_is_allowed():
    state = bob_delegated_500_to_alice()
    set_flags(state, ALICE, jailed=True)
    handle_undelegate(state, context(), MsgUndelegate(BOB.address, ALICE.address, 500))
    assert pools(state) == [2_000, 500]


def test_undelegate_from_a_slashed_candidate_rounds_the_removed_shares_up():
    state = pre_state({})
    set_exchange_rate(state, CAROL, tokens=1_500, shares=2_000)  # 1 share = 0.75 uamio
    handle_undelegate(state, context(), MsgUndelegate(CAROL.address, CAROL.address, 100))
    candidate = st.get_candidate(state, CAROL.address)
    assert (candidate.tokens, candidate.shares) == (1_400, 1_866)  # 133.33 shares rounded up to 134
    assert delegation_tokens(state, CAROL.address, CAROL.address) == 1_400
    check_pools(state)


def test_undelegate_emits_the_pool_movement_then_the_undelegation():
    state = bob_delegated_500_to_alice()
    handle_undelegate(state, context(), MsgUndelegate(BOB.address, ALICE.address, 200))
    assert events(state) == [
        coin_spent(BONDED_POOL, 200),
        coin_received(UNBONDING_POOL, 200),
        ("undelegate", {"delegator": BOB.bech32, "candidate": ALICE.bech32, "amount": "200uamio", "completion_time": str(COMPLETION)}),
    ]


def test_a_completed_entry_makes_room_for_a_new_undelegation():
    state = bob_delegated_500_to_alice()
    for second in range(PARAMS.max_entries):
        handle_undelegate(state, context(NOW + second), MsgUndelegate(BOB.address, ALICE.address, 10))
    end_block(state, context(COMPLETION, height=HEIGHT + 1))
    handle_undelegate(state, context(COMPLETION), MsgUndelegate(BOB.address, ALICE.address, 10))
    assert [entry.completion_time for entry in st.get_unbonding(state, BOB.address, ALICE.address)] == [
        COMPLETION + 1, COMPLETION + 2, COMPLETION + PARAMS.unbonding_seconds,
    ]


# -- one test per error code ---------------------------------------------------------------------


def test_invalid_too_many_entries_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    for _ in range(PARAMS.max_entries):
        handle_undelegate(state, context(), MsgUndelegate(BOB.address, ALICE.address, 10))
    state = freeze(state)
    error, child = rejects(state, handle_undelegate, MsgUndelegate(BOB.address, ALICE.address, 10), ErrTooManyEntries)
    assert (error.codespace, error.code) == ("staking", 10)
    assert child.writes == {}
    assert len(st.get_unbonding(state, BOB.address, ALICE.address)) == 3
    assert pools(state) == [2_470, 30]


def test_invalid_unknown_candidate_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    error, child = rejects(state, handle_undelegate, MsgUndelegate(BOB.address, CAROL.address, 10), ErrUnknownCandidate)
    assert (error.codespace, error.code) == ("staking", 4)
    assert child.writes == {}


def test_invalid_insufficient_delegation_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    error, child = rejects(state, handle_undelegate, MsgUndelegate(BOB.address, ALICE.address, 501), ErrInsufficientDelegation)
    assert (error.codespace, error.code) == ("staking", 9)
    assert "500uamio" in error.log
    assert child.writes == {}
    assert st.get_delegation_shares(state, BOB.address, ALICE.address) == 500


def test_invalid_undelegation_without_a_delegation_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    _error, child = rejects(state, handle_undelegate, MsgUndelegate(CAROL.address, ALICE.address, 1), ErrInsufficientDelegation)
    assert child.writes == {}


# -- rounding once candidates can be slashed -------------------------------------------------------


def test_no_delegation_is_worth_more_than_was_paid_after_a_candidate_lost_its_last_shares():
    state = pre_state({BOB.address: 1_000})
    set_exchange_rate(state, CAROL, tokens=10, shares=4)  # 1 share = 2.5 uamio, as a slash can leave it
    handle_undelegate(state, context(), MsgUndelegate(CAROL.address, CAROL.address, 9))
    handle_delegate(state, context(), MsgDelegate(BOB.address, CAROL.address, 5))
    check_pools(state)
    assert delegation_tokens(state, BOB.address, CAROL.address) <= 5

"""staking/redelegate: pre state, message, post state; one test_invalid_<reason> per error code."""

import pytest

from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.bank.errors import ErrInvalidAmount
from chain_modules.bank.invariants import check_supply
from chain_modules.staking import state as st
from chain_modules.staking.api import delegation_tokens
from chain_modules.staking.epoch import end_block
from chain_modules.staking.errors import (
    ErrCandidateTombstoned,
    ErrInsufficientDelegation,
    ErrRedelegateToSame,
    ErrTooManyEntries,
    ErrTransitiveRedelegation,
    ErrUnknownCandidate,
)
from chain_modules.staking.handlers import handle_redelegate
from chain_modules.staking.invariants import check_pools
from chain_modules.staking.keys import redelegation_queue_key
from chain_modules.staking.types import MsgRedelegate, RedelegationEntry
from tests.modules.staking.helpers import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    EVE,
    HEIGHT,
    NOW,
    PARAMS,
    balances,
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
    """Candidates alice (2000), carol (1500) and dave (1000); bob delegated 500 to alice."""
    return pre_state(
        {ALICE.address: 5_000, BOB.address: 1_000, CAROL.address: 5_000, DAVE.address: 5_000},
        candidates={ALICE: 2_000, CAROL: 1_500, DAVE: 1_000},
        delegations=[(BOB, ALICE, 500)],
    )


def redelegate(source, destination, amount, delegator=BOB):
    return MsgRedelegate(delegator.address, source.address, destination.address, amount)


# -- success -------------------------------------------------------------------------------------


def test_redelegate_moves_tokens_from_source_to_destination_at_once():
    state = bob_delegated_500_to_alice()
    handle_redelegate(state, context(), redelegate(ALICE, CAROL, 200))
    alice, carol = st.get_candidate(state, ALICE.address), st.get_candidate(state, CAROL.address)
    assert (alice.tokens, alice.shares) == (2_300, 2_300)
    assert (carol.tokens, carol.shares) == (1_700, 1_700)
    assert st.get_delegation_shares(state, BOB.address, ALICE.address) == 300
    assert st.get_delegation_shares(state, BOB.address, CAROL.address) == 200


def test_redelegate_moves_no_coins_between_accounts_or_pools():
    state = bob_delegated_500_to_alice()
    handle_redelegate(state, context(), redelegate(ALICE, CAROL, 200))
    assert pools(state) == [5_000, 0]
    assert balances(state, BOB.address) == [500]
    check_pools(state)
    check_supply(state)


def test_redelegate_records_an_entry_for_the_unbonding_period():
    state = bob_delegated_500_to_alice()
    handle_redelegate(state, context(), redelegate(ALICE, CAROL, 200))
    assert st.get_redelegation(state, BOB.address, ALICE.address, CAROL.address) == [RedelegationEntry(HEIGHT, COMPLETION, 200, 200)]
    assert state.get(redelegation_queue_key(COMPLETION, BOB.address, ALICE.address, CAROL.address)) == b""
    assert st.has_incoming_redelegation(state, BOB.address, CAROL.address)
    assert not st.has_incoming_redelegation(state, BOB.address, ALICE.address)


def test_redelegate_of_the_whole_delegation_deletes_the_source_delegation():
    state = bob_delegated_500_to_alice()
    handle_redelegate(state, context(), redelegate(ALICE, CAROL, 500))
    assert [(candidate, shares) for _d, candidate, shares in st.iter_delegations(state, BOB.address)] == [(CAROL.address, 500)]


def test_redelegate_reorders_the_power_ranking():
    state = bob_delegated_500_to_alice()
    assert list(st.iter_by_power(state)) == [ALICE.address, CAROL.address, DAVE.address]
    handle_redelegate(state, context(), redelegate(ALICE, DAVE, 500))
    assert list(st.iter_by_power(state)) == [ALICE.address, DAVE.address, CAROL.address]


def test_redelegate_to_a_jailed_candidate_and_from_one_is_allowed():
    state = bob_delegated_500_to_alice()
    set_flags(state, ALICE, jailed=True)
    set_flags(state, CAROL, jailed=True)
    handle_redelegate(state, context(), redelegate(ALICE, CAROL, 200))
    assert st.get_candidate(state, CAROL.address).tokens == 1_700
    assert list(st.iter_by_power(state)) == [DAVE.address]
    check_pools(state)


def test_redelegate_again_between_the_same_pair_adds_an_entry():
    state = bob_delegated_500_to_alice()
    handle_redelegate(state, context(), redelegate(ALICE, CAROL, 100))
    handle_redelegate(state, context(NOW + 5, HEIGHT + 1), redelegate(ALICE, CAROL, 50))
    assert st.get_redelegation(state, BOB.address, ALICE.address, CAROL.address) == [
        RedelegationEntry(HEIGHT, COMPLETION, 100, 100),
        RedelegationEntry(HEIGHT + 1, COMPLETION + 5, 50, 50),
    ]


def test_redelegate_to_a_slashed_destination_buys_shares_at_its_rate():
    state = bob_delegated_500_to_alice()
    set_exchange_rate(state, EVE, tokens=1_500, shares=2_000)  # 1 share = 0.75 uamio
    handle_redelegate(state, context(), redelegate(ALICE, EVE, 300))
    assert st.get_delegation_shares(state, BOB.address, EVE.address) == 400
    assert st.get_redelegation(state, BOB.address, ALICE.address, EVE.address) == [RedelegationEntry(HEIGHT, COMPLETION, 300, 400)]
    assert delegation_tokens(state, BOB.address, EVE.address) == 300
    check_pools(state)


def test_redelegating_onward_is_allowed_once_the_incoming_redelegation_has_matured():
    state = bob_delegated_500_to_alice()
    handle_redelegate(state, context(), redelegate(ALICE, CAROL, 200))
    end_block(state, context(COMPLETION - 1, HEIGHT + 1))
    assert st.has_incoming_redelegation(state, BOB.address, CAROL.address)
    end_block(state, context(COMPLETION, HEIGHT + 2))
    assert st.get_redelegation(state, BOB.address, ALICE.address, CAROL.address) == []
    assert not st.has_incoming_redelegation(state, BOB.address, CAROL.address)
    handle_redelegate(state, context(COMPLETION), redelegate(CAROL, DAVE, 200))
    assert st.get_delegation_shares(state, BOB.address, DAVE.address) == 200


def test_redelegate_emits_only_the_redelegation():
    state = bob_delegated_500_to_alice()
    handle_redelegate(state, context(), redelegate(ALICE, CAROL, 200))
    assert events(state) == [
        ("redelegate", {
            "delegator": BOB.bech32, "source": ALICE.bech32, "destination": CAROL.bech32,
            "amount": "200uamio", "completion_time": str(COMPLETION),
        }),
    ]


# -- one test per error code ---------------------------------------------------------------------


def test_invalid_redelegate_to_the_same_candidate_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    error, child = rejects(state, handle_redelegate, redelegate(ALICE, ALICE, 100), ErrRedelegateToSame)
    assert (error.codespace, error.code) == ("staking", 11)
    assert child.writes == {}


def test_invalid_unknown_destination_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    error, child = rejects(state, handle_redelegate, redelegate(ALICE, EVE, 100), ErrUnknownCandidate)
    assert (error.codespace, error.code) == ("staking", 4)
    assert child.writes == {}
    assert st.get_delegation_shares(state, BOB.address, ALICE.address) == 500


def test_invalid_unknown_source_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    _error, child = rejects(state, handle_redelegate, redelegate(EVE, CAROL, 100), ErrUnknownCandidate)
    assert child.writes == {}
    assert st.get_candidate(state, CAROL.address).tokens == 1_500


def test_invalid_candidate_tombstoned_destination_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    set_flags(state, CAROL, jailed=True, tombstoned=True)
    state = freeze(state)
    error, child = rejects(state, handle_redelegate, redelegate(ALICE, CAROL, 100), ErrCandidateTombstoned)
    assert (error.codespace, error.code) == ("staking", 15)
    assert child.writes == {}


def test_invalid_transitive_redelegation_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    handle_redelegate(state, context(), redelegate(ALICE, CAROL, 200))
    state = freeze(state)
    error, child = rejects(state, handle_redelegate, redelegate(CAROL, DAVE, 100), ErrTransitiveRedelegation, context(COMPLETION - 1))
    assert (error.codespace, error.code) == ("staking", 12)
    assert child.writes == {}
    assert st.get_delegation_shares(state, BOB.address, CAROL.address) == 200


def test_invalid_too_many_entries_for_the_pair_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    for _ in range(PARAMS.max_entries):
        handle_redelegate(state, context(), redelegate(ALICE, CAROL, 10))
    state = freeze(state)
    error, child = rejects(state, handle_redelegate, redelegate(ALICE, CAROL, 10), ErrTooManyEntries)
    assert (error.codespace, error.code) == ("staking", 10)
    assert child.writes == {}
    # the limit is per (delegator, source, destination): another destination is still open
    handle_redelegate(state, context(), redelegate(ALICE, DAVE, 10))
    assert st.get_delegation_shares(state, BOB.address, DAVE.address) == 10


def test_invalid_insufficient_delegation_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    error, child = rejects(state, handle_redelegate, redelegate(ALICE, CAROL, 501), ErrInsufficientDelegation)
    assert (error.codespace, error.code) == ("staking", 9)
    assert child.writes == {}


def test_invalid_amount_too_small_for_a_destination_share_leaves_state_unchanged():
    state = bob_delegated_500_to_alice()
    set_exchange_rate(state, EVE, tokens=3_000, shares=1_000)  # 1 share = 3 uamio
    state = freeze(state)
    error, child = rejects(state, handle_redelegate, redelegate(ALICE, EVE, 2), ErrInvalidAmount)
    assert (error.codespace, error.code) == ("bank", 3)
    # the destination's share price is checked before anything is written
    assert child.writes == {}
    assert st.get_delegation_shares(state, BOB.address, ALICE.address) == 500
    assert st.get_candidate(state, ALICE.address).tokens == 2_500


# -- MsgRedelegate.from_body ---------------------------------------------------------------------------


def test_from_body_reads_a_well_formed_body_and_inverts_to_body():
    msg = MsgRedelegate.from_body({"delegator": BOB.address, "source": ALICE.address, "destination": CAROL.address, "amount": 7})
    assert msg == redelegate(ALICE, CAROL, 7)
    assert MsgRedelegate.from_body(msg.to_body()) == msg
    assert msg.signer == BOB.address


def test_from_body_rejects_a_missing_destination():
    with pytest.raises(ErrInvalidMessage):
        MsgRedelegate.from_body({"delegator": BOB.address, "source": ALICE.address, "amount": 7})

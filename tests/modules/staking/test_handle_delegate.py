"""staking/delegate: pre state, message, post state; one test_invalid_<reason> per error code."""

import pytest

from abci_app.store import Overlay
from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.bank.errors import ErrInsufficientFunds, ErrInvalidAddress, ErrInvalidAmount
from chain_modules.bank.invariants import check_supply
from chain_modules.bank.keys import delegated_vesting_key
from chain_modules.common.errors import ChainError
from chain_modules.staking import state as st
from chain_modules.staking.api import BONDED_POOL, delegation_tokens
from chain_modules.staking.errors import ErrCandidateTombstoned, ErrUnknownCandidate
from chain_modules.staking.handlers import handle_delegate
from chain_modules.staking.invariants import check_pools
from chain_modules.staking.keys import power_index_key
from chain_modules.staking.types import MsgDelegate
from tests.modules.staking.helpers import (
    ALICE,
    BOB,
    CAROL,
    balances,
    coin_received,
    coin_spent,
    context,
    events,
    pools,
    pre_state,
    rejects,
    set_exchange_rate,
    set_flags,
)


def alice_candidate_and_bob():
    return pre_state({ALICE.address: 5_000, BOB.address: 1_000}, candidates={ALICE: 2_000})


# -- success -------------------------------------------------------------------------------------


def test_delegate_adds_tokens_and_equal_shares_to_the_candidate():
    state = alice_candidate_and_bob()
    handle_delegate(state, context(), MsgDelegate(BOB.address, ALICE.address, 400))
    candidate = st.get_candidate(state, ALICE.address)
    assert (candidate.tokens, candidate.shares) == (2_400, 2_400)
    assert st.get_delegation_shares(state, BOB.address, ALICE.address) == 400
    assert delegation_tokens(state, BOB.address, ALICE.address) == 400


def test_delegate_moves_the_amount_from_the_delegator_into_the_bonded_pool():
    state = alice_candidate_and_bob()
    handle_delegate(state, context(), MsgDelegate(BOB.address, ALICE.address, 400))
    assert balances(state, BOB.address, ALICE.address) == [600, 3_000]
    assert pools(state) == [2_400, 0]
    check_pools(state)
    check_supply(state)


def test_delegate_of_the_whole_balance_empties_the_account():
    state = alice_candidate_and_bob()
    handle_delegate(state, context(), MsgDelegate(BOB.address, ALICE.address, 1_000))
    assert balances(state, BOB.address) == [0]
    assert st.get_delegation_shares(state, BOB.address, ALICE.address) == 1_000


def test_delegate_twice_adds_up_the_shares():
    state = alice_candidate_and_bob()
    handle_delegate(state, context(), MsgDelegate(BOB.address, ALICE.address, 300))
    handle_delegate(state, context(), MsgDelegate(BOB.address, ALICE.address, 200))
    assert st.get_delegation_shares(state, BOB.address, ALICE.address) == 500
    assert st.get_candidate(state, ALICE.address).tokens == 2_500


def test_delegate_moves_the_candidate_in_the_power_ranking():
    state = pre_state({ALICE.address: 5_000, BOB.address: 5_000, CAROL.address: 1_000}, candidates={ALICE: 2_000, BOB: 2_500})
    assert list(st.iter_by_power(state)) == [BOB.address, ALICE.address]
    handle_delegate(state, context(), MsgDelegate(CAROL.address, ALICE.address, 501))
    assert list(st.iter_by_power(state)) == [ALICE.address, BOB.address]
    assert state.get(power_index_key(2_000, ALICE.address)) is None
    assert state.get(power_index_key(2_501, ALICE.address)) == b""


def test_delegate_to_a_jailed_candidate_is_allowed_and_keeps_it_out_of_the_ranking():
    state = alice_candidate_and_bob()
    set_flags(state, ALICE, jailed=True)
    handle_delegate(state, context(), MsgDelegate(BOB.address, ALICE.address, 400))
    assert st.get_candidate(state, ALICE.address).tokens == 2_400
    assert list(st.iter_by_power(state)) == []
    check_pools(state)


def test_delegate_to_a_slashed_candidate_rounds_the_new_shares_down():
    state = pre_state({BOB.address: 1_000})
    set_exchange_rate(state, CAROL, tokens=1_500, shares=2_000)  # 1 share = 0.75 uamio
    handle_delegate(state, context(), MsgDelegate(BOB.address, CAROL.address, 100))
    assert st.get_delegation_shares(state, BOB.address, CAROL.address) == 133  # 133.33 rounded down
    candidate = st.get_candidate(state, CAROL.address)
    assert (candidate.tokens, candidate.shares) == (1_600, 2_133)
    assert delegation_tokens(state, BOB.address, CAROL.address) == 99  # never more than was paid
    check_pools(state)


def test_delegate_from_a_free_account_records_no_delegated_vesting():
    state = alice_candidate_and_bob()
    handle_delegate(state, context(), MsgDelegate(BOB.address, ALICE.address, 400))
    assert state.get(delegated_vesting_key(BOB.address)) is None


def test_delegate_emits_the_bank_movements_then_the_delegation():
    state = alice_candidate_and_bob()
    handle_delegate(state, context(), MsgDelegate(BOB.address, ALICE.address, 400))
    assert events(state) == [
        coin_spent(BOB.address, 400),
        coin_received(BONDED_POOL, 400),
        ("delegate", {"delegator": BOB.bech32, "candidate": ALICE.bech32, "amount": "400uamio", "shares": "400"}),
    ]


# -- one test per error code ---------------------------------------------------------------------


def test_invalid_unknown_candidate_leaves_state_unchanged():
    state = alice_candidate_and_bob()
    error, child = rejects(state, handle_delegate, MsgDelegate(BOB.address, CAROL.address, 400), ErrUnknownCandidate)
    assert (error.codespace, error.code) == ("staking", 4)
    assert child.writes == {}
    assert balances(state, BOB.address) == [1_000]


def test_invalid_candidate_tombstoned_leaves_state_unchanged():
    state = alice_candidate_and_bob()
    set_flags(state, ALICE, jailed=True, tombstoned=True)
    error, child = rejects(state, handle_delegate, MsgDelegate(BOB.address, ALICE.address, 400), ErrCandidateTombstoned)
    assert (error.codespace, error.code) == ("staking", 15)
    assert child.writes == {}
    assert st.get_candidate(state, ALICE.address).tokens == 2_000


def test_invalid_insufficient_funds_leaves_state_unchanged():
    state = alice_candidate_and_bob()
    error, child = rejects(state, handle_delegate, MsgDelegate(BOB.address, ALICE.address, 1_001), ErrInsufficientFunds)
    assert (error.codespace, error.code) == ("bank", 2)
    assert child.writes == {}
    assert balances(state, BOB.address) == [1_000]
    assert pools(state) == [2_000, 0]


def test_invalid_amount_too_small_to_buy_one_share_leaves_state_unchanged():
    state = pre_state({BOB.address: 1_000})
    set_exchange_rate(state, CAROL, tokens=3_000, shares=1_000)  # 1 share = 3 uamio
    error, child = rejects(state, handle_delegate, MsgDelegate(BOB.address, CAROL.address, 2), ErrInvalidAmount)
    assert (error.codespace, error.code) == ("bank", 3)
    assert child.writes == {}
    handle_delegate(state, context(), MsgDelegate(BOB.address, CAROL.address, 3))
    assert st.get_delegation_shares(state, BOB.address, CAROL.address) == 1


# -- MsgDelegate.from_body ---------------------------------------------------------------------------


def test_from_body_reads_a_well_formed_body_and_inverts_to_body():
    msg = MsgDelegate.from_body({"delegator": BOB.address, "candidate": ALICE.address, "amount": 5})
    assert msg == MsgDelegate(BOB.address, ALICE.address, 5)
    assert MsgDelegate.from_body(msg.to_body()) == msg
    assert msg.signer == BOB.address


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"amount": 0}, ErrInvalidAmount),
        ({"amount": True}, ErrInvalidAmount),
        ({"candidate": b"\x00" * 21}, ErrInvalidAddress),
        ({"delegator": ALICE.bech32}, ErrInvalidAddress),
        ({"memo": "x"}, ErrInvalidMessage),
    ],
)
def test_from_body_rejects_malformed_fields(overrides, error):
    fields = {"delegator": BOB.address, "candidate": ALICE.address, "amount": 5, **overrides}
    with pytest.raises(error):
        MsgDelegate.from_body(fields)


# -- rounding once candidates can be slashed -------------------------------------------------------


def test_delegate_to_a_candidate_slashed_to_zero_tokens_never_gives_the_new_tokens_to_old_shares():
    state = pre_state({BOB.address: 1_000})
    set_exchange_rate(state, CAROL, tokens=0, shares=1_000)
    child = Overlay(state)
    try:
        handle_delegate(child, context(), MsgDelegate(BOB.address, CAROL.address, 500))
    except ChainError:
        return  # refusing the delegation is a fine answer
    assert delegation_tokens(child, BOB.address, CAROL.address) == 500

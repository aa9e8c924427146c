"""staking/edit_super_node: pre state, message, post state; one test_invalid_<reason> per error code.

The candidates of these tests were created two days before NOW, so a commission change is allowed at NOW.
"""

import pytest

from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.staking import state as st
from chain_modules.staking.errors import (
    ErrCommissionChangeTooLarge,
    ErrCommissionChangeTooSoon,
    ErrInvalidCommission,
    ErrInvalidMoniker,
    ErrUnknownCandidate,
)
from chain_modules.staking.handlers import handle_create_super_node, handle_edit_super_node
from chain_modules.staking.types import MsgEditSuperNode
from tests.modules.staking.helpers import (
    ALICE,
    BOB,
    COMMISSION_BPS,
    DAY,
    MAX_CHANGE_BPS,
    NOW,
    context,
    create_msg,
    events,
    freeze,
    pre_state,
    rejects,
    set_flags,
)

CREATED = NOW - 2 * DAY


def alice_candidate():
    return pre_state({ALICE.address: 5_000}, candidates={ALICE: 2_000}, created_at=CREATED)


# -- success -------------------------------------------------------------------------------------


def test_edit_changes_the_moniker_and_keeps_the_commission_clock_when_the_rate_is_unchanged():
    state = alice_candidate()
    before = st.get_candidate(state, ALICE.address)
    handle_edit_super_node(state, context(), MsgEditSuperNode(ALICE.address, "alice's node", COMMISSION_BPS))
    assert st.get_candidate(state, ALICE.address) == before.with_(moniker="alice's node")
    assert before.commission_changed_at == CREATED


def test_edit_raises_the_commission_by_the_max_change_and_restarts_the_clock():
    state = alice_candidate()
    handle_edit_super_node(state, context(), MsgEditSuperNode(ALICE.address, "alice", COMMISSION_BPS + MAX_CHANGE_BPS))
    candidate = st.get_candidate(state, ALICE.address)
    assert (candidate.commission_bps, candidate.commission_changed_at) == (600, NOW)


def test_edit_lowers_the_commission_by_the_max_change():
    state = alice_candidate()
    handle_edit_super_node(state, context(), MsgEditSuperNode(ALICE.address, "alice", COMMISSION_BPS - MAX_CHANGE_BPS))
    assert st.get_candidate(state, ALICE.address).commission_bps == 400


def test_edit_may_change_the_commission_again_exactly_24_hours_after_the_last_change():
    state = alice_candidate()
    handle_edit_super_node(state, context(), MsgEditSuperNode(ALICE.address, "alice", 600))
    handle_edit_super_node(state, context(NOW + DAY), MsgEditSuperNode(ALICE.address, "alice", 700))
    candidate = st.get_candidate(state, ALICE.address)
    assert (candidate.commission_bps, candidate.commission_changed_at) == (700, NOW + DAY)


def test_edit_of_the_moniker_alone_is_allowed_within_24_hours_of_a_commission_change():
    state = alice_candidate()
    handle_edit_super_node(state, context(), MsgEditSuperNode(ALICE.address, "alice", 600))
    handle_edit_super_node(state, context(NOW + 1), MsgEditSuperNode(ALICE.address, "renamed", 600))
    candidate = st.get_candidate(state, ALICE.address)
    assert (candidate.moniker, candidate.commission_bps, candidate.commission_changed_at) == ("renamed", 600, NOW)


def test_edit_keeps_stake_and_power_ranking():
    state = alice_candidate()
    before = st.get_candidate(state, ALICE.address)
    handle_edit_super_node(state, context(), MsgEditSuperNode(ALICE.address, "alice", 600))
    after = st.get_candidate(state, ALICE.address)
    assert (after.tokens, after.shares) == (before.tokens, before.shares) == (2_000, 2_000)
    assert list(st.iter_by_power(state)) == [ALICE.address]


def test_edit_of_a_jailed_candidate_keeps_it_out_of_the_power_ranking():
    state = alice_candidate()
    set_flags(state, ALICE, jailed=True)
    handle_edit_super_node(state, context(), MsgEditSuperNode(ALICE.address, "alice", 600))
    assert list(st.iter_by_power(state)) == []
    assert st.get_candidate(state, ALICE.address).jailed


def test_edit_emits_the_new_moniker_and_commission():
    state = alice_candidate()
    handle_edit_super_node(state, context(), MsgEditSuperNode(ALICE.address, "node", 550))
    assert events(state) == [("edit_super_node", {"operator": ALICE.bech32, "moniker": "node", "commission_bps": "550"})]


# -- one test per error code ---------------------------------------------------------------------


def test_invalid_unknown_candidate_leaves_state_unchanged():
    state = alice_candidate()
    error, child = rejects(state, handle_edit_super_node, MsgEditSuperNode(BOB.address, "bob", 500), ErrUnknownCandidate)
    assert (error.codespace, error.code) == ("staking", 4)
    assert child.writes == {}
    assert st.get_candidate(state, BOB.address) is None


def test_invalid_commission_above_10000_bps_leaves_state_unchanged():
    state = pre_state({ALICE.address: 5_000}, created_at=CREATED)
    # a max change of 10000 bps would allow the jump: the absolute bound must still hold
    handle_create_super_node(state, context(CREATED), create_msg(ALICE, 1_000, commission_bps=9_000, max_change_bps=10_000))
    error, child = rejects(state, handle_edit_super_node, MsgEditSuperNode(ALICE.address, "alice", 10_001), ErrInvalidCommission)
    assert (error.codespace, error.code) == ("staking", 6)
    assert child.writes == {}
    assert st.get_candidate(state, ALICE.address).commission_bps == 9_000


def test_invalid_commission_change_larger_than_the_max_change_leaves_state_unchanged():
    state = alice_candidate()
    error, child = rejects(state, handle_edit_super_node, MsgEditSuperNode(ALICE.address, "alice", 601), ErrCommissionChangeTooLarge)
    assert (error.codespace, error.code) == ("staking", 7)
    assert "101" in error.log
    assert child.writes == {}
    assert st.get_candidate(state, ALICE.address).commission_bps == COMMISSION_BPS


def test_invalid_commission_change_one_second_before_24_hours_leaves_state_unchanged():
    state = alice_candidate()
    handle_edit_super_node(state, context(), MsgEditSuperNode(ALICE.address, "alice", 600))
    state = freeze(state)
    error, child = rejects(
        state, handle_edit_super_node, MsgEditSuperNode(ALICE.address, "alice", 700), ErrCommissionChangeTooSoon, context(NOW + DAY - 1),
    )
    assert (error.codespace, error.code) == ("staking", 8)
    assert str(NOW + DAY) in error.log
    assert child.writes == {}
    assert st.get_candidate(state, ALICE.address).commission_bps == 600


def test_invalid_commission_change_on_the_day_of_creation_leaves_state_unchanged():
    state = pre_state({ALICE.address: 5_000}, candidates={ALICE: 1_000}, created_at=NOW - DAY + 1)
    _error, child = rejects(state, handle_edit_super_node, MsgEditSuperNode(ALICE.address, "alice", 600), ErrCommissionChangeTooSoon)
    assert child.writes == {}


# -- MsgEditSuperNode.from_body ----------------------------------------------------------------------


def test_from_body_reads_a_well_formed_body_and_inverts_to_body():
    msg = MsgEditSuperNode.from_body({"operator": ALICE.address, "moniker": "a", "commission_bps": 0})
    assert msg == MsgEditSuperNode(ALICE.address, "a", 0)
    assert MsgEditSuperNode.from_body(msg.to_body()) == msg
    assert msg.signer == ALICE.address


@pytest.mark.parametrize("moniker", ["", "y" * 65, "\x00", None])
def test_invalid_moniker_is_rejected_when_decoding(moniker):
    with pytest.raises(ErrInvalidMoniker) as raised:
        MsgEditSuperNode.from_body({"operator": ALICE.address, "moniker": moniker, "commission_bps": 0})
    assert (raised.value.codespace, raised.value.code) == ("staking", 13)


def test_from_body_rejects_a_negative_commission():
    with pytest.raises(ErrInvalidMessage):
        MsgEditSuperNode.from_body({"operator": ALICE.address, "moniker": "a", "commission_bps": -1})

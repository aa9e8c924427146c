"""staking/create_super_node: pre state, message, post state; one test_invalid_<reason> per error code."""

import pytest

from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.bank.errors import ErrInsufficientFunds, ErrInvalidAddress, ErrInvalidAmount
from chain_modules.bank.invariants import check_supply
from chain_modules.staking import state as st
from chain_modules.staking.api import BONDED_POOL, self_bond
from chain_modules.staking.errors import (
    ErrCandidateExists,
    ErrConsensusKeyInUse,
    ErrInvalidCommission,
    ErrInvalidConsensusKey,
    ErrInvalidMoniker,
    ErrInvalidProofOfPossession,
    ErrSelfBondTooLow,
)
from chain_modules.staking.handlers import handle_create_super_node
from chain_modules.staking.invariants import check_pools
from chain_modules.staking.keys import candidate_key, consensus_key_key
from chain_modules.staking.types import Candidate, MsgCreateSuperNode
from tests.modules.staking.helpers import (
    ALICE,
    BOB,
    NOW,
    balances,
    coin_received,
    coin_spent,
    consensus_key,
    consensus_signer,
    context,
    create_msg,
    events,
    pools,
    pre_state,
    rejects,
)
from tests.support import proof_of_possession


# ed25519 encodings nobody can sign for, or anyone can forge for: not a point (ff..ff), the identity and the
# other points of small order (CometBFT's vote verification would accept forged signatures for them)
SMALL_ORDER_POINTS = [
    bytes(32),
    bytes([1]) + bytes(31),
    bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
]
UNUSABLE_KEYS = [b"\xff" * 32, *SMALL_ORDER_POINTS]


# -- success -------------------------------------------------------------------------------------


def test_create_super_node_registers_a_candidate_holding_its_self_bond():
    state = pre_state({ALICE.address: 5_000})
    handle_create_super_node(state, context(), create_msg(ALICE, 2_000, commission_bps=700, max_change_bps=50))
    assert st.get_candidate(state, ALICE.address) == Candidate(
        ALICE.address, consensus_key(ALICE), "alice", 700, 50, commission_changed_at=NOW, tokens=2_000, shares=2_000,
    )
    assert st.get_delegation_shares(state, ALICE.address, ALICE.address) == 2_000
    assert self_bond(state, st.get_candidate(state, ALICE.address)) == 2_000


def test_create_super_node_moves_the_self_bond_into_the_bonded_pool():
    state = pre_state({ALICE.address: 5_000})
    handle_create_super_node(state, context(), create_msg(ALICE, 2_000))
    assert balances(state, ALICE.address) == [3_000]
    assert pools(state) == [2_000, 0]
    check_pools(state)
    check_supply(state)


def test_create_super_node_reserves_the_consensus_key_for_the_operator():
    state = pre_state({ALICE.address: 5_000})
    handle_create_super_node(state, context(), create_msg(ALICE, 2_000))
    assert st.get_operator_by_consensus_key(state, consensus_key(ALICE)) == ALICE.address


def test_create_super_node_ranks_the_candidate_by_power_but_does_not_elect_it_yet():
    state = pre_state({ALICE.address: 5_000})
    handle_create_super_node(state, context(), create_msg(ALICE, 2_000))
    assert list(st.iter_by_power(state)) == [ALICE.address]
    assert list(st.iter_validator_set(state)) == []


def test_create_super_node_accepts_a_self_bond_of_exactly_the_minimum():
    state = pre_state({ALICE.address: 1_000})
    handle_create_super_node(state, context(), create_msg(ALICE, 1_000))
    assert st.get_candidate(state, ALICE.address).tokens == 1_000
    assert balances(state, ALICE.address) == [0]


@pytest.mark.parametrize(("commission", "max_change"), [(0, 0), (10_000, 10_000), (10_000, 0), (0, 10_000)])
def test_create_super_node_accepts_commission_rates_at_the_bounds(commission, max_change):
    state = pre_state({ALICE.address: 1_000})
    handle_create_super_node(state, context(), create_msg(ALICE, 1_000, commission, max_change))
    candidate = st.get_candidate(state, ALICE.address)
    assert (candidate.commission_bps, candidate.max_change_bps) == (commission, max_change)


def test_create_super_node_emits_the_bank_movements_then_the_creation():
    state = pre_state({ALICE.address: 5_000})
    handle_create_super_node(state, context(), create_msg(ALICE, 2_000))
    assert events(state) == [
        coin_spent(ALICE.address, 2_000),
        coin_received(BONDED_POOL, 2_000),
        ("create_super_node", {
            "operator": ALICE.bech32, "consensus_pubkey": consensus_key(ALICE).hex(), "moniker": "alice", "self_bond": "2000uamio",
        }),
    ]


def test_two_operators_can_each_create_a_super_node():
    state = pre_state({ALICE.address: 5_000, BOB.address: 5_000})
    handle_create_super_node(state, context(), create_msg(ALICE, 2_000))
    handle_create_super_node(state, context(), create_msg(BOB, 3_000))
    assert list(st.iter_by_power(state)) == [BOB.address, ALICE.address]
    assert pools(state) == [5_000, 0]
    check_pools(state)


# -- one test per error code ---------------------------------------------------------------------


def test_invalid_candidate_exists_for_the_same_operator_leaves_state_unchanged():
    state = pre_state({ALICE.address: 5_000}, candidates={ALICE: 1_000})
    other_key = consensus_key(BOB)
    error, child = rejects(state, handle_create_super_node, create_msg(ALICE, 1_000, pubkey=other_key, signer=consensus_signer(BOB)), ErrCandidateExists)
    assert (error.codespace, error.code) == ("staking", 2)
    assert child.writes == {} and child.events == []
    assert st.get_candidate(state, ALICE.address).tokens == 1_000
    assert st.get_operator_by_consensus_key(state, other_key) is None


def test_invalid_consensus_key_in_use_by_another_operator_leaves_state_unchanged():
    state = pre_state({ALICE.address: 5_000, BOB.address: 5_000}, candidates={ALICE: 1_000})
    error, child = rejects(state, handle_create_super_node, create_msg(BOB, 1_000, pubkey=consensus_key(ALICE), signer=consensus_signer(ALICE)),
                           ErrConsensusKeyInUse)
    assert (error.codespace, error.code) == ("staking", 3)
    assert child.writes == {}
    assert st.get_candidate(state, BOB.address) is None
    assert st.get_operator_by_consensus_key(state, consensus_key(ALICE)) == ALICE.address


@pytest.mark.parametrize(("commission", "max_change"), [(10_001, 100), (100, 10_001), (2**32, 2**32)])
def test_invalid_commission_above_10000_bps_leaves_state_unchanged(commission, max_change):
    state = pre_state({ALICE.address: 5_000})
    error, child = rejects(state, handle_create_super_node, create_msg(ALICE, 1_000, commission, max_change), ErrInvalidCommission)
    assert (error.codespace, error.code) == ("staking", 6)
    assert child.writes == {}
    assert st.get_candidate(state, ALICE.address) is None


def test_invalid_self_bond_below_the_minimum_leaves_state_unchanged():
    state = pre_state({ALICE.address: 5_000})
    error, child = rejects(state, handle_create_super_node, create_msg(ALICE, 999), ErrSelfBondTooLow)
    assert (error.codespace, error.code) == ("staking", 5)
    assert "999uamio" in error.log and "1000uamio" in error.log
    assert child.writes == {}
    assert balances(state, ALICE.address) == [5_000]


@pytest.mark.parametrize("key", UNUSABLE_KEYS)
def test_invalid_consensus_key_that_is_not_a_usable_point_leaves_state_unchanged(key):
    state = pre_state({ALICE.address: 5_000})
    error, child = rejects(state, handle_create_super_node, create_msg(ALICE, 1_000, pubkey=key), ErrInvalidConsensusKey)
    assert (error.codespace, error.code) == ("staking", 14)
    assert child.writes == {} and child.events == []
    assert st.get_candidate(state, ALICE.address) is None


@pytest.mark.parametrize("how", ["another key signed", "signed for another operator", "signed for another chain", "empty"])
def test_invalid_proof_of_possession_leaves_state_unchanged(how):
    state = pre_state({ALICE.address: 5_000})
    msg = create_msg(ALICE, 1_000)
    proof = {
        "another key signed": proof_of_possession(consensus_signer(BOB), ALICE.address, "amino-test"),
        "signed for another operator": proof_of_possession(consensus_signer(ALICE), BOB.address, "amino-test"),
        "signed for another chain": proof_of_possession(consensus_signer(ALICE), ALICE.address, "amino-other"),
        "empty": b"",
    }[how]
    error, child = rejects(state, handle_create_super_node, msg.__class__(*[*astuple_fields(msg)[:-1], proof]),
                           ErrInvalidProofOfPossession)
    assert (error.codespace, error.code) == ("staking", 21)
    assert child.writes == {} and child.events == []
    assert st.get_candidate(state, ALICE.address) is None
    assert balances(state, ALICE.address) == [5_000]


def astuple_fields(msg) -> list:
    return [getattr(msg, name) for name in msg.__dataclass_fields__]


@pytest.mark.parametrize("proof", [b"", b"\x01" * 63, b"\x01" * 65, "a" * 64, None])
def test_a_proof_of_possession_that_is_not_64_bytes_is_rejected_when_decoding(proof):
    with pytest.raises(ErrInvalidMessage, match="proof_of_possession"):
        MsgCreateSuperNode.from_body(body(proof_of_possession=proof))


def test_invalid_insufficient_funds_for_the_self_bond_leaves_state_unchanged():
    state = pre_state({ALICE.address: 1_499})
    error, child = rejects(state, handle_create_super_node, create_msg(ALICE, 1_500), ErrInsufficientFunds)
    assert (error.codespace, error.code) == ("bank", 2)
    # the candidate was written before the bond failed: only the router's child overlay keeps it out
    assert candidate_key(ALICE.address) in child.writes
    assert state.get(candidate_key(ALICE.address)) is None
    assert state.get(consensus_key_key(consensus_key(ALICE))) is None
    assert balances(state, ALICE.address) == [1_499]
    assert pools(state) == [0, 0]


# -- MsgCreateSuperNode.from_body -------------------------------------------------------------------


def body(**overrides) -> dict:
    fields = {
        "operator": ALICE.address, "consensus_pubkey": consensus_key(ALICE), "moniker": "alice",
        "commission_bps": 500, "max_change_bps": 100, "self_bond": 1_000,
        "proof_of_possession": create_msg(ALICE, 1_000).proof_of_possession,
    }
    fields.update(overrides)
    return fields


def test_from_body_reads_a_well_formed_body_and_inverts_to_body():
    msg = MsgCreateSuperNode.from_body(body())
    assert msg == create_msg(ALICE, 1_000)
    assert MsgCreateSuperNode.from_body(msg.to_body()) == msg
    assert msg.signer == ALICE.address


@pytest.mark.parametrize("moniker", ["", "x" * 65, "tab\there", "new\nline", 7, None, b"alice"])
def test_invalid_moniker_is_rejected_when_decoding(moniker):
    with pytest.raises(ErrInvalidMoniker) as raised:
        MsgCreateSuperNode.from_body(body(moniker=moniker))
    assert (raised.value.codespace, raised.value.code) == ("staking", 13)


def test_from_body_accepts_a_moniker_of_64_printable_characters():
    assert MsgCreateSuperNode.from_body(body(moniker="é" * 64)).moniker == "é" * 64




@pytest.mark.parametrize("key", [b"", b"\x01" * 31, b"\x01" * 33, bytearray(32), "a" * 32, None, *UNUSABLE_KEYS])
def test_invalid_consensus_key_is_rejected_when_decoding(key):
    with pytest.raises(ErrInvalidConsensusKey) as raised:
        MsgCreateSuperNode.from_body(body(consensus_pubkey=key))
    assert (raised.value.codespace, raised.value.code) == ("staking", 14)


def test_from_body_rejects_a_missing_or_extra_field():
    fields = body()
    del fields["self_bond"]
    with pytest.raises(ErrInvalidMessage):
        MsgCreateSuperNode.from_body(fields)
    with pytest.raises(ErrInvalidMessage):
        MsgCreateSuperNode.from_body(body(details="hi"))


@pytest.mark.parametrize("field", ["commission_bps", "max_change_bps"])
@pytest.mark.parametrize("value", [-1, 2**32 + 1, "5", None, 1.0])
def test_from_body_rejects_a_commission_that_is_not_a_bounded_integer(field, value):
    with pytest.raises(ErrInvalidMessage, match=field):
        MsgCreateSuperNode.from_body(body(**{field: value}))


def test_from_body_rejects_a_bad_operator_or_self_bond():
    with pytest.raises(ErrInvalidAddress):
        MsgCreateSuperNode.from_body(body(operator=b"\x01" * 19))
    with pytest.raises(ErrInvalidAmount):
        MsgCreateSuperNode.from_body(body(self_bond=0))

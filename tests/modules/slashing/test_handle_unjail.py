"""slashing/unjail: pre state, message, post state; one test_invalid_<reason> per error code."""

from chain_modules.slashing import api as slashing_api
from chain_modules.slashing.errors import ErrJailPeriodActive, ErrNotJailed, ErrSelfBondTooLow, ErrTombstoned, ErrUnknownCandidate
from chain_modules.slashing.handlers import handle_unjail
from chain_modules.slashing.types import MsgUnjail
from chain_modules.staking import api as staking_api
from chain_modules.staking import state as st
from chain_modules.staking.epoch import end_block
from chain_modules.staking.handlers import handle_undelegate
from chain_modules.staking.types import MsgUndelegate
from tests.modules.distribution.helpers import check_all
from tests.modules.slashing.helpers import SLASHING, address_of, at, block_time, elected_pre_state, votes
from tests.modules.staking.helpers import ALICE, BOB, DAVE, EVE, PARAMS, consensus_key, events, freeze, rejects

JAILED_AT = 17
RELEASE = JAILED_AT + SLASHING.downtime_jail_seconds // 5  # the first block whose time is the end of the jail


def jailed_alice():
    """alice (3000 self-bond + 1000 from bob) missed 9 of 16 blocks: jailed at height 17 until
    block_time(17) + 600 = block_time(137), slashed 1% to 3960 tokens; dave (1000) was never jailed."""
    state = elected_pre_state(
        {ALICE.address: 10_000, BOB.address: 10_000, DAVE.address: 10_000}, {ALICE: 3_000, DAVE: 1_000}, [(BOB, ALICE, 1_000)],
    )
    votes(state, ALICE, 2, "+" * 7 + "-" * 9)
    end_block(state, at(JAILED_AT))
    alice = st.get_candidate(state, ALICE.address)
    assert (alice.jailed, alice.jailed_until, alice.tokens) == (True, block_time(RELEASE), 3_960)
    return freeze(state)


def unjail(key=ALICE):
    return MsgUnjail(key.address)


# -- success -------------------------------------------------------------------------------------


def test_unjail_after_the_jail_time_makes_the_candidate_eligible_again():
    state = jailed_alice()
    handle_unjail(state, at(RELEASE + 1), unjail())
    alice = st.get_candidate(state, ALICE.address)
    assert (alice.jailed, alice.tombstoned, alice.tokens) == (False, False, 3_960)
    assert list(st.iter_by_power(state)) == [ALICE.address, DAVE.address]
    check_all(state)


def test_unjail_is_allowed_in_the_block_at_which_the_jail_time_ends():
    state = jailed_alice()
    handle_unjail(state, at(RELEASE), unjail())
    assert not st.get_candidate(state, ALICE.address).jailed


def test_unjail_emits_an_unjail_event():
    state = jailed_alice()
    handle_unjail(state, at(RELEASE), unjail())
    assert events(state) == [("unjail", {"operator": ALICE.bech32})]


def test_an_unjailed_candidate_is_elected_again_at_the_next_epoch():
    state = jailed_alice()
    handle_unjail(state, at(RELEASE + 1), unjail())
    assert end_block(state, at(RELEASE + 2)) == []  # not an epoch boundary
    epoch = (RELEASE + 2) // PARAMS.epoch_blocks * PARAMS.epoch_blocks + PARAMS.epoch_blocks
    assert end_block(state, at(epoch)) == [(consensus_key(ALICE), 39)]


# -- one test per error code ---------------------------------------------------------------------


def test_invalid_unknown_candidate_leaves_state_unchanged():
    state = jailed_alice()
    error, child = rejects(state, handle_unjail, unjail(EVE), ErrUnknownCandidate, at(RELEASE))
    assert (error.codespace, error.code) == ("slashing", 5)
    assert child.writes == {} and child.events == []


def test_invalid_not_jailed_leaves_state_unchanged():
    state = jailed_alice()
    error, child = rejects(state, handle_unjail, unjail(DAVE), ErrNotJailed, at(RELEASE))
    assert (error.codespace, error.code) == ("slashing", 2)
    assert child.writes == {}


def test_invalid_tombstoned_leaves_state_unchanged():
    state = jailed_alice()
    slashing_api.handle_double_sign(state, at(RELEASE), address_of(ALICE), 10, 40)
    state = freeze(state)
    error, child = rejects(state, handle_unjail, unjail(), ErrTombstoned, at(RELEASE + 1_000_000))
    assert (error.codespace, error.code) == ("slashing", 4)
    assert child.writes == {}
    assert st.get_candidate(state, ALICE.address).jailed


def test_invalid_jail_period_active_leaves_state_unchanged():
    state = jailed_alice()
    error, child = rejects(state, handle_unjail, unjail(), ErrJailPeriodActive, at(RELEASE - 1))
    assert (error.codespace, error.code) == ("slashing", 3)
    assert str(block_time(RELEASE)) in error.log
    assert child.writes == {}


def test_invalid_self_bond_too_low_leaves_state_unchanged():
    state = jailed_alice()
    handle_undelegate(state, at(20), MsgUndelegate(ALICE.address, ALICE.address, 2_000))
    state = freeze(state)
    alice = st.get_candidate(state, ALICE.address)
    assert staking_api.self_bond(state, alice) == 969 < PARAMS.min_super_self_bond
    error, child = rejects(state, handle_unjail, unjail(), ErrSelfBondTooLow, at(RELEASE))
    assert (error.codespace, error.code) == ("slashing", 6)
    assert child.writes == {}

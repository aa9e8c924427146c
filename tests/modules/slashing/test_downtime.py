"""Downtime: every vote of the last commit is recorded in a sliding signing window; a validator that missed
more than the allowed blocks of a full window is jailed for downtime_jail_seconds and slashed
slash_fraction_downtime_bps, and its window restarts.

Params (tests/modules/slashing/helpers.py): a 16-block window in which at most 8 blocks may be missed,
a 1% slash and 600 s of jail. In the vote patterns '+' is a signed block and '-' a missed one.
"""

from chain_modules.slashing import api as slashing_api
from chain_modules.slashing.handlers import handle_unjail
from chain_modules.slashing.types import MsgUnjail
from chain_modules.staking import state as st
from chain_modules.staking.epoch import end_block
from chain_modules.staking.handlers import handle_undelegate
from chain_modules.staking.types import MsgUndelegate
from tests.modules.distribution.helpers import check_all, community
from tests.modules.slashing.helpers import (
    MAX_MISSED,
    SLASHING,
    WINDOW,
    address_of,
    at,
    block_time,
    elected_pre_state,
    signing_info,
    vote,
    votes,
)
from tests.modules.staking.helpers import ALICE, BOB, DAVE, EVE, consensus_key, events, snapshot

FIRST = 2  # the first block whose last commit has votes


def alice_and_dave():
    """alice: 3000 self-bond + 1000 from bob (power 40); dave: 1000 (power 10); both elected."""
    return elected_pre_state(
        {ALICE.address: 10_000, BOB.address: 10_000, DAVE.address: 10_000}, {ALICE: 3_000, DAVE: 1_000}, [(BOB, ALICE, 1_000)],
    )


def candidate(state, key):
    return st.get_candidate(state, key.address)


def jailed_for_downtime():
    """alice signed 7 blocks and missed the next 9 (heights 2..17): jailed at height 17."""
    state = alice_and_dave()
    votes(state, ALICE, FIRST, "+" * 7 + "-" * 9)
    assert candidate(state, ALICE).jailed
    return state


# -- jailing -------------------------------------------------------------------------------------------


def test_a_validator_that_misses_more_than_the_allowed_blocks_of_a_full_window_is_jailed():
    state = alice_and_dave()
    votes(state, ALICE, FIRST, "+" * 7 + "-" * 9)
    alice = candidate(state, ALICE)
    assert (alice.jailed, alice.jailed_until, alice.tombstoned) == (True, block_time(17) + SLASHING.downtime_jail_seconds, False)
    assert list(st.iter_by_power(state)) == [DAVE.address]


def test_downtime_slashes_the_downtime_fraction_of_the_power():
    state = jailed_for_downtime()
    slashed = 40 * 100 * SLASHING.slash_fraction_downtime_bps // 10_000
    assert candidate(state, ALICE).tokens == 4_000 - slashed == 3_960
    assert community(state) == 40
    check_all(state)


def test_downtime_emits_a_slash_event():
    state = jailed_for_downtime()
    assert events(state)[-1] == ("slash", {
        "operator": ALICE.bech32, "reason": "downtime", "amount": "40uamio", "missed_blocks": "9",
        "jailed_until": str(block_time(17) + 600),
    })


def test_the_validator_jailed_for_downtime_leaves_the_validator_set_at_the_next_end_block():
    state = jailed_for_downtime()
    assert end_block(state, at(17)) == [(consensus_key(ALICE), 0)]


def test_a_validator_that_misses_exactly_the_allowed_blocks_is_not_jailed():
    state = alice_and_dave()
    votes(state, ALICE, FIRST, "+" * (WINDOW - MAX_MISSED) + "-" * MAX_MISSED)  # 8 of 16
    assert (candidate(state, ALICE).jailed, candidate(state, ALICE).tokens) == (False, 4_000)
    assert signing_info(state, ALICE)[:3] == [FIRST, 16, 8]
    assert community(state) == 0


def test_a_validator_that_signs_every_block_is_not_jailed():
    state = alice_and_dave()
    votes(state, ALICE, FIRST, "+" * 40)
    assert not candidate(state, ALICE).jailed
    assert signing_info(state, ALICE)[:3] == [FIRST, 40, 0]


def test_no_validator_is_jailed_before_its_first_full_window():
    state = alice_and_dave()
    height = votes(state, ALICE, FIRST, "-" * 15)
    assert not candidate(state, ALICE).jailed
    vote(state, ALICE, height, signed=False)
    assert candidate(state, ALICE).jailed


def test_the_jailing_uses_the_power_of_the_vote():
    state = alice_and_dave()
    for height in range(FIRST, FIRST + WINDOW):
        vote(state, ALICE, height, signed=False, power=20)
    assert candidate(state, ALICE).tokens == 4_000 - 20


# -- the sliding window --------------------------------------------------------------------------------


def test_signing_info_records_blocks_seen_and_the_missed_ones_in_a_bitmap():
    state = alice_and_dave()
    votes(state, ALICE, FIRST, "+-+--")
    # the last two votes were missed: the run of missed votes began at block FIRST + 3
    assert signing_info(state, ALICE) == [FIRST, 5, 3, bytes([0b11010, 0]), block_time(FIRST + 3)]


def test_old_misses_expire_as_the_window_slides():
    state = alice_and_dave()
    height = votes(state, ALICE, FIRST, "-" * 8 + "+" * 8 + "-" * 8)  # 16 misses, 8 of them in the last 16 blocks
    assert not candidate(state, ALICE).jailed
    assert signing_info(state, ALICE)[2] == 8
    vote(state, ALICE, height, signed=False)  # overwrites a signed block: 9 in the window
    assert candidate(state, ALICE).jailed


def test_a_signed_block_clears_the_miss_it_overwrites():
    state = alice_and_dave()
    height = votes(state, ALICE, FIRST, "-" * 8 + "+" * 8)
    vote(state, ALICE, height, signed=True)
    assert signing_info(state, ALICE)[1:] == [17, 7, bytes([0b11111110, 0]), 0]


def test_every_vote_of_the_last_commit_is_recorded():
    state = alice_and_dave()
    slashing_api.begin_block(state, at(FIRST), [(address_of(DAVE), 10, True), (address_of(ALICE), 40, False)], [])
    assert signing_info(state, ALICE)[:3] == [FIRST, 1, 1]
    assert signing_info(state, DAVE)[:3] == [FIRST, 1, 0]


def test_votes_of_an_address_without_a_candidate_are_ignored():
    state = alice_and_dave()
    before = snapshot(state)
    slashing_api.begin_block(state, at(FIRST), [(address_of(EVE), 10, False)], [])
    assert snapshot(state) == before


# -- after jailing -------------------------------------------------------------------------------------


def test_jailing_restarts_the_signing_window():
    state = jailed_for_downtime()
    assert signing_info(state, ALICE) == [17, 0, 0, bytes(WINDOW // 8), 0]


def test_a_jailed_validator_is_not_slashed_again_for_missing_more_blocks():
    state = jailed_for_downtime()
    votes(state, ALICE, 18, "-" * (2 * WINDOW))
    alice = candidate(state, ALICE)
    assert (alice.tokens, alice.jailed_until) == (3_960, block_time(17) + 600)


def test_after_unjailing_a_full_new_window_is_needed_before_the_next_jailing():
    state = jailed_for_downtime()
    back = 17 + 600 // 5
    handle_unjail(state, at(back), MsgUnjail(ALICE.address))
    height = votes(state, ALICE, back + 1, "-" * (WINDOW - 1))  # without the restart these would jail at once
    assert not candidate(state, ALICE).jailed
    vote(state, ALICE, height, signed=False)
    alice = candidate(state, ALICE)
    assert (alice.jailed, alice.tokens) == (True, 3_960 - 39)  # power 39 now: 1% of 3900
    check_all(state)


def test_the_downtime_slash_cuts_unbonding_entries_made_since_two_blocks_before_the_jailing():
    state = alice_and_dave()
    handle_undelegate(state, at(14), MsgUndelegate(BOB.address, ALICE.address, 100))
    handle_undelegate(state, at(15), MsgUndelegate(BOB.address, ALICE.address, 100))
    votes(state, ALICE, FIRST, "+" * 7 + "-" * 9)  # jailed at height 17: the fault is counted at height 15
    assert [(entry.creation_height, entry.balance) for entry in st.get_unbonding(state, BOB.address, ALICE.address)] == [
        (14, 100), (15, 99),
    ]
    assert candidate(state, ALICE).tokens == 3_800 - (38 - 1)  # 1% of power 38, one uamio of it paid by the entry
    check_all(state)

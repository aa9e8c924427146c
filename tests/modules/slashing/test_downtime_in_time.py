"""Downtime is judged in block time as well as in votes: a restart or an upgrade never jails, and downtime never
jails a validator when too few others remain to keep a set that tolerates a fault (docs/modules/slashing.md).

Params as in tests/modules/slashing/helpers.py (a 16-block window, at most 8 misses, 5 s blocks), with
min_downtime_seconds = 60 (12 blocks) and, where said, min_validators_after_jail.
"""

from dataclasses import replace

from chain_modules.staking import state as st
from tests.modules.slashing.helpers import (
    BLOCK_SECONDS,
    SLASHING,
    block_time,
    elected_pre_state,
    signing_info,
    votes,
)
from tests.modules.staking.helpers import ALICE, BOB, CAROL, DAVE, EVE, events

FIRST = 2
TIMED = replace(SLASHING, min_downtime_seconds=60)


def four_validators(params=TIMED):
    keys = (ALICE, BOB, CAROL, DAVE)
    return elected_pre_state({k.address: 10_000 for k in keys}, {k: 1_000 for k in keys}, params=params)


def jailed(state, key) -> bool:
    return st.get_candidate(state, key.address).jailed


def test_a_run_of_misses_shorter_than_the_minimum_downtime_never_jails():
    # 9 misses = 45 s of block time: over the window's limit, under the 60 s minimum (a restart)
    state = four_validators()
    height = votes(state, ALICE, FIRST, "+" * 7 + "-" * 9)
    assert not jailed(state, ALICE)
    # back and signing: the run ends, and a later short outage starts a new one
    votes(state, ALICE, height, "+" + "-" * 5)
    assert not jailed(state, ALICE)
    assert signing_info(state, ALICE)[4] == block_time(height + 1)


def test_a_validator_missing_every_vote_for_the_minimum_downtime_is_jailed():
    state = four_validators()
    misses = TIMED.min_downtime_seconds // BLOCK_SECONDS + 1  # the first miss at t, the last at t + 60 s
    votes(state, ALICE, FIRST, "+" * 7 + "-" * misses)
    assert jailed(state, ALICE)
    slash = [attrs for name, attrs in events(state) if name == "slash"]
    assert slash and slash[-1]["reason"] == "downtime" and slash[-1]["jailed_until"] == str(
        block_time(FIRST + 7 + misses - 1) + TIMED.downtime_jail_seconds)


def test_downtime_does_not_jail_one_of_the_last_validators_but_still_slashes():
    params = replace(TIMED, min_validators_after_jail=4)
    state = four_validators(params)  # alice has only three others: jailing her would leave a set of three
    tokens = st.get_candidate(state, ALICE.address).tokens
    votes(state, ALICE, FIRST, "+" * 7 + "-" * 13)
    assert not jailed(state, ALICE)
    assert st.get_candidate(state, ALICE.address).tokens == tokens - tokens * params.slash_fraction_downtime_bps // 10_000
    slash = [attrs for name, attrs in events(state) if name == "slash"]
    assert slash[-1]["jailed_until"].startswith("not jailed")
    assert signing_info(state, ALICE)[1:3] == [0, 0]  # the window restarts: judged again a window later


def test_a_fifth_candidate_lets_downtime_jail_one_of_four():
    params = replace(TIMED, min_validators_after_jail=4)
    keys = (ALICE, BOB, CAROL, DAVE, EVE)
    state = elected_pre_state({k.address: 10_000 for k in keys}, {k: 1_000 for k in keys}, params=params)
    votes(state, ALICE, FIRST, "+" * 7 + "-" * 13)
    assert jailed(state, ALICE)

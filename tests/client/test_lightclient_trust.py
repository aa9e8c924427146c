"""The light client follows a trusted state to new headers, and refuses every forgery a lying node can make.

Chains are synthetic (tests/client/forge.py): validator sets signed with nacl,
hashes from the reference protobuf implementation.
"""

from __future__ import annotations

import copy
import json

import pytest

from client.lightclient import (
    DEFAULT_TRUSTING_PERIOD_SECONDS,
    LightClient,
    LightClientError,
    NewValidatorSetNotTrustedError,
    TrustedState,
    TrustExpiredError,
    WitnessError,
    verify_adjacent,
    verify_commit,
    verify_commit_trusting,
    verify_light_block,
    verify_non_adjacent,
)
from tests.client.forge import (
    CHAIN_ID,
    NANOS,
    ChainServer,
    MultiServer,
    SyntheticChain,
    ValSet,
    forge_block,
    rfc3339,
    sign_header,
    T0,
)

A = ValSet({"a1": 10, "a2": 10, "a3": 10, "a4": 10})
ATTACKERS = ValSet({"x1": 10, "x2": 10, "x3": 10, "x4": 10})
# three of A's four validators and one newcomer: 3/4 of A's power signs every header of this set
A_PRIME = ValSet({"a1": 10, "a2": 10, "a3": 10, "b1": 10})
# half of A: exactly 1/3 is not enough, half is
B = ValSet({"a1": 10, "a2": 10, "b1": 10, "b2": 10})
C = ValSet({"b1": 10, "b2": 10, "c1": 10, "c2": 10})  # half of B, none of A


def trusted_at(chain: SyntheticChain, height: int) -> TrustedState:
    header = verify_commit(chain.chain_id, chain.signed_header(height), chain.validators(height))
    return TrustedState.from_verified(header, chain.validators(height))


def light(chain: SyntheticChain, *, now_height: int | None = None, witnesses=(), **servers):
    primary = servers.pop("primary", None) or ChainServer(chain)
    multi = MultiServer(primary=primary, **servers)
    now = chain.time_ns(now_height or chain.height) + NANOS
    client = LightClient("http://primary", chain.chain_id, client=multi.client(), clock=lambda: now,
                         witnesses=witnesses, witness_wait_seconds=0.5)
    return client, primary


# ---------------------------------------------------------------------------
# VerifyCommitLightTrusting
# ---------------------------------------------------------------------------


def test_trusting_counts_power_of_trusted_validators_whose_signatures_verify():
    chain = SyntheticChain([A] * 3 + [A_PRIME] * 3)
    assert verify_commit_trusting(CHAIN_ID, A.json(), chain.signed_header(6)) == 30


def test_trusting_refuses_trusted_addresses_with_signatures_of_other_keys():
    """The forgery the old wallet accepted: the trusted validators' addresses, counted without checking signatures."""
    chain = SyntheticChain([A] * 3)
    forged, _ = forge_block(chain, 3, ATTACKERS, app_hash="AA" * 32)
    for index, member in enumerate(A.members):
        forged["commit"]["signatures"][index]["validator_address"] = member.address.hex().upper()
    with pytest.raises(LightClientError, match="invalid signature"):
        verify_commit_trusting(CHAIN_ID, A.json(), forged)


def test_trusting_refuses_trusted_signatures_copied_from_the_honest_block():
    """Real signatures of the trusted set, but over the honest block: they do not sign the forged header."""
    chain = SyntheticChain([A] * 3)
    forged, _ = forge_block(chain, 3, A, app_hash="AA" * 32)
    forged["commit"]["signatures"] = copy.deepcopy(chain.blocks[3]["commit"]["signatures"])
    with pytest.raises(LightClientError, match="invalid signature"):
        verify_commit_trusting(CHAIN_ID, A.json(), forged)


def test_trusting_ignores_signers_outside_the_trusted_set_and_wants_more_than_a_third():
    chain = SyntheticChain([C] * 2)
    with pytest.raises(NewValidatorSetNotTrustedError, match="only 0 of the trusted set's 40"):
        verify_commit_trusting(CHAIN_ID, A.json(), chain.signed_header(2))
    # a third of the power exactly is not enough: "more than 1/3"
    third = ValSet({"a1": 10, "t1": 10, "t2": 10})
    signed_by_a1 = SyntheticChain([ValSet({"a1": 10, "q1": 10, "q2": 10})] * 2).signed_header(2)
    with pytest.raises(NewValidatorSetNotTrustedError):
        verify_commit_trusting(CHAIN_ID, third.json(), signed_by_a1)


def test_trusting_refuses_a_double_vote():
    chain = SyntheticChain([A] * 2)
    signed = chain.signed_header(2)
    signed["commit"]["signatures"].append(copy.deepcopy(signed["commit"]["signatures"][0]))
    with pytest.raises(LightClientError, match="double vote"):
        verify_commit_trusting(CHAIN_ID, A.json(), signed)


# ---------------------------------------------------------------------------
# Adjacent and skipping verification (pure)
# ---------------------------------------------------------------------------


def test_adjacent_header_must_be_signed_by_the_set_the_trusted_header_named():
    chain = SyntheticChain([A] * 3)
    trusted = trusted_at(chain, 2)
    now = chain.time_ns(3) + NANOS
    assert verify_adjacent(trusted, chain.signed_header(3), chain.validators(3), now_ns=now).height == 3
    forged, attackers = forge_block(chain, 3, ATTACKERS, app_hash="AA" * 32)
    verify_commit(CHAIN_ID, forged, attackers)  # self-consistent: only trust can refuse it
    with pytest.raises(LightClientError, match="names .* as the next set"):
        verify_adjacent(trusted, forged, attackers, now_ns=now)


def test_adjacent_verification_accepts_a_whole_new_set_the_trusted_header_named():
    chain = SyntheticChain([A, A, C, C])
    now = chain.time_ns(4)
    assert verify_light_block(trusted_at(chain, 2), chain.signed_header(3), chain.validators(3), now_ns=now).height == 3


def test_non_adjacent_refuses_a_forged_header_of_an_attacker_set():
    chain = SyntheticChain([A] * 6)
    forged, attackers = forge_block(chain, 6, ATTACKERS, app_hash="AA" * 32)
    with pytest.raises(NewValidatorSetNotTrustedError):
        verify_non_adjacent(trusted_at(chain, 1), forged, attackers, now_ns=chain.time_ns(6) + NANOS)


def test_non_adjacent_refuses_validators_that_do_not_hash_to_the_header():
    chain = SyntheticChain([A] * 6)
    with pytest.raises(LightClientError, match="does not hash"):
        verify_non_adjacent(trusted_at(chain, 1), chain.signed_header(6), ATTACKERS.json(),
                            now_ns=chain.time_ns(6) + NANOS)


def test_a_header_for_another_chain_id_is_refused():
    chain = SyntheticChain([A] * 4)
    other = SyntheticChain([A] * 4, chain_id="amino-other")
    with pytest.raises(LightClientError, match="chain id mismatch"):
        verify_light_block(trusted_at(chain, 1), other.signed_header(4), other.validators(4),
                           now_ns=chain.time_ns(4) + NANOS)


def test_header_time_must_increase():
    chain = SyntheticChain([A] * 5)
    trusted = trusted_at(chain, 1)
    stale = copy.deepcopy(chain.blocks[5]["header"])
    stale["time"] = rfc3339(T0)  # same time as the trusted header
    with pytest.raises(LightClientError, match="not after the trusted header's time"):
        verify_light_block(trusted, {"header": stale, "commit": sign_header(CHAIN_ID, stale, A)}, A.json(),
                           now_ns=chain.time_ns(5))


def test_header_from_the_future_beyond_the_clock_drift_is_refused():
    chain = SyntheticChain([A] * 5)
    trusted = trusted_at(chain, 1)
    header_time = chain.time_ns(5)
    with pytest.raises(LightClientError, match="in the future"):
        verify_light_block(trusted, chain.signed_header(5), A.json(), now_ns=header_time - 10 * NANOS)
    assert verify_light_block(trusted, chain.signed_header(5), A.json(), now_ns=header_time - 9 * NANOS).height == 5


def test_an_expired_trusted_header_is_refused():
    chain = SyntheticChain([A] * 5)
    trusted = trusted_at(chain, 1)
    expiry = chain.time_ns(1) + DEFAULT_TRUSTING_PERIOD_SECONDS * NANOS
    assert verify_light_block(trusted, chain.signed_header(5), A.json(), now_ns=expiry - 1).height == 5
    with pytest.raises(TrustExpiredError, match="older than the trusting period of 14d"):
        verify_light_block(trusted, chain.signed_header(5), A.json(), now_ns=expiry)
    with pytest.raises(TrustExpiredError, match="trusting period of 60s"):
        verify_light_block(trusted, chain.signed_header(5), A.json(), now_ns=chain.time_ns(1) + 60 * NANOS,
                           trusting_period_seconds=60)


# ---------------------------------------------------------------------------
# The light client against a primary node
# ---------------------------------------------------------------------------


def test_a_forged_header_is_refused_with_one_fetch_and_no_second_look():
    """The old wallet fetched the commit twice and counted the honest second answer; the primary here
    serves the forgery first and the honest block afterwards."""
    chain = SyntheticChain([A] * 10)
    forged, attackers = forge_block(chain, 10, ATTACKERS, app_hash="AA" * 32)
    primary = ChainServer(chain)
    primary.commit_overrides[10] = [forged, chain.signed_header(10)]
    primary.validator_overrides[10] = attackers
    client, _ = light(chain, primary=primary)
    with pytest.raises(LightClientError, match="names .* as the next set|trusted set"):
        client.verify_to(trusted_at(chain, 1), 10)
    assert primary.commits_fetched(10) == 1


def test_skipping_verification_follows_an_overlapping_validator_set_change_in_one_step():
    chain = SyntheticChain([A] * 5 + [A_PRIME] * 5)
    client, primary = light(chain)
    header, state = client.verify_to(trusted_at(chain, 1), 10)
    assert header.height == 10 and header.validators_hash == A_PRIME.hash()
    assert state.height == 10 and [v["address"] for v in state.validators] == [v["address"] for v in A_PRIME.json()]
    assert [h for path, h in primary.requests if path == "/commit"] == [10]


def test_bisection_crosses_set_changes_that_one_skip_cannot():
    chain = SyntheticChain([A] * 4 + [B] * 4 + [C] * 4)  # C shares nothing with A
    client, primary = light(chain)
    header, state = client.verify_to(trusted_at(chain, 1), 12)
    assert header.height == 12 and state.height == 12
    fetched = [h for path, h in primary.requests if path == "/commit"]
    assert fetched[0] == 12 and len(fetched) > 1  # the direct skip failed, a pivot was verified first


def test_bisection_reaches_an_adjacent_whole_set_replacement():
    chain = SyntheticChain([A] * 6 + [ATTACKERS] * 6)  # honest here: header 6 named the new set
    client, _ = light(chain)
    header, _ = client.verify_to(trusted_at(chain, 1), 12)
    assert header.validators_hash == ATTACKERS.hash()


def test_a_forged_set_change_fails_bisection_at_the_adjacent_step():
    chain = SyntheticChain([A] * 12)
    forged, attackers = forge_block(chain, 12, ATTACKERS, app_hash="AA" * 32)
    primary = ChainServer(chain)
    primary.commit_overrides[12] = [forged]
    primary.validator_overrides[12] = attackers
    client, _ = light(chain, primary=primary)
    with pytest.raises(LightClientError, match="as the next set"):
        client.verify_to(trusted_at(chain, 1), 12)


def test_verify_to_the_trusted_height_compares_with_the_trusted_header():
    chain = SyntheticChain([A] * 4)
    client, primary = light(chain)
    header, state = client.verify_to(trusted_at(chain, 4), 4)
    assert header.header_hash == trusted_at(chain, 4).header.header_hash and state.height == 4
    assert primary.requests == []


def test_heights_below_the_trusted_one_are_checked_through_the_hash_chain():
    chain = SyntheticChain([A] * 10)
    client, _ = light(chain)
    header, state = client.verify_to(trusted_at(chain, 10), 7)
    assert header.height == 7 and header.app_hash == bytes.fromhex(chain.blocks[7]["header"]["app_hash"])
    assert state.height == 10  # trust never moves backwards

    forged, attackers = forge_block(chain, 8, ATTACKERS, app_hash="AA" * 32)
    primary = ChainServer(chain)
    primary.commit_overrides[8] = [forged]
    client, _ = light(chain, primary=primary)
    with pytest.raises(LightClientError, match="as its previous block"):
        client.verify_to(trusted_at(chain, 10), 7)


def test_an_expired_trust_anchor_is_refused_before_anything_is_fetched():
    chain = SyntheticChain([A] * 4)
    primary = ChainServer(chain)
    multi = MultiServer(primary=primary)
    late = chain.time_ns(1) + DEFAULT_TRUSTING_PERIOD_SECONDS * NANOS
    client = LightClient("http://primary", CHAIN_ID, client=multi.client(), clock=lambda: late)
    with pytest.raises(TrustExpiredError):
        client.verify_to(trusted_at(chain, 1), 4)
    assert primary.requests == []


def test_trusted_state_of_another_chain_is_refused():
    chain = SyntheticChain([A] * 4)
    other = SyntheticChain([A] * 4, chain_id="amino-other")
    client, _ = light(chain)
    with pytest.raises(LightClientError, match="for chain 'amino-other'"):
        client.verify_to(trusted_at(other, 1), 4)


def test_anchor_checks_the_expected_header_hash():
    chain = SyntheticChain([A] * 4)
    client, _ = light(chain)
    good = bytes.fromhex(chain.blocks[3]["commit"]["block_id"]["hash"])
    assert client.anchor(3, expected_hash=good).height == 3
    with pytest.raises(LightClientError, match="not the expected"):
        client.anchor(3, expected_hash=bytes(32))


# ---------------------------------------------------------------------------
# Witnesses
# ---------------------------------------------------------------------------


def test_a_witness_that_saw_the_same_header_confirms_it():
    chain = SyntheticChain([A] * 6)
    client, _ = light(chain, witnesses=("http://witness",), witness=ChainServer(chain))
    assert client.verify_to(trusted_at(chain, 1), 6)[0].height == 6


def test_a_witness_that_saw_another_header_makes_the_verification_fail():
    """Even a header the trusted set really signed (a fork, say) is refused when a witness disagrees."""
    chain = SyntheticChain([A] * 6)
    fork = SyntheticChain([A] * 6, app_hashes={6: b"\xaa" * 32})
    client, _ = light(chain, witnesses=("http://witness",), witness=ChainServer(fork))
    with pytest.raises(WitnessError, match="reports header .* at height 6"):
        client.verify_to(trusted_at(chain, 1), 6)


def test_an_unreachable_witness_makes_the_verification_fail():
    chain = SyntheticChain([A] * 6)
    witness = ChainServer(chain)
    witness.down = True
    client, _ = light(chain, witnesses=("http://witness",), witness=witness)
    with pytest.raises(WitnessError, match="cannot confirm header 6"):
        client.verify_to(trusted_at(chain, 1), 6)


# ---------------------------------------------------------------------------
# Trusted state serialisation
# ---------------------------------------------------------------------------


def test_trusted_state_round_trips_and_refuses_a_tampered_validator_set():
    chain = SyntheticChain([A] * 3)
    state = trusted_at(chain, 3)
    data = json.loads(json.dumps(state.to_dict()))
    assert TrustedState.from_dict(data) == state
    data["validators"] = ATTACKERS.json()
    with pytest.raises(LightClientError, match="does not hash"):
        TrustedState.from_dict(data)
    with pytest.raises(LightClientError, match="version 2"):
        TrustedState.from_dict({"validators_hash": "00" * 32, "height": 3})


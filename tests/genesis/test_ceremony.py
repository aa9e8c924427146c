"""The genesis ceremony: gentxs signed by two keys, collected into a genesis the chain accepts, and checked back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from nacl.signing import SigningKey

from chain_modules.bank.api import DEFAULT_ALLOCATIONS
from chain_modules.common.amount import UAMIO_PER_AMIO
from genesis.ceremony import (
    GentxError,
    check_genesis_against_gentxs,
    collect_gentxs,
    make_gentx,
    parse_gentx,
    persistent_peers,
    read_gentxs,
    verify_gentx,
)
from genesis.validate import validate_genesis

CHAIN = "amino-testnet-1"
BOND = 1_000_000 * UAMIO_PER_AMIO
WHEN = datetime(2027, 1, 15, tzinfo=timezone.utc)


def _gentx(index: int, chain_id: str = CHAIN, **changes):
    operator, consensus = SigningKey(bytes([index + 1]) * 32), SigningKey(bytes([index + 101]) * 32)
    gentx = make_gentx(chain_id, operator, consensus, f"node{index}", BOND, f"{index:040x}", f"10.0.0.{index + 1}:26656")
    return replace(gentx, **changes) if changes else gentx


def _recipients(gentxs) -> dict:
    from chain_modules.common.address import address_from_pubkey

    recipients = {name: [address_from_pubkey(bytes(SigningKey(bytes([200 + i]) * 32).verify_key))]
                  for i, (name, _share, _schedule) in enumerate(DEFAULT_ALLOCATIONS)}
    recipients["infrastructure"] = [g.operator for g in gentxs]
    return recipients


def test_collected_gentxs_make_a_genesis_the_chain_accepts_with_exactly_their_validators():
    gentxs = [_gentx(i) for i in range(4)]
    genesis = collect_gentxs(gentxs, CHAIN, WHEN, _recipients(gentxs))
    app = validate_genesis(genesis)  # the same parsing and InitChain as a node's
    assert sorted(v["name"] for v in genesis["validators"]) == ["node0", "node1", "node2", "node3"]
    assert {v["power"] for v in genesis["validators"]} == {str(BOND // UAMIO_PER_AMIO)}
    assert [n.operator.hex() for n in app["staking"].extra] != []
    check_genesis_against_gentxs(genesis, gentxs)
    assert persistent_peers(gentxs, gentxs[0].node_id) == [g.peer for g in gentxs[1:]]


def test_a_gentx_survives_its_json_round_trip_and_refuses_any_edit():
    gentx = _gentx(0)
    again = parse_gentx(json.loads(json.dumps(gentx.to_json())))
    assert again == gentx
    verify_gentx(again, CHAIN)
    for field, value in [("self_bond", BOND * 2), ("moniker", "evil"), ("commission_bps", 0),
                         ("p2p_address", "10.9.9.9:26656"), ("node_id", "f" * 40)]:
        with pytest.raises(GentxError, match="signature: the operator key did not sign"):
            verify_gentx(replace(gentx, **{field: value}), CHAIN)


def test_a_consensus_key_registered_for_someone_else_or_another_chain_is_refused():
    mine, theirs = _gentx(0), _gentx(1)
    # the operator re-signs a registration of another operator's consensus key: the proof of possession is theirs
    stolen = make_gentx(CHAIN, SigningKey(bytes([1]) * 32), SigningKey(bytes([102]) * 32), "node0", BOND, "0" * 40,
                        "10.0.0.1:26656")
    assert stolen.consensus_pubkey == theirs.consensus_pubkey  # a real proof: it is the key holder's own signature
    forged = replace(mine, consensus_pubkey=theirs.consensus_pubkey)
    with pytest.raises(GentxError, match="proof_of_possession"):
        verify_gentx(forged, CHAIN)
    with pytest.raises(GentxError, match="chain_id: the gentx is for 'amino-testnet-1', not 'other'"):
        verify_gentx(mine, "other")
    with pytest.raises(GentxError, match="proof_of_possession"):  # a proof made for another chain
        verify_gentx(replace(_gentx(0, chain_id="other"), chain_id=CHAIN), CHAIN)


@pytest.mark.parametrize("raw, message", [
    ([], "must be a JSON object"),
    ({}, "chain_id: is required"),
    ("gentx", "must be a JSON object"),
])
def test_malformed_gentx_json_names_what_is_wrong(raw, message):
    with pytest.raises(GentxError, match=message):
        parse_gentx(raw)


def test_bad_fields_are_refused_one_by_one():
    good = _gentx(0).to_json()
    cases = [({"self_bond": -1}, "self_bond: must be an integer"), ({"self_bond": "1"}, "self_bond: must be an integer"),
             ({"consensus_pubkey": "xx"}, "consensus_pubkey: must be the base64 of 32 bytes"),
             ({"extra": 1}, "extra: unknown field"), ({"commission_bps": 10_001}, "commission_bps: must be an integer")]
    for change, message in cases:
        with pytest.raises(GentxError, match=message):
            parse_gentx(good | change)
    with pytest.raises(GentxError, match="p2p_address"):
        make_gentx(CHAIN, SigningKey(b"\x01" * 32), SigningKey(b"\x02" * 32), "n", BOND, "0" * 40, "no-port")
    with pytest.raises(GentxError, match="node_id"):
        make_gentx(CHAIN, SigningKey(b"\x01" * 32), SigningKey(b"\x02" * 32), "n", BOND, "XYZ", "10.0.0.1:1")


def test_two_gentxs_sharing_a_key_a_node_or_a_moniker_are_refused(tmp_path):
    a, b = _gentx(0), _gentx(1)
    twin = make_gentx(CHAIN, SigningKey(bytes([9]) * 32), SigningKey(bytes([101]) * 32), "twin", BOND, "9" * 40,
                      "10.0.0.9:26656")  # node0's consensus key again, with its own valid proof
    for index, gentx in enumerate([a, b, twin]):
        (tmp_path / f"g{index}.json").write_text(json.dumps(gentx.to_json()))
    with pytest.raises(GentxError, match="consensus_pubkey: two gentxs share it"):
        read_gentxs(tmp_path, CHAIN)
    (tmp_path / "g2.json").write_text("{not json")
    with pytest.raises(GentxError, match="g2.json"):
        read_gentxs(tmp_path, CHAIN)


def test_a_genesis_that_differs_from_what_the_operators_signed_is_caught():
    gentxs = [_gentx(i) for i in range(3)]
    genesis = collect_gentxs(gentxs, CHAIN, WHEN, _recipients(gentxs))
    edited = json.loads(json.dumps(genesis))
    edited["app_state"]["staking"]["super_nodes"][0]["self_bond"] = BOND // 2
    with pytest.raises(GentxError, match=r"super_nodes\[0\].self_bond"):
        check_genesis_against_gentxs(edited, gentxs)
    with pytest.raises(GentxError, match="leaves out the signed registration of node"):
        check_genesis_against_gentxs(collect_gentxs(gentxs[:2], CHAIN, WHEN, _recipients(gentxs)), gentxs)
    with pytest.raises(GentxError, match="signed no gentx"):
        check_genesis_against_gentxs(genesis, gentxs[:2])

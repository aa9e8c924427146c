"""`amino query fog ...` and `amino tx fog redeem`: each query asks its path and shows the view as it is (-o json)
or with FOG in FOG (text); redeem signs fog/redeem through the one signing path; FOG amounts are read with 6
decimals; FOG can never be sent; every mistake is one line and sends nothing."""

from __future__ import annotations

import json

import pytest

from abci_app.router import verify_signature
from chain_modules.common.address import decode_address
from chain_modules.common.encoding import decode, encode
from chain_modules.fog.types import MsgRedeem
from cli.parsing import FOG_IS_NOT_TRANSFERABLE
from client.fog import format_factor, format_fog, parse_fog
from client.wallet.tx import render_value
from tests.cli.conftest import CHAIN_ID

FOG = 1_000_000
PARAMS = {"epoch_seconds": 3_600, "windows_per_epoch": 6, "emission_per_epoch": 1_000 * FOG, "availability_points": 100,
          "work_points_per_megafuel": 1, "loyalty_step_bps": 500, "loyalty_max_bps": 5_000, "probation_results": 3,
          "probation_bps": 1_000, "routing_bps": 1_000, "redemption_period_seconds": 86_400,
          "max_redemptions_per_block": 100}
END = 1_800_003_600  # 2027-01-15 09:00:00 UTC


def balance_view(address: str, **changes) -> dict:
    view = {"address": address, "balance": 12_500_000, "unsettled": 2_000_000, "redeemable": 10_000_000,
            "earned": 20_000_000, "redeemed": 5_000_000, "contribution_total": 19_000_000,
            "history": [{"epoch": 3, "amount": 1_250_000}, {"epoch": 4, "amount": 750_000}], "requested": 500_000}
    return view | changes


CONTRIBUTION = {"epoch": 5, "points": 330, "availability": 300, "work": 30, "routing": 0, "windows": 3,
                "windows_per_epoch": 6, "verified_fuel": 30_000_000, "forfeited": "", "capacity_weight": 2,
                "probe": "pending", "probe_task": 7, "held": 200, "loyalty_bps": 11_000, "probation_bps": 1_000, "streak": 2, "proven_weight": 2, "verified_results": 1, "epoch_points": 3_300,
                "epoch_ends": END}
OPEN_EPOCH = {"epoch": 5, "start": END - 3_600, "ends": END, "points": 3_300, "locked": 2_500_000_000,
              "emission": 1_000 * FOG, "closed": False}
CLOSED_EPOCH = {"epoch": 4, "start": END - 7_205, "end": END - 3_600, "emission": 1_000 * FOG, "points": 2_000,
                "unsettled": 400 * FOG, "locker_emission": 111_111_111, "locked_seconds": str(2_500_000_000 * 3_605),
                "closed": True}
REDEMPTION = {"period": 2, "start": END - 86_400, "ends": END, "requested": 3_000_000, "requests": 2,
              "revenue_pool": 7_500_000_000, "supply": 3_000 * FOG,
              "last_close": {"period": 1, "pool": 1_500_000, "supply": 2_000 * FOG, "requested": 100 * FOG,
                             "payout": 75_000, "uamio_per_fog": "750.000000"}}
SUPPLY = {"minted": 3_100 * FOG, "burned": 100 * FOG, "supply": 3_000 * FOG, "settled": 2_500 * FOG,
          "unsettled_providers": 400 * FOG, "unsettled_lockers": 99_500_000, "requested": 500_000}


def cases(bob: str) -> list[tuple[list[str], list[str], object, list[str]]]:
    """(arguments, the paths the text output asks, the view answered, pieces of the text output)."""
    return [
        (["balance", "bob"], [f"/fog/balance/{bob}"], balance_view(bob),
         ["14.5 fog (2 fog of it earned in closed epochs", "10 fog", "0.5 fog (paid in AMIO", "20 fog in all, 19 fog of it",
          "1.25 fog", "0.75 fog"]),
        (["contribution", "bob"], [f"/fog/contribution/{bob}", "/fog/params"], CONTRIBUTION,
         ["330 of the epoch's 3,300 (10.00%; about 100 fog if the epoch closed now)", "300 points in 3 of 6 windows",
          "30 points for 30,000,000 verified fuel", "×1.1 on availability and work (2 contributing epochs",
          "×0.1 on availability and work (fewer than 3 verified results)", "2027-01-15 09:00:00 UTC"]),
        (["epoch"], ["/fog/epoch"], OPEN_EPOCH,
         ["5 (open)", "1,000 fog to workers and master nodes", "3,300 so far", "2,500 amio in investor locks"]),
        (["epoch", "4"], ["/fog/epoch/4"], CLOSED_EPOCH,
         ["4 (closed)", "1h 5s", "400 fog (credited", "111.111111 fog by amount x time locked (104.31 AMIO-days)"]),
        (["redemption"], ["/fog/redemption"], REDEMPTION,
         ["3 fog in 2 requests", "7,500 amio", "3,000 fog", "2.5 amio per FOG (2.5 amio) (pool / supply",
          "period 1: 0.00075 amio per FOG (pool 1.5 amio, supply 2,000 fog); 100 fog redeemed for 0.075 amio"]),
        (["supply"], ["/fog/supply"], SUPPLY,
         ["3,000 fog (minted - burned)", "3,100 fog", "100 fog (redeemed)", "2,500 fog", "400 fog to workers and master nodes, "
          "99.5 fog to lockers", "0.5 fog"]),
        (["params"], ["/fog/params"], PARAMS, ["emission_per_epoch", "1000000000", "probation_results"]),
    ]


NAMES = [" ".join(args) for args, *_ in cases("amio1bob")]


def answer(harness, paths: list[str], value: object) -> None:
    harness.rpc.values[paths[0]] = value
    harness.rpc.values["/fog/params"] = PARAMS


@pytest.mark.parametrize("name", NAMES)
def test_each_fog_query_prints_the_raw_view_as_json(harness, name):
    [(args, paths, value, _pieces)] = [case for case in cases(harness.addresses["bob"]) if " ".join(case[0]) == name]
    answer(harness, paths, value)

    result = harness.invoke("-o", "json", "query", "fog", *args)

    assert result.exit_code == 0, result.output
    assert harness.rpc.paths == paths[:1]
    shown = json.loads(result.stdout)
    assert shown == (value if args == ["params"] else value | {"height": 12})


@pytest.mark.parametrize("name", NAMES)
def test_each_fog_query_shows_fog_with_its_decimals_as_text(harness, name):
    [(args, paths, value, pieces)] = [case for case in cases(harness.addresses["bob"]) if " ".join(case[0]) == name]
    answer(harness, paths, value)

    result = harness.invoke("query", "fog", *args)

    assert result.exit_code == 0, result.output
    assert harness.rpc.paths == paths
    text = " ".join(result.stdout.split())  # rich wraps long values
    for piece in pieces:
        assert piece in text, f"{piece!r} not in {text}"


def test_the_contribution_text_names_a_forfeit_and_shows_no_probation_once_proven(harness):
    bob = harness.addresses["bob"]
    answer(harness, [f"/fog/contribution/{bob}"],
           CONTRIBUTION | {"forfeited": "handed_back", "availability": 0, "points": 30, "probation_bps": 10_000, "verified_results": 4})

    text = " ".join(harness.invoke("query", "fog", "contribution", "bob").stdout.split())

    assert ("0 points in 3 of 6 windows at capacity weight 2 (forfeited this epoch: the worker handed back a job "
            "it was given)") in text
    assert "probation: none" in text
    assert "probe: task 7 running (200 availability points held until it passes)" in text


def test_a_balance_without_history_shows_no_epoch_table(harness):
    bob = harness.addresses["bob"]
    answer(harness, [f"/fog/balance/{bob}"], balance_view(bob, unsettled=0, history=[]))

    result = harness.invoke("query", "fog", "balance", bob)

    assert result.exit_code == 0, result.output
    assert "FOG per epoch" not in result.stdout and "earned in closed epochs" not in result.stdout


@pytest.mark.parametrize("args, message", [
    (["epoch", "9"], "query failed (test 6): unknown path /fog/epoch/9"),
    (["balance", "nobody"], "nobody"),
    (["contribution", "amio1xyz"], "amio1xyz"),  # refused by the wallet before any query: not a valid address
    (["redemption"], "unknown path /fog/redemption"),
])
def test_a_refused_fog_query_is_one_line(harness, args, message):
    result = harness.invoke("query", "fog", *args)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 or "WARNING" in result.output


def test_a_negative_epoch_number_is_refused_before_any_query(harness):
    result = harness.invoke("query", "fog", "epoch", "-1")
    assert result.exit_code == 2 and "NUMBER" in result.output and "Traceback" not in result.output
    assert harness.rpc.paths == []


# -- amino tx fog redeem ---------------------------------------------------------------------------------


@pytest.mark.parametrize("amount, ufog", [("12.5fog", 12_500_000), ("12500000ufog", 12_500_000), ("0.000001fog", 1),
                                          ("3FOG", 3_000_000), ("7ufog", 7)])
def test_redeem_signs_fog_redeem_with_the_from_key_and_broadcasts_it(harness, amount, ufog):
    alice = harness.addresses["alice"]
    harness.rpc.values[f"/fog/balance/{alice}"] = balance_view(alice, redeemable=12_500_000)
    harness.rpc.sequences[alice] = 3

    result = harness.invoke("tx", "fog", "redeem", amount, "--from", "alice", "--yes", "--no-wait")

    assert result.exit_code == 0, result.output
    [tx] = harness.rpc.txs()
    assert verify_signature(tx) and tx.doc.chain_id == CHAIN_ID and tx.doc.sequence == 3
    msg = MsgRedeem(decode_address(alice), ufog)
    assert tx.doc.msgs == ((MsgRedeem.TYPE, decode(encode(msg.to_body()))),)
    assert harness.rpc.paths[0] == f"/fog/balance/{alice}"  # checked before signing


def test_redeem_prints_the_unsigned_message_with_generate_only_without_asking_the_balance(harness):
    result = harness.invoke("tx", "fog", "redeem", "2fog", "--from", "alice", "--generate-only", "--sequence", "0")

    assert result.exit_code == 0, result.output
    assert harness.rpc.broadcast == [] and not any(path.startswith("/fog/") for path in harness.rpc.paths)
    unsigned = json.loads(result.stdout[result.stdout.index("{"):])
    msg = MsgRedeem(decode_address(harness.addresses["alice"]), 2 * FOG)
    assert unsigned["sign_doc"]["msgs"] == [{"type": "fog/redeem", "body": render_value(decode(encode(msg.to_body())))}]


def test_redeeming_more_than_is_redeemable_is_one_line_and_signs_nothing(harness):
    alice = harness.addresses["alice"]
    harness.rpc.values[f"/fog/balance/{alice}"] = balance_view(alice, redeemable=10_000_000)

    result = harness.invoke("tx", "fog", "redeem", "10.000001fog", "--from", "alice", "--yes")

    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if not line.startswith("WARNING")]
    assert lines == ["Error: cannot redeem 10.000001fog: 10fog is redeemable now (balance 14.5fog; FOG of epochs closed "
                     "in the current redemption period is redeemable from the next)"]
    assert harness.rpc.broadcast == [] and not any(path.startswith("/auth/") for path in harness.rpc.paths)


@pytest.mark.parametrize("args, message", [
    (["12.5amio"], "invalid FOG amount '12.5amio'"),
    (["0fog"], "amount must be positive"),
    (["1.5ufog"], "ufog has no fractional part"),
    (["1.1234567fog"], "6 decimals at most"),
    (["lots"], "expected e.g. 12.5fog or 12500000ufog"),
    (["-1fog"], "No such option"),
    ([f"{2**63}ufog"], "too large"),
])
def test_a_bad_redeem_amount_is_one_readable_error_and_sends_nothing(harness, args, message):
    result = harness.invoke("tx", "fog", "redeem", *args, "--from", "alice", "--yes")
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert harness.rpc.paths == [] and harness.rpc.broadcast == []


def test_redeem_without_from_is_a_usage_error(harness):
    result = harness.invoke("tx", "fog", "redeem", "1fog", "--yes")
    assert result.exit_code == 2 and "--from" in result.output
    assert harness.rpc.broadcast == []


# -- FOG is not transferable -----------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["tx", "bank", "send", "alice", "bob", "5fog"],
    ["tx", "bank", "send", "alice", "bob", "5FOG"],
    ["tx", "bank", "send", "alice", "bob", "2.5fog"],
    ["tx", "bank", "send", "alice", "bob", "100ufog"],
    ["tx", "bank", "send", "alice", "bob", " 5 fog "],
    ["tx", "bank", "send", "alice", "bob", "0fog"],
    ["tx", "bank", "send", "nobody", "amio1notanaddress", "5fog"],  # refused before the keys are even looked at
    ["tx", "bank", "multi-send", "alice", "bob=1amio", "carol=5fog"],
])
@pytest.mark.parametrize("mode", ["--yes", "--generate-only"])
def test_sending_fog_is_refused_in_one_line_before_anything_is_signed(harness, args, mode):
    result = harness.invoke(*args, mode)

    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: {FOG_IS_NOT_TRANSFERABLE}"]
    assert harness.rpc.paths == [] and harness.rpc.broadcast == []


def test_the_refusal_says_fog_is_earned_and_redeemed_only():
    assert FOG_IS_NOT_TRANSFERABLE.startswith("FOG cannot be sent")
    assert "earned" in FOG_IS_NOT_TRANSFERABLE and "redeem" in FOG_IS_NOT_TRANSFERABLE


@pytest.mark.parametrize("args, message", [
    (["tx", "staking", "delegate", "bob", "alice", "5fog"], "'5fog' is FOG, and this takes AMIO"),
    (["tx", "lock", "create", "carol", "1fog", "--period", "30d"], "'1fog' for AMOUNT is FOG, and this takes AMIO"),
    (["tx", "compute", "top-up", "carol", "9ufog"], "is FOG, and this takes AMIO"),
    (["tx", "bank", "send", "alice", "bob", "1amio", "--fee", "500ufog"], "fees are paid in AMIO"),
])
def test_fog_where_amio_is_wanted_is_refused_by_name(harness, args, message):
    result = harness.invoke(*args, "--yes")
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert harness.rpc.broadcast == []


def test_sending_amio_still_works_after_the_fog_check(harness):
    harness.rpc.sequences[harness.addresses["alice"]] = 0
    result = harness.invoke("tx", "bank", "send", "alice", "bob", "1.5amio", "--yes", "--no-wait")
    assert result.exit_code == 0, result.output
    assert len(harness.rpc.broadcast) == 1


# -- FOG amounts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, ufog", [("12.5fog", 12_500_000), ("12500000ufog", 12_500_000), ("1fog", FOG),
                                        ("0.000001fog", 1), ("0ufog", 0), (" 2.25FOG ", 2_250_000),
                                        ("9223372036854775807ufog", 2**63 - 1)])
def test_parse_fog_reads_fog_and_ufog_with_six_decimals(text, ufog):
    assert parse_fog(text) == ufog


@pytest.mark.parametrize("text", ["12.5", "12.5amio", "1.5ufog", "1.1234567fog", ".5fog", "fog", "1e6ufog", "-1fog",
                                  "9223372036854775808ufog", "1,5fog"])
def test_parse_fog_refuses_what_is_not_a_fog_amount(text):
    with pytest.raises(ValueError, match="FOG amount"):
        parse_fog(text)


@pytest.mark.parametrize("ufog, text", [(0, "0fog"), (1, "0.000001fog"), (12_500_000, "12.5fog"), (FOG, "1fog"),
                                        (1_000 * FOG, "1000fog"), (-1_500_000, "-1.5fog")])
def test_format_fog_shows_fog_with_the_decimals_it_has(ufog, text):
    assert format_fog(ufog) == text
    if ufog >= 0:
        assert parse_fog(text) == ufog


@pytest.mark.parametrize("bps, text", [(10_000, "×1"), (10_500, "×1.05"), (1_000, "×0.1"), (15_000, "×1.5"), (1, "×0.0001")])
def test_format_factor_shows_basis_points_as_a_multiplier(bps, text):
    assert format_factor(bps) == text

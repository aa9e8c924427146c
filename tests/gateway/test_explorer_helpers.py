"""The explorer's presentation helpers: amounts, charts, the supply split's vesting accounts, block rates."""

from __future__ import annotations

from gateway.explorer import amio, percent, short
from gateway.explorer_data import bar_chart, block_rates, line_chart, vesting_accounts


def test_amounts_show_as_amio_with_at_most_six_decimals():
    assert amio(1_000_000) == "1 AMIO"
    assert amio(1_234_567_890) == "1,234.56789 AMIO"
    assert amio(1) == "0.000001 AMIO"
    assert amio(None) == "-"
    assert percent(1, 4) == "25.00%" and percent(1, 0) == "-"
    assert short("A" * 64, 8) == "AAAAAAAA…AAAAAA"


def test_bar_chart_scales_to_the_largest_value_and_keeps_zero_bars_flat():
    chart = bar_chart([0, 5, 10], ["a", "b", "c"], width=300, height=116)
    heights = [bar["h"] for bar in chart["bars"]]
    assert heights == [0, 50, 100]
    assert all(bar["y"] + bar["h"] == 116 for bar in chart["bars"])
    assert bar_chart([], [])["bars"] == []


def test_line_chart_puts_a_constant_series_in_the_middle():
    chart = line_chart([7, 7, 7], ["1", "2", "3"], width=100, height=100)
    assert {dot["y"] for dot in chart["dots"]} == {50}
    rising = line_chart([1, 2], ["1", "2"], width=100, height=100)
    assert rising["dots"][0]["y"] > rising["dots"][1]["y"]


def test_vesting_accounts_are_the_recipients_of_allocations_with_a_schedule():
    bank = {"allocations": [
        {"name": "ieo", "schedule": {"kind": "periodic"}, "recipients": [{"address": "amio1b"}, {"address": "amio1a"}]},
        {"name": "plain", "schedule": {"kind": "none"}, "recipients": [{"address": "amio1c"}]},
    ]}
    assert vesting_accounts(bank) == ["amio1a", "amio1b"]


def test_block_rates_average_the_block_time_and_the_tx_rate():
    blocks = [{"height": 3, "time": "2026-01-01T00:00:02Z", "num_txs": 4},
              {"height": 2, "time": "2026-01-01T00:00:01Z", "num_txs": 2},
              {"height": 1, "time": "2026-01-01T00:00:00Z", "num_txs": 0}]
    rates = block_rates(blocks)
    assert rates["block_time"] == 1.0
    assert rates["tps"] == 3.0  # 6 txs in the two newest blocks over 2 seconds
    assert [point["height"] for point in rates["series"]] == [2, 3]


def test_tally_bars_share_the_votes_cast_and_compare_turnout_and_yes_with_the_params():
    from gateway.explorer import share
    from gateway.explorer_data import tally_bars

    params = {"quorum_bps": 3_340, "threshold_bps": 5_000}
    bars = tally_bars({"yes": 60, "no": 20, "abstain": 20, "no_with_veto": 0}, 400, params)
    assert [(p["option"], p["share"]) for p in bars["parts"]] == [
        ("yes", 0.6), ("no", 0.2), ("abstain", 0.2), ("no_with_veto", 0.0)]
    assert bars["cast"] == 100 and bars["turnout"] == 0.25 and bars["quorum"] == 0.334
    assert bars["yes_share"] == 0.75 and bars["threshold"] == 0.5
    assert share(bars["turnout"]) == "25.00%"
    empty = tally_bars({"yes": 0, "no": 0, "abstain": 0, "no_with_veto": 0}, 0, params)
    assert empty["cast"] == 0 and empty["turnout"] is None and empty["yes_share"] is None
    assert {p["share"] for p in empty["parts"]} == {0.0} and share(None) == "-"

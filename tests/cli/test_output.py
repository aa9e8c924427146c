"""Text output a person can read: a record is key: value lines; a list is a table only when it fits the terminal,
else (and when piped) key: value blocks; nothing is ever cut, and no JSON sits inside a cell."""

from __future__ import annotations

import json

import pytest

from cli.output import render
from tests.cli.test_query_commands import cases

ADDRESS = "amio1" + "q" * 38
ROWS = [{"operator": ADDRESS, "moniker": "node0", "tokens": "12.5 amio", "jailed": False},
        {"operator": "amio1" + "p" * 38, "moniker": "a much longer moniker", "tokens": "3 amio", "jailed": True}]


def test_a_record_is_key_value_lines_with_nested_values_indented():
    text = render({"address": ADDRESS, "sequence": 3, "rewards": {ADDRESS: "5 amio"}, "classes": ["small", "gpu"],
                   "none": None})
    assert text.splitlines() == [f"address:  {ADDRESS}", "sequence: 3", "rewards:", f"  {ADDRESS}: 5 amio",
                                 "classes:  small, gpu", "none:     -"]


def test_rows_that_fit_a_wide_terminal_are_a_table():
    text = render(ROWS, width=200)
    header, *body = text.splitlines()
    assert header.split() == ["operator", "moniker", "tokens", "jailed"] and len(body) == 2
    assert ADDRESS in body[0] and body[1].endswith("yes")


@pytest.mark.parametrize("width", [80, None])
def test_rows_at_80_columns_or_piped_are_key_value_blocks_and_nothing_is_cut(width):
    text = render(ROWS, width=width)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert f"operator: {ADDRESS}" in text and "moniker:  a much longer moniker" in text
    assert "…" not in text and "{" not in text


def test_every_query_command_prints_full_addresses_and_no_json_in_text(harness):
    long_address = harness.addresses["bob"]
    for args, path, value, _piece in cases(harness.addresses):
        harness.rpc.values[path] = value
    harness.rpc.values["/slashing/missed_blocks"] = {long_address: 2}
    worker = f"/compute/worker/{long_address}"
    harness.rpc.values[worker] = {"deposit": 100, "master": long_address, "classes": [{"name": "small", "by": long_address}]}
    checked = 0
    for args, path, value, _piece in cases(harness.addresses):
        value = harness.rpc.values[path]
        result = harness.invoke("query", *args)
        assert result.exit_code == 0, (args, result.output)
        assert "…" not in result.stdout and "{\"" not in result.stdout, (args, result.stdout)
        for line in result.stdout.splitlines():
            assert not (line.rstrip().endswith("amio1") or "amio1…" in line), (args, line)
        if long_address in str(value):
            assert long_address in result.stdout, (args, result.stdout)
            checked += 1
    assert checked >= 1


def test_amounts_in_text_are_in_one_format_with_their_unit():
    from cli.output import format_amount

    assert format_amount("10058000uamio") == format_amount("10.058amio") == "10.058 amio"
    assert format_amount("paid 1500uamio, fee 0.5amio, earned 12500000ufog") == \
        "paid 0.0015 amio, fee 0.5 amio, earned 12.5 fog"
    assert format_amount("1000000000000000uamio") == "1,000,000,000 amio"
    address = "amio1" + "q" * 38
    assert format_amount(address) == address and format_amount(f"to {address}") == f"to {address}"
    assert render({"balance": "5000uamio", "fee": "500uamio"}) == "balance: 0.005 amio\nfee:     0.0005 amio"


def test_times_are_dates_with_the_time_left_or_past():
    from cli.parsing import format_when

    now = 1_800_000_000
    assert format_when(now + 2 * 86_400 + 3 * 3_600, now=now) == "2027-01-17 11:00:00 UTC (in 2d 3h)"
    assert format_when(now - 90, now=now) == "2027-01-15 07:58:30 UTC (1min 30s ago)"
    assert format_when(0, now=now) == "-"


TASK = {"id": 7, "customer": ADDRESS, "state": "allocated", "class_name": "small", "replicas": 3, "escrow": 5_000_000,
        "paid": 0, "refunded": 0, "fee": 500, "deadline": 4_000_000_000, "step_deadline": 0, "master": ADDRESS,
        "participants": [{"worker": ADDRESS, "status": "assigned", "fuel": 0}], "heights": [["submitted", 3]],
        "excluded_masters": [], "excluded_workers": [], "app_hash": "ab" * 32}


def test_task_status_shows_deadlines_as_dates_with_the_time_left(harness):
    harness.rpc.values["/compute/task/7"] = TASK
    result = harness.invoke("task", "status", "7")
    assert result.exit_code == 0, result.output
    assert "deadline:" in result.stdout and "2096-10-02 07:06:40 UTC (in " in result.stdout
    assert "4000000000" not in result.stdout and "escrow:" in result.stdout and "5 amio" in result.stdout


def test_task_list_shows_a_handful_of_columns_and_everything_with_json(harness):
    path = f"/compute/tasks/customer/{harness.addresses['alice']}"
    harness.rpc.values[path] = [TASK, {**TASK, "id": 8}]
    text = harness.invoke("task", "list", "alice")
    assert text.exit_code == 0, text.output
    keys = {line.split(":")[0] for line in text.stdout.splitlines() if ":" in line and not line.startswith(" ")}
    assert keys == {"id", "state", "class_name", "replicas", "escrow", "deadline"}
    full = json.loads(harness.invoke("-o", "json", "task", "list", "alice").stdout)
    assert [task["id"] for task in full] == [7, 8] and full[0]["customer"] == ADDRESS


def test_localnet_status_rows_keep_whole_hashes_and_addresses():
    from types import SimpleNamespace

    from cli.localnet import _node_rows, _validator_rows

    app_hash, address = "AB" * 32, "CD" * 20
    net = SimpleNamespace(rpc_url=lambda index: f"http://127.0.0.1:{26657 + 10 * index}", status=lambda: [
        SimpleNamespace(index=0, running_app=True, running_cometbft=True, height=9, app_hash=app_hash, peers=3,
                        catching_up=False)])
    health = SimpleNamespace(validators=[SimpleNamespace(name="node0", address=address, power=10, signing=True,
                                                         signed_last_commit=True, voted_this_height=None,
                                                         node_running=True)])
    assert _node_rows(net)[0]["app_hash"] == app_hash and _validator_rows(health)[0]["address"] == address
    text = render(_node_rows(net), width=80) + render(_validator_rows(health), width=80)
    assert app_hash in text and address in text

"""Text output a person can read: a record is key: value lines; a list is a table only when it fits the terminal,
else (and when piped) key: value blocks; nothing is ever cut, and no JSON sits inside a cell."""

from __future__ import annotations

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

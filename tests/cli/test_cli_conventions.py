"""Cosmos-style conventions of the `amino` command line: global flags in any position, bad input as one readable
line with a non-zero exit (never a traceback), commands that ask the node for what they need."""

from __future__ import annotations

import json

import click
import pytest

from cli.main import cli
from client.rpc import CometRpc
from tests.cli.conftest import CHAIN_ID


def leaf_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            found += leaf_commands(command, prefix + (name,))
        else:
            found.append((prefix + (name,), command))
    return found


LEAVES = leaf_commands()
# commands that run a service, write files into a home or start processes: bad input is still checked below,
# but they are never given a well-formed value that would start something
JUNK = ["ZZ", "١٢", "-1", "amio1notanaddress", "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a", ""]


# arguments that take any text (a new key's name, a memo): junk there is a valid value, not a mistake
FREE_TEXT = {"keys add", "keys rename", "config set", "config get", "completion"}


@pytest.mark.parametrize("path", [" ".join(path) for path, _ in LEAVES])
def test_every_command_answers_junk_arguments_with_one_readable_line_and_a_non_zero_exit(harness, path):
    command = dict((" ".join(p), c) for p, c in LEAVES)[path]
    arguments = [param for param in command.params if isinstance(param, click.Argument)]
    if not arguments:
        pytest.skip("no arguments to give junk to")
    for junk in JUNK:
        values = []
        for argument in arguments:
            values += [junk] * (1 if argument.nargs == 1 else 2)
        yes = ["--yes"] if "--yes" in _opts(command) else []
        result = harness.invoke(*path.split(), *values, *yes, input="n\n")
        assert "Traceback" not in result.output and "unexpected error" not in result.output, (path, junk, result.output)
        if path in FREE_TEXT and result.exit_code == 0:
            continue
        assert result.exit_code != 0, (path, junk, result.output)
        assert isinstance(result.exception, SystemExit), (path, junk, repr(result.exception))
        assert result.output.strip(), (path, junk)
    assert harness.rpc.broadcast == []


def _opts(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


def test_a_hash_that_is_not_hex_is_one_line(harness):
    result = harness.invoke("query", "tx", "ZZ")
    assert result.exit_code == 2 and "not a hex tx hash" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("task_id", ["١٢", "²", "1_000", "+5", " 7"])
def test_a_task_id_with_anything_but_ascii_digits_is_a_parse_error_and_asks_nothing(harness, task_id):
    for args in (["task", "status", task_id], ["query", "compute", "task", task_id]):
        result = harness.invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "digits 0-9" in result.output, result.output
    assert harness.rpc.paths == []


def test_task_status_asks_the_node_for_the_chain_id_on_a_fresh_home(harness):
    harness.rpc.values["/compute/task/7"] = {"id": 7, "state": "settled", "escrow": 5, "paid": 3, "refunded": 2,
                                             "participants": [], "heights": [["submitted", 3]]}
    result = harness.runner.invoke(cli, ["--home", str(harness.home / "fresh"), "task", "status", "7", "-o", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["state"] == "settled"


@pytest.mark.parametrize("where", ["before", "after", "middle"])
def test_output_json_is_accepted_before_and_after_the_subcommand(harness, where):
    harness.rpc.values["/bank/supply"] = (10**15).to_bytes(8, "big")
    args = {"before": ["-o", "json", "query", "bank", "supply"],
            "after": ["query", "bank", "supply", "-o", "json"],
            "middle": ["query", "bank", "supply", "--output=json"]}[where]
    result = harness.invoke(*args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["supply"] == "1000000000000000uamio"


def test_global_flags_after_the_subcommand_win_over_the_defaults(harness, tmp_path):
    other_home = tmp_path / "other"
    result = harness.runner.invoke(cli, ["keys", "list", "--home", str(other_home), "--keyring-backend", "test",
                                         "-o", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("url, expected", [("tcp://127.0.0.1:26657", "http://127.0.0.1:26657"),
                                           ("http://127.0.0.1:26657/", "http://127.0.0.1:26657"),
                                           ("https://rpc.example:443", "https://rpc.example:443"),
                                           ("127.0.0.1:26657", "http://127.0.0.1:26657")])
def test_node_urls_are_accepted_as_tcp_as_well_as_http(url, expected):
    assert CometRpc(url).url == expected


def test_a_node_url_with_an_unknown_scheme_is_one_line(tmp_path):
    result = click.testing.CliRunner().invoke(cli, ["--home", str(tmp_path), "status", "--node", "ftp://127.0.0.1:1"])
    assert result.exit_code == 1 and "ftp://" in result.output and "tcp://" in result.output
    assert "Traceback" not in result.output


def test_the_chain_id_of_a_signed_tx_is_the_one_given(harness):
    result = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", "--yes", "--no-wait")
    assert result.exit_code == 0, result.output
    assert harness.rpc.txs()[0].doc.chain_id == CHAIN_ID


def test_an_address_of_another_chain_is_named_as_such_not_as_a_missing_key(harness):
    result = harness.invoke("query", "bank", "balance", "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a")
    assert result.exit_code == 1 and "prefix 'cosmos'" in result.output and "amio1" in result.output
    assert "not found" not in result.output and harness.rpc.paths == []


def test_an_unexpected_exception_is_still_one_line(harness, monkeypatch):
    def broken(self, path):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(type(harness.rpc), "abci_query", broken)
    result = harness.invoke("query", "bank", "supply")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "unexpected error (ZeroDivisionError: boom)" in result.output and "Traceback" not in result.output


def test_json_output_is_one_json_document_for_keys_genesis_and_config_commands(harness, tmp_path):

    runs = [
        ("keys", "show", "bob", "-a"), ("keys", "show", "bob", "--pubkey"), ("keys", "list"), ("keys", "mnemonic"),
        ("keys", "delete", "carol", "--yes"), ("keys", "rename", "bob", "bobby", "--yes"),
        ("config", "set", "output", "text"), ("config", "get", "output"), ("config",), ("version",),
        ("version", "--long"),
    ]
    for args in runs:
        result = harness.invoke(*args, "-o", "json")
        assert result.exit_code == 0, (args, result.output)
        document = json.loads(result.stdout)  # the whole stdout is one JSON document
        assert isinstance(document, (dict, list)), (args, document)
    exported = harness.invoke("keys", "export", "alice", "-o", "json", input="pass phrase 1\npass phrase 1\n")
    assert json.loads(exported.stdout[exported.stdout.index("{"):])["armored"].startswith("-----BEGIN")


def test_prove_is_offered_by_exactly_the_queries_whose_path_the_app_can_prove(harness):
    from abci_app.queries import query_index

    provable = {entry["path"].split("/")[1] + " " + entry["path"].split("/")[2] for entry in query_index()
                if entry["provable"]}
    with_prove = {" ".join(path[1:]) for path, command in LEAVES if path[0] == "query"
                  and "--prove" in _opts(command)}
    # CLI name -> app path: 'query account' reads /auth/account
    assert {name.replace("account", "auth account") if name == "account" else name for name in with_prove} == provable
    assert "--prove" in cli.get_command(click.Context(cli), "query").help


def test_help_ranges_are_the_ones_the_chain_accepts():
    from chain_modules.auth.types import TxParams
    from chain_modules.compute.types import ComputeParams

    def option(path: str, flag: str) -> click.Option:
        command = dict((" ".join(p), c) for p, c in LEAVES)[path]
        return next(param for param in command.params if flag in getattr(param, "opts", []))

    params, tx_params = ComputeParams(), TxParams()
    assert option("task submit", "--replicas").type.max == params.max_replicas
    assert f"{params.max_fuel:,}" in option("task submit", "--max-fuel").help
    slots = option("tx compute register-worker", "--slots")
    assert slots.type.max is None and f"max_worker_slots ({params.max_worker_slots} by default" in slots.help
    assert f"at most {tx_params.max_memo_bytes} bytes" in option("tx bank send", "--note").help

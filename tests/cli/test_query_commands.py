"""`amino query ...`: each command asks its path (key names resolved to addresses) and shows the answer as JSON
(-o json) or as readable text; a refused query is one line."""

from __future__ import annotations

import json

import pytest

from client.rpc import QueryResult

CANDIDATE = {"operator": "amio1op", "moniker": "n0", "status": "bonded", "tokens": 12_000_000, "self_bond": 10_000_000,
             "commission_bps": 1_000, "jailed": False, "power": 12,
             "endpoint": "http://127.0.0.1:8700", "region": "eu"}


def cases(addresses: dict[str, str]) -> list[tuple[list[str], str, object, str]]:
    """(arguments, the path asked, the value answered, a piece of the text output)."""
    bob = addresses["bob"]
    return [
        (["bank", "supply"], "/bank/supply", (10**15).to_bytes(8, "big"), "1,000,000,000 amio"),
        (["staking", "candidates"], "/staking/candidates", [CANDIDATE], "10.00%"),
        (["staking", "master-nodes"], "/staking/master_nodes", [CANDIDATE], "master nodes"),
        (["staking", "bonds"], "/staking/bonds", {"active_workers": 3, "min_super_self_bond": 5_000_000,
                                                  "min_master_bond": 2_000_000}, "5 amio"),
        (["staking", "candidate", "bob"], f"/staking/candidate/{bob}", CANDIDATE, "12 amio"),
        (["staking", "delegations", "bob"], f"/staking/delegations/{bob}", {"delegations": [], "unbondings": []},
         "unbondings"),
        (["staking", "validators"], "/staking/validators", [{"address": "AB", "power": 10}], "AB"),
        (["staking", "params"], "/staking/params", {"max_validators": 4}, "max_validators"),
        (["slashing", "signing-info", "ABCDEF"], "/slashing/signing_info/abcdef", {"missed": 1}, "missed"),
        (["slashing", "params"], "/slashing/params", {"signed_blocks_window": 32}, "signed_blocks_window"),
        (["distribution", "rewards", "bob"], f"/distribution/rewards/{bob}", {"rewards": {"amio1op": 5}, "total": 5},
         "0.000005 amio"),
        (["distribution", "commission", "bob"], f"/distribution/commission/{bob}", {"commission": 7}, "0.000007 amio"),
        (["compute", "classes"], "/compute/classes", [{"name": "small", "price": 3}], "small"),
        (["compute", "prices", "small"], "/compute/prices/small", [{"epoch": 1, "price": 3}], "epoch"),
        (["compute", "params"], "/compute/params", {"max_replicas": 5}, "max_replicas"),
        (["compute", "task", "7"], "/compute/task/7", {"id": 7, "state": "settled"}, "settled"),
        (["compute", "worker", "bob"], f"/compute/worker/{bob}", {"deposit": 100}, "deposit"),
        (["compute", "workers", "bob"], f"/compute/workers/{bob}", [{"worker": "w0"}], "w0"),
        (["compute", "master", "bob"], f"/compute/master/{bob}", {"active": True}, "active"),
        (["apppool", "apps"], "/apppool/apps", [{"name": "job"}], "job"),
        (["apppool", "app", "ab" * 32], f"/apppool/app/{'ab' * 32}", {"name": "job", "verified": True}, "verified"),
    ]


NAMES = [" ".join(args) for args, *_ in cases({"bob": "amio1bob"})]


@pytest.mark.parametrize("name", NAMES)
def test_each_query_command_asks_its_path_and_shows_the_answer(harness, name):
    [(args, path, value, piece)] = [case for case in cases(harness.addresses) if " ".join(case[0]) == name]
    harness.rpc.values[path] = value
    harness.rpc.values["/slashing/missed_blocks"] = {"amio1op": 2}
    result = harness.invoke("-o", "json", "query", *args)
    assert result.exit_code == 0, result.output
    # a super node's view adds its missed blocks, which slashing answers
    extra = ["/slashing/missed_blocks"] if args[:2] in (["staking", "candidates"], ["staking", "candidate"]) else []
    assert harness.rpc.paths == [path] + extra
    if extra:
        shown_missed = json.loads(result.stdout)
        assert (shown_missed[0] if isinstance(shown_missed, list) else shown_missed)["missed_blocks"] == 2
    shown = json.loads(result.stdout)
    assert shown, result.stdout
    text = harness.invoke("query", *args)
    assert text.exit_code == 0, text.output
    assert piece in text.stdout


def test_query_bank_balance_shows_the_balance_and_the_spendable_part(harness):
    bob = harness.addresses["bob"]
    harness.rpc.values[f"/bank/spendable/{bob}"] = {"spendable": 600, "locked": 400}
    harness.rpc.values[f"/bank/balance/{bob}"] = (1_000).to_bytes(8, "big")
    result = harness.invoke("-o", "json", "query", "bank", "balance", "bob")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) | {"height": 12} == {
        "address": bob, "balance": "1000uamio", "amio": "0.001amio", "height": 12, "spendable": "600uamio",
        "locked_by_vesting": "400uamio"}


def test_query_account_shows_sequence_and_public_key(harness):
    bob = harness.addresses["bob"]
    harness.rpc.sequences[bob] = 4
    result = harness.invoke("-o", "json", "query", "account", "bob")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"address": bob, "sequence": 4, "pubkey": "01" * 32, "height": 12}


@pytest.mark.parametrize("args, message", [
    (["staking", "params"], "query failed (test 6): unknown path /staking/params"),
    (["lock", "params"], "query failed (test 6): unknown path /locks/params"),
    (["compute", "params"], "unknown path /compute/params"),
    (["staking", "candidate", "nobody"], "nobody"),
])
def test_a_refused_query_is_one_line(harness, args, message):
    result = harness.invoke("query", *args)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_status_shows_the_node_and_chain(harness, monkeypatch):
    monkeypatch.setattr(type(harness.rpc), "status", lambda self: {
        "node_info": {"network": "amino-x", "moniker": "node0", "version": "0.38.26"},
        "sync_info": {"latest_block_height": "42", "latest_block_time": "t", "latest_app_hash": "AA", "catching_up": False}})
    result = harness.invoke("-o", "json", "status")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["height"] == "42" and json.loads(result.stdout)["chain_id"] == "amino-x"


def test_query_tx_shows_the_committed_result(harness, monkeypatch):
    monkeypatch.setattr(type(harness.rpc), "tx", lambda self, tx_hash: {
        "hash": tx_hash.hex().upper(), "height": "9", "tx_result": {"code": 0, "gas_wanted": "100", "gas_used": "80"}},
        raising=False)
    result = harness.invoke("-o", "json", "query", "tx", "ab" * 32)
    assert result.exit_code == 0, result.output
    # heights and gas are integers; a node that leaves out the tx bytes gives no signer or messages
    assert json.loads(result.stdout) == {"hash": "AB" * 32, "height": 9, "code": 0, "codespace": "", "log": "",
                                         "gas_wanted": 100, "gas_used": 80, "signer": None, "msgs": None, "events": []}


def test_unknown_paths_answer_an_error_from_the_stand_in(harness):
    assert harness.rpc.abci_query("/nope") == QueryResult(6, "unknown path /nope", "test", b"", b"", 0, [])


def test_query_tx_with_a_hash_that_is_not_hex_is_one_line(harness):
    result = harness.invoke("query", "tx", "zz")
    assert result.exit_code == 2 and "TX_HASH" in result.output and "hex" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)

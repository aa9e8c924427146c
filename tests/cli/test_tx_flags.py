"""The Cosmos tx flags on every tx command: --from, --fees/--gas-prices, --gas auto with --gas-adjustment (a
simulation on the node), --dry-run, --note, and the cold-wallet flow (--generate-only --offline, tx sign,
tx broadcast) with no node and no key."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from abci_app.codec import decode_tx
from abci_app.router import verify_signature
from chain_modules.auth.types import TxParams
from chain_modules.bank.types import MsgSend
from chain_modules.common.address import decode_address
from chain_modules.common.encoding import decode, encode
from cli.context import CliContext
from cli.main import cli
from cli.tx import SIGNER_ARGUMENTS
from client.wallet.keyring import open_keyring
from tests.cli.conftest import CHAIN_ID
from tests.cli.test_tx_commands import COMMANDS, table  # noqa: F401 (the fixture)

POSITIONAL_SIGNER = [name for name in COMMANDS if "--from" not in name and name.split()[0] not in ("apppool",)]


def _unsigned(stdout: str) -> dict:
    return json.loads(stdout[stdout.index("{"):])


@pytest.mark.parametrize("command", POSITIONAL_SIGNER)
def test_every_tx_command_takes_the_signer_as_from_as_well_as_first_argument(harness, table, command):
    args, signer, msg = table[command]
    group_and_name, rest = args[:3], args[3:]
    assert rest[0] == signer or rest[0] == harness.addresses.get(signer)
    harness.rpc.sequences[harness.addresses[signer]] = 2
    result = harness.invoke(*group_and_name, *rest[1:], "--from", rest[0], "--yes", "--no-wait")
    assert result.exit_code == 0, result.output
    [tx] = harness.rpc.txs()
    assert verify_signature(tx) and tx.doc.msgs == ((msg.TYPE, decode(encode(msg.to_body()))),)


def test_every_positional_signer_is_named_in_the_alias_list(table):
    from cli.main import cli as root

    for command in POSITIONAL_SIGNER:
        path = table[command][0][:3]
        leaf = root
        for name in path:
            leaf = leaf.get_command(click.Context(leaf), name)
        assert leaf.params[0].name in SIGNER_ARGUMENTS, command
        assert any("--from" in getattr(param, "opts", []) for param in leaf.params), command


def test_fees_and_fee_set_the_fee(harness):
    for flag in ("--fees", "--fee"):
        assert harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", flag, "0.002amio", "--yes",
                              "--no-wait").exit_code == 0
    assert [tx.doc.fee for tx in harness.rpc.txs()] == [2_000, 2_000]


def test_gas_prices_set_the_fee_to_gas_times_price_rounded_up(harness):
    result = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", "--gas", "90001", "--gas-prices",
                            "0.025uamio", "--yes", "--no-wait")
    assert result.exit_code == 0, result.output
    [tx] = harness.rpc.txs()
    assert (tx.doc.gas_limit, tx.doc.fee) == (90_001, 2_251)  # 90001 x 0.025 = 2250.025, rounded up


def test_gas_auto_simulates_the_tx_and_applies_the_adjustment(harness):
    for adjustment, expected in ((None, 79_300), ("1.5", 91_500)):
        harness.rpc.broadcast.clear()
        extra = ["--gas-adjustment", adjustment] if adjustment else []
        result = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", "--gas", "auto", *extra, "--yes",
                                "--no-wait")
        assert result.exit_code == 0, result.output
        [tx] = harness.rpc.txs()
        assert tx.doc.gas_limit == expected and tx.doc.fee == TxParams().min_fee(expected)
    probe = decode_tx(harness.rpc.simulated[-1])
    assert probe.doc.msgs == harness.rpc.txs()[0].doc.msgs and probe.pubkey == harness.rpc.txs()[0].pubkey


def test_dry_run_prints_the_simulation_and_sends_nothing(harness):
    result = harness.invoke("-o", "json", "tx", "bank", "send", "alice", "bob", "1amio", "--dry-run")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["gas_used"] == 61_000 and report["gas_limit"] == 79_300 and report["code"] == 0
    assert report["events"] == [{"type": "transfer", "attributes": {"amount": "1uamio"}}]
    assert harness.rpc.broadcast == [] and len(harness.rpc.simulated) == 1


def test_a_tx_the_simulation_says_would_fail_is_not_sent(harness, monkeypatch):
    def failing(self, path, data=b""):
        if path == "/app/simulate":
            from client.rpc import QueryResult

            value = encode({"gas_used": 12_000, "code": 2, "codespace": "bank", "log": "insufficient funds", "events": []})
            return QueryResult(0, "", "", b"", value, 12, [])
        return original(self, path, data)

    original = type(harness.rpc).abci_query
    monkeypatch.setattr(type(harness.rpc), "abci_query", failing)
    sent = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", "--gas", "auto", "--yes")
    assert sent.exit_code == 1 and "would fail, nothing was sent: insufficient funds (bank 2)" in sent.output
    dry = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", "--dry-run")
    assert dry.exit_code == 1 and "insufficient funds" in dry.output
    assert harness.rpc.broadcast == []


def test_note_and_memo_set_the_memo(harness):
    for flag in ("--note", "--memo"):
        assert harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", flag, "rent", "--yes", "--no-wait").exit_code == 0
    assert [tx.doc.memo for tx in harness.rpc.txs()] == ["rent", "rent"]


def test_the_signer_may_be_given_by_its_address(harness):
    result = harness.invoke("tx", "bank", "send", harness.addresses["alice"], "bob", "1amio", "--yes", "--no-wait")
    assert result.exit_code == 0, result.output
    [tx] = harness.rpc.txs()
    alice_key = open_keyring(harness.home, "test").signing_key("alice")
    assert tx.pubkey == bytes(alice_key.verify_key) and verify_signature(tx)


@pytest.mark.parametrize("args, message", [
    (["--fees", "1uamio", "--gas-prices", "0.01uamio"], "not both"),
    (["--gas", "lots"], "digits 0-9"),
    (["--gas-prices", "cheap"], "gas price"),
    (["--gas-prices", "1fog"], "not in FOG"),
    (["--gas", "auto", "--gas-adjustment", "0.5"], "between 1 and 10"),
    (["--fees", "1uamio", "--gas", "90000"], "below the chain's minimum 900uamio"),
    (["--offline", "--generate-only", "--chain-id", "c"], "--sequence"),
    (["--offline", "--sequence", "1"], "--generate-only"),
    (["--offline", "--generate-only", "--sequence", "1", "--gas", "auto"], "give --gas N"),
])
def test_a_wrong_tx_flag_is_one_line_and_sends_nothing(harness, args, message):
    result = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", *args, "--yes")
    assert result.exit_code in (1, 2), result.output
    assert message in result.output and "Traceback" not in result.output
    assert harness.rpc.broadcast == []


class NoNode:
    def __getattr__(self, name):
        raise AssertionError(f"the offline flow asked the node ({name})")


def test_cold_wallet_generates_from_an_address_with_no_node_and_no_key_then_signs_and_broadcasts(harness, tmp_path,
                                                                                               monkeypatch):
    alice, bob = harness.addresses["alice"], harness.addresses["bob"]
    monkeypatch.setattr(CliContext, "rpc", lambda self: NoNode())
    online_home = tmp_path / "online"  # no keys at all
    generated = CliRunner().invoke(cli, ["--home", str(online_home), "tx", "bank", "send", alice, bob, "3amio",
                                         "--generate-only", "--offline", "--sequence", "9", "--chain-id", CHAIN_ID,
                                         "--note", "cold"])
    assert generated.exit_code == 0, generated.output
    assert not (online_home / "keyring-test").exists() and not (online_home / "keyring-file").exists()
    unsigned = _unsigned(generated.stdout)
    assert unsigned["sign_doc"]["sequence"] == 9 and unsigned["sign_doc"]["chain_id"] == CHAIN_ID
    (tmp_path / "unsigned.json").write_text(generated.stdout)

    wrong = harness.invoke("tx", "sign", str(tmp_path / "unsigned.json"), "--from", "bob")
    assert wrong.exit_code == 1 and "signer does not match" in wrong.output and alice in wrong.output

    signed = harness.invoke("tx", "sign", str(tmp_path / "unsigned.json"), "--from", "alice", "--offline")
    assert signed.exit_code == 0, signed.output
    (tmp_path / "signed.json").write_text(signed.stdout[signed.stdout.index("{"):])

    monkeypatch.setattr(CliContext, "rpc", lambda self: harness.rpc)
    sent = harness.invoke("tx", "broadcast", str(tmp_path / "signed.json"), "--no-wait")
    assert sent.exit_code == 0, sent.output
    [tx] = harness.rpc.txs()
    assert verify_signature(tx) and tx.doc.sequence == 9 and tx.doc.memo == "cold"
    assert tx.doc.msgs == ((MsgSend.TYPE, decode(encode(MsgSend(decode_address(alice), decode_address(bob),
                                                                3_000_000).to_body()))),)


def test_the_signer_given_both_as_from_and_as_first_argument_is_one_clear_line(harness):
    result = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", "--from", "alice", "--yes")
    assert result.exit_code == 2 and "the signer is given twice" in result.output
    assert harness.rpc.broadcast == []


def test_task_commands_that_send_txs_take_fees_gas_prices_gas_and_note(harness):
    from tests.cli.test_output import TASK

    harness.rpc.values["/compute/task/7"] = {**TASK, "state": "cancelled", "refunded": 5_000_000}
    cancelled = harness.invoke("task", "cancel", "7", "--from", "alice", "--fees", "0.003amio", "--gas", "120000",
                               "--note", "not needed", "--yes")
    assert cancelled.exit_code == 0, cancelled.output
    confirmed = harness.invoke("task", "confirm", "7", "--from", "alice", "--gas-prices", "0.02uamio", "--gas", "100001",
                               "-y")
    assert confirmed.exit_code == 0, confirmed.output
    first, second = harness.rpc.txs()
    assert (first.doc.fee, first.doc.gas_limit, first.doc.memo) == (3_000, 120_000, "not needed")
    assert (second.doc.fee, second.doc.gas_limit) == (2_001, 100_001)  # 100001 x 0.02 = 2000.02, rounded up
    both = harness.invoke("task", "cancel", "7", "--from", "alice", "--fees", "1uamio", "--gas-prices", "0.1uamio")
    assert both.exit_code == 2 and "not both" in both.output and len(harness.rpc.broadcast) == 2

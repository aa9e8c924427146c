"""amino tx lock / amino query lock: argument parsing, the messages built and the rendering of views."""

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from chain_modules.common.address import decode_address
from chain_modules.common.encoding import encode
from chain_modules.locks.handlers import handle_buy_api_access, handle_create_lock
from chain_modules.locks.types import DAY, YEAR, MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from chain_modules.locks.views import api_access_view, locks_of, params_view, weight_view
from cli import locks as locks_cli
from cli import parsing
from cli.context import CliContext
from cli.main import cli
from client.rpc import QueryResult
from tests.modules.locks.helpers import ALICE, BOB, MONTH, NOW, context, pre_state

# -- parse_duration / format_duration -------------------------------------------------------------


@pytest.mark.parametrize("text, seconds", [
    ("90s", 90), ("45min", 2_700), ("12h", 43_200), ("30d", 2_592_000), ("2w", 1_209_600),
    ("1y", 365 * DAY), ("90D", 90 * DAY), (" 7d ", 7 * DAY), ("3600", 3_600),
])
def test_parse_duration_reads_each_unit(text, seconds):
    assert parsing.parse_duration(text) == seconds


@pytest.mark.parametrize("text, message", [
    ("3m", "ambiguous"), ("1mo", "ambiguous"), ("0d", "must be positive"), ("1.5d", "not a duration"),
    ("-1d", "not a duration"), ("d", "not a duration"), ("", "not a duration"), ("1 day", "not a duration"),
])
def test_parse_duration_rejects_unclear_text_with_a_clear_error(text, message):
    with pytest.raises(click.BadParameter, match=message):
        parsing.parse_duration(text)


def test_format_duration_shows_the_two_largest_units():
    assert parsing.format_duration(0) == "0s"
    assert parsing.format_duration(400 * DAY + 5) == "1y 35d"
    assert parsing.format_duration(2 * DAY + 3 * 3_600) == "2d 3h"
    assert parsing.format_duration(61) == "1min 1s"


# -- the CLI's locks commands over a node stand-in ----------------------------------------------------------------


class FakeRpc:
    """Answers /locks/... queries from the views over a state, as the app's query layer will."""

    def __init__(self, state, now: int) -> None:
        self.state, self.now, self.paths = state, now, []

    def abci_query(self, path: str) -> QueryResult:
        self.paths.append(path)
        parts = path.strip("/").split("/")
        match parts:
            case ["locks", "list", address]:
                value = locks_of(self.state, decode_address(address), self.now)
            case ["locks", "weight"]:
                value = weight_view(self.state, None, self.now)
            case ["locks", "weight", address]:
                value = weight_view(self.state, decode_address(address), self.now)
            case ["locks", "api_access", address]:
                value = api_access_view(self.state, decode_address(address), self.now)
            case ["locks", "params"]:
                value = params_view(self.state)
            case _:
                return QueryResult(2, f"unknown query path {path!r}", "", b"", b"", 0, [])
        return QueryResult(0, "", "", b"", encode(value), 42, [])


@pytest.fixture
def harness(tmp_path: Path, monkeypatch):
    sent: list[tuple[str, list, dict]] = []
    state = pre_state({ALICE.address: 10**12})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 5_000_000, MONTH))
    handle_buy_api_access(state, context(), MsgBuyApiAccess(ALICE.address, DAY * 10, DAY))
    rpc = FakeRpc(state, NOW + 10)
    monkeypatch.setattr(CliContext, "rpc", lambda self: rpc)
    monkeypatch.setattr(CliContext, "resolve_address",
                        lambda self, value: value if value.startswith("amio1") else {"alice": ALICE.bech32, "bob": BOB.bech32}[value])

    def send_tx(ctx, signer, msgs, **options):
        sent.append((signer, msgs, options))

    monkeypatch.setattr(locks_cli, "send_tx", send_tx)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--home", str(tmp_path), "--chain-id", "amino-test", "--keyring-backend", "test", *args],
                             catch_exceptions=False)

    return invoke, sent, rpc


def test_tx_lock_create_builds_a_create_lock_message(harness):
    invoke, sent, _rpc = harness
    result = invoke("tx", "lock", "create", "alice", "1000amio", "--period", "90d", "--yes")
    assert result.exit_code == 0, result.output
    signer, msgs, options = sent[0]
    assert signer == "alice" and options["yes"] is True
    assert msgs == [MsgCreateLock(ALICE.address, 1_000_000_000, 90 * DAY)]


def test_tx_lock_create_names_a_bad_period(harness):
    invoke, sent, _rpc = harness
    result = invoke("tx", "lock", "create", "alice", "1000amio", "--period", "3m")
    assert result.exit_code == 2 and "--period" in result.output and "ambiguous" in result.output
    assert sent == []


def test_tx_lock_create_requires_a_period_and_a_positive_amount(harness):
    invoke, sent, _rpc = harness
    assert invoke("tx", "lock", "create", "alice", "1000amio").exit_code == 2
    result = invoke("tx", "lock", "create", "alice", "0amio", "--period", "30d")
    assert result.exit_code == 2 and "positive" in result.output
    assert sent == []


def test_tx_lock_withdraw_builds_a_withdraw_message(harness):
    invoke, sent, _rpc = harness
    assert invoke("tx", "lock", "withdraw", ALICE.bech32, "17").exit_code == 0
    assert sent[0][1] == [MsgWithdrawLock(ALICE.address, 17)]
    assert invoke("tx", "lock", "withdraw", "alice", "seven").exit_code == 2


def test_tx_lock_api_access_builds_a_buy_message(harness):
    invoke, sent, _rpc = harness
    result = invoke("tx", "lock", "api-access", "alice", "26amio", "--duration", "30d")
    assert result.exit_code == 0, result.output
    assert sent[0][1] == [MsgBuyApiAccess(ALICE.address, 26_000_000, 30 * DAY)]
    result = invoke("tx", "lock", "api-access", "alice", "26amio", "--duration", "soon")
    assert result.exit_code == 2 and "--duration" in result.output


def test_query_lock_list_renders_each_lock(harness):
    invoke, _sent, rpc = harness
    result = invoke("query", "lock", "list", "alice")
    assert result.exit_code == 0, result.output
    assert rpc.paths == [f"/locks/list/{ALICE.bech32}"]
    assert "investor" in result.output and "5 amio" in result.output and "withdrawable" not in result.output
    data = json.loads(invoke("-o", "json", "query", "lock", "list", "alice").output)
    assert [lock["id"] for lock in data["locks"]] == [1, 2] and data["height"] == 42


def test_query_lock_list_of_an_account_without_locks(harness):
    invoke, _sent, _rpc = harness
    result = invoke("query", "lock", "list", "bob")
    assert result.exit_code == 0 and "none" in result.output


def test_query_lock_weight_of_an_account_and_of_the_chain(harness):
    invoke, _sent, rpc = harness
    data = json.loads(invoke("-o", "json", "query", "lock", "weight", "alice").output)
    assert data["weight"] == str(5_000_000 * (MONTH - 10))
    data = json.loads(invoke("-o", "json", "query", "lock", "weight").output)
    assert data["address"] is None and data["locked_amount"] == 5_000_000
    assert rpc.paths == [f"/locks/weight/{ALICE.bech32}", "/locks/weight"]
    text = invoke("query", "lock", "weight").output
    assert "(all accounts)" in text and "149.99" in text  # 5 AMIO x (30 days - 10 s) in AMIO-days, rounded down


def test_query_lock_api_access_and_params(harness):
    invoke, _sent, rpc = harness
    data = json.loads(invoke("-o", "json", "query", "lock", "api-access", "alice").output)
    assert data["active"] is True and data["access_until"] == NOW + DAY
    assert "never bought" in invoke("query", "lock", "api-access", "bob").output
    params = json.loads(invoke("-o", "json", "query", "lock", "params").output)
    assert params["max_lock_seconds"] == 4 * YEAR
    assert rpc.paths[-1] == "/locks/params"


def test_query_failure_is_one_clear_line(harness, monkeypatch):
    invoke, _sent, rpc = harness
    monkeypatch.setattr(rpc, "abci_query", lambda path: QueryResult(3, "bad address", "", b"", b"", 1, []))
    result = invoke("query", "lock", "list", "amio1nonsense")
    assert result.exit_code == 1 and "query failed" in result.output and "bad address" in result.output

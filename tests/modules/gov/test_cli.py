"""amino tx gov / amino query gov: the proposal file, the messages built, readable errors and the views rendered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from abci_app.modules import GOV
from chain_modules.common.encoding import encode
from chain_modules.common.query import QueryContext, QueryError
from chain_modules.gov.types import MsgDeposit, MsgSubmitProposal, MsgVote
from cli import gov as gov_cli
from cli.context import CliContext
from cli.main import cli
from client.rpc import QueryResult
from tests.modules.gov.helpers import APP_HASH, D1, D3, PROPOSER, V1, world


class FakeRpc:
    """Answers /gov/... queries with gov's own query table over a state, as the app's query layer does."""

    def __init__(self, state, now: int) -> None:
        self.state, self.now, self.paths = state, now, []

    def abci_query(self, path: str) -> QueryResult:
        self.paths.append(path)
        parts = path.strip("/").split("/")
        for query in GOV.queries:
            try:
                arguments = query.match(parts[1:])
            except QueryError as error:
                return QueryResult(error.code, error.log, "", b"", b"", 0, [])
            if parts[0] == "gov" and arguments is not None:
                try:
                    value = query.view(QueryContext(self.state, 42, self.now), **arguments)
                except QueryError as error:
                    return QueryResult(error.code, error.log, "", b"", b"", 0, [])
                return QueryResult(0, "", "", b"", encode(value), 42, [])
        return QueryResult(2, f"unknown query path {path!r}", "", b"", b"", 0, [])


@pytest.fixture
def harness(tmp_path: Path, monkeypatch):
    sent: list[tuple[str, list, dict]] = []
    w = world()
    proposal_id = w.submit(deposit=1_000, title="first")
    w.vote(proposal_id, V1, "yes")
    w.submit(deposit=250, title="second")
    rpc = FakeRpc(w.state, w.now)
    names = {"proposer": PROPOSER, "d1": D1, "d3": D3}
    monkeypatch.setattr(CliContext, "rpc", lambda self: rpc)
    monkeypatch.setattr(CliContext, "resolve_address",
                        lambda self, value: value if value.startswith("amio1") else names[value].bech32)

    def send_tx(ctx, signer, msgs, **options):
        sent.append((signer, msgs, options))

    monkeypatch.setattr(gov_cli, "send_tx", send_tx)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--home", str(tmp_path), "--chain-id", "amino-test", "--keyring-backend", "test", *args],
                             catch_exceptions=False)

    return invoke, sent, rpc, tmp_path


def write(tmp_path: Path, data) -> str:
    path = tmp_path / "proposal.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_submit_proposal_reads_a_param_change_file(harness):
    invoke, sent, _rpc, tmp_path = harness
    path = write(tmp_path, {"kind": "param_change", "title": "faster prices", "summary": "why", "deposit": "0.00025amio",
                            "content": {"changes": [{"module": "compute", "params": {"price_step_bps": 900}}]}})
    result = invoke("tx", "gov", "submit-proposal", path, "--from", "proposer", "--yes")
    assert result.exit_code == 0, result.output
    signer, msgs, _options = sent[0]
    assert signer == "proposer"
    assert msgs == [MsgSubmitProposal(PROPOSER.address, "param_change",
                                      {"changes": [{"module": "compute", "params": {"price_step_bps": 900}}]},
                                      "faster prices", "why", 250, False)]


def test_submit_proposal_converts_hashes_addresses_and_amounts(harness):
    invoke, sent, _rpc, tmp_path = harness
    path = write(tmp_path, {"kind": "app_pool", "title": "verify", "deposit": "1amio", "expedited": True,
                            "content": {"action": "verify", "module_hash": APP_HASH.hex()}})
    assert invoke("tx", "gov", "submit-proposal", path, "--from", "proposer").exit_code == 0
    assert sent[-1][1][0].content == {"action": "verify", "module_hash": APP_HASH} and sent[-1][1][0].expedited
    path = write(tmp_path, {"kind": "community_spend", "title": "pay", "deposit": "1amio",
                            "content": {"recipient": "d3", "amount": "2amio"}})
    assert invoke("tx", "gov", "submit-proposal", path, "--from", "proposer").exit_code == 0
    assert sent[-1][1][0].content == {"recipient": D3.address, "amount": 2_000_000}


@pytest.mark.parametrize("data, words", [
    ("{not json", "is not JSON"),
    ([1, 2], "JSON object"),
    ({"kind": "text", "title": "t"}, "'deposit' is required"),
    ({"kind": "text", "title": "t", "deposit": "1amio", "colour": "red"}, "unknown field 'colour'"),
    ({"kind": "text", "title": "t", "deposit": 5}, "'deposit' must be an amount"),
    ({"kind": "text", "title": "t", "deposit": "1fog"}, "FOG"),
    ({"kind": "poll", "title": "t", "deposit": "1amio"}, "'kind' must be one of"),
    ({"kind": "param_change", "title": "t", "deposit": "1amio",
      "content": {"changes": [{"module": "compute", "params": {"price_step_bps": 9.5}}]}}, "not an integer"),
    ({"kind": "app_pool", "title": "t", "deposit": "1amio", "content": {"action": "verify", "module_hash": "zz"}},
     "64 hex digits"),
    ({"kind": "upgrade", "title": "t", "deposit": "1amio", "content": {"name": "v2"}}, "exactly the fields"),
])
def test_a_bad_proposal_file_is_one_readable_line_and_nothing_is_sent(harness, data, words):
    invoke, sent, _rpc, tmp_path = harness
    result = invoke("tx", "gov", "submit-proposal", write(tmp_path, data), "--from", "proposer")
    assert result.exit_code in (1, 2) and words in result.output and "Traceback" not in result.output
    assert sent == []


def test_a_missing_proposal_file_is_one_readable_line(harness):
    invoke, sent, _rpc, tmp_path = harness
    result = invoke("tx", "gov", "submit-proposal", str(tmp_path / "nope.json"), "--from", "proposer")
    assert result.exit_code == 2 and "cannot read" in result.output and sent == []


def test_deposit_and_vote_build_their_messages(harness):
    invoke, sent, _rpc, _tmp = harness
    assert invoke("tx", "gov", "deposit", "2", "100amio", "--from", "d1").exit_code == 0
    assert invoke("tx", "gov", "vote", "1", "no-with-veto", "--from", "d1").exit_code == 0
    assert invoke("tx", "gov", "vote", "1", "YES", "--from", "d3").exit_code == 0
    assert [msgs[0] for _s, msgs, _o in sent] == [MsgDeposit(D1.address, 2, 100_000_000),
                                                   MsgVote(D1.address, 1, "no_with_veto"), MsgVote(D3.address, 1, "yes")]
    result = invoke("tx", "gov", "vote", "1", "maybe", "--from", "d1")
    assert result.exit_code == 2 and "maybe" in result.output
    assert invoke("tx", "gov", "deposit", "0", "1amio", "--from", "d1").exit_code == 2
    assert len(sent) == 3


def test_query_proposals_and_one_proposal(harness):
    invoke, _sent, rpc, _tmp = harness
    text = invoke("query", "gov", "proposals").output
    assert "first" in text and "voting_period" in text and "second" in text and "deposit_period" in text
    data = json.loads(invoke("-o", "json", "query", "gov", "proposal", "1").output)
    assert data["status"] == "voting_period" and data["tally"]["yes"] == 20_000 and data["height"] == 42
    assert "yes 0.02 amio" in invoke("query", "gov", "proposal", "1").output
    assert rpc.paths[:3] == ["/gov/proposals", "/gov/proposal/1", "/gov/proposal/1"]


def test_query_votes_tally_and_params(harness):
    invoke, _sent, _rpc, _tmp = harness
    votes = json.loads(invoke("-o", "json", "query", "gov", "votes", "1").output)["votes"]
    assert votes == [{"voter": V1.bech32, "option": "yes", "locked_counted": 0}]
    tally = json.loads(invoke("-o", "json", "query", "gov", "tally", "1").output)
    assert tally["total_power"] == 53_000 and tally["result_if_ended_now"] == "passed"  # 20,000 of 53,000 > 33.4%, all yes
    assert "no votes" in invoke("query", "gov", "votes", "2").output
    assert json.loads(invoke("-o", "json", "query", "gov", "params").output)["min_deposit"] == 1_000


def test_query_of_an_unknown_proposal_is_one_clear_line(harness):
    invoke, _sent, _rpc, _tmp = harness
    result = invoke("query", "gov", "proposal", "99")
    assert result.exit_code == 1 and "query failed" in result.output and "no proposal 99" in result.output


def test_query_upgrade_shows_the_plan_or_says_there_is_none(harness):
    invoke, _sent, rpc, _tmp = harness
    assert "no upgrade plan" in invoke("query", "gov", "upgrade").output
    from chain_modules.gov import state as st

    st.set_upgrade_plan(rpc.state, "v2", 500, 1)
    data = json.loads(invoke("-o", "json", "query", "gov", "upgrade").output)
    assert data["plan"] == {"name": "v2", "height": 500, "proposal_id": 1}
    assert "v2" in invoke("query", "gov", "upgrade").output

"""docs/cli.md is generated from the commands' own help (python -m cli.reference): it cannot drift."""

from __future__ import annotations

from pathlib import Path

from cli.main import COMMANDS
from cli.reference import render

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_the_committed_cli_reference_is_what_the_help_says():
    assert PAGE.read_text() == render(), "docs/cli.md is stale: run .venv/bin/python -m cli.reference > docs/cli.md"


def test_the_reference_names_every_command_and_no_machine_specific_path():
    page = render()
    for name in COMMANDS:
        assert f"## amino {name}\n" in page
    for leaf in ("amino tx bank send", "amino query txs", "amino keys rename", "amino config set", "amino tx sign"):
        assert f" {leaf}\n" in page, leaf
    assert "/root" not in page and "/home/" not in page and str(Path.cwd()) not in page


def test_the_json_shapes_the_reference_documents_are_the_ones_printed(harness):
    import json

    from tests.cli.test_query_txs import a_send

    page = render()
    sent = json.loads(harness.invoke("-o", "json", "tx", "bank", "send", "alice", "bob", "1amio", "--yes",
                                     "--no-wait").stdout)
    dry = json.loads(harness.invoke("-o", "json", "tx", "bank", "send", "alice", "bob", "1amio", "--dry-run").stdout)
    item = harness.rpc.commit(a_send(harness, 5), 12)
    shown = json.loads(harness.invoke("-o", "json", "query", "tx", item["hash"]).stdout)
    txs = json.loads(harness.invoke("-o", "json", "query", "txs", "--query", "a='b'").stdout)
    for keys in (list(sent), list(dry), list(shown), list(txs)):
        assert "`" + ", ".join(keys) in " ".join(page.split()).replace("`,", ","), keys

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

"""`amino --help` and simple commands import no heavy module (wasmtime, FastAPI, grpc, httpx, rich, the light
client...): each topic's module is imported only when one of its commands runs. The wall time is measured by
bench/cli_startup.py, not here: a timed unit test would fail on a busy machine and prove nothing on a fast one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from chain_modules.common.address import ADDRESS_PREFIX
from cli import context
from cli.main import COMMANDS, QUERY_COMMANDS, TX_COMMANDS, cli

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from cli_startup import HEAVY, PROBE  # noqa: E402


def heavy_imports(*command: str, home: Path) -> list[str]:
    env = {"AMINO_HOME": str(home), "AMINO_KEYRING_BACKEND": "test", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(command)), json.dumps(HEAVY)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stderr.splitlines() if line.startswith("HEAVY=")]
    assert lines, done.stderr
    return json.loads(lines[-1][len("HEAVY="):])


@pytest.mark.parametrize("command", [["--help"], ["version"], ["config", "get", "chain-id"], ["keys", "list"],
                                     ["tx", "--help"], ["query", "--help"], ["tx", "bank", "--help"],
                                     ["query", "bank", "--help"], ["completion", "bash"]])
def test_help_and_simple_commands_import_no_heavy_module(tmp_path, command):
    assert heavy_imports(*command, home=tmp_path) == []


def test_a_command_that_talks_to_a_node_does_import_the_library(tmp_path):
    # the probe can see an import: without this, an empty list above could mean a broken probe
    imported = heavy_imports("status", "--node", "tcp://127.0.0.1:9", home=tmp_path)
    assert "httpx" in imported
    assert "rich" not in imported  # httpx's own command line (rich, pygments) is not loaded (cli/__init__.py)


def test_the_httpx_placeholder_keeps_httpx_working_and_says_what_it_is(tmp_path):
    code = ("import cli, httpx, sys; assert 'rich' not in sys.modules; "
            "t = httpx.MockTransport(lambda r: httpx.Response(200, json={'ok': 1})); "
            "print(httpx.Client(transport=t).get('http://x/').json()['ok']); httpx.main()")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == "1" and "httpx command line is not available" in done.stderr


@pytest.mark.parametrize("group, table", [(cli, COMMANDS), ("tx", TX_COMMANDS), ("query", QUERY_COMMANDS)])
def test_the_lazy_tables_show_each_commands_own_one_line_help(group, table):
    group = cli if group is cli else cli.get_command(click.Context(cli), group)
    for name, (_module, _attribute, short_help) in table.items():
        command = group.get_command(click.Context(group), name)
        assert command is not None and command.name == name, name
        assert command.get_short_help_str(limit=200) == short_help, name


def test_root_help_lists_every_command_without_importing_them():
    result = click.testing.CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.output


def test_the_cli_context_knows_the_address_prefix_of_the_chain():
    assert context.ADDRESS_PREFIX == ADDRESS_PREFIX

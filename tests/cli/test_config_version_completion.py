"""`amino config get|set` over client.toml (flags win over it; a bad value changes nothing), `amino version
[--long]` and `amino completion bash|zsh|fish`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from client.rpc import RpcError


def run(home, *args, input=None):
    return CliRunner().invoke(cli, ["--home", str(home), *args], input=input)


def test_config_set_writes_client_toml_and_get_reads_it(tmp_path):
    for key, value in (("chain-id", "amino-1"), ("node", "tcp://127.0.0.1:36657"), ("output", "json"),
                       ("keyring-backend", "test"), ("gas-prices", "0.02uamio"), ("trusting-period", "7d")):
        assert run(tmp_path, "config", "set", key, value).exit_code == 0
        assert run(tmp_path, "config", "get", key, "-o", "text").stdout.strip() == value
    written = tomllib.loads((tmp_path / "client.toml").read_text())
    assert written["chain-id"] == "amino-1" and written["gas-prices"] == "0.02uamio"
    assert run(tmp_path, "config", "set", "witnesses", "tcp://a:1, http://b:2").exit_code == 0
    assert tomllib.loads((tmp_path / "client.toml").read_text())["witnesses"] == ["tcp://a:1", "http://b:2"]
    shown = json.loads(run(tmp_path, "config").stdout)  # output = json from the file itself
    assert shown["chain-id"] == "amino-1" and shown["witnesses"] == ["tcp://a:1", "http://b:2"]


def test_config_set_keeps_comments_and_other_keys(tmp_path):
    (tmp_path / "client.toml").write_text("# my wallet\nchain-id = \"amino-1\"\n")
    assert run(tmp_path, "config", "set", "node", "http://127.0.0.1:1").exit_code == 0
    text = (tmp_path / "client.toml").read_text()
    assert text.startswith("# my wallet\n") and 'chain-id = "amino-1"' in text and 'node = "http://127.0.0.1:1"' in text


@pytest.mark.parametrize("key, value, message", [
    ("colour", "blue", "not a client config key"),
    ("output", "yaml", "not one of text, json"),
    ("node", "ftp://x:1", "not tcp://"),
    ("keyring-backend", "kwallet", "not one of"),
    ("gas-prices", "1fog", "not in FOG"),
    ("chain-id", "two words", "not a chain id"),
    ("trusting-period", "3m", "ambiguous"),
])
def test_a_bad_config_value_is_one_line_and_changes_nothing(tmp_path, key, value, message):
    (tmp_path / "client.toml").write_text('chain-id = "amino-1"\n')
    result = run(tmp_path, "config", "set", key, value)
    assert result.exit_code in (1, 2) and message in result.output and "Traceback" not in result.output
    assert (tmp_path / "client.toml").read_text() == 'chain-id = "amino-1"\n'


def test_the_config_file_gives_defaults_and_flags_win(harness):
    (harness.home / "client.toml").write_text('output = "json"\ngas-prices = "0.05uamio"\n')
    harness.rpc.values["/bank/supply"] = (10**15).to_bytes(8, "big")
    assert json.loads(harness.invoke("query", "bank", "supply").stdout)["supply"] == "1000000000000000uamio"
    assert "supply" in harness.invoke("query", "bank", "supply", "-o", "text").stdout
    sent = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", "--gas", "100000", "--yes", "--no-wait")
    assert sent.exit_code == 0, sent.output
    assert harness.rpc.txs()[0].doc.fee == 5_000  # 100000 gas x 0.05uamio from client.toml


def test_a_broken_config_file_is_one_line(tmp_path):
    (tmp_path / "client.toml").write_text("chain-id = \n")
    result = run(tmp_path, "config", "get", "chain-id")
    assert result.exit_code == 1 and "client.toml is not valid TOML" in result.output


def test_the_node_from_client_toml_is_used(tmp_path, monkeypatch):
    (tmp_path / "client.toml").write_text('node = "tcp://127.0.0.1:9"\n')
    asked = []

    def refuse(self, method, **params):
        asked.append(self.url)
        raise RpcError("down")

    monkeypatch.setattr("client.rpc.CometRpc.call", refuse)
    assert run(tmp_path, "status").exit_code == 1 and asked == ["http://127.0.0.1:9"]


def test_version_short_and_long(tmp_path):
    short = run(tmp_path, "version")
    assert short.exit_code == 0 and short.stdout.strip() == "0.1.0"
    long = json.loads(run(tmp_path, "version", "--long", "-o", "json").stdout)
    assert long["version"] == "0.1.0" and long["cometbft"].startswith("v0.38.") and long["python"].startswith("3.11")
    assert set(long["libraries"]) >= {"click", "httpx", "pynacl"}


def test_the_version_constant_is_the_package_version():
    from importlib.metadata import version

    import cli

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert cli.__version__ == pyproject["project"]["version"] == version("amino-chain")


def test_version_names_the_cometbft_release_setup_builds():
    from pathlib import Path

    from cli.meta import COMETBFT_VERSION

    pins = (Path(__file__).resolve().parents[2] / "scripts" / "versions.env").read_text().splitlines()
    assert f"COMETBFT_VERSION={COMETBFT_VERSION}" in pins


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F _amino_completion amino"),
                                           ("zsh", "#compdef amino"), ("fish", "complete --no-files --command amino")])
def test_completion_prints_a_script_for_each_shell(tmp_path, shell, marker):
    result = run(tmp_path, "completion", shell)
    assert result.exit_code == 0 and marker in result.stdout and "_AMINO_COMPLETE" in result.stdout


def test_completion_of_an_unknown_shell_is_one_line(tmp_path):
    result = run(tmp_path, "completion", "tcsh")
    assert result.exit_code == 2 and "tcsh" in result.output


def test_completion_completes_subcommands(monkeypatch):
    from click.shell_completion import ShellComplete

    completer = ShellComplete(cli, {}, "amino", "_AMINO_COMPLETE")
    assert {"query", "tx", "keys", "config"} <= {item.value for item in completer.get_completions([], "")}
    assert {"txs", "tx", "block"} <= {item.value for item in completer.get_completions(["query"], "")}

"""--denom (and client.toml's denom) switch every amount in text output between amio and uamio; `amino localnet
up` and `status` answer -o json, given before or after the subcommand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli.localnet as localnet_cli
from cli.main import cli
from cli.output import format_amount, render, set_denom
from localnet.health import ChainHealth
from localnet.launcher import NodeStatus


@pytest.fixture(autouse=True)
def back_to_amio():
    yield
    set_denom("amio")  # the display unit is process-wide: no test leaves it changed


@pytest.fixture
def uamio():
    set_denom("uamio")
    yield
    set_denom("amio")


def test_format_amount_in_uamio_shows_base_units_with_their_unit(uamio):
    assert format_amount("10.058amio") == format_amount("10058000uamio") == "10,058,000 uamio"
    assert format_amount("paid 1500uamio, fee 0.5amio, earned 12.5fog") == \
        "paid 1,500 uamio, fee 500,000 uamio, earned 12,500,000 ufog"
    assert format_amount("1amio") == "1,000,000 uamio" and format_amount("0.000001amio") == "1 uamio"
    assert format_amount("0.0000001amio") == "0.0000001amio"  # finer than a uamio: not an amount, left alone
    address = "amio1" + "q" * 38
    assert format_amount(f"to {address}") == f"to {address}"
    assert render({"balance": "5000uamio"}) == "balance: 5,000 uamio"


def test_the_default_display_unit_is_amio():
    assert format_amount("10058000uamio") == "10.058 amio"


def test_denom_flag_before_or_after_the_subcommand_and_from_client_toml(harness):
    harness.rpc.values["/bank/supply"] = (10**15 + 1).to_bytes(8, "big")
    default = harness.invoke("query", "bank", "supply", "-o", "text").stdout
    assert "1,000,000,000.000001 amio" in default
    for args in (("--denom", "uamio", "query", "bank", "supply", "-o", "text"),
                 ("query", "bank", "supply", "-o", "text", "--denom", "uamio")):
        result = harness.invoke(*args)
        assert result.exit_code == 0, result.output
        assert "1,000,000,000,000,001 uamio" in result.stdout and " amio" not in result.stdout, result.stdout
    as_json = json.loads(harness.invoke("query", "bank", "supply", "-o", "json", "--denom", "uamio").stdout)
    assert as_json["supply"] == "1000000000000001uamio"  # JSON keeps the chain's strings whatever the display unit
    (harness.home / "client.toml").write_text('denom = "uamio"\n')
    assert "1,000,000,000,000,001 uamio" in harness.invoke("query", "bank", "supply", "-o", "text").stdout
    assert "1,000,000,000.000001 amio" in harness.invoke("query", "bank", "supply", "-o", "text", "--denom", "amio").stdout


def test_denom_in_the_client_config_is_checked(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["--home", str(tmp_path), "config", "set", "denom", "uamio"]).exit_code == 0
    assert 'denom = "uamio"' in (tmp_path / "client.toml").read_text()
    bad = runner.invoke(cli, ["--home", str(tmp_path), "config", "set", "denom", "ufog"])
    assert bad.exit_code in (1, 2) and "not one of" in bad.output and "Traceback" not in bad.output
    flag = runner.invoke(cli, ["--home", str(tmp_path), "--denom", "nano", "version"])
    assert flag.exit_code == 2 and "nano" in flag.output and "Traceback" not in flag.output


class FakeNet:
    chain_id = "amino-localnet"
    nodes = 2
    initialized = True
    timeout_commit = "1s"

    def __init__(self, home: Path, **_options) -> None:
        self.home = home
        self.wallet_home = home / "wallet"

    def up(self) -> None:
        pass

    def rpc_url(self, index: int) -> str:
        return f"http://127.0.0.1:{26657 + 10 * index}"

    def status(self) -> list[NodeStatus]:
        return [NodeStatus(i, True, True, 42, "AB" * 32, 1, False) for i in range(self.nodes)]

    def chain_health(self, **_options) -> ChainHealth:
        return ChainHealth(halted=False, height=42, seconds_since_block=0, halt_after_seconds=20, message="making blocks")

    def app_hash_splits(self) -> dict:
        return {}


class FakeServices:
    def __init__(self, net) -> None:
        self.net = net

    def up(self) -> None:
        pass

    def status(self) -> list[dict]:
        return [{"service": "master0", "running": True, "url": "http://127.0.0.1:26751", "log": "master.log"}]

    def master_url(self, name: str = "master0") -> str:
        return "http://127.0.0.1:26751"


class FakeGateway:
    def __init__(self, net) -> None:
        self.url = "http://127.0.0.1:26750"
        self.directory = net.home / "gateway"

    def start(self) -> None:
        pass


@pytest.fixture
def fake_localnet(monkeypatch):
    monkeypatch.setattr(localnet_cli, "Localnet", FakeNet)
    monkeypatch.setattr(localnet_cli, "ComputeServices", FakeServices)
    monkeypatch.setattr(localnet_cli, "LocalnetGateway", FakeGateway)


@pytest.mark.parametrize("where", ["before", "after"])
def test_localnet_up_and_status_answer_json(fake_localnet, tmp_path, where):
    def run(*args):
        flags = ["-o", "json"]
        argv = ["--home", str(tmp_path), *(flags if where == "before" else []), "localnet", *args,
                "--localnet-home", str(tmp_path / "net"), *(flags if where == "after" else [])]
        result = CliRunner().invoke(cli, argv)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    up = run("up")
    assert up["chain_id"] == "amino-localnet" and [n["height"] for n in up["nodes"]] == [42, 42]
    assert up["gateway"]["url"] == "http://127.0.0.1:26750" and up["master_url"] == "http://127.0.0.1:26751"
    assert up["services"][0]["service"] == "master0" and up["wallet_home"].endswith("wallet")
    status = run("status")
    assert status["chain_id"] == "amino-localnet" and status["chain"]["halted"] is False
    assert [n["node"] for n in status["nodes"]] == ["node0", "node1"]


def test_localnet_up_in_text_prints_how_to_use_it(fake_localnet, tmp_path):
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "localnet", "up", "--localnet-home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Localnet 'amino-localnet' is running" in result.stdout and "Explorer:" in result.stdout

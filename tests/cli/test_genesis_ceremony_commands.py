"""`amino genesis gentx | collect-gentxs | validate --gentx-dir`: two operators on their own machines (homes),
one coordinator; every mistake is one line and writes nothing."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from chain_modules.bank.api import DEFAULT_ALLOCATIONS
from cli.main import cli
from localnet.launcher import cometbft_binary

CHAIN = "amino-ceremony-1"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def operators(tmp_path):
    """Two operator machines: a cometbft home and a test keyring each, and each operator's gentx."""
    made = []
    for index in range(2):
        home = tmp_path / f"op{index}"
        subprocess.run([str(cometbft_binary()), "init", "--home", str(home / "cometbft")], check=True, capture_output=True)
        result = run("--home", str(home / "wallet"), "--keyring-backend", "test", "keys", "add", "op")
        assert result.exit_code == 0, result.output
        made.append(home)
    return made


def _gentx(home, out, *extra):
    return run("--home", str(home / "wallet"), "--keyring-backend", "test", "genesis", "gentx", "--from", "op",
               "--node-home", str(home / "cometbft"), "--chain-id", CHAIN, "--moniker", home.name, "--self-bond",
               "1000000amio", "--p2p-address", f"10.1.0.{home.name[-1]}:26656", "--output-document", str(out),
               "-o", "json", *extra)


def _recipients(tmp_path, operators_addresses):
    from nacl.signing import SigningKey

    from chain_modules.common.address import address_from_pubkey

    recipients = {name: [address_from_pubkey(bytes(SigningKey(bytes([50 + i]) * 32).verify_key))]
                  for i, (name, _s, _v) in enumerate(DEFAULT_ALLOCATIONS)}
    recipients["infrastructure"] = operators_addresses
    path = tmp_path / "recipients.json"
    path.write_text(json.dumps(recipients))
    return path


def test_the_ceremony_from_gentxs_to_a_checked_genesis(tmp_path, operators):
    gentxs = tmp_path / "gentxs"
    gentxs.mkdir()
    made = []
    for home in operators:
        result = _gentx(home, gentxs / f"{home.name}.json")
        assert result.exit_code == 0, result.output
        made.append(json.loads(result.stdout))
    assert all(m["peer"].endswith(":26656") for m in made)
    recipients = _recipients(tmp_path, [m["operator"] for m in made])
    genesis = tmp_path / "genesis.json"
    result = run("genesis", "collect-gentxs", "--gentx-dir", str(gentxs), "--chain-id", CHAIN, "--recipients",
                 str(recipients), "--out", str(genesis), "-o", "json")
    assert result.exit_code == 0, result.output
    collected = json.loads(result.stdout)
    assert collected["validators"] == 2 and collected["persistent_peers"] == ",".join(
        m["peer"] for m in sorted(made, key=lambda m: m["operator"]))
    result = run("genesis", "validate", str(genesis), "--gentx-dir", str(gentxs), "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["gentxs_matched"] == 2

    # the coordinator lowers an operator's commission after collecting: every operator's check catches it
    document = json.loads(genesis.read_text())
    document["app_state"]["staking"]["super_nodes"][1]["commission_bps"] = 0
    genesis.write_text(json.dumps(document))
    result = run("genesis", "validate", str(genesis), "--gentx-dir", str(gentxs))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: the genesis does not match the gentxs: "
                                                             "app_state.staking.super_nodes[1].commission_bps")


def test_a_tampered_gentx_is_refused_naming_its_file_and_nothing_is_written(tmp_path, operators):
    gentxs = tmp_path / "gentxs"
    gentxs.mkdir()
    for home in operators:
        assert _gentx(home, gentxs / f"{home.name}.json").exit_code == 0
    tampered = json.loads((gentxs / "op1.json").read_text())
    tampered["self_bond"] *= 2
    (gentxs / "op1.json").write_text(json.dumps(tampered))
    recipients = _recipients(tmp_path, [json.loads((gentxs / f"op{i}.json").read_text())["operator"] for i in range(2)])
    genesis = tmp_path / "genesis.json"
    result = run("genesis", "collect-gentxs", "--gentx-dir", str(gentxs), "--chain-id", CHAIN, "--recipients",
                 str(recipients), "--out", str(genesis))
    assert result.exit_code == 1 and not genesis.exists()
    assert "op1.json: signature: the operator key did not sign this gentx" in result.output
    assert "Traceback" not in result.output


def test_gentx_mistakes_are_one_line(tmp_path, operators):
    home = operators[0]
    out = tmp_path / "g.json"
    result = _gentx(home, out, "--p2p-address", "nowhere")
    assert result.exit_code == 1 and "p2p_address" in result.output and not out.exists()
    result = run("--home", str(home / "wallet"), "--keyring-backend", "test", "genesis", "gentx", "--from", "op",
                 "--node-home", str(tmp_path), "--chain-id", CHAIN, "--moniker", "m", "--self-bond", "1amio",
                 "--p2p-address", "10.0.0.1:26656", "--output-document", str(out))
    assert result.exit_code != 0 and "priv_validator_key.json" in result.output and not out.exists()
    result = _gentx(home, out, "--self-bond", "lots")
    assert result.exit_code == 2 and "--self-bond" in result.output and not out.exists()

"""The localnet edits CometBFT's own config.toml through tomlkit: values typed, CometBFT's comments kept, and a
key its template lacks is an error that writes nothing."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from localnet.config import configure_node

COMETBFT = Path(__file__).resolve().parents[2] / ".tools" / "bin" / "cometbft"


@pytest.fixture
def config_path(tmp_path) -> Path:
    if not COMETBFT.exists():
        pytest.skip("no cometbft binary: run ./scripts/setup.sh")
    subprocess.run([str(COMETBFT), "init", "--home", str(tmp_path)], check=True, capture_output=True)
    return tmp_path / "config" / "config.toml"


def test_configure_node_sets_typed_values_and_keeps_cometbfts_comments(config_path):
    before = config_path.read_text()
    configure_node(config_path, 'node "0"', Path("/tmp/odd dir/app.sock"), 26656, 26657, 26660,
                   ["id0@127.0.0.1:26666", "id1@127.0.0.1:26676"], timeout_commit="300ms")
    text = config_path.read_text()
    config = tomllib.loads(text)
    assert config["proxy_app"] == "unix:///tmp/odd dir/app.sock" and config["moniker"] == 'node "0"'
    assert config["rpc"]["laddr"] == "tcp://127.0.0.1:26657" and config["p2p"]["laddr"] == "tcp://127.0.0.1:26656"
    assert config["p2p"]["persistent_peers"] == "id0@127.0.0.1:26666,id1@127.0.0.1:26676"
    assert config["p2p"]["pex"] is False and config["mempool"]["size"] == 20000
    assert config["consensus"]["timeout_commit"] == "300ms"
    assert config["instrumentation"]["prometheus_listen_addr"] == "127.0.0.1:26660"
    comments = [line for line in before.splitlines() if line.startswith("#")]
    assert comments and comments == [line for line in text.splitlines() if line.startswith("#")]


def test_a_key_the_template_lacks_is_an_error_and_nothing_is_written(config_path, monkeypatch):
    original = config_path.read_text()
    config_path.write_text(original.replace("\npex = true\n", "\n"))
    broken = config_path.read_text()
    with pytest.raises(KeyError, match="no key 'pex' in section \\[p2p\\]"):
        configure_node(config_path, "n", Path("/tmp/app.sock"), 1, 2, 3, [])
    assert config_path.read_text() == broken

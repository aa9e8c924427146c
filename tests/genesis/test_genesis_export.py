"""Genesis export: the state of a stopped node becomes a genesis.json that starts a chain with the same state.

The source chain is the golden scenario (every message type and end-block path, 225 blocks), so the export
covers every module's records.
"""

from __future__ import annotations

import base64
import copy
import json

import pytest
from click.testing import CliRunner

from abci_app.app import AminoApp
from abci_app.proto import abci, crypto_keys
from abci_app.store import AppStore
from cli.main import cli
from genesis.export import ExportError, export_genesis
from genesis.validate import parse_genesis_time, validate_genesis
from chain_modules.common.genesis import GenesisError
from tests.app.golden_scenario import run
from tests.support import timestamp


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A stopped node's database after the golden scenario, with its last height and app hash."""
    path = tmp_path_factory.mktemp("source") / "db"
    hashes = run(path)
    height = max(hashes)
    return path, height, hashes[height]


@pytest.fixture(scope="module")
def exported(source):
    return export_genesis(source[0])


def _init_request(genesis: dict) -> object:
    request = abci.RequestInitChain(
        time=timestamp(parse_genesis_time(genesis["genesis_time"])),
        chain_id=genesis["chain_id"],
        app_state_bytes=json.dumps(genesis["app_state"]).encode(),
        initial_height=int(genesis["initial_height"]),
        validators=[abci.ValidatorUpdate(pub_key=crypto_keys.PublicKey(ed25519=base64.b64decode(v["pub_key"]["value"])),
                                         power=int(v["power"])) for v in genesis["validators"]],
    )
    request.consensus_params.abci.vote_extensions_enable_height = int(
        genesis["consensus_params"]["abci"]["vote_extensions_enable_height"])
    return request


def test_an_exported_chain_starts_at_the_next_height_with_the_same_app_hash(tmp_path, source, exported):
    path, height, app_hash = source
    assert exported["initial_height"] == str(height + 1)
    assert exported["app_hash"] == app_hash.upper()
    validate_genesis(exported)
    app = AminoApp(tmp_path / "new")
    try:
        response = app.init_chain(_init_request(exported))
        assert response.app_hash.hex() == app_hash
        assert sorted((bytes(v.pub_key.ed25519), v.power) for v in response.validators) == sorted(
            (base64.b64decode(v["pub_key"]["value"]), int(v["power"])) for v in exported["validators"])
        # and the new chain runs: its first block executes and commits
        time = parse_genesis_time(exported["genesis_time"]) + 5
        app.finalize_block(abci.RequestFinalizeBlock(height=height + 1, time=timestamp(time)))
        app.commit(abci.RequestCommit())
        assert app.store.last_height == height + 1
    finally:
        app.close()


def test_every_state_key_of_the_source_is_exported_once(source, exported):
    store = AppStore(source[0])
    try:
        keys = {key for key, _value in store.committed.iter_prefix(b"")}
    finally:
        store.close()
    exported_keys = [bytes.fromhex(key) for section in exported["app_state"].values()
                     for key, _value in section.get("state", [])]
    params_keys = {f"{name}/params".encode() for name in ("auth", "staking", "slashing", "locks", "compute", "apppool", "fog", "gov")}
    assert len(exported_keys) == len(set(exported_keys))
    assert set(exported_keys) | params_keys | {b"app/chain_id"} == keys


def test_an_exported_genesis_with_a_broken_balance_is_refused_by_name(exported):
    broken = copy.deepcopy(exported)
    pairs = broken["app_state"]["bank"]["state"]
    index = next(i for i, (key, _value) in enumerate(pairs) if bytes.fromhex(key).startswith(b"bank/bal/"))
    pairs[index][1] = base64.b64encode((10**15).to_bytes(8, "big")).decode()
    with pytest.raises(GenesisError, match=r"^app_state\.bank\.state: breaks the invariant check_supply"):
        validate_genesis(broken)


def test_an_exported_genesis_with_a_key_of_another_module_is_refused(exported):
    broken = copy.deepcopy(exported)
    broken["app_state"]["bank"]["state"].append([b"staking/x".hex(), ""])
    with pytest.raises(GenesisError, match=r"^app_state\.bank\.state\[\d+\]: key .* is not under this module's prefix"):
        validate_genesis(broken)


def test_an_exported_genesis_whose_validators_differ_from_its_state_is_refused(exported):
    broken = copy.deepcopy(exported)
    broken["validators"][0]["power"] = str(int(broken["validators"][0]["power"]) + 1)
    with pytest.raises(GenesisError, match=r"^validators: must be exactly the validator set of the exported staking state"):
        validate_genesis(broken)


def test_an_exported_genesis_without_the_app_section_is_refused(exported):
    broken = copy.deepcopy(exported)
    del broken["app_state"]["app"]
    with pytest.raises(GenesisError, match=r"^app_state\.app: an exported genesis"):
        validate_genesis(broken)


def test_cli_exports_a_file_that_validates(tmp_path, source):
    out = tmp_path / "exported.json"
    result = CliRunner().invoke(cli, ["genesis", "export", "--db", str(source[0]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"from height {source[1] + 1}, app hash {source[2].upper()}" in result.output
    result = CliRunner().invoke(cli, ["genesis", "validate", str(out)])
    assert result.exit_code == 0 and "valid (exported state" in result.output, result.output


def test_cli_export_of_a_database_in_use_says_to_stop_the_node(tmp_path, source):
    store = AppStore(source[0])
    try:
        result = CliRunner().invoke(cli, ["genesis", "export", "--db", str(source[0]), "--out", str(tmp_path / "x.json")])
    finally:
        store.close()
    assert result.exit_code == 1
    assert "stop the node's app first" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.json").exists()


def test_export_of_a_missing_database_is_one_clear_error(tmp_path):
    with pytest.raises(ExportError, match="no such app database directory"):
        export_genesis(tmp_path / "nothing")
    result = CliRunner().invoke(cli, ["genesis", "export", "--db", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and result.output.count("\n") == 1

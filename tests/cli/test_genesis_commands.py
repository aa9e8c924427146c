"""`amino genesis build`: a mistake in the options is one line naming the option, and no file is written."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli.main import cli


def test_genesis_build_with_an_unreadable_time_names_the_option(tmp_path):
    (tmp_path / "recipients.json").write_text(json.dumps({}))
    out = tmp_path / "genesis.json"
    result = CliRunner().invoke(cli, ["genesis", "build", "--chain-id", "x", "--validator", "v:" + "A" * 44 + ":1",
                                      "--recipients", str(tmp_path / "recipients.json"), "--genesis-time", "yesterday",
                                      "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "--genesis-time" in result.output and "yesterday" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()


def test_genesis_build_and_validate_print_json_with_o_json(tmp_path):
    from tests.genesis.test_genesis_build_and_validate import built_genesis
    from genesis.build import write_genesis

    path = tmp_path / "genesis.json"
    write_genesis(built_genesis(), path)
    result = CliRunner().invoke(cli, ["genesis", "validate", str(path), "-o", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["valid"] is True and shown["supply"] == "1000000000000000uamio" and shown["accounts"] > 0

"""Worker configuration: TOML file, defaults, overrides, and errors that name the key and the file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from worker.config import ConfigError, WorkerConfig, load_config, write_default_config


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_no_file_gives_the_defaults() -> None:
    assert load_config(None, {}) == WorkerConfig()


def test_file_values_replace_defaults_and_overrides_replace_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "worker.toml", """
key_name = "alice"
master_url = "http://127.0.0.1:8001"
slots = 4
gpu = 2
wall_timeout_seconds = 30
heartbeat_seconds = 7.5
any_app = true
""")
    config = load_config(path, {"slots": 8, "gpu": None, "key_name": "bob"})

    assert config.key_name == "bob"  # override
    assert config.slots == 8  # override
    assert config.gpu == 2  # None overrides are ignored (unset command-line flags)
    assert config.master_url == "http://127.0.0.1:8001"
    assert config.wall_timeout_seconds == 30.0 and isinstance(config.wall_timeout_seconds, float)
    assert config.heartbeat_seconds == 7.5
    assert config.any_app is True
    assert config.poll_seconds == WorkerConfig().poll_seconds


def test_a_relative_home_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path / "worker.toml", 'home = "state"\n')
    assert load_config(path, {}).home == tmp_path.resolve() / "state"
    assert load_config(path, {"home": "/var/amino"}).home == Path("/var/amino")


@pytest.mark.parametrize("line, message", [
    ("slots = 0", "'slots' in .*worker.toml must be at least 1"),
    ("slots = 17", "'slots' .* must be at most 16"),
    ("slots = 2.0", "'slots' .* must be an integer"),
    ("slots = true", "'slots' .* must be an integer"),
    ('cpu_cores = "4"', "'cpu_cores' .* must be an integer"),
    ("gpu = -1", "'gpu' .* at least 0"),
    ("max_memory_mb = 5000", "'max_memory_mb' .* at most 4096"),
    ("deposit = -5", "'deposit' .* at least 0"),
    ("poll_seconds = 0", "'poll_seconds' .* positive"),
    ("earnings_seconds = -5", "'earnings_seconds' .* positive"),
    ('earnings_seconds = "often"', "'earnings_seconds' .* must be a number of seconds"),
    ("wall_timeout_seconds = inf", "'wall_timeout_seconds' .* finite"),
    ('any_app = "yes"', "'any_app' .* true or false"),
    ('key_name = ""', "'key_name' .* non-empty string"),
    ('master_url = "127.0.0.1:8000"', "'master_url' .* http:// or https://"),
    ("rpc_url = 26657", "'rpc_url' .* non-empty string"),
    ("max_fule = 10", "unknown key\\(s\\) 'max_fule' in .*worker.toml"),
    ("[worker]\nslots = 2", "unknown key\\(s\\) 'worker'"),
])
def test_invalid_values_name_the_key_and_the_file(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path / "worker.toml", line + "\n")
    with pytest.raises(ConfigError, match=message):
        load_config(path, {})


def test_invalid_overrides_are_reported_as_overrides(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'slots' in overrides must be at most 16"):
        load_config(None, {"slots": 32})
    with pytest.raises(ConfigError, match="unknown key\\(s\\) 'colour' in overrides"):
        load_config(None, {"colour": "blue"})


def test_a_missing_file_or_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml", {})
    path = write(tmp_path / "broken.toml", "slots = = 3\n")
    with pytest.raises(ConfigError, match="broken.toml is not valid TOML"):
        load_config(path, {})


def test_lie_prints_a_loud_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_config(None, {})
    assert capsys.readouterr().err == ""

    config = load_config(write(tmp_path / "worker.toml", "lie = true\n"), {})

    assert config.lie is True
    assert "WRONG results" in capsys.readouterr().err


def test_the_written_default_config_loads_back_to_the_same_values(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "worker.toml"
    written = write_default_config(path, key_name='we"ird\\name\tü\x7f', slots=3, home=tmp_path / "home",
                                   heartbeat_seconds=1.5, any_app=True)

    loaded = load_config(path, {})

    assert loaded == written
    assert loaded.key_name == 'we"ird\\name\tü\x7f' and loaded.slots == 3 and loaded.any_app is True
    for field in dataclasses.fields(WorkerConfig):
        assert f"{field.name} = " in path.read_text()


def test_writing_refuses_bad_values_and_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "worker.toml"
    with pytest.raises(ConfigError, match="'slots'"):
        write_default_config(path, slots=99)
    assert not path.exists()
    write_default_config(path)
    with pytest.raises(ConfigError, match="already exists"):
        write_default_config(path)
    write_default_config(path, overwrite=True, slots=2)
    assert load_config(path, {}).slots == 2


def test_settings_set_checks_the_value_keeps_comments_and_writes_nothing_when_refused(tmp_path: Path) -> None:
    from worker.config import set_setting, settings_view

    path = write(tmp_path / "worker.toml", '# my worker\nkey_name = "alice"\nslots = 2\n')
    config = set_setting(path, "run_windows", "08:00-18:00")
    assert config.run_windows == "08:00-18:00" and config.slots == 2
    set_setting(path, "idle_only", "true")
    set_setting(path, "wall_timeout_seconds", "150")
    text = path.read_text()
    assert text.startswith("# my worker\n") and 'run_windows = "08:00-18:00"' in text and "idle_only = true" in text
    assert load_config(path).wall_timeout_seconds == 150.0

    for key, raw, message in (("slots", "0", "at least 1"), ("idle_only", "maybe", "true or false"),
                              ("run_windows", "8-18", "HH:MM-HH:MM"), ("max_fule", "1", "unknown key")):
        with pytest.raises(ConfigError, match=message):
            set_setting(path, key, raw)
    assert path.read_text() == text and not (tmp_path / "worker.toml.tmp").exists()

    rows = {row["key"]: row for row in settings_view(path)}
    assert rows["idle_only"] == {"key": "idle_only", "value": True, "from": "file"}
    assert rows["max_cache_mb"] == {"key": "max_cache_mb", "value": 0, "from": "default"}

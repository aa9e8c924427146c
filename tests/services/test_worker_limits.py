"""BOINC-like limits: run windows, idle-only and the results cache cap, as pure rules (worker.limits) and in the
config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.config import ConfigError, load_config
from worker.limits import cache_bytes, in_windows, other_load_percent, parse_windows, pause_reason


def test_run_windows_parse_and_may_wrap_past_midnight():
    windows = parse_windows("08:00-18:00, 22:00-06:30")
    assert windows == [(480, 1080), (1320, 390)]
    assert in_windows(windows, 8 * 60) and not in_windows(windows, 18 * 60)  # the end is not in the window
    assert in_windows(windows, 23 * 60) and in_windows(windows, 6 * 60 + 29) and not in_windows(windows, 7 * 60)
    assert parse_windows("") == [] and in_windows([], 123)  # no window: always


@pytest.mark.parametrize("text", ["8-18", "08:00", "08:00-08:00", "25:00-26:00", "08:60-09:00", "a:b-c:d"])
def test_a_bad_run_window_is_refused_by_name(text):
    with pytest.raises(ValueError, match="run window"):
        parse_windows(text)


def test_the_config_checks_run_windows_and_the_limits(tmp_path: Path):
    path = tmp_path / "worker.toml"
    path.write_text('run_windows = "09:00-17:00"\nidle_only = true\nidle_load_percent = 30\nmax_cache_mb = 512\n')
    config = load_config(path)
    assert (config.run_windows, config.idle_only, config.idle_load_percent, config.max_cache_mb) == (
        "09:00-17:00", True, 30, 512)
    path.write_text('run_windows = "9-17"\n')
    with pytest.raises(ConfigError, match="'run_windows' in .*is not HH:MM-HH:MM"):
        load_config(path)
    path.write_text("idle_load_percent = 0\n")
    with pytest.raises(ConfigError, match="'idle_load_percent'.*at least 1"):
        load_config(path)


def test_the_load_of_this_workers_own_jobs_does_not_count_against_idle():
    assert other_load_percent(2.5, own_jobs=2, cores=2) == 25
    assert other_load_percent(0.5, own_jobs=1, cores=4) == 0


def test_the_pause_reason_names_the_limit():
    windows = parse_windows("09:00-17:00")
    assert pause_reason(windows, 8 * 60, False, 0, 25) == "outside its run windows"
    assert pause_reason(windows, 10 * 60, False, 90, 25) is None
    assert pause_reason(windows, 10 * 60, True, 30, 25).startswith("the machine is busy (other load 30%")
    assert pause_reason(windows, 10 * 60, True, 24, 25) is None


def test_cache_bytes_counts_the_results_directory(tmp_path: Path):
    (tmp_path / "1.bin").write_bytes(b"x" * 100)
    (tmp_path / "2.bin").write_bytes(b"y" * 20)
    assert cache_bytes(tmp_path) == 120 and cache_bytes(tmp_path / "missing") == 0

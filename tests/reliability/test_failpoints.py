"""abci_app/failpoints.py: an armed fail point exits the process at its point and height, and nowhere else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
from abci_app.failpoints import fail_point
for height in range(1, 6):
    fail_point("after-commit", height)
    print("after", height, flush=True)
    fail_point("before-commit", height)
    print("before", height, flush=True)
"""


def _run(value: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AMINO_FAIL_POINT"} | {"PYTHONPATH": str(ROOT)}
    if value is not None:
        env["AMINO_FAIL_POINT"] = value
    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=60)


def test_an_armed_point_exits_at_its_height_with_its_code_and_no_further():
    result = _run("before-commit:3")
    assert result.returncode == 86
    assert result.stdout.split("\n")[-2] == "after 3"  # the other point at height 3 passed, this one stopped it
    assert "before 3" not in result.stdout and "fail point before-commit reached at height 3" in result.stderr


def test_unset_the_points_cost_nothing_and_never_fire():
    result = _run(None)
    assert result.returncode == 0 and result.stdout.count("\n") == 10


def test_a_mistyped_fail_point_stops_the_app_at_start_with_the_expected_form():
    result = _run("in-commit:3")
    assert result.returncode == 1 and "expected one of before-commit, after-commit then :HEIGHT" in result.stderr

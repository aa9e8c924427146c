"""The golden app hashes: the scenario of tests/app/golden_scenario.py must reach exactly these app hashes.

A refactor must not change an app hash (a node that disagrees halts the network). A change that is meant to
change consensus updates these values in the same commit, and its message says why. Regenerate them with
`python -m tests.app.test_golden_app_hash` and review the diff.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.app.golden_scenario import run

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = {
    1: "d2fa6581e7c48e661c9656ade57087342eb398859baae0cc273388ea51bd2ae3",
    26: "033aa8be607689a81675c251872ee3355f0cd4b2c0e2f485012e9b62681cfc66",
    51: "9fe12c139f6404623142a190b548ab369c25284210d88664072ed57726f16f7f",
    76: "abad6e3a81d17d3dd001f34d427da58180a7e42a8261ab451d28373e475223b8",
    101: "3f0f0bd766f3656a7b70a5ff31b6a0100523b866c1ea714815cb16f57880840b",
    126: "474f1f37d2d393612ba5c8ac8059d264ff6f00ba5152df9522ff0ecca07f7e4e",
    151: "96c68c53266fa2f636624fd9f0268e06ba3377b8a99d1eed1930094bfada0d35",
    176: "250a3768e167a6767ae2ee2608d8c787d787c9d2bec3c07747a361c0eec6cbcb",
    201: "683b95a0d969b9f60acd601923943f952419b6e64b33c27539b2b80384f60432",
    218: "f84248901931c37afb713f470d3000075dd04e3f41f6f032806302b60363b3d4",
}


def test_the_golden_scenario_reaches_the_pinned_app_hashes(tmp_path):
    hashes = run(tmp_path / "db")
    assert max(hashes) == max(GOLDEN)
    assert {height: hashes[height] for height in GOLDEN} == GOLDEN


def test_the_scenario_gives_the_same_app_hash_at_every_height_under_another_hash_seed(tmp_path):
    """Python's hash randomisation must not reach consensus: a second process with another PYTHONHASHSEED."""
    here = run(tmp_path / "here")
    code = "import json, sys; from pathlib import Path; from tests.app.golden_scenario import run; " \
           "print(json.dumps(run(Path(sys.argv[1]))))"
    env = dict(os.environ, PYTHONHASHSEED="4242", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=300, check=True).stdout
    there = {int(height): value for height, value in json.loads(out).items()}
    assert there == here


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        hashes = run(Path(directory) / "db")
    for height in sorted(hashes)[::25] + [max(hashes)]:
        print(f"    {height}: \"{hashes[height]}\",")

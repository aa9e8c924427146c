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
    1: "fb012ff88f3d0c160ed069ca7c42c37bbb90e31c363f8e37187c8a0eb946e89b",
    26: "413017991bc897a0889c2ea07966f5820dc8cfc4ac073d52c41c9c9ea906d274",
    51: "301f0a300b080c5bf214a7c333669d26cbb6fb80821d9e277da0e33796856212",
    76: "1522ab9ecd6541288f9d6ad9e746d3dd383de6280ab71eea162e201f99784aeb",
    101: "041ca7017a4233d006c0c0ef5f694fa6ee5d479d51a508a9f5abf760818c8700",
    126: "86cc7ee437daf5d14fb162b1cb6b5268c6eee72e63c477df29dcc522e2fc6765",
    151: "294ed4704a063c72b337a3f14b23a9ba7a3fb271e1fad0606ad0702a4accce5d",
    176: "ca13990db7dd3b1cda238d5883f47122c57ec9ab847005672532f44473d2c2cc",
    201: "7cbddac292f6f5367cc5ff9f4a658ab14247e7ba9819e33311ecbf5b19f75754",
    218: "dbf3df6850d46713aa6267ce9a626ea917a42d9f4c5306d6c8084de8d5da20c5",
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

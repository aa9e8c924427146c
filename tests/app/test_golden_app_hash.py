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
    1: "d7c557a942a779d0def7f106fb8136259a08f15af60576eca49e506d6d73bda6",
    26: "5b8e140b30c1088dc32f63034c7ffc847f87206ce8caa19d4a17242b24dcf145",
    51: "e8b3dabfa38d03917fdf78b52308d44c8cc80d00810231decc7129f3a11b60a1",
    76: "a460f7445525396ac964a8f3f15d1dde2e80f740e6a349893cce04d468f651da",
    101: "dabe9fc72175234b98ba4b8503541232aa78566cedbb3aa3e0a513c593eb485d",
    126: "40f6a68532d4ac073878a0e68aeaa8e5f1005759bebdea7fdf1a6f9f10a1afdb",
    151: "b89a7501124ea1a6dcfaa0da57216aadeeaabf634844f7eb025bfb340fa583bb",
    176: "1cee114a1f7b6e535d2fb4a7504a35856f8027bd7216713b21c407e3e798d48b",
    201: "9136c14ea50dbd476ab226f6256c1e9dfd796e43dc6161ca0bd78fff4612db0b",
    226: "6befbcc1b0e2e870d21f8fb14d0700d46a85310d3e7aa54cf9955b0046a4d226",
    238: "a0ee77999d7cee88e5fb8d8d2ab72e468785df2d1dfb81f02012588113c979ab",
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

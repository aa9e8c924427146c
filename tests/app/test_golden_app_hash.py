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
    1: "d0e50f5d01788e59e6556910c401e27b161b534bf0bb17addeb16c88f79dda88",
    26: "ab30e0a8a38e23417b90938456e9c46dd035d4fd6dc4949280c1dc515fb18fff",
    51: "6c583fced59c17bc44b98cf708870d6af76997d496f7ea2b6c5ea98d124eaa04",
    76: "d3c3caa513f05c0d2910831ddcb83c330cf994edfe8a55cefa66d354f2e81604",
    101: "34f74c070777d8e6fa365e2b736820eae8fca30f08476b62df924f18ae9c3432",
    126: "f17bf0adea44aba6bf7911264eef3506d847397b044ad04383bf9527902c79f5",
    151: "9fd84967385929701b938515f6529c8889f1ef6ed138fd193ae944181ebdf900",
    176: "66a4afa48b4f2a36c0197ed7823b0aa1f45dcddf51bb04d1344d653db3c8a3db",
    201: "df58c6e1589b9b01ce54c290d7d23e63689fbe0eca2ea8737f14cd6755c2be37",
    226: "e09cec1b1df4f71ed5468226b4e814a3bef92a260546752ed95de3cb9d53684e",
    238: "9d8ff13bc0f84f7f85e1cf07c4103833b52e74778a28a5875ede6a17830078c6",
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

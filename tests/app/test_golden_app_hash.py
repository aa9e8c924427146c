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
    1: "cd989f095628690d400b7c1358ad3f4fcf71cf364a9e7292aa23e9883ade07d1",
    26: "c798502b2b7c335f92862378ddffb02843f9b3d687b2fddb6a15e517c5318039",
    51: "45a562d8e3710c3c3065e9485aa0c7030852769f320b22d86ff193b041957acb",
    76: "a4075dd0a7e23e950cefa6fd8dd32e1e8d03b2150667eeaeb23dac4894d34a52",
    101: "0f07148d1cd35f3656715e11f6d226133c41866bb9b4b70312b2c27b0564ad5f",
    126: "f1fd7dcb30b03bc2a7e7632f5903caa185324427804a1a4a406301e1fe2868c2",
    151: "bb46346a7e52554b4dfed48dea63ca46e8f8f0d82fdc069740991daa31bd523a",
    176: "607967970c2999fc2ea2caa71ba6223d00091fef8108366240691d9aded12be3",
    201: "e9b12530e681e6f70e0bc576c8646072e1c5cf06bb3ded973f6491bb028aadb4",
    225: "cf80e11c06d9fcc2a581c1874af7892713c597e0aee90391e5858b09e6fdf584",
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

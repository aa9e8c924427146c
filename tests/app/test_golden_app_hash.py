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
    1: "6d6c0e06e4d4a8edebbf5fececc8f6aa08ad8def73a4bca6c59dbca69a862e72",
    26: "16417864d33bf5c77e304539ed1d03572990f734f7dbe553500261afc71fa95e",
    51: "8db20776922101c917841ae37e7a29bfd089efd3b38e1f97afb6cff9952a7dd0",
    76: "d2c19fe54a639a309afb2af490fd57669604a40db852c03a647556bddec799a2",
    101: "968db17a5e95598c36afc585ea9557a803fbbe32513409cf0ea405aa6dc583e7",
    126: "0e56e2d812a6e74da131ca63a5a3322ba9acdc4dd2ef3b4097ba6305a44203ec",
    151: "64253e08e476d45ab0e97bc4745244d5e0fb3a0f8bb24632c11fb5c5fccc32f3",
    176: "ea679b09b49f442effa634b898ffa6cd9c5f65f29cef2bf1b66cd163edc6549f",
    201: "a9093dccc9b917ec80704df61e81069c7b1ce4079d272299653fcd3bf8da442a",
    226: "95c68c281509debbb926e5028148f7c77d82ffdabc00900cc639c975492f741e",
    226: "95c68c281509debbb926e5028148f7c77d82ffdabc00900cc639c975492f741e",
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

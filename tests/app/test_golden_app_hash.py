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
    26: "4a64ac70b5274f2d25f9799443a064f74172394d1ed54c32099158a072f2def0",
    51: "ecd03a0ed9148b05f22d7d007b368727e65dcd1a6e106e78716b08802979179f",
    76: "8dbd4ab02a7fc9cf33013d2e1ac650c8a179e0eed8be5e576cde1ba122d0621a",
    101: "d7b143768d06e37b2932550384a09da49b4297c88b162b524541bd8e513006bb",
    126: "eaf3a59f5b5476ebf99f56aa3ace246f4ed3bd051a1a8d63b744002926a3d5fa",
    151: "2d8da95fda1a0caa8d725523f88da053acdd1a3f11e37ece9767b83ee0744a57",
    176: "635d6fd82f11967cf09527ce7643f41c773f5ecf5b45c996f68ba46049e9d8f8",
    201: "29c182b229b3b2986619fe7fec0ef1e7b4ac802c2211198c58409c0ff3825f0f",
    226: "3b9ac7f4035ebd525d43c7822903db17d66320ebbd5cfae288e2847008fb2294",
    226: "3b9ac7f4035ebd525d43c7822903db17d66320ebbd5cfae288e2847008fb2294",
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

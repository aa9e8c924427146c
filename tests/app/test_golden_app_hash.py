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
    1: "0c33907df38fcae30641edff8b952c2fb1c67396929b1ecb2706e23e3c19707c",
    26: "1f424b5fc3aa49b586e625462d952fd929cc2659c478def48652041c48cca05c",
    51: "285894eb73b89e2b0c81a8a53493def74fdb6f77b05a4edd39de20b0c74286e2",
    76: "b12a44ad97ab5189cad946b00dddb5103cef60bebf7885a2430657e0e998a6e5",
    101: "dfa75b04b402eb3e4ff4f2a51016b0f5b3831cbd8771262607db994e3246851b",
    126: "660e49e28ad170268ada7fe646533add85c7d22dfd2e248e68d5798dbf8fd790",
    151: "659de8fca8c51d6c3d93ba82ae085e0d340208c152e13c97626f4e01669820f5",
    176: "c2b43252ee12b73cb14ab64181642f7d276b7e1a1cc3245a71103a0b3256962c",
    201: "f1e586464974e2e86c4904d1fa9f8760cae44e89a13714648c9ba1750fd69907",
    226: "edd7db712ef04667d7a6b1931670a3f5c78319e94c48438e37ef13b950d4d73b",
    226: "edd7db712ef04667d7a6b1931670a3f5c78319e94c48438e37ef13b950d4d73b",
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

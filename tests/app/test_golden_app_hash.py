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
    26: "d013a372abd2b0e3e3e1ae783ae0d564041520ca42c806ae27fd28733082365e",
    51: "9a6e4d2b0e874ac55b440ad4c05417754b7b0c6838bf294ce55f5ab46a63fd20",
    76: "54a6438e0dc7cc65dd13d7f0fb06ecfebe1420c297df646270eec784161bbd64",
    101: "d18c1d292f1b2c9f226cb0d1c89795d9173e6f94a5a2d312b12f341d539c66ce",
    126: "1dca8e5c655b8512db431ea7b3ce43d0198e2a69f62f44c7c097a9bbfe8b47ea",
    151: "46e6fde86e219ae4052a5ee411563b3024a329d10f98ace22745e1ca386e726f",
    176: "2ea3ffd26f2a594e53cfbddbfaf07953540eb15bbbfaee011e1795d6ac6dfc3d",
    201: "8a4b488c701e9ef27d1206fd83ae5ae0f822144ee420678c9133d0de6930d3c8",
    226: "b26bd84e3834286bf16bd9be2e8e3e9d39e50ed8ddebc6c57ad3aa9a8a1cc234",
    226: "b26bd84e3834286bf16bd9be2e8e3e9d39e50ed8ddebc6c57ad3aa9a8a1cc234",
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

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
    26: "148cd18ffb96c5c918f5809fdbe71c18911f2edcd5be40b95608f704091d4378",
    51: "cef6dd77d524810866c8542d8fab5b7e4de63dc5a45e2d4776a55db2bfe0aeec",
    76: "184f48a8835c0054a3ab1b0b8da41c4f8ec45b73d79c0ea22017783f423dd099",
    101: "6864a03552463d3fc0e0762ff9f9e642a5a15d6b9cc198f0da4f1d7581bbe879",
    126: "48f94bc1c95291e87924628f881f8115b3d2ac1d309246f8efac4d2ef70aee76",
    151: "7161d37b0598950dec1c5be27b0e2a49fbc565b8eaa4f3981030c2ad82512b60",
    176: "116350ed6682243c502203f7a2093a4c10493ecdb4182f55b86db2ba10aa3fad",
    201: "5efd61f6a90eeaebdb4014df43c03f9f289437a2a78007f1ccd891e74f77283a",
    225: "990c8190f153dea45af542aeaa1023cee5c7b5dfca8c5fb5f571f9102365eeb1",
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

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
    1: "332e14646a54564e8e51cfa8f359338bebe56abc5c173c5bcb8e6d78cc0bd761",
    26: "f709bbe2592984ba07673661569d22a7a689c3e1d7a0493878c2da6e4115ce3e",
    51: "1b231190836f9307192dfda164a2d159094f752b3c01e025e1cf49ca97ef7561",
    76: "082d8d2ed8283f9ddac373ed13c71c54c82d9aa5d07a1f60b3cce6fcdf9ea066",
    101: "5380f0175b47c14f7944933dde5765d2ba2cb7439ec0b584f06118d040560ad4",
    126: "37984dca70648539ab375dd4d11f9e81547648961d09c48952bca8d5cc12373b",
    151: "c78a1baf2918080e1b96cfbe1f8759caee76d0b4a93f78cb5386145e642c25c4",
    176: "cb0c4aec3823d67017c05ac3918782aeef1f06f4c860c05af2431d6b594db902",
    201: "bd5e39e8fafd2fba69d8af04682cf340c83a3fc6ae0f2a35eb6601b0e334d049",
    218: "41e0676f058030758cf683661eef898ae9a9cb4ed71f0ea0f7bfe87542a33a8f",
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

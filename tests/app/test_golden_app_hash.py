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
    26: "1fdc052ebe83eb9fb28ff4912a88b9072dc87ff661284ce24966916982213fbb",
    51: "5616c0ec99ec6d80fe0cbf8389cb971b9fdc77b2c8b28c5269eb653aaa96c219",
    76: "84daa7b21fd081edb297478104722c6f779c1ad95b1ee0799c35c77d14bbabaf",
    101: "4c7494f43dcea3602d5cabf61824983aa08f7e2b3824297eaff7e4e1793c38ae",
    126: "29205d5a4c9e4e6f571cab8fb26ac74ff9b44b030c2f2d7524e4c51799ad97da",
    151: "e9344cc159090adbf6871bb69618aa0e204fe1ac9337e1278585f626e0853f30",
    176: "fb97f81a7ac7b544e6b4e60568c7db0635d47a6f412cb5d19347c17913a4f7fe",
    201: "d0c746b8271fb36f04bc43fe796f076421de6c5e7f7e54d104397b5b7e91b3a7",
    218: "a96257d6394832e255e103973750d58b7dde7ff2b0c5b69a8a7c9f22cd3aa840",
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

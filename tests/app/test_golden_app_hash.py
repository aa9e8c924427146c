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
    1: "1359c36c76f13e680bfb5389dcf0a8c14e9242732705a979066af1de7a78b807",
    26: "9e2fb8a7765e34dbd7aaca14e2a480e3a61b5b63ca213932331b41a5ed94c0f2",
    51: "296700bd74e508ede91c64a5a8931341a07e0d03ef9a9174604c9b15dd142bfd",
    76: "4ac28f62c1b0dc306e8f333a8bf9d0e61a81ba8a454ffef159da3da9497e89a8",
    101: "a7c703a56170b91bde2f1b551bfdc09090ff31bc825ad545b204cb8f08ea0065",
    126: "48c3e3add2d608e8260e76bedfa4a43a07d619d06ba5d624c7446aebefddcc9f",
    151: "53f9a0236769df8c11a279397e4cff8723401175f490d65aa2d091e2f3174175",
    176: "6cb2efc55189c222989b934578e506b8a3cc5375e027812d68bad12337c680aa",
    201: "7f4ea925a7eed5f9245068a5826db26e0c2dc2cdc9a836fbace1eb970218164f",
    226: "3a4e50fdd3a6d6ac6984f006ddae0f7e574e2487303d93156247078eb656182a",
    246: "f18c00174340ec898c1baafc84bb105adf073157f5c2c33bcc97038a833b34ac",
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

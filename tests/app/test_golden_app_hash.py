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
    1: "189ea30105f0ec7d03ff2459a1d1044a3cde90c48eb1748575f86063a7479bf0",
    26: "d613187c4c2a5518eeb051b657434508f6ca5aaf868fa626be74aeac186f33d6",
    51: "df0f9072d527e3f9e3ffe476fba00dba694fb2842932f7959eab869a16d8048f",
    76: "63f5152beb1e754666826e007b9be57dff0c18444074a49837f3e689916ca04f",
    101: "4559fbb74f341064c6aa18af9b3ad8e7f98811e7b6867a1f89b55866945ff288",
    126: "2a81939cbdcd30a659696a808d46e20050ef657ca1baaad63ef949dd4ef7a359",
    151: "32ddb73c5b31d1c9e55efd13750fcb95df16b7e6cedf6144bd846834c0c89c35",
    176: "466736f7ab7c1268f147171ed91b331988884f3cd3f6d8f472d6bfa4a89efb4c",
    201: "cb6e6f79f72ae953966500307dbe2f34023dab68feafb1fb61ffbe8a79aa3e3f",
    226: "8f7dc6417ac2c18105763d5265ce70afde72df85cee1a9d21c962d30f38d676d",
    246: "67e3f2f31e4bf8314dc7e86d619df799bacb20b98fa0cab6f2356612fe58b7a9",
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

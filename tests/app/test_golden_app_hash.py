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
    26: "bbf3e9006871ab30e83510252edcd95f3ca9459ce6d112d6ff61778c0854af5e",
    51: "2173658211c009e55624a6ff381e94a5c4fb05de593473b5d0b6efc666db9c80",
    76: "214f7c267845e10e7a555027d9c048fc312d00bbd30a4dd239dea055a0be26dc",
    101: "94a453dec6562dbb924106ccae01550699afe48f73de48d1b1b0058c1f577fa3",
    126: "123aa8a6e588f5f7599a8a70979334eef6fad41d2030e49e1cb260f61180668d",
    151: "6cd6cc05fb63e662c15f5388020d5f64dc87a1b354053d847c911802cb40843d",
    176: "c392848b1a72c96ce48bfec0eea2113975ae4e43ea899230770cd0f9f6c79bea",
    201: "484d9750a0abb340ce632aeac33476cba8cf6254006bb508b6338ea6d9c77a9b",
    226: "13310a4013095029ced7cdf3465afb40376bce6876227b3f390083daa648465f",
    246: "7d9b7fe517b70640d12ab339c40f7d189ae065c7ef3abe5c42e2cac4befe2455",
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

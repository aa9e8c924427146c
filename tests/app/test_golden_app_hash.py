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
    1: "043e9c60aa960e8f594aa65dd4350ad53c4d0759c1a8d5342410c5c5a64ea423",
    26: "f4bdaafcb771a0d59b4adce35a278ce2598aa07bc408dcb46e1b04c5d30efde7",
    51: "ad0776ad01497aa384b0b0b7f8a5707c0c20b671d4cb857c31e7cc4d0ce29351",
    76: "0b55460a32b50290663548a5cd18ddd3ebf6ffa0d3b7cb7b8e120ab4e74a15b8",
    101: "fb9c03cc970da3844595ae6a5e2e5690c72213cb587d81633adf1b0d7d0798bd",
    126: "e2ed1ea69425c893b40720ff1e3cef18e57ac19ceee0f2e300c8bc65ac57c838",
    151: "2740806ea9ccf685a437b189f1b42a852d03cb992bb0f789bb1dbba23c40cb88",
    176: "0a4ae5f6f92781df722e34475c597b423352ac1e2bc0954885555ba6da63f91d",
    201: "dc1bf8d1810d2d636f3d0f957a0ecfc23903dcefe99ef76f54b6ce909edec77c",
    226: "8db83f33bb8b57cb380671cc0556ef18f8d9f552c3e839b3e428cec340a83622",
    238: "0dc8e76a6ee4b63df48c6dcb630928435828f7d095956ab759a0e3396ab224fa",
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

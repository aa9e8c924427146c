"""Run the workload of tests/reliability/workload.py in separate processes under different PYTHONHASHSEED values.

Each process executes the same seeded workload on its own fresh database; ``compare`` finds the first height
at which two runs' app hashes differ. Hash randomisation changes the iteration order of sets and of dicts
built from them, so a state transition that iterates an unordered container shows up here as a divergence.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Run:
    hash_seed: str
    workload_seed: int
    blocks: int
    seconds: float
    result: dict

    @property
    def hashes(self) -> dict[int, str]:
        return {int(height): value for height, value in self.result["hashes"].items()}


def run_process(hash_seed: str, workload_seed: int, blocks: int, timeout: float = 900) -> Run:
    """Execute one workload in a new interpreter with PYTHONHASHSEED=``hash_seed``."""
    with tempfile.TemporaryDirectory(prefix="amino-determinism-") as directory:
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(ROOT))
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "tests.reliability.workload", "--seed", str(workload_seed), "--blocks", str(blocks),
             "--db", str(Path(directory) / "db")],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout,
        )
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"workload {workload_seed} under PYTHONHASHSEED={hash_seed} failed:\n{done.stderr[-4000:]}")
    return Run(hash_seed, workload_seed, blocks, seconds, json.loads(done.stdout))


def run_many(hash_seeds: list[str], workload_seed: int, blocks: int, parallel: int = 2) -> list[Run]:
    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(lambda seed: run_process(seed, workload_seed, blocks), hash_seeds))


def first_divergence(runs: list[Run]) -> str | None:
    """None when every run reached the same app hash at every height; otherwise what differs first, in words."""
    reference = runs[0]
    for other in runs[1:]:
        if set(other.hashes) != set(reference.hashes):
            return (f"PYTHONHASHSEED={other.hash_seed} executed heights {min(other.hashes)}..{max(other.hashes)}, "
                    f"PYTHONHASHSEED={reference.hash_seed} {min(reference.hashes)}..{max(reference.hashes)}")
        for height in sorted(reference.hashes):
            if other.hashes[height] != reference.hashes[height]:
                return (f"app hash differs at height {height}: {reference.hashes[height]} "
                        f"(PYTHONHASHSEED={reference.hash_seed}) != {other.hashes[height]} (PYTHONHASHSEED={other.hash_seed})")
    return None

"""How fast `amino` starts: wall time of --help and of simple commands, and which heavy modules each imports.

Run from the repository root:  .venv/bin/python bench/cli_startup.py [--repeats 15] [--tiny]

Each command runs as a fresh process (`python -m cli.main ...`), as a person runs it, against a throw-away home
with a `test` keyring and no node. It prints, per command, the median and the best wall time of --repeats runs,
the median CPU time (user + system: what the start-up costs, even when a busy machine makes the wall time
wait), the time of a bare `python -c pass` on the same machine (the floor no CLI can go below) and the
command's time above that floor, and the heavy modules the command imported (none is the goal for these commands:
wasmtime, FastAPI, grpc, uvicorn, the light client, httpx, rich). The target is under 150 ms for each.
Timings depend on the machine and its load: read them against the python floor printed beside them.
--tiny runs each command 3 times.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 150
HEAVY = ("wasmtime", "fastapi", "starlette", "uvicorn", "grpc", "google.protobuf", "plyvel", "httpx", "rich",
         "client.lightclient", "abci_app.modules")
NO_NODE = "tcp://127.0.0.1:9"  # nothing listens: a command that talks to a node fails at once, after starting
COMMANDS = [
    ["--help"],
    ["version"],
    ["config", "get", "chain-id"],
    ["keys", "list"],
    ["keys", "show", "alice", "-a"],
    ["tx", "--help"],
    ["tx", "bank", "send", "--help"],
    ["query", "--help"],
    # common commands that talk to a node: start-up plus one refused connection (they need httpx, not more)
    ["status", "--node", NO_NODE],
    ["query", "bank", "balance", "alice", "--node", NO_NODE],
    ["query", "tx", "ZZ"],
]
# Runs the command in-process after the interpreter started, then reports the heavy modules it imported.
PROBE = """
import json, sys
command, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["amino"] + command
from cli.main import cli
try:
    cli(prog_name="amino")
except SystemExit:
    pass
print("HEAVY=" + json.dumps([name for name in heavy if name in sys.modules]), file=sys.stderr)
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], env: dict) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run, in ms. On a busy machine the wall time waits for
    the CPU; the CPU time is what the start-up itself costs."""
    cpu_before, started = _children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli.main", *command] if command is not None else
                   [sys.executable, "-c", "pass"], cwd=REPO_ROOT, env=env, capture_output=True, check=False)
    return (time.perf_counter() - started) * 1000, (_children_cpu() - cpu_before) * 1000


def heavy_imports(command: list[str], env: dict) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(command), json.dumps(HEAVY)], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, check=False)
    line = [line for line in done.stderr.splitlines() if line.startswith("HEAVY=")]
    return json.loads(line[-1][len("HEAVY="):]) if line else ["(probe failed)"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--tiny", action="store_true", help="3 runs per command")
    args = parser.parse_args()
    repeats = 3 if args.tiny else args.repeats
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "AMINO_HOME": home, "AMINO_KEYRING_BACKEND": "test", "PYTHONPATH": str(REPO_ROOT)}
        subprocess.run([sys.executable, "-m", "cli.main", "keys", "add", "alice"], cwd=REPO_ROOT, env=env,
                       capture_output=True, check=True)
        floor = [run(None, env) for _ in range(repeats)]
        floor_ms = statistics.median(wall for wall, _cpu in floor)
        floor_cpu = statistics.median(cpu for _wall, cpu in floor)
        print(f"amino start-up, median and best of {repeats} runs (target: under {TARGET_MS} ms)")
        print(f"  {'python -c pass (the floor)':<58}{floor_ms:8.1f} ms median {min(w for w, _ in floor):8.1f} ms best "
              f"{floor_cpu:8.1f} ms CPU")
        within = []
        for command in COMMANDS:
            runs = [run(command, env) for _ in range(repeats)]
            walls = [wall for wall, _cpu in runs]
            median, cpu = statistics.median(walls), statistics.median(c for _w, c in runs)
            within.append(cpu < TARGET_MS)
            heavy = heavy_imports(command, env)
            label = "amino " + " ".join(command)
            print(f"  {label:<58}{median:8.1f} ms median {min(walls):8.1f} ms best {cpu:8.1f} ms CPU "
                  f"{median - floor_ms:8.1f} ms above the floor  heavy imports: {', '.join(heavy) or 'none'}")
        print(f"{sum(within)} of {len(COMMANDS)} commands start within {TARGET_MS} ms of CPU time (median); the wall "
              f"time adds what a busy machine makes them wait (compare the floor)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Determinism across hash seeds, long mode: the seeded workload of tests/reliability/workload.py, every
workload under every PYTHONHASHSEED in its own process, all app hashes compared height by height.

    .venv/bin/python bench/determinism.py                               # 3 hash seeds x 3 workloads x 200 blocks
    .venv/bin/python bench/determinism.py --hash-seeds 0 1 2 3 --runs 5 --blocks 500
    .venv/bin/python bench/determinism.py --tiny                        # 2 x 1 x 20: does it still work?

A "run" is one workload seed (1, 2, ...): its processes must agree with each other at every height. The
report prints the processes executed, blocks and txs per process, the txs that succeeded and failed, the
message types and end-block event types covered, the wall time per process, and the verdict. Exit status 1
when any two processes disagree (the first differing height is printed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.determinism import first_divergence, run_many  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="determinism of the app hash across PYTHONHASHSEED values")
    parser.add_argument("--hash-seeds", nargs="+", default=["0", "1", "2"], help="PYTHONHASHSEED values (default 0 1 2)")
    parser.add_argument("--runs", type=int, default=3, help="workloads (seeds 1..N), each under every hash seed")
    parser.add_argument("--blocks", type=int, default=200, help="blocks per process (default 200)")
    parser.add_argument("--parallel", type=int, default=2, help="processes at a time (default 2)")
    parser.add_argument("--tiny", action="store_true", help="2 hash seeds x 1 workload x 20 blocks")
    args = parser.parse_args(argv)
    if args.tiny:
        args.hash_seeds, args.runs, args.blocks = args.hash_seeds[:2], 1, 20
    if args.blocks < 5:
        parser.error("--blocks must be at least 5 (the workload's setup takes 4)")

    started = time.perf_counter()
    failures = 0
    rows = []
    for workload_seed in range(1, args.runs + 1):
        runs = run_many(args.hash_seeds, workload_seed, args.blocks, args.parallel)
        divergence = first_divergence(runs)
        failures += divergence is not None
        result = runs[0].result
        txs = sum(result["attempted"].values())
        ok = sum(result["succeeded"].values())
        types = {kind for text in result["succeeded"] for kind in text.split("+") if "/" in kind}
        rows.append((workload_seed, len(runs), len(runs[0].hashes), txs, ok, txs - ok, len(types),
                     len(result["block_events"]), max(run.seconds for run in runs),
                     "identical" if divergence is None else "DIVERGED", divergence))
        print(f"workload {workload_seed}: {len(runs)} processes, {'identical' if divergence is None else divergence}",
              file=sys.stderr)

    print(f"Determinism across PYTHONHASHSEED {', '.join(args.hash_seeds)}: {args.runs} workloads x "
          f"{len(args.hash_seeds)} hash seeds x {args.blocks} blocks")
    print(f"{'workload':>8} {'procs':>5} {'blocks':>6} {'txs':>6} {'ok':>6} {'failed':>6} {'msg types':>9} "
          f"{'blk events':>10} {'s/proc':>7}  app hashes")
    for seed, procs, blocks, txs, ok, failed, types, events, seconds, verdict, _why in rows:
        print(f"{seed:>8} {procs:>5} {blocks:>6} {txs:>6} {ok:>6} {failed:>6} {types:>9} {events:>10} {seconds:>7.1f}  {verdict}")
    processes = sum(row[1] for row in rows)
    print(f"total: {processes} processes, {processes * args.blocks} blocks executed, {failures} divergent workloads, "
          f"{time.perf_counter() - started:.0f} s")
    for row in rows:
        if row[10]:
            print(f"workload {row[0]}: {row[10]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

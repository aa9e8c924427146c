"""Compute tasks on the localnet: tasks completed per minute and what each task costs the chain.

Run from the repository root:  .venv/bin/python bench/tasks.py [--duration 60] [--customers 4] [--replicas 2] [--tiny]

It starts its own localnet (4 validators, one master node service, three workers with one slot each)
under a temp dir on loopback ports from --base-port, waits for the master node to be elected, then
runs --customers client threads for --duration seconds. Each thread loops over the whole customer flow
(TaskClient.run: submit, upload, wait for the verified result, download, confirm) on the hash-chain
example. Afterwards it reads every block of the run and prints:
  - tasks settled per minute, and the latency of a task (submit to settled) p50 / p90;
  - the chain cost per settled task: transactions and bytes, by message type (submit, assign,
    commit, reveal, confirm), and the worker heartbeats of the run divided by the tasks;
  - the block time over the run, for context;
  - the share of the (all honest) workers slashed over the run, and the slashes: the goal is zero, since an
    honest worker must never pay for the protocol's own timing.
The figures depend on the machine (all processes share its cores) and on the localnet's block time.
It exits 1 when no task settled. --tiny runs one customer for one task (about 20 s on 2 cores, most of it
the localnet starting): it checks the benchmark still works, its figures mean little.
"""

from __future__ import annotations

import argparse
import base64
import calendar
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from abci_app.codec import decode_tx  # noqa: E402
from abci_app.seed import is_seed_record  # noqa: E402
from client.rpc import CometRpc  # noqa: E402
from client.tasks import TaskClient  # noqa: E402
from localnet.launcher import Localnet  # noqa: E402
from localnet.services import WORKERS, ComputeServices  # noqa: E402
from wasm_jobs.examples import EXAMPLES, build  # noqa: E402

CUSTOMERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]


def customer_loop(services: ComputeServices, name: str, until: float, replicas: int, results: list, errors: list) -> None:
    tasks = TaskClient(services.client(name, node=CUSTOMERS.index(name) % services.net.nodes))
    module = build("hash_chain")
    _wat, _reference, sample = EXAMPLES["hash_chain"]
    while True:  # at least one task: on a loaded machine the thread may start after a short run's end
        started = time.monotonic()
        try:
            summary = tasks.run(module, sample, replicas=replicas, timeout=600)
        except Exception as exc:  # counted, reported, and the loop goes on
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
        else:
            results.append((summary.state, time.monotonic() - started, summary.task_id))
        if time.monotonic() >= until:
            break
    tasks.close()


def chain_cost(rpc: CometRpc, first: int, last: int) -> tuple[Counter, Counter, list[float]]:
    """Txs and bytes by message type in blocks first..last, and the block times."""
    counts: Counter = Counter()
    sizes: Counter = Counter()
    times = []
    previous = None
    for height in range(first, last + 1):
        block = rpc.block(height)["block"]
        stamp = block["header"]["time"]
        fraction = stamp[20:].rstrip("Z") if len(stamp) > 20 else "0"
        seconds = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + int(fraction.ljust(9, "0")[:9]) / 1e9
        if previous is not None:
            times.append(seconds - previous)
        previous = seconds
        for encoded in block["data"]["txs"] or []:
            raw = base64.b64decode(encoded)
            if is_seed_record(raw):  # the block's seed record (docs/architecture.md, "Randomness"), not a user tx
                continue
            doc = decode_tx(raw).doc
            kind = "+".join(sorted({msg_type.split("/")[-1] for msg_type, _body in doc.msgs}))
            counts[kind] += 1
            sizes[kind] += len(raw)
    return counts, sizes, times


def slash_counts(services: ComputeServices) -> dict[str, int]:
    """Each localnet worker's slash counter on chain (every localnet worker is honest)."""
    client = services.client("alice")
    try:
        return {name: client.query(f"/compute/worker/{services.address(name)}")["slashed"] for name in WORKERS}
    finally:
        client.close()


# --tiny: one customer that starts one task (the loop finishes the task it started), on a faster localnet
TINY = {"duration": 1.0, "customers": 1, "timeout_commit": "300ms"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--customers", type=int, default=4, choices=range(1, len(CUSTOMERS) + 1))
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--base-port", type=int, default=28656)
    parser.add_argument("--timeout-commit", default="500ms")
    parser.add_argument("--tiny", action="store_true",
                        help="one task on a real localnet, to check the benchmark still works: "
                        + ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in TINY.items())
                        + "; explicit options win")
    if parser.parse_known_args()[0].tiny:  # the tiny values become the defaults, so explicit options still win
        parser.set_defaults(**TINY)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="amino-bench-tasks-") as home:
        net = Localnet(Path(home), nodes=4, base_port=args.base_port, timeout_commit=args.timeout_commit)
        services = ComputeServices(net)
        try:
            net.up(wait_height=2, timeout=120)
            services.up()
            services.wait_master_active()
            rpc = CometRpc(net.rpc_url(0))
            slashed_before = slash_counts(services)
            first = rpc.latest_height() + 1
            results: list = []
            errors: list = []
            until = time.monotonic() + args.duration
            started = time.monotonic()
            threads = [threading.Thread(target=customer_loop, args=(services, name, until, args.replicas, results, errors))
                       for name in CUSTOMERS[:args.customers]]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            last = rpc.latest_height()
            counts, sizes, times = chain_cost(rpc, first, last)
            slashed_after = slash_counts(services)
        finally:
            services.down()
            net.down()

    settled = [r for r in results if r[0] == "settled"]
    latencies = sorted(r[1] for r in settled)
    print(f"run: {args.customers} customers x {elapsed:.0f}s, replicas {args.replicas}, 3 workers x 1 slot, "
          f"blocks {first}..{last}, block time mean {statistics.mean(times):.2f}s" if times else "")
    print(f"tasks settled: {len(settled)} ({len(settled) * 60 / elapsed:.1f} per minute); other endings: "
          f"{Counter(r[0] for r in results if r[0] != 'settled') or 'none'}; client errors: {len(errors)}")
    if latencies:
        p90 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.9))]
        print(f"task latency (submit to settled, client side): p50 {statistics.median(latencies):.1f}s, p90 {p90:.1f}s")
    slashed = {name: slashed_after[name] - slashed_before[name] for name in slashed_before}
    hit = sorted(name for name, count in slashed.items() if count)
    print(f"honest workers slashed: {len(hit)} of {len(slashed)} ({len(hit) * 100 / len(slashed):.1f}%, goal 0); "
          f"slashes: {sum(slashed.values())}" + (f" ({', '.join(hit)})" if hit else ""))
    for line in errors[:5]:
        print("  error:", line)
    if settled:
        n = len(settled)
        print(f"chain cost per settled task ({n} tasks):")
        print(f"  {'message':28} {'txs/task':>9} {'bytes/task':>11}")
        for kind in sorted(counts):
            print(f"  {kind:28} {counts[kind] / n:9.2f} {sizes[kind] / n:11.0f}")
        task_kinds = [k for k in counts if k != "heartbeat" and not k.startswith("heartbeat")]
        print(f"  {'total without heartbeats':28} {sum(counts[k] for k in task_kinds) / n:9.2f} "
              f"{sum(sizes[k] for k in task_kinds) / n:11.0f}")
        print(f"  {'total':28} {sum(counts.values()) / n:9.2f} {sum(sizes.values()) / n:11.0f}")
    if not settled:
        print("no task settled: no figures", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The fault campaign (docs/operations.md, "The reliability test programme"): random faults from a seed on a real
4-validator localnet on loopback under a steady transfer load, with the compute services running and tasks
submitted meanwhile; prints faults injected and survived, the worst catch-up, app-hash splits and transactions
lost.

    .venv/bin/python bench/chaos.py --tiny                      # one fault of each crash kind, ~2-4 minutes
    .venv/bin/python bench/chaos.py --faults 200 --blocks 3000  # the long mode

Exit code 0 when every fault was survived, no app hash split and no committed transaction was lost.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TINY_FAULTS = ("crash-before-commit", "crash-after-commit", "kill-both", "pause")


def _task_load(services, stop: threading.Event, report, log) -> threading.Thread:
    """Submit a small hash-chain task, wait for it to settle, repeat (through node 0, never a fault victim)."""
    from client.tasks import TaskClient, TaskError
    from client.chain import ChainError
    from wasm_jobs.examples import EXAMPLES, build

    def run() -> None:
        tasks = TaskClient(services.client("alice"))
        module = build("hash_chain")
        _wat, _expected, sample = EXAMPLES["hash_chain"]
        while not stop.is_set():
            try:
                summary = tasks.run(module, sample, replicas=2, timeout=300)
                if summary.state == "settled":
                    report.tasks_settled += 1
                else:
                    report.tasks_failed += 1
                    log(f"  task {summary.task_id} ended {summary.state}")
            except (TaskError, ChainError, OSError) as exc:
                report.tasks_failed += 1
                log(f"  task error: {exc}")
            stop.wait(2)

    thread = threading.Thread(target=run, daemon=True, name="task-load")
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faults", type=int, default=20, help="faults to inject (default 20)")
    parser.add_argument("--blocks", type=int, default=0, help="go on injecting until this many blocks passed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base-port", type=int, default=36656)
    parser.add_argument("--no-tasks", action="store_true", help="transfers only: no compute services or tasks")
    parser.add_argument("--keep", action="store_true", help="keep the localnet directory (logs) afterwards")
    parser.add_argument("--tiny", action="store_true", help="one fault of each crash kind, short pauses")
    args = parser.parse_args(argv)

    from localnet.launcher import Localnet
    from tests.reliability.chaos import Campaign, format_report

    home = Path(tempfile.mkdtemp(prefix="amino-chaos-"))
    net = Localnet(home, nodes=4, base_port=args.base_port, timeout_commit="300ms")
    services = None
    stop = threading.Event()
    started = time.monotonic()
    try:
        net.up(wait_height=2, timeout=120)
        campaign = Campaign(net, args.seed, log=lambda line: print(line, file=sys.stderr, flush=True),
                            max_pause_seconds=8 if args.tiny else 30)
        loader = None
        if not args.no_tasks:
            from localnet.services import ComputeServices

            services = ComputeServices(net)
            services.up()
            services.wait_master_active()
            loader = _task_load(services, stop, campaign.report, campaign.log)
        if args.tiny:
            report = campaign.run_sequence(TINY_FAULTS)
        else:
            report = campaign.run(args.faults, args.blocks)
        stop.set()
        if loader is not None:
            loader.join(5 if args.tiny else 330)  # the tiny mode does not wait for a task still in flight
    finally:
        stop.set()
        if services is not None:
            services.down()
        net.down()
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    print(format_report(report))
    print(f"wall time: {time.monotonic() - started:.0f} s")
    ok = report.survived == len(report.faults) and report.app_hash_splits == 0 and report.lost_txs == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

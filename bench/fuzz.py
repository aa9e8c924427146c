"""Fuzzing, long mode: millions of inputs through one target of tests/reliability/fuzz_targets.py.

    .venv/bin/python bench/fuzz.py --target checktx --inputs 1000000
    .venv/bin/python bench/fuzz.py --target all --inputs 100000          # every target in turn
    .venv/bin/python bench/fuzz.py --target query --engine atheris --inputs 1000000   # coverage-guided
    .venv/bin/python bench/fuzz.py --tiny                                 # every target, 200 inputs each

Targets: checktx, message, proposal, query, abci_socket, masternode_http, worker_job (what each checks: the
docstrings in tests/reliability/fuzz_targets.py). Engines: ``random`` (default: seeded random byte strings,
half of them short), ``atheris`` (libFuzzer's coverage-guided mutation of the instrumented Python code;
needs `pip install -e .[fuzz]`, which pins atheris). A finding is an input that broke a target's rule; the
first ones are written to --findings (default .bench/fuzz-findings/<target>/) to replay with
`--replay FILE`. The report prints, per target: inputs, seconds, inputs per second, findings, and the
outcome counts (result codes, accept/reject, HTTP statuses, job statuses). Exit status 1 on any finding.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = ("checktx", "message", "proposal", "query", "abci_socket", "masternode_http", "worker_job")
KEEP_FINDINGS = 20


class Campaign:
    def __init__(self, name: str, findings_dir: Path) -> None:
        self.name = name
        from tests.reliability.fuzz_targets import make_target

        self.target, self.close = make_target(name)
        self.outcomes: Counter = Counter()
        self.inputs = 0
        self.findings = 0
        self.first_finding = ""
        self.findings_dir = findings_dir / name
        self.started = time.perf_counter()
        self.report_at = 0
        self.on_report = lambda: None

    def one(self, data: bytes) -> None:
        self.inputs += 1
        if self.inputs == self.report_at:
            self.on_report()
        try:
            self.outcomes[self.target(data)] += 1
        except Exception as error:  # an assertion (a broken rule) or a crash: both are findings
            self.findings += 1
            if self.findings <= KEEP_FINDINGS:
                self.findings_dir.mkdir(parents=True, exist_ok=True)
                path = self.findings_dir / hashlib.sha256(data).hexdigest()[:16]
                path.write_bytes(data)
                if not self.first_finding:
                    self.first_finding = f"{path}: {type(error).__name__}: {error}\n{traceback.format_exc(limit=4)}"

    def report(self) -> tuple:
        seconds = time.perf_counter() - self.started
        return (self.name, self.inputs, seconds, self.inputs / seconds if seconds else 0.0, self.findings,
                ", ".join(f"{label} {count}" for label, count in self.outcomes.most_common(8)))


def random_inputs(count: int, seed: int, max_len: int):
    rng = random.Random(seed)
    for _ in range(count):
        length = rng.randrange(0, 64) if rng.random() < 0.5 else rng.randrange(0, max_len + 1)
        yield rng.randbytes(length)


def print_report(rows: list[tuple], engine: str) -> None:
    print(f"Fuzzing ({engine} engine)")
    print(f"{'target':<16} {'inputs':>10} {'seconds':>8} {'inputs/s':>9} {'findings':>8}  outcomes")
    for name, inputs, seconds, rate, findings, outcomes in rows:
        print(f"{name:<16} {inputs:>10,} {seconds:>8.1f} {rate:>9,.0f} {findings:>8}  {outcomes}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fuzz what a stranger can send to Amino chain")
    parser.add_argument("--target", default="all", choices=(*TARGETS, "all"))
    parser.add_argument("--inputs", type=int, default=100_000, help="inputs per target (default 100,000)")
    parser.add_argument("--engine", choices=("random", "atheris"), default="random")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random engine")
    parser.add_argument("--max-len", type=int, default=1_000, help="longest input in bytes (default 1,000)")
    parser.add_argument("--findings", type=Path, default=ROOT / ".bench" / "fuzz-findings")
    parser.add_argument("--replay", type=Path, help="run one saved input through --target and show the failure")
    parser.add_argument("--tiny", action="store_true", help="every target, 200 inputs each")
    args = parser.parse_args(argv)
    if args.tiny:
        args.inputs = 200
    if args.inputs < 1:
        parser.error("--inputs must be at least 1")
    logging.disable(logging.CRITICAL)  # rejected proposals and protocol errors are logged; not wanted here
    names = TARGETS if args.target == "all" else (args.target,)

    if args.replay:
        if args.target == "all":
            parser.error("--replay needs one --target")
        target, close = make_target(args.target)
        try:
            print(f"{args.target}: {target(args.replay.read_bytes())}")
        finally:
            close()
        return 0

    if args.engine == "atheris":
        return run_atheris(names, args)

    rows = []
    failed = []
    for name in names:
        campaign = Campaign(name, args.findings)
        try:
            for data in random_inputs(args.inputs, args.seed, args.max_len):
                campaign.one(data)
        finally:
            campaign.close()
        rows.append(campaign.report())
        print(f"{name}: {campaign.inputs:,} inputs, {campaign.findings} findings", file=sys.stderr)
        if campaign.first_finding:
            failed.append(campaign.first_finding)
    print_report(rows, "random")
    for finding in failed:
        print(f"first finding: {finding}")
    return 1 if failed else 0


def run_atheris(names, args) -> int:
    try:
        import atheris
    except ImportError:
        print("atheris is not installed: pip install -e .[fuzz] (it pins the version)", file=sys.stderr)
        return 2
    if len(names) != 1:
        print("the atheris engine fuzzes one --target per process", file=sys.stderr)
        return 2
    with atheris.instrument_imports(include=["abci_app", "chain_modules", "masternode", "wasm_jobs", "client", "worker"]):
        import tests.reliability.fuzz_targets  # noqa: F401  (instrumented for coverage)
    campaign = Campaign(names[0], args.findings)

    def report() -> None:  # libFuzzer exits the process itself when it is done, so report at the last input
        print_report([campaign.report()], "atheris")
        if campaign.first_finding:
            print(f"first finding: {campaign.first_finding}")
        sys.stdout.flush()

    campaign.report_at = args.inputs
    campaign.on_report = report
    atheris.Setup([sys.argv[0], f"-runs={args.inputs}", f"-max_len={args.max_len}", f"-seed={args.seed}"], campaign.one)
    atheris.Fuzz()
    return 1 if campaign.findings else 0


if __name__ == "__main__":
    sys.exit(main())

"""The long modes of the reliability programme run in their --tiny form and print their figures, so they
cannot rot unnoticed (as tests/bench/test_bench_tiny.py does for the benchmarks)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_tiny(script: str, *options: str, timeout: float = 300) -> str:
    process = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--tiny", *options], cwd=ROOT,
                             capture_output=True, text=True, timeout=timeout)
    assert process.returncode == 0, f"{script} exited {process.returncode}\n{process.stdout[-3000:]}\n{process.stderr[-3000:]}"
    return process.stdout


def test_bench_determinism_tiny_compares_two_hash_seeds_and_prints_the_table():
    report = run_tiny("determinism.py")
    row = re.search(r"^\s+1\s+2\s+20\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+\s+identical$", report, re.MULTILINE)
    assert row, report
    txs, ok, _failed, types, _events = map(int, row.groups())
    assert txs > 0 and ok > 0 and types > 5
    assert "0 divergent workloads" in report


def test_bench_fuzz_tiny_runs_every_target_and_prints_inputs_per_second_and_findings():
    report = run_tiny("fuzz.py", "--findings", str(ROOT / ".bench" / "fuzz-findings-tiny"))
    rows = re.findall(r"^(\w+)\s+([\d,]+)\s+[\d.]+\s+([\d,]+)\s+(\d+)\s+\S", report, re.MULTILINE)
    assert {row[0] for row in rows} == {"checktx", "message", "proposal", "query", "abci_socket", "masternode_http",
                                        "worker_job"}, report
    for name, inputs, rate, findings in rows:
        assert inputs == "200" and int(rate.replace(",", "")) > 0 and findings == "0", (name, report)

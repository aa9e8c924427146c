"""Every benchmark runs in its --tiny mode and prints its figures, so a benchmark cannot rot unnoticed.

Each script runs as a subprocess, as a person runs it; the test checks that it exits 0 and parses the figures
out of its report (each must be present and positive). The app-only runs take seconds; the runs that start a
real localnet (the transfer benchmark's localnet phases, the task benchmark) are e2e tests, on loopback ports
from AMINO_BENCH_BASE_PORT (default: AMINO_E2E_BASE_PORT + 250).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
E2E_BASE_PORT = int(os.environ.get("AMINO_E2E_BASE_PORT", "29656"))
BENCH_BASE_PORT = int(os.environ.get("AMINO_BENCH_BASE_PORT", str(E2E_BASE_PORT + 250)))
NUMBER = r"(-?[\d,]+(?:\.\d+)?)"


def run_bench(script: str, *options: str, timeout: float) -> str:
    """Run bench/<script> --tiny with ``options``; its report (stdout) once it exited 0."""
    started = time.monotonic()
    process = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--tiny", *options], cwd=ROOT,
                             capture_output=True, text=True, timeout=timeout)
    assert process.returncode == 0, f"{script} exited {process.returncode}\n{process.stdout[-4000:]}\n{process.stderr[-4000:]}"
    print(f"{script} --tiny {' '.join(options)}: {time.monotonic() - started:.1f}s")
    return process.stdout


def figures(pattern: str, text: str, count: int | None = None) -> list[float]:
    """The numbers the first group of ``pattern`` matches in ``text`` (every line), each one positive."""
    found = [float(match.group(1).replace(",", "")) for match in re.finditer(pattern, text, re.MULTILINE)]
    assert found, f"no figure matches {pattern!r} in:\n{text}"
    if count is not None:
        assert len(found) == count, f"{len(found)} figures match {pattern!r}, expected {count}:\n{text}"
    assert all(value > 0 for value in found), f"a figure of {pattern!r} is not positive: {found}\n{text}"
    return found


def wait_for_free_ports(base: int, offsets: range = range(100), timeout: float = 30.0) -> None:
    """A localnet that just stopped may hold its ports for a moment."""
    deadline = time.monotonic() + timeout
    while True:
        busy = []
        for port in (base + offset for offset in offsets):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    busy.append(port)
        if not busy:
            return
        assert time.monotonic() < deadline, f"ports {busy} are taken; set AMINO_BENCH_BASE_PORT"
        time.sleep(0.5)


def test_the_transfer_benchmark_measures_checktx_and_blocks_on_two_store_sizes() -> None:
    report = run_bench("transfers.py", "--skip-localnet", "--skip-kvstore", timeout=180)

    assert "PHASE FAILED" not in report
    figures(rf"CheckTx/s through the ABCI socket:\s+{NUMBER}", report, count=1)
    figures(rf"CheckTx/s in-process \(AminoApp.check_tx\):\s+{NUMBER}", report, count=1)
    figures(rf"ReCheckTx/s in-process \(sigs cached\):\s+{NUMBER}", report, count=1)
    assert figures(rf"^store with {NUMBER} funded accounts", report, count=2) == [1_000, 2_000]
    # the small store goes through the project's genesis (parse_app_state), the big one is written from records
    assert re.search(r"^store with 1,000 funded accounts \(setup [\d.]+s: custom allocation table via parse_app_state",
                     report, re.MULTILINE), report
    assert re.search(r"^store with 2,000 funded accounts \(setup [\d.]+s: GenesisAccount records", report, re.MULTILINE), report
    # every block row: transfers/s, then the finalize, commit and app-hash times, the hash share and the txs that passed
    rows = re.findall(rf"^  (\S.{{33}})\s*{NUMBER}\s+{NUMBER}ms\s+{NUMBER}ms\s+{NUMBER}ms\s+{NUMBER}%\s+{NUMBER}$", report,
                      re.MULTILINE)
    assert len(rows) == 6, report  # three blocks on each store
    for label, transfers_per_second, _finalize, _commit, _hash, _share, passed in rows:
        assert float(transfers_per_second.replace(",", "")) > 0, label
        assert int(passed) == 200, label
    figures(rf"^  \S.{{33}}\s*{NUMBER}x  \(", report, count=3)  # the per-transaction cost ratio of each block
    # the floor every app-only target is stated against, measured in the same run
    figures(rf"bare ed25519 verification on one core: {NUMBER}/s", report, count=1)
    # where the time goes, per tx, on each store: every stage is printed, and the total in verifications
    for stage in ("decode (tx envelope and sign doc, canonical check)", "ed25519 verification", "ante step", "message handlers",
                  "LevelDB state reads", "events into the response", "Merkle update / app hash", "Commit (LevelDB batch, synced)",
                  "rest of FinalizeBlock", "response protobuf encoding"):
        assert len(re.findall(rf"^  {re.escape(stage)}.*\s{NUMBER} us", report, re.MULTILINE)) == 2, (stage, report)
    figures(rf"^  total\s+{NUMBER} us  = {NUMBER} ed25519 verifications", report, count=2)
    # the targets, each with its figure and ratio
    assert "-- Targets of issue 15, measured in this run" in report, report
    figures(rf"^  CheckTx/s through the socket / ed25519 verify rate\s+{NUMBER}/s", report, count=1)
    figures(rf"^  block execution, sigs unverified / verify rate \(2,000 acc.\)\s+{NUMBER}/s", report, count=1)
    figures(rf"^  per-tx cost 2,000 / 1,000 accounts, sigs verified by CheckTx\s+{NUMBER} -> {NUMBER} us\s+{NUMBER}x", report, count=1)


def test_the_rewards_benchmark_times_blocks_with_few_and_many_delegators() -> None:
    report = run_bench("rewards.py", timeout=120)

    assert figures(rf"Fee distribution with {NUMBER} vs {NUMBER} delegators", report) == [20]
    rows = re.findall(rf"^  (empty block, fees allocated|one reward withdrawal|one fee-paying transfer)\s+{NUMBER}ms\s+"
                      rf"{NUMBER}ms\s+{NUMBER}$", report, re.MULTILINE)
    assert sorted(row[0] for row in rows) == ["empty block, fees allocated", "one fee-paying transfer",
                                              "one reward withdrawal"], report
    for _name, small, large, ratio in rows:
        assert float(small) > 0 and float(large) > 0 and float(ratio) > 0, report


def test_the_fog_benchmark_times_the_epoch_close_and_one_settlement_with_few_and_many_workers() -> None:
    report = run_bench("fog_epoch.py", timeout=120)

    sizes = re.search(rf"with {NUMBER} workers / {NUMBER} lockers vs {NUMBER} workers / {NUMBER} lockers", report)
    assert sizes is not None, report
    assert [int(value.replace(",", "")) for value in sizes.groups()] == [200, 20, 2_000, 200]
    rows = re.findall(rf"^  (epoch-close end block \(fog\)|epoch-close block \(\+ app hash, commit\)|"
                      rf"one settlement: a heartbeat \(worker \+ master\)|one settlement: a lock)\s+{NUMBER}ms\s+"
                      rf"{NUMBER}ms\s+{NUMBER}$", report, re.MULTILINE)
    assert sorted(row[0] for row in rows) == ["epoch-close block (+ app hash, commit)", "epoch-close end block (fog)",
                                              "one settlement: a heartbeat (worker + master)",
                                              "one settlement: a lock"], report
    for _name, small, large, ratio in rows:
        assert float(small) > 0 and float(large) > 0 and float(ratio) > 0, report


@pytest.mark.e2e
def test_the_transfer_benchmark_measures_a_real_localnet_and_the_kvstore_baseline() -> None:
    base, kvstore = BENCH_BASE_PORT, BENCH_BASE_PORT + 50
    wait_for_free_ports(base, range(40))
    wait_for_free_ports(kvstore, range(40))
    report = run_bench("transfers.py", "--skip-app", "--base-port", str(base), "--kvstore-base-port", str(kvstore),
                       timeout=240)

    assert "PHASE FAILED" not in report
    committed = re.findall(rf"^  committed, tx/s \(steady state\)\s+{NUMBER}\s+{NUMBER}", report, re.MULTILINE)
    assert len(committed) == 3, report  # closed loop, unbounded, fixed rate; Amino then kvstore
    assert all(float(amino.replace(",", "")) > 0 and float(kv.replace(",", "")) > 0 for amino, kv in committed), report
    figures(rf"^  latency p50 \(broadcast -> committed\)\s+{NUMBER} ms", report, count=3)
    figures(rf"=> at half the closed-loop saturating throughput \({NUMBER} tx/s\)", report, count=1)


@pytest.mark.e2e
def test_the_fault_campaign_survives_crashes_inside_commit_a_kill_and_a_pause_without_losing_a_transaction() -> None:
    base = BENCH_BASE_PORT + 150
    wait_for_free_ports(base)
    report = run_bench("chaos.py", "--base-port", str(base), timeout=900)
    assert figures(r"^faults injected: (\d+)", report) == [4.0]
    assert figures(r"^faults survived: (\d+)", report) == [4.0]
    assert re.search(r"^transactions seen committed: [1-9][\d,]*; lost: 0 ", report, re.MULTILINE), report
    assert re.search(r"app hash splits: 0$", report, re.MULTILINE), report
    assert figures(r"^worst catch-up: ([\d.]+) s", report)[0] <= 120
    figures(r"heights checked on every node: ([\d,]+)", report)


@pytest.mark.e2e
def test_the_task_benchmark_settles_tasks_on_a_real_localnet() -> None:
    wait_for_free_ports(BENCH_BASE_PORT)
    report = run_bench("tasks.py", "--base-port", str(BENCH_BASE_PORT), timeout=240)

    settled = figures(rf"^tasks settled: {NUMBER} \(", report, count=1)[0]
    figures(rf"^tasks settled: \d+ \({NUMBER} per minute\)", report, count=1)
    figures(rf"^task latency \(submit to settled, client side\): p50 {NUMBER}s", report, count=1)
    per_task = re.search(rf"^  total without heartbeats\s+{NUMBER}\s+{NUMBER}$", report, re.MULTILINE)
    assert per_task is not None, report
    assert float(per_task.group(1)) >= 6 and float(per_task.group(2)) > 0, report  # submit, assign, commits, reveals, confirm
    assert settled >= 1
    honest = re.search(r"^honest workers slashed: (\d+) of (\d+) \(([\d.]+)%, goal 0\); slashes: (\d+)", report, re.MULTILINE)
    assert honest is not None, report
    assert int(honest.group(2)) == 3 and honest.group(1) == honest.group(4) == "0", report


ECONOMICS_ROWS = ("honest", "honest 4-core", "sybil 4 as 4x1", "lying", "lazy", "heartbeat-only", "proven-idle", "copier",
                  "intermittent")
CHEATING = ("lying", "lazy", "heartbeat-only", "proven-idle", "copier", "intermittent")


def test_the_economics_benchmark_keeps_honest_workers_ahead_and_conserves_amio_and_fog() -> None:
    report = run_bench("economics.py", timeout=180)

    assert figures(rf"^FOG economics: {NUMBER} workers", report, count=1) == [13]
    # the table: one row per strategy, with workers, capacity, deposit, FOG, FOG/unit, FOG/100dep, AMIO, AMIO/unit,
    # deposit lost, fees, net/unit and return
    table = {}
    for match in re.finditer(r"^(\S+(?: \S+)*?)\s{2,}(\d+)\s+(\d+)\s+([\d,]+)\s+([\d,.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d,.]+)"
                             r"\s+([\d.]+)\s+([\d,.]+)\s+([\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)%$", report, re.MULTILINE):
        table[match.group(1)] = [float(value.replace(",", "")) for value in match.groups()[1:]]
    assert sorted(table) == sorted(ECONOMICS_ROWS), report
    assert "selective-liar" not in report  # the probes need the full-size run
    honest = table["honest"]
    assert honest[0] == 3 and honest[1] == 7 and honest[3] > 0 and honest[6] > 0, report  # FOG earned and redeemed
    assert table["heartbeat-only"][3] == 0 and table["copier"][3] == 0, report  # a heartbeat alone proves nothing
    assert table["lying"][8] > 0 and table["lazy"][8] > 0, report  # both lost deposit
    # every earner redeemed at one rate; the replicas and the running lock are reported
    figures(rf"^master nodes\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$", report, count=1)
    figures(rf"^locker, lock ended\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$", report, count=1)
    figures(rf"^replicas assigned: {NUMBER}", report, count=1)
    assert re.search(r"^audit, probe and tie-breaker share of replicas: [\d.]+%$", report, re.MULTILINE), report
    assert figures(r"^probes: ([\d,]+) started", report, count=1)[0] > 0, report

    checks = re.findall(r"^(PASS|FAIL) (.*)$", report, re.MULTILINE)
    assert [text for verdict, text in checks if verdict == "FAIL"] == [], report
    passed = [text for _verdict, text in checks]
    for cheater in CHEATING:
        assert any(text.startswith(f"honest earns more FOG per unit of capacity than {cheater}:") for text in passed)
        assert any(text.startswith(f"honest nets more AMIO per unit of capacity than {cheater}:") for text in passed)
    for claim in ("a 4-core machine split as 4x1 workers gains no availability points",
                  "a 4-core machine split as 4x1 workers gains no FOG",
                  "a 4-core machine split as 4x1 workers gains no redeemed AMIO",
                  "AMIO total supply is exactly 10^15 uamio: 1,000,000,000,000,000",
                  "FOG minted - burned = balances + unsettled + requested",
                  "every redeemable FOG was redeemed, burned and paid at one rate", "fog invariant check_supply",
                  "fog invariant check_points", "every module's invariants hold on the final state"):
        assert any(text.startswith(claim) for text in passed), f"no PASS line for {claim!r}:\n{report}"
    assert len(checks) == 2 * len(CHEATING) + 3 + 6, report


def test_the_cli_startup_benchmark_times_help_and_simple_commands_and_names_their_heavy_imports() -> None:
    report = run_bench("cli_startup.py", timeout=300)

    figures(rf"python -c pass \(the floor\)\s+{NUMBER} ms median", report, count=1)
    rows = re.findall(rf"^  amino (.+?)\s+{NUMBER} ms median\s+{NUMBER} ms best\s+{NUMBER} ms CPU .* heavy imports: "
                      rf"(.+)$", report, re.MULTILINE)
    assert [row[0] for row in rows] == ["--help", "version", "config get chain-id", "keys list", "keys show alice -a",
                                        "tx --help", "tx bank send --help", "query --help",
                                        "status --node tcp://127.0.0.1:9",
                                        "query bank balance alice --node tcp://127.0.0.1:9", "query tx ZZ"], report
    for command, median, best, cpu, heavy in rows:
        assert float(median) > 0 and float(best) > 0 and float(cpu) > 0, report
        # a command that talks to a node needs the HTTP client, and nothing heavier
        assert heavy == ("httpx" if "--node" in command else "none"), (command, heavy, report)
    assert re.search(r"^\d+ of 11 commands start within 150 ms of CPU time", report, re.MULTILINE), report


def test_gov_tally_bench_tiny_reports_votes_and_the_tally_end():
    report = run_bench("gov_tally.py", timeout=120)
    sizes = re.search(rf"with {NUMBER} voters and {NUMBER} delegations on {NUMBER} super nodes", report)
    assert sizes is not None, report
    assert [int(value.replace(",", "")) for value in sizes.groups()] == [200, 1_000, 20]
    for name in (r"one vote: the handler", r"one vote: as a block \(\+ app hash, commit\)",
                 r"one delegation change during voting \(with gov's hook\)",
                 r"largest per-block time while the tally ends: end block",
                 r"largest per-block time while the tally ends: as a block",
                 r"recount walking every vote and delegation \(for comparison\)"):
        figures(rf"^  {name}\s+{NUMBER}ms$", report, count=1)
    assert re.search(r"^  result: (passed|rejected|vetoed), tally ", report, re.MULTILINE), report


def test_the_gateway_benchmark_serves_50_clients_and_caches_immutable_data() -> None:
    base = BENCH_BASE_PORT + 100
    wait_for_free_ports(base)
    report = run_bench("gateway.py", "--base-port", str(base), timeout=300)
    assert "50 concurrent clients" in report
    figures(r"throughput: ([\d.]+) requests/s", report, count=1)
    assert re.search(r"\(\d+ requests, 0 errors\)", report), report
    cold, cached = figures(r"cold p50 ([\d.]+) ms", report, 1)[0], figures(r"cached p50 ([\d.]+) ms", report, 1)[0]
    assert cold > 0 and cached > 0
    for endpoint in ("status", "old block", "tx by hash", "balance", "candidates", "tx search"):
        assert re.search(rf"^{endpoint}\s+\d+\s+[\d.]+\s+[\d.]+\s+0$", report, re.MULTILINE), (endpoint, report)
    assert "forecast small: next prices" in report
    static = figures(r"against a constant FastAPI route .* \(([\d.]+) requests/s", report, count=1)[0]
    assert static > 0
    for endpoint in ("status", "old block", "tx by hash", "balance", "candidates", "tx search"):
        # alone: requests/s, the ratio to the constant route, p50, p99, no errors
        assert re.search(rf"^{endpoint}\s+[\d.]+\s+[\d.]+x\s+[\d.]+\s+[\d.]+\s+0$", report, re.MULTILINE), (endpoint, report)

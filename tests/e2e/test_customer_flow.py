"""The customer's flow on a real localnet, through the `amino` command line: failed jobs and their exit code, a
customer's own (unverified) module on the any-app workers, the quote against the escrow, and a task that waits for
capacity that is not there, with the reason.

Every wait is for a state, with room for a loaded machine; the localnet's liveness probes may hold a worker's
only slot for a while, so no test assumes which worker or master takes a task."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import wasmtime

from localnet.services import ANY_APP_WORKERS, ComputeServices
from tests.e2e.helpers import query
from wasm_jobs.examples import EXAMPLES, build

TRAP_WAT = """(module (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "run") (param i32 i32) (result i64) unreachable))"""
LOOP_WAT = """(module (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "run") (param i32 i32) (result i64) (loop $forever (br $forever)) (i64.const 0)))"""
RUN_SECONDS = 600  # how long one `task run` may take on a slow machine, probes included


def amino(services: ComputeServices, *args: str, timeout: float = RUN_SECONDS) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "cli.main", "--home", str(services.net.wallet_home), "--node",
               services.net.rpc_url(0), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def run_json(services, module, data, *extra: str) -> tuple[int, dict]:
    done = amino(services, "-o", "json", "task", "run", str(module), "--input", str(data), "--from", "alice", "--yes",
                 "--timeout", "400", *extra)
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize("wat, status, fuel", [(TRAP_WAT, "trap", 1_000_000_000), (LOOP_WAT, "out_of_fuel", 20_000_000)])
def test_a_job_that_traps_or_runs_out_of_fuel_is_a_failed_job_with_exit_4_and_no_output_file(services, tmp_path, wat,
                                                                                               status, fuel):
    module, data, out = tmp_path / f"{status}.wasm", tmp_path / "input.bin", tmp_path / f"{status}.out"
    module.write_bytes(bytes(wasmtime.wat2wasm(wat)))
    data.write_bytes(b"anything")
    code, report = run_json(services, module, data, "--max-fuel", str(fuel), "--out", str(out))
    assert code == 4, report
    assert (report["outcome"], report["job_status"], report["state"]) == ("failed_job", status, "settled")
    assert not out.exists() and report["output_file"] == "" and report["output_bytes"] == 0
    assert report["fuel_charged"] == report["fuel_used"] > 0 and report["paid"] > 0
    assert "verified fuel" in report["why_paid"]
    if status == "out_of_fuel":
        assert report["fuel_used"] == fuel


def test_a_customers_own_unverified_module_runs_on_an_any_app_worker(services, tmp_path):
    _wat, expected_fn, sample = EXAMPLES["hash_chain"]
    own = build("hash_chain") + b"\x00\x0a\x09customer1"  # a custom section: a module of its own, never verified
    module, data, out = tmp_path / "own.wasm", tmp_path / "own.input", tmp_path / "own.out"
    module.write_bytes(own)
    data.write_bytes(sample)
    code, report = run_json(services, module, data, "--out", str(out))
    assert code == 0, report
    assert report["outcome"] == "settled" and out.read_bytes() == expected_fn(sample)
    any_app = {services.address(name) for name in ANY_APP_WORKERS}
    assert report["workers"] and set(report["workers"]) <= any_app
    import hashlib

    assert query(services, f"/apppool/app/{hashlib.sha256(own).hexdigest()}")["verified"] is False


def test_task_quote_is_what_submit_escrows(services, tmp_path):
    """The localnet moves prices every 10 blocks (a few seconds): the quote and the submission run in this process,
    back to back, and an attempt whose price moved in between (a different price, or a submission refused because
    the price rose above the one it read) is tried again."""
    from click.testing import CliRunner

    from cli.main import cli

    module, data = tmp_path / "job.wasm", tmp_path / "job.input"
    module.write_bytes(build("matmul"))
    data.write_bytes(EXAMPLES["matmul"][2])
    base = ["--home", str(services.net.wallet_home), "--node", services.net.rpc_url(0), "-o", "json", "task"]
    args = ["--class", "small", "--replicas", "2", "--max-fuel", "300000000"]
    runner = CliRunner()
    for _attempt in range(8):
        quoted = runner.invoke(cli, base + ["quote", str(module), *args])
        assert quoted.exit_code == 0, quoted.output
        submitted = runner.invoke(cli, base + ["submit", str(module), "--input", str(data), *args, "--timeout", "60",
                                               "--from", "alice", "--yes"])
        if submitted.exit_code == 1 and "above your limit" in submitted.output:
            continue  # the price rose in the block that took the submission: refused, nothing escrowed
        assert submitted.exit_code == 0, submitted.output
        quote, task_id = json.loads(quoted.stdout), json.loads(submitted.stdout)["task_id"]
        task = query(services, f"/compute/task/{task_id}")
        amino(services, "task", "cancel", str(task_id), "--from", "alice", "--yes", timeout=120)
        if task["price"] == quote["price"]:
            assert task["escrow"] == quote["escrow_uamio"]
            return
    pytest.fail("the price moved between every quote and its submission")


def test_a_run_on_a_class_without_capacity_says_why_it_waits_and_exits_5(services, tmp_path):
    module, data = tmp_path / "hash_chain.wasm", tmp_path / "hash_chain.input"
    module.write_bytes(build("hash_chain"))  # the verified example: only the class is missing
    data.write_bytes(EXAMPLES["hash_chain"][2])
    done = amino(services, "task", "run", str(module), "--input", str(data), "--class", "gpu", "--from", "alice",
                 "--yes", "--timeout", "60", "--max-wait", "15", timeout=180)
    assert done.returncode == 5, done.stdout + done.stderr
    assert "waiting for a master with a free `gpu` worker" in done.stderr  # the progress line, plain on a pipe
    report = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if ":" in line}
    assert report["outcome"] == "timeout" and "free `gpu` worker" in report["waiting_for"]
    task_id = report["task_id"]
    cancelled = amino(services, "task", "cancel", task_id, "--from", "alice", "--yes", timeout=120)
    assert cancelled.returncode == 0, cancelled.stderr

"""run_sandboxed gives the in-process outcome, and turns hangs and crashes into non-committable statuses."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.wasm import job_modules as jobs
from wasm_jobs import run_job, run_sandboxed
from wasm_jobs.abi import STATUS_CRASHED, STATUS_OK, STATUS_OUT_OF_FUEL, STATUS_TIMEOUT
from wasm_jobs.examples import EXAMPLES
from wasm_jobs.sandbox import _child_environment, _run_child

MEMORY = 16 * 1024 * 1024
WALL = 10.0


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_sandboxed_example_matches_in_process_run(name: str, example_binaries: dict[str, bytes]) -> None:
    sample = EXAMPLES[name][2]
    sandboxed = run_sandboxed(example_binaries[name], sample, 10_000_000, MEMORY, WALL)
    assert sandboxed.status == STATUS_OK
    assert sandboxed == run_job(example_binaries[name], sample, 10_000_000, MEMORY)


@pytest.mark.parametrize("module", [jobs.UNREACHABLE, jobs.WITH_IMPORT, jobs.GARBAGE, jobs.INFINITE_LOOP])
def test_sandboxed_failures_match_in_process_run(module: bytes) -> None:
    assert run_sandboxed(module, b"abc", 100_000, MEMORY, WALL) == run_job(module, b"abc", 100_000, MEMORY)


def test_sandbox_carries_large_inputs_and_outputs() -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB
    echo_with_room = jobs.ECHO.replace(b'(memory (export "memory") 1)', b'(memory (export "memory") 17)')
    outcome = run_sandboxed(echo_with_room, payload, 1_000_000, 4 * 1024 * 1024, WALL)
    assert (outcome.status, outcome.output) == (STATUS_OK, payload)


def test_infinite_loop_with_huge_fuel_is_killed_at_the_wall_clock_limit() -> None:
    started = time.monotonic()
    outcome = run_sandboxed(jobs.INFINITE_LOOP, b"", 2**63, MEMORY, wall_timeout_s=1.0)
    elapsed = time.monotonic() - started
    assert outcome.status == STATUS_TIMEOUT
    assert (outcome.output, outcome.fuel_used) == (b"", 0)
    assert 1.0 <= elapsed < 3.0


def test_infinite_loop_with_bounded_fuel_ends_out_of_fuel_inside_the_sandbox() -> None:
    outcome = run_sandboxed(jobs.INFINITE_LOOP, b"", 1_000_000, MEMORY, WALL)
    assert (outcome.status, outcome.fuel_used) == (STATUS_OUT_OF_FUEL, 1_000_000)


def test_child_killed_by_a_signal_is_reported_as_crashed() -> None:
    command = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    outcome = _run_child(command, b"", WALL, _child_environment())
    assert outcome.status == STATUS_CRASHED
    assert "SIGKILL" in outcome.detail


def test_child_exiting_with_an_error_is_reported_as_crashed() -> None:
    command = [sys.executable, "-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"]
    outcome = _run_child(command, b"", WALL, _child_environment())
    assert outcome.status == STATUS_CRASHED
    assert "exit code 3" in outcome.detail and "boom" in outcome.detail


def test_child_replying_with_garbage_is_reported_as_crashed() -> None:
    command = [sys.executable, "-c", "import sys; sys.stdout.write('not msgpack at all')"]
    outcome = _run_child(command, b"", WALL, _child_environment())
    assert outcome.status == STATUS_CRASHED


def test_missing_interpreter_is_reported_as_crashed() -> None:
    outcome = _run_child(["/nonexistent/python"], b"", WALL, _child_environment())
    assert outcome.status == STATUS_CRASHED


def test_child_limits_its_own_cpu_time_and_core_dumps() -> None:
    code = (
        "import resource; from wasm_jobs.sandbox import _limit_child; _limit_child(3); "
        "print(resource.getrlimit(resource.RLIMIT_CPU), resource.getrlimit(resource.RLIMIT_CORE))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=_child_environment(), capture_output=True, text=True, check=True, timeout=WALL
    )
    assert result.stdout.strip() == "(3, 4) (0, 0)"


@pytest.mark.parametrize("wall_timeout_s", [0, -1.0, float("inf"), float("nan")])
def test_impossible_wall_timeout_is_a_caller_error(wall_timeout_s: float) -> None:
    with pytest.raises(ValueError):
        run_sandboxed(jobs.ECHO, b"", 1000, MEMORY, wall_timeout_s)

"""run_job classifies every way a job can end, deterministically, and never raises for the job's faults."""

from __future__ import annotations

import struct

import pytest
import wasmtime

from tests.wasm import job_modules as jobs
from wasm_jobs import run_job
from wasm_jobs.abi import (
    DETERMINISTIC_STATUSES,
    MAX_TABLE_ELEMENTS,
    STATUS_BAD_OUTPUT,
    STATUS_HOST_ERROR,
    STATUS_INVALID_MODULE,
    STATUS_OK,
    STATUS_OUT_OF_FUEL,
    STATUS_TRAP,
)
from wasm_jobs.examples import EXAMPLES

FUEL = 10_000_000
MEMORY = 1024 * 1024


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("max_fuel", [0, 1, 1000])
def test_example_with_too_little_fuel_runs_out_using_all_of_it(
    name: str, max_fuel: int, example_binaries: dict[str, bytes]
) -> None:
    outcome = run_job(example_binaries[name], EXAMPLES[name][2], max_fuel, MEMORY)
    assert outcome.status == STATUS_OUT_OF_FUEL
    assert outcome.fuel_used == max_fuel
    assert outcome.output == b""


def test_fuel_near_the_limit_is_charged_at_checkpoints_but_never_exceeded(example_binaries: dict[str, bytes]) -> None:
    # wasmtime checks fuel at function entries and loop back-edges, so a run
    # whose final straight-line stretch overdraws a little still ends ok;
    # either way fuel_used never exceeds max_fuel and is repeatable.
    _, reference_function, sample = EXAMPLES["matmul"]
    needed = run_job(example_binaries["matmul"], sample, FUEL, MEMORY).fuel_used
    statuses = set()
    for max_fuel in range(needed - 30, needed + 2):
        outcome = run_job(example_binaries["matmul"], sample, max_fuel, MEMORY)
        assert outcome == run_job(example_binaries["matmul"], sample, max_fuel, MEMORY)
        assert outcome.fuel_used == min(needed, max_fuel)
        if outcome.status == STATUS_OK:
            assert outcome.output == reference_function(sample)
        else:
            assert outcome.status == STATUS_OUT_OF_FUEL
        statuses.add(outcome.status)
    assert statuses == {STATUS_OK, STATUS_OUT_OF_FUEL}


def test_echo_returns_its_input_including_empty_input() -> None:
    assert run_job(jobs.ECHO, b"hello", FUEL, MEMORY).output == b"hello"
    empty = run_job(jobs.ECHO, b"", FUEL, MEMORY)
    assert (empty.status, empty.output) == (STATUS_OK, b"")


def test_module_is_accepted_as_binary_or_wat_text() -> None:
    assert run_job(jobs.binary(jobs.ECHO), b"x", FUEL, MEMORY) == run_job(jobs.ECHO, b"x", FUEL, MEMORY)


def test_infinite_loop_runs_out_of_fuel() -> None:
    outcome = run_job(jobs.INFINITE_LOOP, b"", 123_456, MEMORY)
    assert (outcome.status, outcome.fuel_used) == (STATUS_OUT_OF_FUEL, 123_456)


@pytest.mark.parametrize(
    ("module", "kind"),
    [
        (jobs.UNREACHABLE, "unreachable"),
        (jobs.DIVIDE_BY_ZERO, "integer_division_by_zero"),
        (jobs.OUT_OF_BOUNDS_LOAD, "memory_out_of_bounds"),
        (jobs.STACK_OVERFLOW, "stack_overflow"),
        (jobs.MEMORY_HOG_TRAPS, "memory_out_of_bounds"),
        (jobs.START_TRAPS, "unreachable"),
    ],
)
def test_trapping_module_gives_trap_with_repeatable_fuel(module: bytes, kind: str) -> None:
    first = run_job(module, b"abc", FUEL, MEMORY)
    assert first.status == STATUS_TRAP
    assert kind in first.detail
    assert first.output == b""
    assert 0 <= first.fuel_used < FUEL
    assert run_job(module, b"abc", FUEL, MEMORY) == first


def test_stack_overflow_with_little_fuel_runs_out_of_fuel_first() -> None:
    outcome = run_job(jobs.STACK_OVERFLOW, b"", 100, MEMORY)
    assert (outcome.status, outcome.fuel_used) == (STATUS_OUT_OF_FUEL, 100)


def test_start_function_is_charged_fuel() -> None:
    outcome = run_job(jobs.START_LOOPS, b"", 5_000, MEMORY)
    assert (outcome.status, outcome.fuel_used) == (STATUS_OUT_OF_FUEL, 5_000)


@pytest.mark.parametrize("limit_pages", [1, 2, 16, 100])
def test_memory_cannot_grow_past_the_limit(limit_pages: int) -> None:
    outcome = run_job(jobs.MEMORY_HOG_REPORTS, b"", FUEL, limit_pages * jobs.PAGE)
    assert outcome.status == STATUS_OK
    assert struct.unpack("<I", outcome.output)[0] == limit_pages


def test_memory_limit_rounds_down_to_whole_pages() -> None:
    outcome = run_job(jobs.MEMORY_HOG_REPORTS, b"", FUEL, 3 * jobs.PAGE - 1)
    assert struct.unpack("<I", outcome.output)[0] == 2


def test_memory_hog_that_ignores_refusal_traps() -> None:
    outcome = run_job(jobs.MEMORY_HOG_TRAPS, b"", FUEL, 4 * jobs.PAGE)
    assert outcome.status == STATUS_TRAP


def test_memory_minimum_above_the_limit_traps_before_running() -> None:
    outcome = run_job(jobs.HUGE_MINIMUM_MEMORY, b"", FUEL, MEMORY)
    assert (outcome.status, outcome.fuel_used) == (STATUS_TRAP, 0)
    assert run_job(jobs.HUGE_MINIMUM_MEMORY, b"", FUEL, 64 * MEMORY).status == STATUS_OK


def test_input_that_does_not_fit_at_the_alloc_pointer_traps() -> None:
    assert run_job(jobs.ALLOC_OUT_OF_BOUNDS, b"ab", FUEL, MEMORY).status == STATUS_OK
    assert run_job(jobs.ALLOC_OUT_OF_BOUNDS, b"abc", FUEL, MEMORY).status == STATUS_TRAP


def test_input_larger_than_memory_traps_in_alloc(example_binaries: dict[str, bytes]) -> None:
    # The examples' allocator hits unreachable when memory.grow is refused.
    outcome = run_job(example_binaries["hash_chain"], bytes(3 * jobs.PAGE), FUEL, 2 * jobs.PAGE)
    assert outcome.status == STATUS_TRAP
    assert "alloc" in outcome.detail


@pytest.mark.parametrize(
    "module",
    [
        jobs.WITH_IMPORT,
        jobs.MISSING_RUN,
        jobs.MISSING_ALLOC,
        jobs.MISSING_MEMORY,
        jobs.RUN_RETURNS_I32,
        jobs.ALLOC_IS_A_GLOBAL,
        jobs.SHARED_MEMORY,
        jobs.MEMORY64,
        jobs.TWO_MEMORIES,
        jobs.HUGE_HIDDEN_TABLE,
        jobs.GARBAGE,
        jobs.BAD_BINARY,
        b"",
        b"\x00asm",
        b"(module",
        bytes(range(256)),
    ],
)
def test_module_breaking_the_abi_is_invalid_and_costs_no_fuel(module: bytes) -> None:
    outcome = run_job(module, b"abc", FUEL, MEMORY)
    assert (outcome.status, outcome.fuel_used, outcome.output) == (STATUS_INVALID_MODULE, 0, b"")
    assert outcome.detail


def test_table_at_the_limit_is_allowed_and_cannot_grow_past_it() -> None:
    module = jobs.job_wat(
        "(i32.store (i32.const 0) (table.grow $t (ref.null func) (i32.const 1))) (i64.const 4)",
        extra=f"(table $t {MAX_TABLE_ELEMENTS} funcref)",
    )
    outcome = run_job(module, b"", FUEL, MEMORY)
    assert outcome.status == STATUS_OK
    assert struct.unpack("<i", outcome.output)[0] == -1


@pytest.mark.parametrize(
    ("pointer", "length"),
    [
        (jobs.PAGE - 4, 5),  # runs one byte past the end
        (jobs.PAGE, 1),
        (0xFFFF_FFFF, 0xFFFF_FFFF),
    ],
)
def test_output_outside_memory_is_bad_output(pointer: int, length: int) -> None:
    outcome = run_job(jobs.job_wat(jobs.returning(pointer, length)), b"", FUEL, MEMORY)
    assert outcome.status == STATUS_BAD_OUTPUT
    assert outcome.fuel_used > 0


def test_output_ending_exactly_at_the_end_of_memory_is_ok() -> None:
    outcome = run_job(jobs.job_wat(jobs.returning(jobs.PAGE - 4, 4)), b"", FUEL, MEMORY)
    assert (outcome.status, outcome.output) == (STATUS_OK, b"\x00" * 4)


def test_output_longer_than_max_output_bytes_is_bad_output() -> None:
    module = jobs.job_wat(jobs.returning(0, 100))
    assert run_job(module, b"", FUEL, MEMORY, max_output_bytes=100).status == STATUS_OK
    assert run_job(module, b"", FUEL, MEMORY, max_output_bytes=99).status == STATUS_BAD_OUTPUT


def test_float_nans_come_out_canonical_whatever_their_payload() -> None:
    signalling_nan = struct.pack("<Q", 0x7FF4_0000_0000_0001)
    negative_payload_nan = struct.pack("<Q", 0xFFF8_DEAD_BEEF_0001)
    for nan in (signalling_nan, negative_payload_nan):
        outcome = run_job(jobs.FLOAT_ADD_ONE, nan, FUEL, MEMORY)
        assert outcome.status == STATUS_OK
        assert struct.unpack("<Q", outcome.output)[0] == 0x7FF8_0000_0000_0000
    assert run_job(jobs.FLOAT_ADD_ONE, struct.pack("<d", 1.5), FUEL, MEMORY).output == struct.pack("<d", 2.5)


def test_every_bad_module_ends_in_a_deterministic_status() -> None:
    modules = [value for value in vars(jobs).values() if isinstance(value, bytes)]
    assert len(modules) > 20
    for module in modules:
        for max_fuel in (0, 50, FUEL):
            outcome = run_job(module, b"abc", max_fuel, MEMORY)
            assert outcome.status in DETERMINISTIC_STATUSES, (module, outcome)
            assert 0 <= outcome.fuel_used <= max_fuel


@pytest.mark.parametrize(
    ("max_fuel", "max_memory_bytes", "max_output_bytes"),
    [(-1, MEMORY, 10), (FUEL, -1, 10), (FUEL, MEMORY, -1), (2**64, MEMORY, 10), (1.5, MEMORY, 10), (True, MEMORY, 10)],
)
def test_impossible_limits_are_a_caller_error(max_fuel: object, max_memory_bytes: int, max_output_bytes: int) -> None:
    with pytest.raises(ValueError):
        run_job(jobs.ECHO, b"", max_fuel, max_memory_bytes, max_output_bytes)  # type: ignore[arg-type]


def test_module_that_is_not_bytes_is_a_caller_error() -> None:
    with pytest.raises(TypeError):
        run_job(jobs.ECHO.decode(), b"", FUEL, MEMORY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        wasmtime.WasmtimeError("the OS refused to map memory"),
        wasmtime.Trap("a trap without a code"),
        MemoryError(),
    ],
    ids=["wasmtime_error", "uncoded_trap", "python_error"],
)
def test_host_failures_become_host_error_instead_of_raising(error: Exception, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_instance(*args: object) -> None:
        raise error

    monkeypatch.setattr(wasmtime, "Instance", failing_instance)
    outcome = run_job(jobs.ECHO, b"", FUEL, MEMORY)
    assert outcome.status == STATUS_HOST_ERROR
    assert outcome.status not in DETERMINISTIC_STATUSES

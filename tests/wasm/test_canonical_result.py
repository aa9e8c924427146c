"""Workers commit to canonical_result / result_hash: the output, or a fixed blob per failure status."""

from __future__ import annotations

import hashlib

import pytest

from tests.wasm import job_modules as jobs
from wasm_jobs import JobOutcome, canonical_result, result_hash, run_job
from wasm_jobs.abi import (
    DETERMINISTIC_STATUSES,
    STATUS_CRASHED,
    STATUS_HOST_ERROR,
    STATUS_OK,
    STATUS_TIMEOUT,
)

FUEL = 1_000_000
MEMORY = 1024 * 1024


def test_canonical_result_of_ok_is_the_output() -> None:
    outcome = run_job(jobs.ECHO, b"payload", FUEL, MEMORY)
    assert canonical_result(outcome) == b"payload"
    assert result_hash(outcome) == hashlib.sha256(b"payload").digest()


@pytest.mark.parametrize("status", sorted(DETERMINISTIC_STATUSES - {STATUS_OK}))
def test_canonical_result_of_a_failure_is_a_fixed_blob(status: str) -> None:
    outcome = JobOutcome(status, b"", 7, "wasmtime said something version-specific")
    assert canonical_result(outcome) == b"AMINO-JOB-ERROR\x00" + status.encode()
    assert result_hash(outcome) == hashlib.sha256(b"AMINO-JOB-ERROR\x00" + status.encode()).digest()


def test_failures_with_different_details_and_fuel_hash_the_same() -> None:
    unreachable = run_job(jobs.UNREACHABLE, b"", FUEL, MEMORY)
    divide = run_job(jobs.DIVIDE_BY_ZERO, b"", FUEL, MEMORY)
    assert unreachable.detail != divide.detail
    assert result_hash(unreachable) == result_hash(divide)


def test_distinct_failure_statuses_hash_differently() -> None:
    hashes = {result_hash(JobOutcome(status, b"", 0, "")) for status in DETERMINISTIC_STATUSES - {STATUS_OK}}
    assert len(hashes) == len(DETERMINISTIC_STATUSES) - 1


@pytest.mark.parametrize("status", [STATUS_TIMEOUT, STATUS_CRASHED, STATUS_HOST_ERROR])
def test_non_deterministic_statuses_cannot_be_committed_to(status: str) -> None:
    outcome = JobOutcome(status, b"", 0, "killed")
    with pytest.raises(ValueError, match="must not be committed"):
        canonical_result(outcome)
    with pytest.raises(ValueError):
        result_hash(outcome)

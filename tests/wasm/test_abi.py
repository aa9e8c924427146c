"""The ABI helpers read modules the same way whatever their encoding."""

from __future__ import annotations

import pytest

from tests.wasm import job_modules as jobs
from wasm_jobs import abi


def test_to_binary_keeps_binaries_and_translates_text() -> None:
    wasm = jobs.binary(jobs.ECHO)
    assert abi.to_binary(wasm) == wasm
    assert abi.to_binary(jobs.ECHO) == wasm


def test_to_binary_rejects_unparseable_text() -> None:
    with pytest.raises(abi.AbiViolation, match="neither a wasm binary nor valid WAT"):
        abi.to_binary(b"(module (func")


def test_table_minimums_include_unexported_tables() -> None:
    module = jobs.job_wat(
        "(i64.const 0)",
        extra='(table 3 funcref) (table 70000 200000 externref) (table (export "t") 0 funcref)',
    )
    assert abi.declared_table_minimums(jobs.binary(module)) == [3, 70000, 0]


def test_table_minimums_of_a_module_without_tables_are_empty() -> None:
    assert abi.declared_table_minimums(jobs.binary(jobs.ECHO)) == []


def test_table_minimums_skip_custom_sections() -> None:
    wasm = jobs.binary(jobs.job_wat("(i64.const 0)", extra="(table 9 funcref)"))
    header, body = wasm[:8], wasm[8:]
    custom = b"\x00\x06\x04name" + b"\x01"  # id 0, size 6, name "name", one payload byte
    assert abi.declared_table_minimums(header + custom + body) == [9]


def test_error_summary_keeps_the_cause_but_not_the_backtrace() -> None:
    error = Exception("failed to compile\n\nCaused by:\n    0: translation error\n    1: type mismatch at 39\n")
    assert abi.error_summary(error) == "failed to compile: type mismatch at 39"

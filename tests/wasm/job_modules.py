"""Small hand-written job modules (WAT) that exercise each way a run can end."""

from __future__ import annotations

from typing import Final

import wasmtime

PAGE: Final = 65_536


def job_wat(
    run_body: str,
    *,
    memory: str = '(memory (export "memory") 1)',
    alloc_body: str = "(i32.const 1024)",
    extra: str = "",
) -> bytes:
    """A module meeting the ABI whose ``run`` executes ``run_body`` (WAT text, as bytes)."""
    return f"""(module
      {memory}
      (func (export "alloc") (param $size i32) (result i32) {alloc_body})
      (func (export "run") (param $ptr i32) (param $len i32) (result i64) {run_body})
      {extra}
    )""".encode()


def binary(wat: bytes) -> bytes:
    return bytes(wasmtime.wat2wasm(wat))


def returning(pointer: int, length: int) -> str:
    """A run body that returns the given output location."""
    return f"(i64.const {(pointer << 32) | length})"


ECHO: Final = job_wat(
    "(i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) (i64.extend_i32_u (local.get $len)))"
)

UNREACHABLE: Final = job_wat("(drop (i32.add (local.get $len) (i32.const 1))) unreachable")

INFINITE_LOOP: Final = job_wat("(loop $forever (br $forever)) (i64.const 0)")

DIVIDE_BY_ZERO: Final = job_wat(
    "(drop (i32.div_u (i32.const 1) (i32.sub (local.get $len) (local.get $len)))) (i64.const 0)"
)

OUT_OF_BOUNDS_LOAD: Final = job_wat("(i64.load (i32.const 0x7fffffff))")

STACK_OVERFLOW: Final = job_wat(
    "(drop (call $recurse (i32.const 0))) (i64.const 0)",
    extra="(func $recurse (param i32) (result i32) (call $recurse (i32.add (local.get 0) (i32.const 1))))",
)

# Grows one page at a time until refused, then reports memory.size (pages)
# as 4 output bytes at address 0.
MEMORY_HOG_REPORTS: Final = job_wat(
    """(block $refused
         (loop $more
           (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
           (br $more)))
       (i32.store (i32.const 0) (memory.size))
       (i64.const 4)"""
)

# Grows until refused, then writes just past the end of memory anyway.
MEMORY_HOG_TRAPS: Final = job_wat(
    """(block $refused
         (loop $more
           (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
           (br $more)))
       (i32.store8 (i32.shl (memory.size) (i32.const 16)) (i32.const 1))
       (i64.const 0)"""
)

# Asks for 64 MiB of memory up front.
HUGE_MINIMUM_MEMORY: Final = job_wat("(i64.const 0)", memory='(memory (export "memory") 1024)')

WITH_IMPORT: Final = b"""(module
  (import "env" "host" (func $host))
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "run") (param i32 i32) (result i64) (call $host) (i64.const 0)))"""

MISSING_RUN: Final = b"""(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 0)))"""

MISSING_ALLOC: Final = b"""(module
  (memory (export "memory") 1)
  (func (export "run") (param i32 i32) (result i64) (i64.const 0)))"""

MISSING_MEMORY: Final = b"""(module
  (memory 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "run") (param i32 i32) (result i64) (i64.const 0)))"""

RUN_RETURNS_I32: Final = b"""(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "run") (param i32 i32) (result i32) (i32.const 0)))"""

ALLOC_IS_A_GLOBAL: Final = b"""(module
  (memory (export "memory") 1)
  (global (export "alloc") i32 (i32.const 0))
  (func (export "run") (param i32 i32) (result i64) (i64.const 0)))"""

SHARED_MEMORY: Final = job_wat("(i64.const 0)", memory='(memory (export "memory") 1 1 shared)')

MEMORY64: Final = job_wat("(i64.const 0)", memory='(memory (export "memory") i64 1)')

TWO_MEMORIES: Final = job_wat("(i64.const 0)", extra="(memory $second 1)")

HUGE_HIDDEN_TABLE: Final = job_wat("(i64.const 0)", extra="(table 1000000 funcref)")

GARBAGE: Final = b"\x13\x37 this is not a module \xff\xfe"
BAD_BINARY: Final = b"\x00asm\x01\x00\x00\x00\x99garbage"

START_TRAPS: Final = job_wat("(i64.const 0)", extra="(func $start unreachable) (start $start)")
START_LOOPS: Final = job_wat("(i64.const 0)", extra="(func $start (loop $l (br $l))) (start $start)")

ALLOC_OUT_OF_BOUNDS: Final = job_wat("(i64.const 0)", alloc_body="(i32.const 65534)")

# Reads an f64 from the input, adds 1.0 and outputs the 8 result bytes:
# a NaN input comes out as the canonical NaN whatever its payload.
FLOAT_ADD_ONE: Final = job_wat(
    """(f64.store (i32.const 0) (f64.add (f64.load (local.get $ptr)) (f64.const 1)))
       (i64.const 8)"""
)

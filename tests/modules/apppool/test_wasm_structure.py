"""The register handler's structural check of a WebAssembly module (chain_modules/apppool/wasm.py)."""

from __future__ import annotations

import pytest
import wasmtime
from hypothesis import given, settings, strategies as st

from chain_modules.apppool.wasm import WasmStructureError, check_structure
from wasm_jobs.examples import EXAMPLES, build

HEADER = b"\x00asm\x01\x00\x00\x00"


def wat(text: str) -> bytes:
    return bytes(wasmtime.wat2wasm(text))


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_job_passes(name):
    check_structure(build(name))


def test_an_empty_module_and_custom_sections_pass():
    check_structure(HEADER)
    check_structure(HEADER + b"\x00\x05\x04name")  # a custom section named "name", empty payload


@pytest.mark.parametrize("module, words", [
    (b"hello, world\n", "magic"),
    (b"(module (func))", "WAT text"),
    (b"\x00asm\x02\x00\x00\x00", "version"),
    (HEADER + b"\x0e\x00", "unknown section id 14"),
    (HEADER + b"\x01\x05\x00", "past the module's end"),
    (HEADER + b"\x01\xff\xff\xff\xff\x7f", r"above 2\^32 - 1"),
    (HEADER + b"\x01\x80\x80\x80\x80\x80\x00", "longer than 5 bytes"),
    (HEADER + b"\x01\x80", "ends inside a number"),
    (HEADER + b"\x03\x01\x00\x01\x01\x00", "out of order"),
    (HEADER + b"\x01\x01\x00\x01\x01\x00", "repeated"),
    (HEADER + b"\x00\x02\x05a", "name runs past"),
    (HEADER + b"\x02\x00", "ends inside a number"),  # an import section with no count
])
def test_a_malformed_module_is_refused_with_the_reason(module, words):
    with pytest.raises(WasmStructureError, match=words):
        check_structure(module)


def test_a_module_with_an_import_is_refused():
    module = wat('(module (import "env" "f" (func)) (memory (export "memory") 1))')
    with pytest.raises(WasmStructureError, match="1 import"):
        check_structure(module)


def test_a_truncated_example_is_refused():
    module = build("hash_chain")
    with pytest.raises(WasmStructureError):
        check_structure(module[:-3])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_after_the_header_never_raise_anything_but_the_structure_error(tail):
    try:
        check_structure(HEADER + tail)
    except WasmStructureError:
        pass

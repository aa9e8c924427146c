"""The job ABI: what a compute job module must look like and what a run can end in.

A job is a core WebAssembly module, given either as the binary format (bytes
starting with ``b"\\0asm"``) or as WAT text (any other bytes, UTF-8). The
module must be pure computation, so that two honest workers get bit-identical
results:

- It has NO imports of any kind (no functions, memories, tables, globals).
  A module with imports is rejected: it could only reach host state.
- It exports exactly these, with these types:

  ``memory``  a 32-bit, non-shared linear memory with 64 KiB pages
  ``alloc``   ``(func (param $size i32) (result i32))`` returning a pointer
              where the host may write ``size`` bytes of input
  ``run``     ``(func (param $ptr i32) (param $len i32) (result i64))``
              computing over the input and returning
              ``(out_ptr << 32) | out_len`` (both unsigned 32-bit) locating
              the output bytes in ``memory``

Other exports are allowed and ignored. A start function is allowed; it runs
during instantiation and is charged fuel like everything else.

The host, for every job:

1. compiles and validates the module, checks the rules above;
2. instantiates it in a fresh store holding ``max_fuel`` fuel, with linear
   memory capped at ``max_memory_bytes`` (``memory.grow`` past the cap
   returns -1) and every table capped at ``MAX_TABLE_ELEMENTS``;
3. calls ``alloc(len(input))`` and writes the input at the returned pointer;
4. calls ``run(ptr, len(input))`` and copies out the output bytes.

How a run ends (``status``). The first five are deterministic given the same
module, input and limits, so workers commit to them; the rest mean "could
not compute" and must never be committed to:

``ok``              the output is the job's result
``out_of_fuel``     fuel ran out; fuel_used == max_fuel
``trap``            a wasm trap (unreachable, out-of-bounds access, stack
                    overflow, integer division by zero, ...), a memory
                    minimum above ``max_memory_bytes``, or an ``alloc``
                    pointer that cannot hold the input (the host's write is
                    treated like the module's own out-of-bounds store)
``invalid_module``  does not parse or validate under the host's feature set,
                    has imports, lacks an ABI export or has the wrong type,
                    or declares a table larger than ``MAX_TABLE_ELEMENTS``
``bad_output``      the output range lies outside memory or is longer than
                    ``max_output_bytes``
``host_error``      the host failed in a way that is not a property of the
                    job (e.g. the OS refused memory)
``timeout``         the sandbox's wall-clock limit killed the run
``crashed``         the sandbox process died

Fuel is wasmtime's per-instruction fuel. Its costs are fixed for one
wasmtime version and engine configuration, so all workers must run the same
version to agree on ``fuel_used``. wasmtime checks the balance only at
function entries and loop back-edges, so a run whose last straight-line
stretch overdraws by a few units still ends ``ok``; ``fuel_used`` is then
reported as ``max_fuel`` and never exceeds it. Stack overflow depends on
compiled frame sizes: the host pins the compilation target so all workers
on one architecture agree, but x86_64 and aarch64 workers may overflow at
different depths (different ``fuel_used``, or ``trap`` against
``out_of_fuel`` near the fuel limit).
"""

from __future__ import annotations

import re
from typing import Final

import wasmtime

WASM_MAGIC: Final = b"\x00asm"

EXPORT_MEMORY: Final = "memory"
EXPORT_ALLOC: Final = "alloc"
EXPORT_RUN: Final = "run"

# A funcref table element costs the host 8 bytes; this bounds that cost
# without going near what real compilers emit (a few thousand entries).
MAX_TABLE_ELEMENTS: Final = 65_536

STATUS_OK: Final = "ok"
STATUS_OUT_OF_FUEL: Final = "out_of_fuel"
STATUS_TRAP: Final = "trap"
STATUS_INVALID_MODULE: Final = "invalid_module"
STATUS_BAD_OUTPUT: Final = "bad_output"
STATUS_HOST_ERROR: Final = "host_error"
STATUS_TIMEOUT: Final = "timeout"
STATUS_CRASHED: Final = "crashed"

DETERMINISTIC_STATUSES: Final = frozenset(
    {STATUS_OK, STATUS_OUT_OF_FUEL, STATUS_TRAP, STATUS_INVALID_MODULE, STATUS_BAD_OUTPUT}
)
ALL_STATUSES: Final = DETERMINISTIC_STATUSES | {STATUS_HOST_ERROR, STATUS_TIMEOUT, STATUS_CRASHED}


class AbiViolation(Exception):
    """The module breaks a rule of the job ABI; the message says which."""


def to_binary(module: bytes) -> bytes:
    """Return the binary encoding, translating WAT text so later checks see one format.

    Raises: AbiViolation if the text does not parse.
    """
    if module.startswith(WASM_MAGIC):
        return module
    try:
        return bytes(wasmtime.wat2wasm(module))
    except wasmtime.WasmtimeError as error:
        raise AbiViolation(f"neither a wasm binary nor valid WAT text: {error_summary(error)}") from None


def check_module_shape(module: wasmtime.Module) -> wasmtime.MemoryType:
    """Check imports and exports against the ABI and return the memory's type.

    Raises: AbiViolation
    """
    imports = module.imports
    if imports:
        first = imports[0]
        raise AbiViolation(f"module has {len(imports)} import(s), e.g. {first.module}.{first.name}")

    exports = {export.name: export.type for export in module.exports}
    memory = exports.get(EXPORT_MEMORY)
    if not isinstance(memory, wasmtime.MemoryType):
        raise AbiViolation(f"missing memory export {EXPORT_MEMORY!r}")
    if memory.is_64 or memory.is_shared or memory.page_size != 65_536:
        raise AbiViolation("memory must be 32-bit, non-shared, with 64 KiB pages")

    i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
    _check_function(exports, EXPORT_ALLOC, [i32], [i32])
    _check_function(exports, EXPORT_RUN, [i32, i32], [i64])
    return memory


def _check_function(
    exports: dict[str, object],
    name: str,
    params: list[wasmtime.ValType],
    results: list[wasmtime.ValType],
) -> None:
    export = exports.get(name)
    if not isinstance(export, wasmtime.FuncType):
        raise AbiViolation(f"missing function export {name!r}")
    if export.params != params or export.results != results:
        raise AbiViolation(
            f"export {name!r} has type {export.params} -> {export.results}, expected {params} -> {results}"
        )


def declared_table_minimums(binary: bytes) -> list[int]:
    """Return the minimum size of every table the module defines, exported or not.

    wasmtime's API only shows exported tables, and an unexported table above
    the store limit would fail instantiation with an error we cannot tell
    apart from a host failure; reading the table section settles it up
    front. Only call this on a binary wasmtime has already validated.

    Raises: AbiViolation on an encoding this host does not enable.
    """
    reader = _Reader(binary)
    reader.position = len(WASM_MAGIC) + 4  # magic and version
    while not reader.at_end():
        section_id = reader.byte()
        size = reader.unsigned()
        end = reader.position + size
        if section_id == _TABLE_SECTION:
            minimums = []
            for _ in range(reader.unsigned()):
                reader.byte()  # reference type: funcref or externref
                flags = reader.byte()
                if flags not in (0x00, 0x01):
                    raise AbiViolation(f"unsupported table limits encoding 0x{flags:02x}")
                minimums.append(reader.unsigned())
                if flags == 0x01:
                    reader.unsigned()
            return minimums
        reader.position = end
    return []


_TABLE_SECTION: Final = 4
_CAUSE_NUMBER: Final = re.compile(r"^\d+:\s*")


class _Reader:
    """Just enough of a wasm binary reader to walk sections and LEB128 integers."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def at_end(self) -> bool:
        return self.position >= len(self.data)

    def byte(self) -> int:
        if self.at_end():
            raise AbiViolation("unexpected end of module")
        value = self.data[self.position]
        self.position += 1
        return value

    def unsigned(self) -> int:
        result = 0
        shift = 0
        while True:
            value = self.byte()
            result |= (value & 0x7F) << shift
            if not value & 0x80:
                return result
            shift += 7
            if shift > 35:
                raise AbiViolation("LEB128 integer too long")


def error_summary(error: BaseException) -> str:
    """One line from a wasmtime error: its headline plus the cause it chains, without backtraces."""
    lines = [_CAUSE_NUMBER.sub("", line.strip()) for line in str(error).splitlines()]
    lines = [line for line in lines if line and line != "Caused by:"]
    if not lines:
        return type(error).__name__
    return lines[0] if len(lines) == 1 else f"{lines[0]}: {lines[-1]}"

"""The customer's check of a job module before anything is signed: the chain's structural check, then the job ABI.

The chain's register handler refuses what is not structurally WebAssembly or imports anything
(chain_modules/apppool/wasm.py); the worker refuses, at run time, a module that does not compile or lacks the
ABI's exports (wasm_jobs/abi.py). A customer should hear both before paying a fee or escrowing anything, so this
runs the two checks locally, with the worker's own engine configuration.
"""

from __future__ import annotations

from chain_modules.apppool.api import WasmStructureError, check_structure

WAT_HINT = ("it is WAT text, not a WebAssembly binary: compile it first, e.g. `wat2wasm {name} -o job.wasm` (wabt) or "
            "python -c \"import sys, wasmtime; sys.stdout.buffer.write(wasmtime.wat2wasm(open('{name}').read()))\" "
            "> job.wasm")


class ModuleError(Exception):
    """The module would be refused by the chain or by every worker; the message says why and what to do."""


def looks_like_wat(data: bytes) -> bool:
    head = data.lstrip()[:64]
    return head.startswith(b"(") or head.startswith(b";;")


def check_job_module(data: bytes, name: str = "MODULE") -> None:
    """Raise ModuleError unless ``data`` is a WebAssembly binary the chain registers and a worker can run: valid
    structure, no imports, compiles under the worker's engine, exports ``memory``, ``alloc`` and ``run`` with the
    ABI's types (docs/worker.md, "The job ABI")."""
    if not data:
        raise ModuleError(f"{name} is empty")
    if not data.startswith(b"\x00asm") and looks_like_wat(data):
        raise ModuleError(f"{name}: " + WAT_HINT.format(name=name))
    try:
        check_structure(data)
    except WasmStructureError as exc:
        raise ModuleError(f"{name}: {exc}") from None
    import wasmtime  # only for the commands that check a module: it is slow to import

    from wasm_jobs import abi, runner

    try:
        compiled = wasmtime.Module(runner.get_engine(), data)
    except wasmtime.WasmtimeError as exc:
        raise ModuleError(f"{name} is not valid WebAssembly: {abi.error_summary(exc)}") from None
    try:
        abi.check_module_shape(compiled)
        for minimum in abi.declared_table_minimums(data):
            if minimum > abi.MAX_TABLE_ELEMENTS:
                raise abi.AbiViolation(f"table minimum {minimum} exceeds {abi.MAX_TABLE_ELEMENTS} elements")
    except abi.AbiViolation as exc:
        raise ModuleError(f"{name} does not follow the job ABI (docs/worker.md, 'The job ABI'): {exc}") from None

"""Run one job module in-process under wasmtime, deterministically.

Every path returns a JobOutcome: wasmtime errors and traps are classified
into the statuses of ``wasm_jobs.abi``; anything we cannot prove to be a
property of the job becomes ``host_error``, which nobody commits to.
"""

from __future__ import annotations

import functools
import hashlib
import platform
import threading
from dataclasses import dataclass
from typing import Callable, Final, TypeVar

import wasmtime

from wasm_jobs import abi

T = TypeVar("T")

DEFAULT_MAX_OUTPUT_BYTES: Final = 16 * 1024 * 1024
MAX_WASM_STACK_BYTES: Final = 512 * 1024

_U32: Final = 0xFFFF_FFFF
_U64: Final = 0xFFFF_FFFF_FFFF_FFFF
ERROR_PREFIX: Final = b"AMINO-JOB-ERROR\x00"

# Traps that depend only on the module, input and limits. Anything else
# (epoch interrupts, codes of features we disabled) is treated as a host
# problem rather than guessed at.
_DETERMINISTIC_TRAPS: Final = frozenset(
    {
        wasmtime.TrapCode.STACK_OVERFLOW,
        wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS,
        wasmtime.TrapCode.HEAP_MISALIGNED,
        wasmtime.TrapCode.TABLE_OUT_OF_BOUNDS,
        wasmtime.TrapCode.INDIRECT_CALL_TO_NULL,
        wasmtime.TrapCode.BAD_SIGNATURE,
        wasmtime.TrapCode.INTEGER_OVERFLOW,
        wasmtime.TrapCode.INTEGER_DIVISION_BY_ZERO,
        wasmtime.TrapCode.BAD_CONVERSION_TO_INTEGER,
        wasmtime.TrapCode.UNREACHABLE,
        wasmtime.TrapCode.NULL_REFERENCE,
    }
)

# Pinning the target turns off host CPU feature detection, so every worker
# on one architecture compiles the same machine code and therefore overflows
# the wasm stack at the same call depth.
_PINNED_TARGETS: Final = {
    ("Linux", "x86_64"): "x86_64-unknown-linux-gnu",
    ("Linux", "aarch64"): "aarch64-unknown-linux-gnu",
}


@dataclass(frozen=True)
class JobOutcome:
    """How a job run ended; ``detail`` is for humans and never committed to."""

    status: str
    output: bytes
    fuel_used: int
    detail: str


class _Failed(Exception):
    """Internal: stop the run with this outcome."""

    def __init__(self, status: str, fuel_used: int, detail: str) -> None:
        super().__init__(detail)
        self.outcome = JobOutcome(status, b"", fuel_used, detail)


def make_config() -> wasmtime.Config:
    """Build the engine configuration: fuel on, every source of non-determinism off."""
    config = wasmtime.Config()
    config.strategy = "cranelift"
    config.consume_fuel = True
    config.cranelift_nan_canonicalization = True
    config.max_wasm_stack = MAX_WASM_STACK_BYTES
    config.epoch_interruption = False
    # Off because they are non-deterministic (threads, relaxed SIMD) or add
    # state we would have to reason about for no job that needs it.
    config.wasm_threads = False
    config.shared_memory = False
    config.wasm_relaxed_simd = False
    config.wasm_relaxed_simd_deterministic = True
    config.wasm_multi_memory = False
    config.wasm_memory64 = False
    config.wasm_custom_page_sizes = False
    config.wasm_gc = False
    config.wasm_function_references = False
    config.wasm_exceptions = False
    config.wasm_stack_switching = False
    config.wasm_wide_arithmetic = False
    config.wasm_component_model = False
    config.gc_support = False
    # One compile thread keeps a sandboxed child's CPU time close to its
    # wall time, which is what its RLIMIT_CPU safety net assumes.
    config.parallel_compilation = False
    target = _PINNED_TARGETS.get((platform.system(), platform.machine()))
    if target is not None:
        config.target = target
    return config


_engine_lock = threading.Lock()
_engine: wasmtime.Engine | None = None


def get_engine() -> wasmtime.Engine:
    """Return the process-wide engine; engines are costly and thread-safe to share."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = wasmtime.Engine(make_config())
        return _engine


@functools.lru_cache(maxsize=16)
def _compile(module: bytes) -> tuple[wasmtime.Module, wasmtime.MemoryType]:
    """Compile and check a module once; workers often run one module on many inputs."""
    binary = abi.to_binary(module)
    try:
        compiled = wasmtime.Module(get_engine(), binary)
    except wasmtime.WasmtimeError as error:
        raise abi.AbiViolation(f"does not compile: {abi.error_summary(error)}") from None
    memory_type = abi.check_module_shape(compiled)
    for minimum in abi.declared_table_minimums(binary):
        if minimum > abi.MAX_TABLE_ELEMENTS:
            raise abi.AbiViolation(f"table minimum {minimum} exceeds {abi.MAX_TABLE_ELEMENTS} elements")
    return compiled, memory_type


def run_job(
    module: bytes,
    input: bytes,
    max_fuel: int,
    max_memory_bytes: int,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
) -> JobOutcome:
    """Run ``module`` on ``input`` under the job ABI and return how it ended.

    Given the same arguments, wasmtime version and architecture, the status,
    output and fuel_used are identical on every machine (see wasm_jobs.abi
    for the statuses). Never raises for anything the module or wasmtime does.
    Raises: ValueError or TypeError only when the caller passes impossible
    arguments (negative limits, non-bytes), which is a bug upstream.
    """
    check_arguments(module, input, max_fuel, max_memory_bytes, max_output_bytes)
    try:
        return _run(bytes(module), bytes(input), max_fuel, max_memory_bytes, max_output_bytes)
    except _Failed as failure:
        return failure.outcome
    except Exception as error:  # noqa: BLE001 - the contract is "never raise"
        return JobOutcome(abi.STATUS_HOST_ERROR, b"", 0, f"{type(error).__name__}: {abi.error_summary(error)}")


def check_arguments(
    module: bytes, input: bytes, max_fuel: int, max_memory_bytes: int, max_output_bytes: int
) -> None:
    """Reject arguments no job could be run with; shared with the sandbox so it fails before spawning.

    Raises: TypeError, ValueError
    """
    if not isinstance(module, (bytes, bytearray, memoryview)):
        raise TypeError(f"module must be bytes, not {type(module).__name__}")
    if not isinstance(input, (bytes, bytearray, memoryview)):
        raise TypeError(f"input must be bytes, not {type(input).__name__}")
    for name, value, upper in (
        ("max_fuel", max_fuel, _U64),
        ("max_memory_bytes", max_memory_bytes, _U64),
        ("max_output_bytes", max_output_bytes, _U32),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= upper:
            raise ValueError(f"{name} must be an integer in [0, {upper}], got {value!r}")


def _run(module: bytes, input: bytes, max_fuel: int, max_memory_bytes: int, max_output_bytes: int) -> JobOutcome:
    try:
        compiled, memory_type = _compile(module)
    except abi.AbiViolation as error:
        raise _Failed(abi.STATUS_INVALID_MODULE, 0, str(error)) from None

    minimum_bytes = memory_type.limits.min * memory_type.page_size
    if minimum_bytes > max_memory_bytes:
        raise _Failed(
            abi.STATUS_TRAP, 0, f"memory minimum {minimum_bytes} bytes exceeds max_memory_bytes {max_memory_bytes}"
        )
    if len(input) > _U32:
        raise _Failed(abi.STATUS_TRAP, 0, f"input of {len(input)} bytes cannot be addressed by a 32-bit memory")

    store = wasmtime.Store(get_engine())
    store.set_fuel(max_fuel)
    store.set_limits(
        memory_size=max_memory_bytes,
        table_elements=abi.MAX_TABLE_ELEMENTS,
        instances=1,
        memories=1,
    )

    def fuel_used() -> int:
        return max_fuel - store.get_fuel()

    def call(what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except wasmtime.Trap as trap:
            raise _trap_failure(trap, what, max_fuel, fuel_used()) from None
        except wasmtime.WasmtimeError as error:
            # Our checks rule out every deterministic instantiation error
            # (imports, memory and table minimums), so what remains is the
            # host's own trouble.
            raise _Failed(abi.STATUS_HOST_ERROR, fuel_used(), f"{what}: {abi.error_summary(error)}") from None

    instance = call("instantiate", lambda: wasmtime.Instance(store, compiled, []))
    exports = instance.exports(store)
    memory = exports[abi.EXPORT_MEMORY]
    alloc = exports[abi.EXPORT_ALLOC]
    run = exports[abi.EXPORT_RUN]
    assert isinstance(memory, wasmtime.Memory)
    assert isinstance(alloc, wasmtime.Func) and isinstance(run, wasmtime.Func)

    input_ptr = call("alloc", lambda: alloc(store, _as_i32(len(input)))) & _U32
    if input_ptr + len(input) > memory.data_len(store):
        raise _Failed(
            abi.STATUS_TRAP, fuel_used(), f"alloc returned {input_ptr}, which cannot hold {len(input)} input bytes"
        )
    if input:
        memory.write(store, input, input_ptr)

    packed = call("run", lambda: run(store, _as_i32(input_ptr), _as_i32(len(input)))) & _U64
    output_ptr, output_len = packed >> 32, packed & _U32
    if output_len > max_output_bytes:
        raise _Failed(
            abi.STATUS_BAD_OUTPUT, fuel_used(), f"output of {output_len} bytes exceeds max_output_bytes {max_output_bytes}"
        )
    if output_ptr + output_len > memory.data_len(store):
        raise _Failed(
            abi.STATUS_BAD_OUTPUT,
            fuel_used(),
            f"output range [{output_ptr}, {output_ptr + output_len}) lies outside {memory.data_len(store)} bytes of memory",
        )
    output = bytes(memory.read(store, output_ptr, output_ptr + output_len)) if output_len else b""
    return JobOutcome(abi.STATUS_OK, output, fuel_used(), "")


def _trap_failure(trap: wasmtime.Trap, what: str, max_fuel: int, fuel_used: int) -> _Failed:
    code = trap.trap_code
    if code == wasmtime.TrapCode.OUT_OF_FUEL:
        return _Failed(abi.STATUS_OUT_OF_FUEL, max_fuel, f"{what}: out of fuel")
    if code in _DETERMINISTIC_TRAPS:
        return _Failed(abi.STATUS_TRAP, fuel_used, f"{what}: {code.name.lower()}")
    name = code.name.lower() if code is not None else "trap without a code"
    return _Failed(abi.STATUS_HOST_ERROR, fuel_used, f"{what}: unexpected {name}")


def _as_i32(value: int) -> int:
    """Reinterpret an unsigned 32-bit value as the signed i32 wasmtime expects."""
    return value - (1 << 32) if value >= 1 << 31 else value


def canonical_result(outcome: JobOutcome) -> bytes:
    """Return the bytes a worker commits to: the output, or a fixed per-status error blob.

    The blob carries no wasmtime message text, since messages change between
    versions while the status does not.
    Raises: ValueError for statuses nobody may commit to (timeout, crash, host error).
    """
    if outcome.status not in abi.DETERMINISTIC_STATUSES:
        raise ValueError(f"status {outcome.status!r} is not deterministic and must not be committed to")
    if outcome.status == abi.STATUS_OK:
        return outcome.output
    return ERROR_PREFIX + outcome.status.encode()


def result_hash(outcome: JobOutcome) -> bytes:
    """SHA-256 of the canonical result: what workers compare and commit."""
    return hashlib.sha256(canonical_result(outcome)).digest()

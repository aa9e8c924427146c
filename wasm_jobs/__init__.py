"""Deterministic compute jobs as WebAssembly, run under wasmtime with fuel and memory limits.

``abi`` defines what a job module looks like and how a run can end,
``runner`` runs one in-process, ``sandbox`` runs one in a child process with
a wall-clock limit.
"""

from wasm_jobs.runner import JobOutcome, canonical_result, result_hash, run_job
from wasm_jobs.sandbox import run_sandboxed

__all__ = ["JobOutcome", "canonical_result", "result_hash", "run_job", "run_sandboxed"]

"""Run a job in a child process with a wall-clock limit.

Fuel bounds the work a module does, but not the time the host spends
(compilation, a wasmtime bug, a stalled machine), and a crash in native code
would take the caller down with it. So the job runs in a fresh
``python -c`` child: the request goes in on stdin and the outcome comes back
on stdout, both as msgpack. A subprocess rather than multiprocessing because
it re-imports nothing of the caller's ``__main__``, owns no inherited locks
or threads, and can be killed without side effects on the parent.

``timeout`` and ``crashed`` are not properties of the job: callers treat
them as "could not compute" and never commit to them.
"""

from __future__ import annotations

import math
import os
import resource
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final

import msgpack

from wasm_jobs import abi
from wasm_jobs.runner import DEFAULT_MAX_OUTPUT_BYTES, JobOutcome, check_arguments, run_job

_PACKAGE_PARENT: Final = str(Path(__file__).resolve().parent.parent)
_CHILD_CODE: Final = "from wasm_jobs.sandbox import main; main()"
_STDERR_TAIL_CHARS: Final = 500


def run_sandboxed(
    module: bytes,
    input: bytes,
    max_fuel: int,
    max_memory_bytes: int,
    wall_timeout_s: float,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
) -> JobOutcome:
    """Run ``run_job`` in a child process, killing it after ``wall_timeout_s`` seconds.

    The timeout covers the child's start-up (tens of milliseconds) as well as
    the job. The child also gets RLIMIT_CPU of the timeout plus one second,
    in case the parent is too stalled to kill it. There is deliberately no
    RLIMIT_AS: wasmtime reserves gigabytes of address space per memory.
    Raises: ValueError or TypeError for impossible arguments, as run_job.
    """
    check_arguments(module, input, max_fuel, max_memory_bytes, max_output_bytes)
    if isinstance(wall_timeout_s, bool) or not isinstance(wall_timeout_s, (int, float)):
        raise TypeError(f"wall_timeout_s must be a number, not {type(wall_timeout_s).__name__}")
    if not (math.isfinite(wall_timeout_s) and wall_timeout_s > 0):
        raise ValueError(f"wall_timeout_s must be a positive finite number, got {wall_timeout_s!r}")

    request = msgpack.packb(
        {
            "module": bytes(module),
            "input": bytes(input),
            "max_fuel": max_fuel,
            "max_memory_bytes": max_memory_bytes,
            "max_output_bytes": max_output_bytes,
            "cpu_seconds": math.ceil(wall_timeout_s) + 1,
        }
    )
    return _run_child([sys.executable, "-c", _CHILD_CODE], request, wall_timeout_s, _child_environment())


def _child_environment() -> dict[str, str]:
    """The parent's environment with this package importable, installed or not."""
    environment = dict(os.environ)
    existing = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = _PACKAGE_PARENT + (os.pathsep + existing if existing else "")
    return environment


def _run_child(command: list[str], request: bytes, wall_timeout_s: float, environment: dict[str, str]) -> JobOutcome:
    """Feed ``request`` to the child and turn whatever happens into a JobOutcome."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            close_fds=True,
        )
    except OSError as error:
        return _outcome(abi.STATUS_CRASHED, f"could not start the sandbox: {error}")

    try:
        reply, errors = process.communicate(request, timeout=wall_timeout_s)
    except subprocess.TimeoutExpired:
        _kill(process)
        return _outcome(abi.STATUS_TIMEOUT, f"killed after the wall-clock limit of {wall_timeout_s} s")
    except BaseException:
        # e.g. KeyboardInterrupt in the parent: never leave the child running
        _kill(process)
        raise

    code = process.returncode
    if code == -signal.SIGXCPU:
        return _outcome(abi.STATUS_TIMEOUT, "killed by the CPU-time limit")
    if code != 0:
        how = f"signal {_signal_name(-code)}" if code < 0 else f"exit code {code}"
        return _outcome(abi.STATUS_CRASHED, f"sandbox died with {how}: {_tail(errors)}")
    try:
        return _decode_outcome(reply)
    except (ValueError, TypeError, KeyError, msgpack.UnpackException) as error:
        return _outcome(abi.STATUS_CRASHED, f"unreadable sandbox reply ({error}): {_tail(errors)}")


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.communicate()


def _decode_outcome(reply: bytes) -> JobOutcome:
    """Parse and sanity-check the child's reply; it is our code, but it may have died mid-write."""
    fields: Any = msgpack.unpackb(reply)
    if not isinstance(fields, dict):
        raise ValueError("reply is not a map")
    outcome = JobOutcome(
        status=fields["status"], output=fields["output"], fuel_used=fields["fuel_used"], detail=fields["detail"]
    )
    if outcome.status not in abi.ALL_STATUSES:
        raise ValueError(f"unknown status {outcome.status!r}")
    if not (
        isinstance(outcome.output, bytes)
        and isinstance(outcome.fuel_used, int)
        and isinstance(outcome.detail, str)
    ):
        raise TypeError("reply fields have the wrong types")
    return outcome


def _outcome(status: str, detail: str) -> JobOutcome:
    return JobOutcome(status, b"", 0, detail)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _tail(errors: bytes) -> str:
    text = errors.decode("utf-8", "replace").strip()
    return text[-_STDERR_TAIL_CHARS:] if text else "(no stderr)"


def _limit_child(cpu_seconds: int) -> None:
    """Cap CPU time as a backstop to the parent's timer, and skip core dumps of crashes."""
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = cpu_seconds
    hard = cpu_seconds + 1
    if cpu_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, cpu_hard), min(hard, cpu_hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> None:
    """Child entry point: one msgpack request on stdin, one msgpack outcome on stdout."""
    reply_stream = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # Anything else that writes to stdout now lands on stderr instead of
    # corrupting the reply.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    request = msgpack.unpackb(sys.stdin.buffer.read())
    _limit_child(request["cpu_seconds"])
    outcome = run_job(
        request["module"],
        request["input"],
        request["max_fuel"],
        request["max_memory_bytes"],
        request["max_output_bytes"],
    )
    reply_stream.write(msgpack.packb(asdict(outcome)))
    reply_stream.flush()


if __name__ == "__main__":
    main()

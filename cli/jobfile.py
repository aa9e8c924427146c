"""A job file: one TOML file that describes a task, as Akash's SDL describes a deployment.

    # job.toml
    module = "matmul.wasm"      # the job module (a WebAssembly binary); paths are relative to this file
    input = "matmul.input"      # the input bytes
    class = "small"             # resource class
    replicas = 2                # workers that compute it independently; the majority result wins
    max_fuel = 1_000_000_000    # fuel limit per replica
    deadline = 300              # seconds until the final deadline (after it, a full refund)
    max_price = 1_500           # uamio per megafuel: refuse to submit if the class costs more
    output = "product.bin"      # where the verified output goes

``amino task run -f job.toml``; a flag given on the command line wins over the file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import click
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_MAX_FUEL = 1_000_000_000
DEFAULT_DEADLINE = 600


class JobFile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    module: str = Field(min_length=1, description="path of the job module (.wasm), relative to the job file")
    input: str = Field(min_length=1, description="path of the input file, relative to the job file")
    class_name: str = Field("small", alias="class", pattern=r"^[a-z][a-z0-9_-]{0,15}$")
    replicas: int = Field(1, ge=1, le=5)
    max_fuel: int = Field(DEFAULT_MAX_FUEL, ge=1, le=2**63 - 1)
    deadline: int = Field(DEFAULT_DEADLINE, ge=1, le=2**32, description="seconds until the final deadline")
    max_price: int | None = Field(None, ge=1, le=2**63 - 1, description="uamio per megafuel")
    output: str | None = Field(None, min_length=1, description="where to write the verified output")


def _field_errors(path: Path, error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(file)"
    if first["type"] == "extra_forbidden":
        known = ", ".join(sorted(info.alias or name for name, info in JobFile.model_fields.items()))
        return f"{path}: unknown field {field!r}; a job file has {known}"
    if first["type"] == "missing":
        return f"{path}: field {field!r} is required"
    more = f" (and {len(error.errors()) - 1} more)" if len(error.errors()) > 1 else ""
    return f"{path}: field {field!r}: {first['msg']}{more}"


def load_job_file(path: Path) -> tuple[JobFile, Path]:
    """The job file at ``path`` and the directory its relative paths start from; one readable line on error."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.ClickException(f"cannot read job file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path} is not valid TOML: {exc}") from None
    try:
        return JobFile.model_validate(data), path.resolve().parent
    except ValidationError as exc:
        raise click.ClickException(_field_errors(path, exc)) from None

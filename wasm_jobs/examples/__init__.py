"""Example job modules (WAT) with their Python references and sample inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Final

import wasmtime

from wasm_jobs.examples import reference

EXAMPLES_DIR: Final = Path(__file__).resolve().parent

# name -> (WAT source path, reference function, sample input)
EXAMPLES: Final[dict[str, tuple[Path, Callable[[bytes], bytes], bytes]]] = {
    "hash_chain": (
        EXAMPLES_DIR / "hash_chain.wat",
        reference.hash_chain,
        reference.hash_chain_input(1000, b"amino chain"),
    ),
    "matmul": (
        EXAMPLES_DIR / "matmul.wat",
        reference.matmul,
        reference.matmul_input(
            [[(i * 8 + j) * 7919 - 100_000 for j in range(8)] for i in range(8)],
            [[(i - j) * 104_729 + 3 for j in range(8)] for i in range(8)],
        ),
    ),
    "image_blur": (
        EXAMPLES_DIR / "image_blur.wat",
        reference.image_blur,
        reference.image_blur_input(32, 24, bytes((x * 7 + y * 13) % 256 for y in range(24) for x in range(32))),
    ),
}


def build(name: str) -> bytes:
    """Return the wasm binary of example ``name``, translated from its WAT source.

    Raises: KeyError for an unknown name.
    """
    if name not in EXAMPLES:
        raise KeyError(f"unknown example {name!r}; known: {', '.join(sorted(EXAMPLES))}")
    wat_path = EXAMPLES[name][0]
    return bytes(wasmtime.wat2wasm(wat_path.read_text()))

"""Build each example once per session: translating WAT is the slow part of a test run."""

from __future__ import annotations

import pytest

from wasm_jobs.examples import EXAMPLES, build


@pytest.fixture(scope="session")
def example_binaries() -> dict[str, bytes]:
    return {name: build(name) for name in EXAMPLES}

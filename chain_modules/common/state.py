"""The narrow state interface that modules are written against.

abci_app.store implements it with overlays over LevelDB; tests may use the
same overlays over an in-memory base. Keys and values are bytes; a module
owns a key prefix and only its state.py touches those keys.
"""

from __future__ import annotations

from typing import Iterator, Protocol

from chain_modules.common.events import Event


class StateRead(Protocol):
    def get(self, key: bytes) -> bytes | None: ...

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Yield (key, value) for every key starting with ``prefix``, in ascending key order."""
        ...


class StateWrite(StateRead, Protocol):
    def set(self, key: bytes, value: bytes) -> None: ...

    def delete(self, key: bytes) -> None: ...

    def emit(self, event: Event) -> None: ...

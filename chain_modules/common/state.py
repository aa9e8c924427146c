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


class Scratch:
    """A throwaway write layer over a read-only state: a view can run the same settlement code a transaction
    would, to show what it would credit, without writing anything (its writes and events are dropped)."""

    __slots__ = ("parent", "writes")

    def __init__(self, parent: StateRead) -> None:
        self.parent = parent
        self.writes: dict[bytes, bytes | None] = {}

    def get(self, key: bytes) -> bytes | None:
        if key in self.writes:
            return self.writes[key]
        return self.parent.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self.writes[key] = value

    def delete(self, key: bytes) -> None:
        self.writes[key] = None

    def emit(self, event: Event) -> None:
        pass

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        own = {k: v for k, v in self.writes.items() if k.startswith(prefix)}
        keys = sorted(set(own) | {k for k, _v in self.parent.iter_prefix(prefix)})
        for key in keys:
            value = own[key] if key in own else self.parent.get(key)
            if value is not None:
                yield key, value

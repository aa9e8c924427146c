"""State storage: LevelDB base, block and transaction overlays, Merkle app hash, atomic commit.

Key space in LevelDB:
  b"s" + state key   -> state value      (the flat state every module reads)
  b"t" + position    -> Merkle tree node (abci_app.merkle)
  b"m" + name        -> metadata: last committed height and app hash

A block runs on a BlockOverlay over the committed state; each transaction
runs on a child Overlay that is merged into the block only on success. At
Commit the block's writes, the tree nodes they change, the height and the
app hash go to LevelDB in one synchronous write batch, so a crash leaves
either the previous block or this one, never a mix.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from pathlib import Path
from typing import Iterator

import plyvel

from abci_app.merkle import CACHED_DEPTH, NODE_PREFIX, MerkleTree
from chain_modules.common.events import Event

STATE_PREFIX = b"s"
META_HEIGHT = b"mheight"
META_APP_HASH = b"mapp_hash"
META_BLOCK_TIME = b"mblock_time"


_MISSING = object()

# Overlays with fewer writes than this scan them for a prefix; larger ones keep their keys sorted.
_SCAN_BELOW = 256

# Committed reads remembered between two commits, at most this many keys (then the memory starts again).
READ_CACHE_ENTRIES = 100_000


class CommittedState:
    """Read-only view of the committed state in LevelDB.

    Reads (misses included) are remembered until the next commit: a block
    and the mempool read the same few keys for every tx (the auth params,
    a sender's vesting record once per withdrawal), and committed state
    changes only in AppStore.commit, which calls ``forget``.
    """

    __slots__ = ("_db", "_get", "_cache")

    def __init__(self, db: plyvel.DB) -> None:
        self._db = db
        self._get = db.get
        self._cache: dict[bytes, bytes | None] = {}

    def get(self, key: bytes) -> bytes | None:
        cache = self._cache
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            value = self._get(STATE_PREFIX + key)
            if len(cache) >= READ_CACHE_ENTRIES:
                cache.clear()
            cache[key] = value
        return value  # type: ignore[return-value]

    def forget(self) -> None:
        """Drop the remembered reads: the committed state is about to change."""
        self._cache.clear()

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        strip = len(STATE_PREFIX)
        for key, value in self._db.iterator(prefix=STATE_PREFIX + prefix):
            yield key[strip:], value


class MemoryState:
    """An in-memory base state for unit tests of modules (same interface as CommittedState)."""

    def __init__(self, data: dict[bytes, bytes] | None = None) -> None:
        self.data = dict(data or {})

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        for key in sorted(k for k in self.data if k.startswith(prefix)):
            yield key, self.data[key]



class Overlay:
    """Buffered writes and events over a parent state; merged into the parent with ``write_through``."""

    __slots__ = ("parent", "writes", "events", "_sorted_keys")

    def __init__(self, parent) -> None:
        self.parent = parent
        self.writes: dict[bytes, bytes | None] = {}
        self.events: list[Event] = []
        # the keys of ``writes`` in order, for prefix scans of a large overlay (a block's); see _keys_in_order
        self._sorted_keys: list[bytes] = []

    def get(self, key: bytes) -> bytes | None:
        value = self.writes.get(key, _MISSING)
        if value is _MISSING:
            return self.parent.get(key)
        return value  # type: ignore[return-value]

    def set(self, key: bytes, value: bytes) -> None:
        if type(value) is not bytes:
            raise TypeError("state values must be bytes")
        self.writes[key] = value

    def delete(self, key: bytes) -> None:
        self.writes[key] = None

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def _keys_in_order(self) -> list[bytes]:
        """The keys of ``writes``, sorted, kept up to date incrementally.

        Keys are only ever added to ``writes`` (a delete writes None), and a
        dict keeps insertion order, so the keys beyond the sorted list's
        length are exactly the new ones: they are appended and the list
        re-sorted, which for two sorted runs is a linear merge.
        """
        keys = self._sorted_keys
        if len(keys) != len(self.writes):
            keys.extend(itertools.islice(self.writes, len(keys), None))
            keys.sort()
        return keys

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        writes = self.writes
        if len(writes) < _SCAN_BELOW:
            own = sorted((k, v) for k, v in writes.items() if k.startswith(prefix))
        else:  # a block's overlay: end-block steps scan it many times, so look the prefix up instead
            keys = self._keys_in_order()
            own = []
            index, count = bisect.bisect_left(keys, prefix), len(keys)
            while index < count and keys[index].startswith(prefix):
                own.append((keys[index], writes[keys[index]]))
                index += 1
        merged = heapq.merge(
            ((k, 0, v) for k, v in own),
            ((k, 1, v) for k, v in self.parent.iter_prefix(prefix)),
        )
        last = None
        for key, _rank, value in merged:
            if key == last:
                continue  # the overlay's entry (rank 0) came first and wins
            last = key
            if value is not None:
                yield key, value

    def write_through(self, with_events: bool = True) -> None:
        """Merge this overlay's writes (and events, unless told not to) into its parent Overlay."""
        self.parent.writes.update(self.writes)
        if with_events:
            self.parent.events.extend(self.events)

    def take_events(self) -> list[Event]:
        events, self.events = self.events, []
        return events


class AppStore:
    """The LevelDB database, the committed state view and the Merkle tree."""

    def __init__(self, path: Path | str) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        self.db = plyvel.DB(str(path), create_if_missing=True, lru_cache_size=64 * 1024 * 1024)
        self.committed = CommittedState(self.db)
        self.tree = MerkleTree(self.db.get)
        self.tree.load_cache(self.db.iterator(start=NODE_PREFIX + bytes([0]), stop=NODE_PREFIX + bytes([CACHED_DEPTH + 1])))
        height = self.db.get(META_HEIGHT)
        self.last_height = int.from_bytes(height, "big") if height else 0
        self.last_app_hash = self.db.get(META_APP_HASH) or b""

    def compute_app_hash(self, writes: dict[bytes, bytes | None]) -> bytes:
        """Apply a block's writes to the tree (pending until commit) and return the new root."""
        return self.tree.apply(writes.items())

    def commit(
        self, height: int, writes: dict[bytes, bytes | None], app_hash: bytes, meta: dict[bytes, bytes] | None = None
    ) -> None:
        """Persist the block's state writes, tree nodes, height, app hash and ``meta`` atomically."""
        with self.db.write_batch(transaction=True, sync=True) as batch:
            for key, value in writes.items():
                if value is None:
                    batch.delete(STATE_PREFIX + key)
                else:
                    batch.put(STATE_PREFIX + key, value)
            for pos, node in self.tree.pending.items():
                if node is None:
                    batch.delete(b"t" + pos)
                else:
                    batch.put(b"t" + pos, node)
            batch.put(META_HEIGHT, height.to_bytes(8, "big"))
            batch.put(META_APP_HASH, app_hash)
            for key, value in (meta or {}).items():
                batch.put(key, value)
        self.committed.forget()
        self.tree.committed()
        self.last_height = height
        self.last_app_hash = app_hash

    def prove(self, key: bytes) -> tuple[bytes | None, dict]:
        """The committed value of ``key`` and its proof against the committed app hash."""
        return self.committed.get(key), self.tree.prove(key)

    def close(self) -> None:
        self.db.close()

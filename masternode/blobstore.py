"""Content-addressed blob store on local disk (WASM modules, job inputs, results).

A blob lives at ``root/ab/cdef...`` where ``abcdef...`` is the lowercase hex
sha256 of its bytes. Why the write path looks the way it does: a master node
can crash at any moment, and a file under its final name must always hold
exactly the bytes its name promises. So every write goes to ``root/tmp/``
first, is hashed while it streams, fsynced, then moved into place with
``os.replace`` and the directory fsynced. Leftovers in ``root/tmp/`` are from
crashed writes and are removed when the store opens.

Clients are never trusted about hashes: the store hashes what arrives and
rejects it on mismatch, and hashes again on every read so a disk that rots a
blob is noticed (the bad copy is deleted and can be uploaded again).

One process owns a root at a time; within that process the store is safe to
use from many threads and from async code (``aput_stream``).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
from collections.abc import AsyncIterable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread

READ_CHUNK_BYTES = 1 << 16

_DIGEST = re.compile(r"[0-9a-f]{64}")
_FAN_OUT = re.compile(r"[0-9a-f]{2}")
_REST = re.compile(r"[0-9a-f]{62}")


class BlobError(Exception):
    """Base class of every blob store error."""


class InvalidDigest(BlobError):
    def __init__(self, digest: object) -> None:
        shown = repr(digest)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"invalid digest {shown}: expected 64 lowercase hex characters (sha256)")
        self.digest = digest


class BlobTooLarge(BlobError):
    def __init__(self, digest: str, limit: int, size: int | None = None) -> None:
        if size is None:
            message = f"blob {digest} is larger than the limit of {limit} bytes"
        else:
            message = f"blob {digest} has {size} bytes, more than the limit of {limit} bytes"
        super().__init__(message)
        self.digest = digest
        self.limit = limit
        self.size = size


class StoreFull(BlobError):
    def __init__(self, digest: str, needed: int, max_total_bytes: int) -> None:
        super().__init__(
            f"storing blob {digest} would need {needed} more bytes, "
            f"beyond the store quota of {max_total_bytes} bytes"
        )
        self.digest = digest
        self.needed = needed
        self.max_total_bytes = max_total_bytes


class HashMismatch(BlobError):
    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"content does not match its digest: expected sha256 {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class BlobNotFound(BlobError):
    def __init__(self, digest: str) -> None:
        super().__init__(f"blob {digest} is not stored")
        self.digest = digest


class BlobCorrupted(BlobError):
    def __init__(self, digest: str, actual: str) -> None:
        super().__init__(f"stored blob {digest} is corrupted (its bytes hash to {actual}); the copy was deleted")
        self.digest = digest
        self.actual = actual


def check_digest(digest: object) -> str:
    """Return digest unchanged if it is 64 lowercase hex characters, else raise InvalidDigest."""
    if not isinstance(digest, str) or _DIGEST.fullmatch(digest) is None:
        raise InvalidDigest(digest)
    return digest


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class BlobStore:
    def __init__(self, root: Path, max_blob_bytes: int, max_total_bytes: int) -> None:
        for name, value in (("max_blob_bytes", max_blob_bytes), ("max_total_bytes", max_total_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.root = Path(root)
        self.max_blob_bytes = max_blob_bytes
        self.max_total_bytes = max_total_bytes
        self._tmp = self.root / "tmp"
        self._lock = threading.Lock()
        self._reserved = 0

        self._tmp.mkdir(parents=True, exist_ok=True)
        self._remove_crash_leftovers()
        self._total, self._count = self._scan()

    # -- opening -------------------------------------------------------------------

    def _remove_crash_leftovers(self) -> None:
        for entry in self._tmp.iterdir():
            if entry.is_file() or entry.is_symlink():
                entry.unlink(missing_ok=True)

    def _scan(self) -> tuple[int, int]:
        total = count = 0
        for fan_out, rest, _ in self._iter_files():
            total += (self.root / fan_out / rest).stat().st_size
            count += 1
        return total, count

    def _iter_files(self) -> Iterator[tuple[str, str, Path]]:
        for directory in self.root.iterdir():
            if _FAN_OUT.fullmatch(directory.name) is None or not directory.is_dir():
                continue
            for entry in directory.iterdir():
                if _REST.fullmatch(entry.name) is not None and entry.is_file():
                    yield directory.name, entry.name, entry

    # -- queries -------------------------------------------------------------------

    @property
    def total_bytes(self) -> int:
        """Bytes held by stored blobs (uploads still streaming are not counted)."""
        return self._total

    @property
    def count(self) -> int:
        return self._count

    @property
    def reserved_bytes(self) -> int:
        """Bytes held for uploads still streaming; an upload that ends in any way gives its share back."""
        return self._reserved

    def path(self, digest: str) -> Path:
        check_digest(digest)
        return self.root / digest[:2] / digest[2:]

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def size(self, digest: str) -> int:
        """Raises: InvalidDigest, BlobNotFound"""
        try:
            return self.path(digest).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(digest) from None

    def iter_digests(self) -> Iterator[str]:
        """Digests of the stored blobs, sorted."""
        found = [fan_out + rest for fan_out, rest, _ in self._iter_files()]
        return iter(sorted(found))

    # -- reading -------------------------------------------------------------------

    def open_verified(self, digest: str) -> tuple[BinaryIO, int]:
        """Open a blob after checking its bytes still hash to its digest.

        Returns the open file positioned at the start, and its size. Serving
        from this file object (rather than reopening the path) means a delete
        racing with the reader cannot swap what is sent.

        Raises: InvalidDigest, BlobNotFound, BlobCorrupted (the bad copy is deleted)
        """
        path = self.path(digest)
        try:
            blob = path.open("rb")
        except FileNotFoundError:
            raise BlobNotFound(digest) from None
        try:
            hasher = hashlib.sha256()
            size = 0
            while chunk := blob.read(READ_CHUNK_BYTES):
                hasher.update(chunk)
                size += len(chunk)
            actual = hasher.hexdigest()
            if actual != digest:
                self.delete(digest)
                raise BlobCorrupted(digest, actual)
            blob.seek(0)
        except BaseException:
            blob.close()
            raise
        return blob, size

    def read(self, digest: str) -> bytes:
        """Raises: InvalidDigest, BlobNotFound, BlobCorrupted (the bad copy is deleted)"""
        blob, _ = self.open_verified(digest)
        with blob:
            return blob.read()

    # -- writing -------------------------------------------------------------------

    def put(self, digest: str, data: bytes) -> int:
        """Store data under digest; see put_stream."""
        return self.put_stream(digest, [data], len(data))

    def put_stream(
        self,
        digest: str,
        chunks: Iterable[bytes],
        declared_size: int | None = None,
        *,
        limit: int | None = None,
    ) -> int:
        """Store the concatenated chunks under digest and return the blob size.

        The effective size limit is min(limit, max_blob_bytes); reading stops at
        the first chunk that crosses it. Putting a blob that is already stored
        hashes the incoming bytes but does not rewrite the file.

        Raises: InvalidDigest, BlobTooLarge, StoreFull, HashMismatch (nothing is left behind)
        """
        upload = _Upload(self, digest, declared_size, limit)
        try:
            for chunk in chunks:
                upload.feed(chunk)
            return upload.finish()
        finally:
            upload.abort()

    async def aput_stream(
        self,
        digest: str,
        chunks: AsyncIterable[bytes],
        declared_size: int | None = None,
        *,
        limit: int | None = None,
    ) -> int:
        """Async put_stream: disk work runs in worker threads, the event loop never blocks on it."""
        upload = await anyio.to_thread.run_sync(_Upload, self, digest, declared_size, limit)
        try:
            async for chunk in chunks:
                if chunk:
                    await anyio.to_thread.run_sync(upload.feed, chunk)
            return await anyio.to_thread.run_sync(upload.finish)
        finally:
            # Synchronous on purpose: it must also run when the task is cancelled.
            upload.abort()

    def delete(self, digest: str) -> bool:
        """Remove a blob; return False if it was not stored."""
        path = self.path(digest)
        with self._lock:
            try:
                size = path.stat().st_size
                path.unlink()
            except FileNotFoundError:
                return False
            self._total -= size
            self._count -= 1
        return True

    # -- accounting used by _Upload --------------------------------------------------

    def _effective_limit(self, limit: int | None) -> int:
        if limit is None:
            return self.max_blob_bytes
        return min(limit, self.max_blob_bytes)

    def _check_room(self, digest: str, needed: int) -> None:
        with self._lock:
            if self._total + self._reserved + needed > self.max_total_bytes:
                raise StoreFull(digest, needed, self.max_total_bytes)

    def _reserve(self, digest: str, amount: int) -> None:
        with self._lock:
            if self._total + self._reserved + amount > self.max_total_bytes:
                raise StoreFull(digest, amount, self.max_total_bytes)
            self._reserved += amount

    def _release(self, amount: int) -> None:
        with self._lock:
            self._reserved -= amount

    def _commit(self, temporary: Path, digest: str, size: int) -> None:
        """Move a verified temporary file to its final name (or drop it if a twin won the race).

        Returns the size bytes reserved for the upload, also when it raises.
        """
        final = self.path(digest)
        new_directory = False
        with self._lock:
            self._reserved -= size
            if final.is_file():
                temporary.unlink(missing_ok=True)
                return
            if not final.parent.is_dir():
                final.parent.mkdir(exist_ok=True)
                new_directory = True
            os.replace(temporary, final)
            self._total += size
            self._count += 1
        if new_directory:
            _fsync_directory(self.root)
        _fsync_directory(final.parent)


class _Upload:
    """One blob being received: hashes, size-checks and writes each chunk as it arrives."""

    def __init__(self, store: BlobStore, digest: str, declared_size: int | None, limit: int | None) -> None:
        self.store = store
        self.digest = check_digest(digest)
        self.limit = store._effective_limit(limit)
        self.hasher = hashlib.sha256()
        self.received = 0
        self.reserved = 0
        self.finished = False
        self.temporary: Path | None = None
        self.file: BinaryIO | None = None

        if declared_size is not None:
            if isinstance(declared_size, bool) or not isinstance(declared_size, int) or declared_size < 0:
                raise ValueError(f"declared_size must be a non-negative integer, got {declared_size!r}")
            if declared_size > self.limit:
                raise BlobTooLarge(digest, self.limit, declared_size)
        # An already stored blob is only hashed, never rewritten, so it needs no room.
        self.already_stored = store.has(digest)
        if self.already_stored:
            return
        if declared_size is not None:
            store._check_room(digest, declared_size)
        self.temporary = store._tmp / secrets.token_hex(16)
        descriptor = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self.file = os.fdopen(descriptor, "wb")

    def feed(self, chunk: bytes) -> None:
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TypeError(f"blob chunks must be bytes, got {type(chunk).__name__}")
        if self.received + len(chunk) > self.limit:
            raise BlobTooLarge(self.digest, self.limit)
        self.received += len(chunk)
        self.hasher.update(chunk)
        if self.file is not None:
            self.store._reserve(self.digest, len(chunk))
            self.reserved += len(chunk)
            self.file.write(chunk)

    def finish(self) -> int:
        actual = self.hasher.hexdigest()
        if actual != self.digest:
            raise HashMismatch(self.digest, actual)
        if self.file is None:
            if not self.store.has(self.digest):
                raise BlobError(f"blob {self.digest} was deleted while an identical copy was arriving; upload it again")
            self.finished = True
            return self.received
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        self.file = None
        assert self.temporary is not None
        # _commit returns the reservation whatever happens, so abort must not release it again.
        reserved, self.reserved = self.reserved, 0
        self.store._commit(self.temporary, self.digest, reserved)
        self.finished = True
        return self.received

    def abort(self) -> None:
        """Drop the temporary file and the reserved room; a no-op after finish()."""
        if self.finished:
            return
        self.finished = True
        if self.file is not None:
            self.file.close()
            self.file = None
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)
        if self.reserved:
            self.store._release(self.reserved)
            self.reserved = 0

"""The master node's content-addressed blob store: verification, quotas, crash safety, restarts."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import anyio
import pytest

from masternode.blobstore import (
    BlobCorrupted,
    BlobError,
    BlobNotFound,
    BlobStore,
    BlobTooLarge,
    HashMismatch,
    InvalidDigest,
    StoreFull,
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftover_temporaries(store: BlobStore) -> list[Path]:
    return list((store.root / "tmp").iterdir())


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", max_blob_bytes=1000, max_total_bytes=2500)


def test_put_stores_under_the_fanned_out_digest_and_reads_back(store: BlobStore) -> None:
    data = b"wasm module bytes"
    digest = sha(data)

    assert store.put(digest, data) == len(data)

    assert store.path(digest) == store.root / digest[:2] / digest[2:]
    assert store.path(digest).read_bytes() == data
    assert store.has(digest) and store.size(digest) == len(data)
    assert store.read(digest) == data
    assert (store.count, store.total_bytes) == (1, len(data))
    assert list(store.iter_digests()) == [digest]
    assert leftover_temporaries(store) == []


def test_put_stream_accepts_chunks_and_an_empty_blob(store: BlobStore) -> None:
    chunks = [b"ab", b"", bytearray(b"cd"), memoryview(b"ef")]
    assert store.put_stream(sha(b"abcdef"), chunks, 6) == 6
    assert store.read(sha(b"abcdef")) == b"abcdef"

    assert store.put(sha(b""), b"") == 0
    assert store.read(sha(b"")) == b""
    assert store.count == 2


@pytest.mark.parametrize("digest", ["", "ab", "A" * 64, "g" * 64, "0" * 63, "0" * 65, "../" + "0" * 61, None, b"0" * 64])
def test_invalid_digest_is_rejected_everywhere(store: BlobStore, digest: object) -> None:
    for call in (store.has, store.size, store.path, store.read, store.delete):
        with pytest.raises(InvalidDigest, match="64 lowercase hex"):
            call(digest)  # type: ignore[arg-type]
    with pytest.raises(InvalidDigest):
        store.put(digest, b"x")  # type: ignore[arg-type]
    assert leftover_temporaries(store) == []


def test_hash_mismatch_leaves_nothing_behind(store: BlobStore) -> None:
    claimed = sha(b"what the customer promised")

    with pytest.raises(HashMismatch) as caught:
        store.put_stream(claimed, [b"something ", b"else"])

    assert caught.value.expected == claimed and caught.value.actual == sha(b"something else")
    assert claimed in str(caught.value) and sha(b"something else") in str(caught.value)
    assert not store.has(claimed)
    assert (store.count, store.total_bytes) == (0, 0)
    assert leftover_temporaries(store) == []
    assert isinstance(caught.value, BlobError)


def test_oversized_stream_stops_reading_at_the_limit(store: BlobStore) -> None:
    pulled = []

    def endless():
        while True:
            pulled.append(1)
            yield b"x" * 300

    with pytest.raises(BlobTooLarge) as caught:
        store.put_stream(sha(b"whatever"), endless())

    assert len(pulled) == 4  # 3 x 300 fit under 1000; the 4th crosses it and nothing more is read
    assert caught.value.limit == 1000
    assert leftover_temporaries(store) == []
    assert (store.count, store.total_bytes) == (0, 0)


def test_declared_size_over_the_limit_is_rejected_before_reading(store: BlobStore) -> None:
    def must_not_be_read():
        raise AssertionError("the body was read")
        yield b""

    with pytest.raises(BlobTooLarge, match="has 1001 bytes"):
        store.put_stream(sha(b"x"), must_not_be_read(), 1001)
    with pytest.raises(BlobTooLarge, match="limit of 10 bytes"):
        store.put_stream(sha(b"x"), must_not_be_read(), 11, limit=10)


def test_a_lower_per_call_limit_applies_while_streaming(store: BlobStore) -> None:
    data = b"y" * 20
    with pytest.raises(BlobTooLarge):
        store.put_stream(sha(data), [data], limit=19)
    assert store.put_stream(sha(data), [data], limit=20) == 20
    # A per-call limit never raises the store's own limit.
    big = b"z" * 1001
    with pytest.raises(BlobTooLarge):
        store.put_stream(sha(big), [big], limit=10**9)


def test_total_quota_is_enforced_while_streaming_and_up_front(store: BlobStore) -> None:
    first, second = b"a" * 1000, b"b" * 1000
    store.put(sha(first), first)
    store.put(sha(second), second)

    third = b"c" * 600  # 2000 + 600 > 2500
    with pytest.raises(StoreFull, match="quota of 2500 bytes"):
        store.put_stream(sha(third), [third[:300], third[300:]])
    with pytest.raises(StoreFull):
        store.put_stream(sha(third), iter(()), 600)  # declared size alone is enough to refuse

    assert not store.has(sha(third))
    assert (store.count, store.total_bytes) == (2, 2000)
    assert leftover_temporaries(store) == []

    fits = b"d" * 500
    assert store.put(sha(fits), fits) == 500
    assert store.total_bytes == 2500


def test_delete_frees_room_and_reports_whether_anything_was_removed(store: BlobStore) -> None:
    data = b"q" * 1000
    store.put(sha(data), data)
    assert store.delete(sha(data)) is True
    assert store.delete(sha(data)) is False
    assert (store.count, store.total_bytes) == (0, 0)
    with pytest.raises(BlobNotFound):
        store.read(sha(data))
    with pytest.raises(BlobNotFound):
        store.size(sha(data))


def test_putting_an_existing_blob_again_does_not_rewrite_it(store: BlobStore) -> None:
    data = b"same bytes"
    digest = sha(data)
    store.put(digest, data)
    before = store.path(digest).stat()

    assert store.put_stream(digest, [b"same ", b"bytes"]) == len(data)

    after = store.path(digest).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (store.count, store.total_bytes) == (1, len(data))
    # Wrong bytes for an existing digest are still refused, and the good copy stays.
    with pytest.raises(HashMismatch):
        store.put(digest, b"other bytes")
    assert store.read(digest) == data


def test_an_existing_blob_can_be_put_again_when_the_store_is_full(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_blob_bytes=100, max_total_bytes=100)
    data = b"f" * 100
    store.put(sha(data), data)
    assert store.put(sha(data), data) == 100


def test_a_new_store_on_the_same_root_sees_every_blob_and_the_total(tmp_path: Path) -> None:
    first = BlobStore(tmp_path, max_blob_bytes=1000, max_total_bytes=2500)
    blobs = [bytes([i]) * (100 + i) for i in range(5)]
    for data in blobs:
        first.put(sha(data), data)
    first.delete(sha(blobs[0]))

    reopened = BlobStore(tmp_path, max_blob_bytes=1000, max_total_bytes=2500)

    assert reopened.count == 4
    assert reopened.total_bytes == sum(len(data) for data in blobs[1:])
    assert list(reopened.iter_digests()) == sorted(sha(data) for data in blobs[1:])
    assert reopened.read(sha(blobs[3])) == blobs[3]


def test_opening_removes_crash_leftovers_and_ignores_foreign_files(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_blob_bytes=1000, max_total_bytes=2500)
    data = b"kept"
    store.put(sha(data), data)
    # A write that crashed before os.replace, and files that are not blobs.
    (tmp_path / "tmp" / "3f2a9c").write_bytes(b"half a modu")
    (tmp_path / "README").write_text("not a blob")
    (tmp_path / sha(data)[:2] / "short").write_bytes(b"not a blob either")

    reopened = BlobStore(tmp_path, max_blob_bytes=1000, max_total_bytes=2500)

    assert leftover_temporaries(reopened) == []
    assert (reopened.count, reopened.total_bytes) == (1, len(data))
    assert list(reopened.iter_digests()) == [sha(data)]


def test_a_corrupted_blob_is_detected_on_read_and_deleted(store: BlobStore) -> None:
    data = b"result bytes that will rot"
    digest = sha(data)
    store.put(digest, data)
    store.path(digest).write_bytes(b"result bytes that will ROT")

    with pytest.raises(BlobCorrupted) as caught:
        store.read(digest)

    assert caught.value.actual == sha(b"result bytes that will ROT")
    assert not store.has(digest)
    assert (store.count, store.total_bytes) == (0, 0)
    # The good bytes can be uploaded again.
    assert store.put(digest, data) == len(data)
    assert store.read(digest) == data


def test_two_threads_putting_the_same_digest_store_it_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_blob_bytes=1 << 20, max_total_bytes=1 << 21)
    data = os.urandom(600_000)
    digest = sha(data)
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def upload() -> None:
        def chunks():
            barrier.wait()
            for start in range(0, len(data), 50_000):
                yield data[start:start + 50_000]
        try:
            results.append(store.put_stream(digest, chunks()))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert results == [len(data), len(data)]
    assert (store.count, store.total_bytes) == (1, len(data))
    assert store.read(digest) == data
    assert leftover_temporaries(store) == []
    # The bytes reserved while streaming were all given back.
    assert store.put(sha(b"x" * 1000), b"x" * 1000) == 1000


def test_concurrent_uploads_cannot_overshoot_the_quota_together(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_blob_bytes=1000, max_total_bytes=1500)
    first, second = b"1" * 1000, b"2" * 1000
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def upload(data: bytes) -> None:
        def chunks():
            yield data[:500]
            barrier.wait()  # both have 500 bytes reserved before either asks for more
            yield data[500:]
        try:
            outcomes.append(store.put_stream(sha(data), chunks()))
        except StoreFull as exc:
            outcomes.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=upload, args=(data,)) for data in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["StoreFull", "int"]
    assert store.count == 1 and store.total_bytes == 1000
    assert leftover_temporaries(store) == []


def test_async_put_stream_verifies_like_the_sync_one(store: BlobStore) -> None:
    async def chunks(*parts: bytes):
        for part in parts:
            yield part

    async def scenario() -> None:
        assert await store.aput_stream(sha(b"hello world"), chunks(b"hello", b" ", b"world"), 11) == 11
        with pytest.raises(HashMismatch):
            await store.aput_stream(sha(b"hello"), chunks(b"jello"))
        with pytest.raises(BlobTooLarge):
            await store.aput_stream(sha(b"big"), chunks(*[b"x" * 400] * 3))

    anyio.run(scenario)

    assert store.read(sha(b"hello world")) == b"hello world"
    assert (store.count, store.total_bytes) == (1, 11)
    assert leftover_temporaries(store) == []


def test_a_cancelled_async_upload_leaves_nothing_behind(store: BlobStore) -> None:
    async def stalls():
        yield b"partial"
        await anyio.sleep_forever()
        yield b"never"

    async def scenario() -> None:
        with anyio.move_on_after(0.2):
            await store.aput_stream(sha(b"partial never"), stalls())

    anyio.run(scenario)

    assert leftover_temporaries(store) == []
    assert (store.count, store.total_bytes) == (0, 0)
    assert store.put(sha(b"q" * 1000), b"q" * 1000) == 1000  # no reservation leaked


def test_store_limits_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_blob_bytes"):
        BlobStore(tmp_path, max_blob_bytes=0, max_total_bytes=10)
    with pytest.raises(ValueError, match="max_total_bytes"):
        BlobStore(tmp_path, max_blob_bytes=10, max_total_bytes=True)

"""AppStore: atomic commit to LevelDB, reopening, overlays and proofs against the committed root."""

from abci_app.merkle import EMPTY_ROOT, verify_proof
from abci_app.store import AppStore, MemoryState, Overlay


def test_commit_then_reopen_keeps_state_height_hash_and_proofs(tmp_path):
    store = AppStore(tmp_path / "db")
    assert (store.last_height, store.last_app_hash) == (0, b"")
    block = Overlay(store.committed)
    for i in range(100):
        block.set(f"k{i}".encode(), f"v{i}".encode())
    app_hash = store.compute_app_hash(block.writes)
    store.commit(1, block.writes, app_hash)
    store.close()

    reopened = AppStore(tmp_path / "db")
    assert (reopened.last_height, reopened.last_app_hash) == (1, app_hash)
    assert reopened.tree.root_hash(committed_only=True) == app_hash
    value, proof = reopened.prove(b"k42")
    assert value == b"v42"
    verify_proof(app_hash, b"k42", value, proof)
    reopened.close()


def test_uncommitted_block_writes_are_not_persisted(tmp_path):
    store = AppStore(tmp_path / "db")
    block = Overlay(store.committed)
    block.set(b"a", b"1")
    first = store.compute_app_hash(block.writes)
    store.commit(1, block.writes, first)
    block = Overlay(store.committed)
    block.set(b"a", b"2")
    store.compute_app_hash(block.writes)  # pending tree nodes, never committed
    store.close()

    reopened = AppStore(tmp_path / "db")
    assert reopened.committed.get(b"a") == b"1"
    assert reopened.tree.root_hash() == first
    reopened.close()


def test_deleting_everything_returns_to_the_empty_root(tmp_path):
    store = AppStore(tmp_path / "db")
    block = Overlay(store.committed)
    block.set(b"x", b"1")
    store.commit(1, block.writes, store.compute_app_hash(block.writes))
    block = Overlay(store.committed)
    block.delete(b"x")
    assert store.compute_app_hash(block.writes) == EMPTY_ROOT
    store.close()


def test_overlay_reads_its_own_writes_and_iterates_merged_in_key_order():
    base = MemoryState({b"p/1": b"a", b"p/3": b"c", b"q/1": b"z"})
    overlay = Overlay(base)
    overlay.set(b"p/2", b"b")
    overlay.delete(b"p/3")
    overlay.set(b"p/1", b"A")
    assert overlay.get(b"p/1") == b"A" and overlay.get(b"p/3") is None
    assert list(overlay.iter_prefix(b"p/")) == [(b"p/1", b"A"), (b"p/2", b"b")]
    child = Overlay(overlay)
    child.set(b"p/0", b"0")
    assert [k for k, _ in child.iter_prefix(b"p/")] == [b"p/0", b"p/1", b"p/2"]
    assert base.get(b"p/1") == b"a"  # nothing reaches the base until committed


def test_failed_child_overlay_leaves_parent_untouched():
    parent = Overlay(MemoryState())
    child = Overlay(parent)
    child.set(b"k", b"v")
    child.emit(object())  # events are kept only when merged
    assert parent.writes == {} and parent.events == []
    child.write_through()
    assert parent.writes == {b"k": b"v"} and len(parent.events) == 1


def test_committed_reads_see_each_commit_even_when_remembered(tmp_path):
    store = AppStore(tmp_path / "db")
    block = Overlay(store.committed)
    block.set(b"kept", b"1")
    block.set(b"gone", b"x")
    store.commit(1, block.writes, store.compute_app_hash(block.writes))
    # read (and remember) a value, a key about to be deleted and a missing key
    assert store.committed.get(b"kept") == b"1"
    assert store.committed.get(b"gone") == b"x"
    assert store.committed.get(b"new") is None
    block = Overlay(store.committed)
    block.set(b"kept", b"2")
    block.delete(b"gone")
    block.set(b"new", b"3")
    assert store.committed.get(b"kept") == b"1"  # the block's writes are not committed yet
    store.commit(2, block.writes, store.compute_app_hash(block.writes))
    assert (store.committed.get(b"kept"), store.committed.get(b"gone"), store.committed.get(b"new")) == (b"2", None, b"3")
    store.close()


def test_the_committed_read_memory_is_bounded(tmp_path, monkeypatch):
    import abci_app.store as store_module

    monkeypatch.setattr(store_module, "READ_CACHE_ENTRIES", 10)
    store = AppStore(tmp_path / "db")
    block = Overlay(store.committed)
    for i in range(50):
        block.set(b"k%d" % i, b"v%d" % i)
    store.commit(1, block.writes, store.compute_app_hash(block.writes))
    assert [store.committed.get(b"k%d" % i) for i in range(50)] == [b"v%d" % i for i in range(50)]
    assert len(store.committed._cache) <= 10
    store.close()


def test_a_large_overlay_iterates_a_prefix_like_a_small_one_as_writes_arrive():
    import random

    import abci_app.store as store_module

    rng = random.Random(5)
    base = MemoryState({b"p/%03d" % i: b"base" for i in range(0, 600, 3)})
    large = Overlay(base)
    child_writes = []
    for step in range(1_500):
        key = rng.choice([b"p/", b"q/", b"pp", b"p"]) + b"%03d" % rng.randrange(600)
        child = Overlay(large)  # writes arrive through children, as txs and block steps write through
        if rng.random() < 0.2:
            child.delete(key)
        else:
            child.set(key, b"v%d" % step)
        child.write_through()
        child_writes.append(key)
        if step % 97 == 0 or step == 1_499:
            assert len(large.writes) >= store_module._SCAN_BELOW or step < 400
            for prefix in (b"p/", b"p", b"q/0", b"pp1", b"z", b""):
                expected = sorted(
                    (key, value)
                    for key, value in {**base.data, **large.writes}.items()
                    if key.startswith(prefix) and value is not None
                )
                assert list(large.iter_prefix(prefix)) == expected, (step, prefix)

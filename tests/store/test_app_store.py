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

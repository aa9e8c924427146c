import hashlib
import random

import pytest
from hypothesis import given, settings, strategies as st

from abci_app.merkle import EMPTY_ROOT, MerkleTree, ProofError, verify_proof


def make_tree():
    db: dict[bytes, bytes] = {}

    def commit(tree):
        for pos, node in tree.pending.items():
            if node is None:
                db.pop(b"t" + pos, None)
            else:
                db[b"t" + pos] = node
        tree.committed()

    tree = MerkleTree(db.get)
    return tree, db, commit


def reference_root(state: dict[bytes, bytes]) -> bytes:
    """Rebuild from scratch: the root must depend only on the key/value set."""
    tree, _db, _commit = make_tree()
    return tree.apply(state.items())


def test_empty_tree_has_zero_root():
    tree, _db, _commit = make_tree()
    assert tree.root_hash() == EMPTY_ROOT
    assert tree.apply([]) == EMPTY_ROOT


def test_root_depends_only_on_contents_not_on_update_order():
    rng = random.Random(7)
    state = {rng.randbytes(8): rng.randbytes(rng.randrange(1, 40)) for _ in range(500)}
    expected = reference_root(state)
    tree, _db, commit = make_tree()
    items = list(state.items())
    for start in range(0, len(items), 37):
        tree.apply(items[start : start + 37])
        commit(tree)
    assert tree.root_hash(committed_only=True) == expected


def test_deleting_every_key_empties_the_tree_and_the_node_store():
    tree, db, commit = make_tree()
    keys = [bytes([i]) * 3 for i in range(200)]
    tree.apply((k, b"v") for k in keys)
    commit(tree)
    assert db
    tree.apply((k, None) for k in keys)
    commit(tree)
    assert tree.root_hash() == EMPTY_ROOT
    assert db == {}


def test_deleting_an_absent_key_changes_nothing():
    tree, _db, commit = make_tree()
    root = tree.apply([(b"a", b"1"), (b"b", b"2")])
    commit(tree)
    assert tree.apply([(b"zzz", None)]) == root


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(
        st.lists(st.tuples(st.binary(min_size=1, max_size=4), st.one_of(st.none(), st.binary(max_size=6))), max_size=30),
        min_size=1,
        max_size=6,
    )
)
def test_incremental_updates_match_a_fresh_build(batches):
    tree, db, commit = make_tree()
    state: dict[bytes, bytes] = {}
    for batch in batches:
        changes = dict(batch)
        tree.apply(changes.items())
        commit(tree)
        for key, value in changes.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        assert tree.root_hash() == reference_root(state)
    # the node store holds exactly the nodes of a fresh build: no stale nodes
    fresh, fresh_db, fresh_commit = make_tree()
    fresh.apply(state.items())
    fresh_commit(fresh)
    assert db == fresh_db


def test_membership_and_absence_proofs_verify():
    tree, db, commit = make_tree()
    state = {f"key{i}".encode(): f"value{i}".encode() for i in range(300)}
    root = tree.apply(state.items())
    commit(tree)
    for key, value in list(state.items())[:50]:
        verify_proof(root, key, value, tree.prove(key))
    for i in range(50):
        absent = f"absent{i}".encode()
        verify_proof(root, absent, None, tree.prove(absent))


def test_proof_of_a_wrong_value_is_rejected():
    tree, _db, commit = make_tree()
    root = tree.apply([(b"a", b"1"), (b"b", b"2"), (b"c", b"3")])
    commit(tree)
    proof = tree.prove(b"a")
    with pytest.raises(ProofError):
        verify_proof(root, b"a", b"2", proof)
    with pytest.raises(ProofError):
        verify_proof(root, b"a", None, proof)


def test_proof_against_another_root_is_rejected():
    tree, _db, commit = make_tree()
    tree.apply([(b"a", b"1"), (b"b", b"2")])
    commit(tree)
    proof = tree.prove(b"a")
    with pytest.raises(ProofError):
        verify_proof(hashlib.sha256(b"other").digest(), b"a", b"1", proof)


def test_tampered_sibling_hash_is_rejected():
    tree, _db, commit = make_tree()
    root = tree.apply((bytes([i]), b"x") for i in range(64))
    commit(tree)
    proof = tree.prove(bytes([5]))
    proof["steps"][0][1][0] = bytes(32)
    with pytest.raises(ProofError):
        verify_proof(root, bytes([5]), b"x", proof)


def test_absence_proof_in_empty_tree_verifies():
    tree, _db, _commit = make_tree()
    verify_proof(EMPTY_ROOT, b"k", None, tree.prove(b"k"))

"""A radix-16 sparse Merkle tree over sha256(state key): the app hash and query proofs.

Layout (documented in docs/architecture.md, "Store and app hash"):

- The path of a state key is sha256(key): 64 nibbles.
- A leaf commits to (sha256(key), sha256(value)); its hash is
  sha256(0x00 || key_hash || value_hash).
- An internal node has 16 child slots; its hash is
  sha256(0x01 || slot 0 || ... || slot 15), where a slot is the child's hash
  or 32 zero bytes when empty. The fixed layout makes an update a slice
  assignment and the node hash one sha256 of the stored bytes.
- A leaf sits at the shallowest position where it is alone in its subtree
  (the Jellyfish compression), so the depth is about log16(number of keys).
- Nodes are stored by position (depth, path prefix), so an update overwrites
  in place and the store never holds stale nodes.
- The empty tree has root hash 32 zero bytes.

Updating a batch of changed keys touches only the paths of those keys: the
work is proportional to the keys changed in a block times the tree depth,
independent of the total number of keys.
"""

from __future__ import annotations

import hashlib
from typing import Callable, Iterable

EMPTY_ROOT = bytes(32)
NODE_PREFIX = b"t"
_LEAF = 0
_INTERNAL = 1
# Nodes at depth <= this many nibbles stay in memory once read: every block
# touches many of them. Depth 4 is at most 69,905 nodes (~36 MB when all are
# full, which takes millions of keys).
CACHED_DEPTH = 4

_sha256 = hashlib.sha256
_ZERO = bytes(32)


class ProofError(ValueError):
    """Raised when a proof is malformed or does not match the root."""


def key_hash(key: bytes) -> bytes:
    return _sha256(key).digest()


def leaf_bytes(kh: bytes, vh: bytes) -> bytes:
    return b"\x00" + kh + vh


def _nibble(path: bytes, depth: int) -> int:
    byte = path[depth >> 1]
    return byte >> 4 if depth & 1 == 0 else byte & 0x0F


def _position(depth: int, path: bytes) -> bytes:
    """Storage position of the node at ``depth`` on ``path``: depth byte + the prefix nibbles."""
    full, odd = divmod(depth, 2)
    prefix = path[:full]
    if odd:
        prefix += bytes([path[full] & 0xF0])
    return bytes([depth]) + prefix


def _internal_bytes(children: list[bytes | None]) -> bytes:
    return b"\x01" + b"".join(_ZERO if child is None else child for child in children)


def _slot(node: bytes | bytearray, index: int) -> bytes:
    offset = 1 + 32 * index
    return bytes(node[offset : offset + 32])


def _present(node: bytes | bytearray) -> list[int]:
    return [index for index in range(16) if node[1 + 32 * index : 33 + 32 * index] != _ZERO]


class MerkleTree:
    """The tree over committed nodes read through ``read_node``, plus pending (uncommitted) writes."""

    def __init__(self, read_node: Callable[[bytes], bytes | None]) -> None:
        self._read_node = read_node
        self._cache: dict[bytes, bytes | None] = {}
        self._cache_complete = False
        self.pending: dict[bytes, bytes | None] = {}

    def load_cache(self, nodes: Iterable[tuple[bytes, bytes]]) -> None:
        """Take every stored node of depth <= CACHED_DEPTH at once (a range scan at start-up).

        Afterwards a position missing from the cache is known to be empty,
        so the top levels never cost a database read.
        """
        strip = len(NODE_PREFIX)
        self._cache = {key[strip:]: node for key, node in nodes}
        self._cache_complete = True

    # -- reads ---------------------------------------------------------------

    def _committed(self, pos: bytes) -> bytes | None:
        if pos[0] <= CACHED_DEPTH:
            try:
                return self._cache[pos]
            except KeyError:
                if self._cache_complete:
                    return None
                node = self._read_node(NODE_PREFIX + pos)
                self._cache[pos] = node
                return node
        return self._read_node(NODE_PREFIX + pos)

    def _load(self, pos: bytes) -> bytes | None:
        if pos in self.pending:
            return self.pending[pos]
        return self._committed(pos)

    def root_hash(self, committed_only: bool = False) -> bytes:
        root = self._committed(b"\x00") if committed_only else self._load(b"\x00")
        return EMPTY_ROOT if root is None else _sha256(root).digest()

    # -- updates -------------------------------------------------------------

    def apply(self, changes: Iterable[tuple[bytes, bytes | None]]) -> bytes:
        """Apply (state key, value or None for delete) changes as pending writes; return the new root."""
        updates = sorted(
            (_sha256(key).digest(), None if value is None else _sha256(value).digest())
            for key, value in changes
        )
        if updates:
            root_pos = b"\x00"
            new_root = self._update(0, self._load(root_pos), updates)
            self.pending[root_pos] = new_root
        return self.root_hash()

    def _update(self, depth: int, node: bytes | None, updates: list[tuple[bytes, bytes | None]]) -> bytes | None:
        if node is None or node[0] == _LEAF:
            entries: dict[bytes, bytes] = {}
            if node is not None:
                entries[node[1:33]] = node[33:65]
            for kh, vh in updates:
                if vh is None:
                    entries.pop(kh, None)
                else:
                    entries[kh] = vh
            return self._build(depth, sorted(entries.items()))

        buf = bytearray(node)
        check_collapse = False
        for nib, group in _group_by_nibble(updates, depth):
            offset = 1 + 32 * nib
            present = buf[offset : offset + 32] != _ZERO
            child_pos = _position(depth + 1, group[0][0])
            child = self._load(child_pos) if present else None
            new_child = self._update(depth + 1, child, group)
            if new_child is None:
                if present:
                    self.pending[child_pos] = None
                    check_collapse = True
                buf[offset : offset + 32] = _ZERO
            else:
                self.pending[child_pos] = new_child
                buf[offset : offset + 32] = _sha256(new_child).digest()
                # an internal child that shrank to a leaf may leave this node with one leaf child
                if new_child[0] == _LEAF and child is not None and child[0] != _LEAF:
                    check_collapse = True

        if check_collapse:
            present = _present(buf)
            if not present:
                return None
            if len(present) == 1:
                # A lone leaf child moves up to this position.
                only_pos = _position(depth + 1, _path_with_nibble(depth, present[0], updates))
                only = self._load(only_pos)
                if only is not None and only[0] == _LEAF:
                    self.pending[only_pos] = None
                    return only
        return bytes(buf)

    def _build(self, depth: int, entries: list[tuple[bytes, bytes]]) -> bytes | None:
        if not entries:
            return None
        if len(entries) == 1:
            kh, vh = entries[0]
            return leaf_bytes(kh, vh)
        children: list[bytes | None] = [None] * 16
        for nib, group in _group_by_nibble(entries, depth):
            child = self._build(depth + 1, group)
            assert child is not None
            self.pending[_position(depth + 1, group[0][0])] = child
            children[nib] = _sha256(child).digest()
        return _internal_bytes(children)

    def discard_pending(self) -> None:
        self.pending.clear()

    def committed(self) -> None:
        """Called after the pending nodes were written to the database."""
        for pos, node in self.pending.items():
            if pos[0] <= CACHED_DEPTH:
                if node is None and self._cache_complete:
                    self._cache.pop(pos, None)
                else:
                    self._cache[pos] = node
        self.pending.clear()

    # -- proofs --------------------------------------------------------------

    def prove(self, key: bytes) -> dict:
        """A proof of the committed value (or absence) of ``key`` against the committed root."""
        kh = _sha256(key).digest()
        steps: list[list] = []
        depth = 0
        node = self._committed(b"\x00")
        while node is not None and node[0] == _INTERNAL:
            nib = _nibble(kh, depth)
            present = _present(node)
            bitmap = sum(1 << (15 - index) for index in present)
            siblings = [_slot(node, index) for index in present if index != nib]
            steps.append([bitmap, siblings])
            if nib not in present:
                return {"steps": steps, "leaf": None}
            depth += 1
            node = self._committed(_position(depth, kh))
        leaf = None if node is None else [node[1:33], node[33:65]]
        return {"steps": steps, "leaf": leaf}


def _path_with_nibble(depth: int, nib: int, updates: list) -> bytes:
    """A path whose first ``depth`` nibbles are this node's and whose next nibble is ``nib``."""
    base = bytearray(updates[0][0])
    full, odd = divmod(depth, 2)
    if odd:
        base[full] = (base[full] & 0xF0) | nib
    else:
        base[full] = (nib << 4) | (base[full] & 0x0F)
    return bytes(base)


def _group_by_nibble(items: list, depth: int):
    """Split sorted (path, ...) items into runs with the same nibble at ``depth``."""
    start = 0
    count = len(items)
    while start < count:
        nib = _nibble(items[start][0], depth)
        end = start + 1
        while end < count and _nibble(items[end][0], depth) == nib:
            end += 1
        yield nib, items[start:end]
        start = end


def verify_proof(root: bytes, key: bytes, value: bytes | None, proof: dict) -> None:
    """Check that ``key`` has ``value`` (or is absent when value is None) under ``root``.

    Raises ProofError naming the failed check. Used by clients on query
    results against the app hash of a verified header.
    """
    try:
        steps = proof["steps"]
        leaf = proof["leaf"]
    except (TypeError, KeyError):
        raise ProofError("proof must hold 'steps' and 'leaf'") from None
    if not isinstance(steps, list) or len(steps) > 64:
        raise ProofError("proof steps must be a list of at most 64 entries")
    kh = _sha256(key).digest()
    depth = len(steps)
    current: bytes | None
    if value is not None:
        if leaf is None or list(leaf) != [kh, _sha256(value).digest()]:
            raise ProofError("proof leaf does not commit to this key and value")
        current = _sha256(leaf_bytes(kh, _sha256(value).digest())).digest()
    elif leaf is None:
        current = None
    else:
        other_kh, other_vh = leaf
        if not (isinstance(other_kh, bytes) and isinstance(other_vh, bytes) and len(other_kh) == len(other_vh) == 32):
            raise ProofError("proof leaf is malformed")
        if other_kh == kh:
            raise ProofError("proof shows the key present, but absence was claimed")
        if any(_nibble(other_kh, d) != _nibble(kh, d) for d in range(depth)):
            raise ProofError("proof leaf is not on the key's path")
        current = _sha256(leaf_bytes(other_kh, other_vh)).digest()

    for d in range(depth - 1, -1, -1):
        step = steps[d]
        if not (isinstance(step, list) and len(step) == 2 and isinstance(step[0], int) and isinstance(step[1], list)):
            raise ProofError(f"proof step {d} is malformed")
        bitmap, siblings = step
        if not 0 < bitmap < 1 << 16:
            raise ProofError(f"proof step {d} has an invalid bitmap")
        present = [index for index in range(16) if bitmap & (1 << (15 - index))]
        nib = _nibble(kh, d)
        if current is None:
            if nib in present or d != depth - 1:
                raise ProofError("proof of absence does not end in an empty slot")
            hashes = list(siblings)
        else:
            if nib not in present:
                raise ProofError(f"proof step {d} does not include the key's branch")
            hashes = list(siblings)
            hashes.insert(present.index(nib), current)
        if len(hashes) != len(present) or not all(isinstance(h, bytes) and len(h) == 32 and h != _ZERO for h in hashes):
            raise ProofError(f"proof step {d} has the wrong sibling hashes")
        slots = [_ZERO] * 16
        for index, child_hash in zip(present, hashes):
            slots[index] = child_hash
        current = _sha256(b"\x01" + b"".join(slots)).digest()

    computed = EMPTY_ROOT if current is None else current
    if computed != root:
        raise ProofError("proof does not match the app hash")

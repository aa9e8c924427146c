"""abci_query paths. Queries read committed state only, at the last committed height.

Every module declares its paths in its manifest (``queries``: chain_modules/common/query.py); a path is
``/<module>/<path of the query>``, such as ``/staking/candidate/amino1...``. The app adds ``/app/status``.
docs/architecture.md ("Queries") lists them all; ``query_index()`` gives them to tools (the gateway's index).

A view's answer is msgpack-encoded. A raw query answers the value at one state key; with prove=true it also
returns a proof (ProofOp type "amino/smt16") of that key against the app hash of the last committed height.
The key comes from chain_modules.provable, the same function the wallet checks proofs with.
"""

from __future__ import annotations

from abci_app.modules import MODULES
from abci_app.proto import abci, crypto_proof
from abci_app.store import META_BLOCK_TIME, AppStore
from chain_modules.common.address import AddressError
from chain_modules.common.encoding import encode
from chain_modules.common.query import (
    ERR_HEIGHT_UNAVAILABLE,
    ERR_INVALID_ARGUMENT,
    ERR_UNKNOWN_PATH,
    Query,
    QueryContext,
    QueryError,
)
from chain_modules.provable import provable_key, query_path_parts

PROOF_OP_TYPE = "amino/smt16"

__all__ = ["QueryError", "handle_query", "query_index", "PROOF_OP_TYPE"]

# module name -> its queries, in manifest order
TABLE: dict[str, tuple[Query, ...]] = {module.name: tuple(module.queries) for module in MODULES}


def query_index() -> list[dict]:
    """Every query path with its doc, for tools that list the API (``/app/status`` included)."""
    index = [{"path": f"/{name}/{query.path}", "doc": query.doc, "provable": query.key is not None}
             for name, queries in TABLE.items() for query in queries]
    index.append({"path": "/app/status", "doc": "chain id, height and app hash of the last block", "provable": False})
    return index


def _last_block_time(store: AppStore) -> int:
    raw_time = store.db.get(META_BLOCK_TIME)
    return int.from_bytes(raw_time, "big") // 1_000_000_000 if raw_time else 0


def _find(parts: list[str], path: str) -> tuple[Query, dict]:
    module, rest = (parts[0], parts[1:]) if parts else ("", [])
    for query in TABLE.get(module, ()):
        params = query.match(rest)
        if params is not None:
            return query, params
    raise QueryError(ERR_UNKNOWN_PATH, f"unknown query path {path!r}")


def _raw(store: AppStore, key: bytes, prove: bool, height: int):
    value = store.committed.get(key)
    proof_ops = None
    if prove:
        _value, proof = store.prove(key)
        proof_ops = crypto_proof.ProofOps(ops=[crypto_proof.ProofOp(type=PROOF_OP_TYPE, key=key, data=encode(proof))])
    return abci.ResponseQuery(code=0, key=key, value=value or b"", proof_ops=proof_ops, height=height)


def handle_query(store: AppStore, req) -> object:
    height = store.last_height
    if req.height not in (0, height):
        raise QueryError(ERR_HEIGHT_UNAVAILABLE, f"only the last committed height {height} can be queried, not {req.height}")
    parts = query_path_parts(req.path)
    if parts == ["app", "status"]:
        chain_id = store.committed.get(b"app/chain_id") or b""
        value = encode({"chain_id": chain_id.decode(), "height": height, "app_hash": store.last_app_hash})
        return abci.ResponseQuery(code=0, value=value, height=height)
    query, params = _find(parts, req.path)
    if query.key is not None:
        # the proven key comes from chain_modules.provable, which the wallet recomputes from the path it asked for
        try:
            key = provable_key(req.path)
        except AddressError as exc:
            raise QueryError(ERR_INVALID_ARGUMENT, str(exc)) from None
        assert key is not None and key == query.key(*params.values()), f"provable.py and the manifest disagree on {req.path!r}"
        return _raw(store, key, bool(req.prove), height)
    ctx = QueryContext(store.committed, height, _last_block_time(store))
    return abci.ResponseQuery(code=0, value=encode(query.view(ctx, **params)), height=height)

"""abci_query paths. Queries read committed state only, at the last committed height.

Every module declares its paths in its manifest (``queries``: chain_modules/common/query.py); a path is
``/<module>/<path of the query>``, such as ``/staking/candidate/amino1...``. The app adds ``/app/status``.
docs/architecture.md ("Queries") lists them all; ``query_index()`` gives them to tools (the gateway's index).

A view's answer is msgpack-encoded. A raw query answers the value at one state key; with prove=true it also
returns a proof (ProofOp type "amino/smt16") of that key against the app hash of the last committed height.
The key comes from chain_modules.provable, the same function the wallet checks proofs with.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from abci_app.codec import SignDoc, TxDecodeError, decode_tx, encode_tx
from abci_app.modules import MODULES
from abci_app.proto import abci, crypto_proof
from abci_app.store import META_BLOCK_TIME, AppStore, Overlay
from chain_modules.auth import api as auth_api
from chain_modules.bank import api as bank_api
from chain_modules.common.address import AddressError, address_bytes_from_pubkey
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

SIMULATE_PATH = "/app/simulate"

__all__ = ["QueryError", "handle_query", "query_index", "simulate_tx", "PROOF_OP_TYPE", "SIMULATE_PATH"]

# module name -> its queries, in manifest order
TABLE: dict[str, tuple[Query, ...]] = {module.name: tuple(module.queries) for module in MODULES}


def query_index() -> list[dict]:
    """Every query path with its doc, for tools that list the API (``/app/status`` included)."""
    index = [{"path": f"/{name}/{query.path}", "doc": query.doc, "provable": query.key is not None}
             for name, queries in TABLE.items() for query in queries]
    index.append({"path": "/app/status", "doc": "chain id, height and app hash of the last block", "provable": False})
    index.append({"path": SIMULATE_PATH, "doc": "gas a tx (query data) would use on the current state; writes nothing",
                  "provable": False})
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


def simulate_tx(store: AppStore, router, ctx, raw: bytes) -> dict:
    """Run the tx ``raw`` (an envelope whose signature is not checked) on a scratch overlay of committed state
    and return what it would do: gas used, code, codespace, log and events. Nothing is written anywhere.

    The wallet asks this before it signs (``--gas auto``, ``--dry-run``), so the signature is not verified;
    everything else is checked as CheckTx would. The gas limit, fee and sequence of the doc are replaced by
    the maximum gas limit, its minimum fee (credited to the signer on the scratch state only) and the
    account's current sequence: the answer is the gas the messages need, whatever the wallet guessed.
    """
    try:
        tx = decode_tx(raw)
    except TxDecodeError as exc:
        raise QueryError(ERR_INVALID_ARGUMENT, f"query data is not a tx: {exc}") from None
    try:
        signer = address_bytes_from_pubkey(tx.pubkey)
    except AddressError as exc:
        raise QueryError(ERR_INVALID_ARGUMENT, str(exc)) from None
    scratch = Overlay(store.committed)
    params = auth_api.get_params(scratch)
    account = auth_api.get_account(scratch, signer)
    doc = tx.doc
    gas_limit = params.max_gas_per_tx
    fee = params.min_fee(gas_limit)
    probe_doc = SignDoc(doc.chain_id, account.sequence if account else 0, fee, gas_limit, doc.memo, doc.msgs)
    probe = encode_tx(probe_doc.to_bytes(), tx.pubkey, tx.signature)
    if fee:
        bank_api.deposit(scratch, signer, fee)
    # a copy of the router whose verified cache holds the probe: its signature is taken as checked
    simulator = copy.copy(router)
    simulator.verified = type(router.verified)()
    simulator.verified.add(decode_tx(probe))
    simulator.batch_verified = {}
    result = simulator.run_tx(scratch, ctx, probe)
    # the probe's own bytes differ from the tx's only in the fee, gas limit and sequence integers
    size_difference = len(raw) - len(probe)
    gas_used = result.gas_used + params.gas_per_byte * size_difference if result.code == 0 else result.gas_used
    return {"gas_used": max(gas_used, 0), "code": result.code, "codespace": result.codespace, "log": result.log,
            "events": [[event.type, [list(attribute) for attribute in event.attributes]] for event in result.events or []]}


def handle_query(store: AppStore, req, simulate: Callable[[bytes], dict] | None = None) -> object:
    height = store.last_height
    if req.path == SIMULATE_PATH:
        if simulate is None:
            raise QueryError(ERR_UNKNOWN_PATH, "this node does not simulate txs")
        return abci.ResponseQuery(code=0, value=encode(simulate(bytes(req.data))), height=height)
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

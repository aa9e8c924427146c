"""abci_query paths. Queries read committed state only, at the last committed height.

Paths (docs/architecture.md, "Queries"):
  /bank/balance/<address>   raw balance value (8-byte big-endian uamio; empty when zero), provable
  /bank/spendable/<address> msgpack {"balance", "locked", "spendable"} at the last block time
  /bank/supply              raw total supply value, provable
  /auth/account/<address>   raw account value (msgpack [pubkey, sequence]; empty when new), provable
  /auth/params              msgpack of the tx params
  /app/status               msgpack {"chain_id", "height", "app_hash"}
With prove=true a provable path also returns a proof (ProofOp type
"amino/smt16") of that key against the app hash of the last committed height.
"""

from __future__ import annotations

from abci_app.proto import abci, crypto_proof
from abci_app.store import META_BLOCK_TIME, AppStore
from chain_modules.auth import api as auth_api
from chain_modules.auth.keys import account_key
from chain_modules.bank import api as bank_api
from chain_modules.bank.keys import SUPPLY_KEY, balance_key
from chain_modules.common.address import AddressError, decode_address
from chain_modules.common.encoding import encode

PROOF_OP_TYPE = "amino/smt16"


class QueryError(Exception):
    def __init__(self, code: int, log: str) -> None:
        super().__init__(log)
        self.code = code
        self.log = log


ERR_UNKNOWN_PATH = 2
ERR_INVALID_ARGUMENT = 3
ERR_HEIGHT_UNAVAILABLE = 4


def _address(text: str) -> bytes:
    try:
        return decode_address(text)
    except AddressError as exc:
        raise QueryError(ERR_INVALID_ARGUMENT, str(exc)) from None


def _raw(store: AppStore, key: bytes, prove: bool):
    value = store.committed.get(key)
    proof_ops = None
    if prove:
        _value, proof = store.prove(key)
        proof_ops = crypto_proof.ProofOps(ops=[crypto_proof.ProofOp(type=PROOF_OP_TYPE, key=key, data=encode(proof))])
    return key, value or b"", proof_ops


def handle_query(store: AppStore, req) -> object:
    height = store.last_height
    if req.height not in (0, height):
        raise QueryError(ERR_HEIGHT_UNAVAILABLE, f"only the last committed height {height} can be queried, not {req.height}")
    parts = req.path.strip("/").split("/")
    prove = bool(req.prove)
    key = b""
    proof_ops = None
    match parts:
        case ["bank", "balance", address]:
            key, value, proof_ops = _raw(store, balance_key(_address(address)), prove)
        case ["bank", "supply"]:
            key, value, proof_ops = _raw(store, SUPPLY_KEY, prove)
        case ["auth", "account", address]:
            key, value, proof_ops = _raw(store, account_key(_address(address)), prove)
        case ["bank", "spendable", address]:
            raw_time = store.db.get(META_BLOCK_TIME)
            now = int.from_bytes(raw_time, "big") // 1_000_000_000 if raw_time else 0
            addr = _address(address)
            balance = bank_api.get_balance(store.committed, addr)
            locked = min(balance, bank_api.locked_amount(store.committed, addr, now))
            value = encode({"balance": balance, "locked": locked, "spendable": balance - locked, "time": now})
        case ["auth", "params"]:
            value = encode(auth_api.get_params(store.committed).to_dict())
        case ["app", "status"]:
            chain_id = store.committed.get(b"app/chain_id") or b""
            value = encode({"chain_id": chain_id.decode(), "height": height, "app_hash": store.last_app_hash})
        case _:
            raise QueryError(ERR_UNKNOWN_PATH, f"unknown query path {req.path!r}")
    return abci.ResponseQuery(code=0, key=key, value=value, proof_ops=proof_ops, height=height)

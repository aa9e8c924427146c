"""abci_query paths. Queries read committed state only, at the last committed height.

Paths (docs/architecture.md, "Queries"):
  /bank/balance/<address>   raw balance value (8-byte big-endian uamio; empty when zero), provable
  /bank/spendable/<address> msgpack {"balance", "locked", "spendable"} at the last block time
  /bank/supply              raw total supply value, provable
  /auth/account/<address>   raw account value (msgpack [pubkey, sequence]; empty when new), provable
  /auth/params              msgpack of the tx params
  /app/status               msgpack {"chain_id", "height", "app_hash"}
  /staking/params           msgpack of the staking params
  /staking/candidates       msgpack list of candidates (status, tokens, self bond, commission, power)
  /staking/candidate/<op>   one candidate
  /staking/delegations/<a>  msgpack {"delegations", "unbondings", "redelegations"} of an account
  /staking/validators       msgpack list of the current validator set
  /staking/master_nodes     msgpack list of master node candidates (status "active" for the elected ones)
  /staking/bonds            msgpack {"active_workers", "min_super_self_bond", "min_master_bond"}
  /distribution/rewards/<a> msgpack {"rewards": {candidate: uamio}, "total"} pending for a delegator
  /distribution/commission/<op>, /distribution/community
  /locks/list/<a>, /locks/weight[/<a>], /locks/api_access/<a>, /locks/params  (docs/modules/locks.md)
  /slashing/params, /slashing/signing_info/<consensus address hex>
  /compute/params, /compute/classes, /compute/prices/<class>, /compute/task/<id>,
  /compute/tasks/{customer,master,worker}/<address> (open tasks), /compute/worker/<address>,
  /compute/workers/<master>, /compute/master/<operator>          (docs/modules/compute.md)
  /apppool/params, /apppool/apps, /apppool/app/<module hash hex>   (docs/modules/apppool.md)
With prove=true a provable path also returns a proof (ProofOp type
"amino/smt16") of that key against the app hash of the last committed height.
"""

from __future__ import annotations

import re

from abci_app.proto import abci, crypto_proof
from abci_app.store import META_BLOCK_TIME, AppStore
from chain_modules.auth import api as auth_api
from chain_modules.bank import api as bank_api
from chain_modules.common.address import AddressError, decode_address, encode_address
from chain_modules.distribution import api as distribution_api
from chain_modules.distribution import state as distribution_state
from chain_modules.apppool import state as apppool_state
from chain_modules.compute import state as compute_state
from chain_modules.compute import views as compute_views
from chain_modules.locks import views as locks_views
from chain_modules.slashing import state as slashing_state
from chain_modules.staking import api as staking_api
from chain_modules.staking import state as staking_state
from chain_modules.common.encoding import encode
from chain_modules.provable import provable_key, query_path_parts

PROOF_OP_TYPE = "amino/smt16"


class QueryError(Exception):
    def __init__(self, code: int, log: str) -> None:
        super().__init__(log)
        self.code = code
        self.log = log


ERR_UNKNOWN_PATH = 2
ERR_INVALID_ARGUMENT = 3
ERR_HEIGHT_UNAVAILABLE = 4
ERR_NOT_FOUND = 5

UINT64_MAX = 2**64 - 1
# re.ASCII: without it \d would match any Unicode decimal digit; fullmatch, so a trailing newline fails too
_DECIMAL = re.compile(r"[0-9]+", re.ASCII)
_HEX = re.compile(r"[0-9a-fA-F]+", re.ASCII)


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
    parts = query_path_parts(req.path)
    prove = bool(req.prove)
    key = b""
    proof_ops = None
    # a provable path's key comes from chain_modules.provable, the same function the wallet checks proofs with
    try:
        proven = provable_key(req.path)
    except AddressError as exc:
        raise QueryError(ERR_INVALID_ARGUMENT, str(exc)) from None
    if proven is not None:
        key, value, proof_ops = _raw(store, proven, prove)
        return abci.ResponseQuery(code=0, key=key, value=value, proof_ops=proof_ops, height=height)
    match parts:
        case ["bank", "spendable", address]:
            now = _last_block_time(store)
            addr = _address(address)
            balance = bank_api.get_balance(store.committed, addr)
            locked = min(balance, bank_api.locked_amount(store.committed, addr, now))
            value = encode({"balance": balance, "locked": locked, "spendable": balance - locked, "time": now})
        case ["auth", "params"]:
            value = encode(auth_api.get_params(store.committed).to_dict())
        case ["staking", "params"]:
            value = encode(staking_api.get_params(store.committed).to_dict())
        case ["staking", "candidates"]:
            value = encode(_candidate_views(store, [c for c in staking_api.iter_candidates(store.committed) if c.kind == "super"]))
        case ["staking", "master_nodes"]:
            value = encode(_candidate_views(store, [c for c in staking_api.iter_candidates(store.committed) if c.kind == "master"]))
        case ["staking", "bonds"]:
            value = encode({
                "active_workers": staking_state.get_active_workers(store.committed),
                "min_super_self_bond": staking_api.min_super_self_bond(store.committed),
                "min_master_bond": staking_api.min_master_bond(store.committed),
            })
        case ["staking", "candidate", operator]:
            candidate = staking_api.get_candidate(store.committed, _address(operator))
            if candidate is None:
                raise QueryError(ERR_NOT_FOUND, f"no candidate with operator {operator}")
            value = encode(_candidate_views(store, [candidate])[0])
        case ["staking", "delegations", address]:
            value = encode(_delegations_view(store, _address(address)))
        case ["staking", "sponsor_consent", master]:
            sponsor = staking_state.get_sponsor_consent(store.committed, _address(master))
            if sponsor is None:
                raise QueryError(ERR_NOT_FOUND, f"no super node consents to sponsor {master}")
            value = encode(encode_address(sponsor))
        case ["staking", "validators"]:
            value = encode([
                {"operator": encode_address(operator), "consensus_pubkey": pubkey.hex(), "power": power}
                for operator, pubkey, power in staking_api.iter_validator_set(store.committed)
            ])
        case ["distribution", "rewards", address]:
            delegator = _address(address)
            rewards = {
                encode_address(operator): distribution_api.pending_rewards(store.committed, delegator, operator)
                for _delegator, operator, _shares in staking_state.iter_delegations(store.committed, delegator)
            }
            value = encode({"rewards": rewards, "total": sum(rewards.values())})
        case ["distribution", "commission", operator]:
            value = encode({"commission": distribution_state.get_commission(store.committed, _address(operator))})
        case ["distribution", "community"]:
            value = encode({"community": distribution_state.get_community(store.committed)})
        case ["locks", "list", address]:
            value = encode(locks_views.locks_of(store.committed, _address(address), _last_block_time(store)))
        case ["locks", "weight"]:
            value = encode(locks_views.weight_view(store.committed, None, _last_block_time(store)))
        case ["locks", "weight", address]:
            value = encode(locks_views.weight_view(store.committed, _address(address), _last_block_time(store)))
        case ["locks", "api_access", address]:
            value = encode(locks_views.api_access_view(store.committed, _address(address), _last_block_time(store)))
        case ["locks", "params"]:
            value = encode(locks_views.params_view(store.committed))
        case ["slashing", "params"]:
            value = encode(slashing_state.get_params(store.committed).to_dict())
        case ["slashing", "signing_info", address]:
            info = slashing_state.get_signing_info(store.committed, _hex20(address))
            if info is None:
                raise QueryError(ERR_NOT_FOUND, f"no signing info for consensus address {address!r} (40 hex digits)")
            start_height, seen, missed, _bitmap, missing_since = info
            value = encode({"start_height": start_height, "blocks_seen": seen, "missed_in_window": missed,
                            "missing_since": missing_since})
        case ["compute", *rest]:
            value = encode(_compute_query(store, rest, req.path))
        case ["apppool", "params"]:
            value = encode(apppool_state.get_params(store.committed).to_dict())
        case ["apppool", "apps"]:
            value = encode(compute_views.apps_view(store.committed))
        case ["apppool", "app", module_hash]:
            app = apppool_state.get_app(store.committed, _hex_bytes(module_hash, 32, "module hash"))
            if app is None:
                raise QueryError(ERR_NOT_FOUND, f"no application with module hash {module_hash}")
            value = encode(compute_views.app_view(app))
        case ["app", "status"]:
            chain_id = store.committed.get(b"app/chain_id") or b""
            value = encode({"chain_id": chain_id.decode(), "height": height, "app_hash": store.last_app_hash})
        case _:
            raise QueryError(ERR_UNKNOWN_PATH, f"unknown query path {req.path!r}")
    return abci.ResponseQuery(code=0, key=key, value=value, proof_ops=proof_ops, height=height)


def _compute_query(store: AppStore, parts: list[str], path: str) -> object:
    state = store.committed
    match parts:
        case ["params"]:
            return compute_state.get_params(state).to_dict()
        case ["classes"]:
            return compute_views.classes_view(state)
        case ["prices", class_name]:
            if compute_state.get_params(state).resource_class(class_name) is None:
                raise QueryError(ERR_NOT_FOUND, f"no resource class {class_name!r}")
            return compute_views.price_history(state, class_name)
        case ["task", task_id]:
            task = compute_state.get_task(state, _uint64(task_id, "task id"))
            if task is None:
                raise QueryError(ERR_NOT_FOUND, f"no task with id {task_id}")
            return compute_views.task_view(state, task)
        case ["tasks", ("customer" | "master" | "worker") as index, address]:
            return compute_views.task_views(state, index, _address(address))
        case ["worker", address]:
            worker = compute_state.get_worker(state, _address(address))
            if worker is None:
                raise QueryError(ERR_NOT_FOUND, f"no worker {address}")
            return compute_views.worker_view(worker, _last_block_time(store))
        case ["workers", master]:
            return compute_views.workers_of(state, _address(master), _last_block_time(store))
        case ["master", operator]:
            return compute_views.master_view(state, _address(operator))
    raise QueryError(ERR_UNKNOWN_PATH, f"unknown query path {path!r}")


def _uint64(text: str, what: str) -> int:
    """A path parameter that must be a plain decimal integer: ASCII digits only, within uint64.

    str.isdigit() and int() also take Unicode digits ('²', '١٢'), '1_000',
    ' 12 ' and '+5'; none of those is a well-formed id.
    """
    if _DECIMAL.fullmatch(text) is None or len(text) > 20 or int(text) > UINT64_MAX:
        raise QueryError(ERR_INVALID_ARGUMENT, f"{text!r} is not a {what} (decimal digits 0-9, at most {UINT64_MAX})")
    return int(text)


def _hex_bytes(text: str, size: int, what: str) -> bytes:
    """Exactly ``2 * size`` ASCII hex digits (bytes.fromhex alone would also take spaces between them)."""
    if _HEX.fullmatch(text) is None or len(text) != 2 * size:
        raise QueryError(ERR_INVALID_ARGUMENT, f"{text!r} is not a {what} ({2 * size} hex digits)")
    return bytes.fromhex(text)


def _candidate_views(store: AppStore, candidates: list) -> list[dict]:
    """Views of candidates; the params, validator set and active masters are read once for all of them."""
    state = store.committed
    params = staking_api.get_params(state)
    in_set = {operator for operator, _pubkey, _power in staking_api.iter_validator_set(state)}
    active = set(staking_state.iter_active_masters(state))
    return [_candidate_view(state, params, in_set, active, candidate) for candidate in candidates]


def _candidate_view(state, params, in_set: set, active: set, candidate) -> dict:
    if candidate.tombstoned:
        status = "tombstoned"
    elif candidate.jailed:
        status = "jailed"
    elif candidate.operator in in_set:
        status = "validator"
    elif candidate.kind == "master" and candidate.operator in active:
        status = "active"
    else:
        status = "candidate"
    return {
        "operator": encode_address(candidate.operator),
        "consensus_pubkey": candidate.consensus_pubkey.hex(),
        "moniker": candidate.moniker,
        "status": status,
        "tokens": candidate.tokens,
        "shares": candidate.shares,
        "self_bond": staking_api.self_bond(state, candidate),
        "commission_bps": candidate.commission_bps,
        "max_change_bps": candidate.max_change_bps,
        "jailed": candidate.jailed,
        "jailed_until": candidate.jailed_until,
        "power": candidate.tokens // params.power_reduction if candidate.kind == "super" else 0,
        "missed_blocks": _missed_blocks(state, candidate),
        "kind": candidate.kind,
        "endpoint": candidate.endpoint,
        "region": candidate.region,
        "sponsor": encode_address(candidate.sponsor) if candidate.sponsor else "",
    }


def _delegations_view(store: AppStore, address: bytes) -> dict:
    state = store.committed
    delegations = []
    for _delegator, operator, shares in staking_state.iter_delegations(state, address):
        candidate = staking_api.get_candidate(state, operator)
        delegations.append({"candidate": encode_address(operator), "shares": shares,
                            "tokens": candidate.tokens_for_shares(shares) if candidate else 0})
    unbondings = [
        {"candidate": encode_address(operator), "entries": [_fields(e) for e in entries]}
        for _delegator, operator, entries in staking_state.iter_unbondings(state, address)
    ]
    redelegations = [
        {"source": encode_address(source), "destination": encode_address(destination), "entries": [_fields(e) for e in entries]}
        for _delegator, source, destination, entries in staking_state.iter_redelegations(state, address)
    ]
    return {"delegations": delegations, "unbondings": unbondings, "redelegations": redelegations}


def _fields(entry) -> dict:
    return {name: getattr(entry, name) for name in entry.__dataclass_fields__}


def _last_block_time(store: AppStore) -> int:
    raw_time = store.db.get(META_BLOCK_TIME)
    return int.from_bytes(raw_time, "big") // 1_000_000_000 if raw_time else 0


def _missed_blocks(state, candidate) -> int:
    """Blocks missed in the current signing window (super nodes only)."""
    if candidate.kind != "super":
        return 0
    info = slashing_state.get_signing_info(state, staking_state.consensus_address(candidate.consensus_pubkey))
    return 0 if info is None else info[2]


def _hex20(text: str) -> bytes:
    return _hex_bytes(text, 20, "consensus address")

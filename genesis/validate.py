"""Validate a whole genesis.json (CometBFT part and app_state); errors name the field."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime
from pathlib import Path

from abci_app.genesis import AppGenesis, GenesisError, init_app_state, parse_app_state
from abci_app.modules import MODULES, HOOKS
from abci_app.store import MemoryState, Overlay
from chain_modules.common.context import BlockContext


_RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$", re.ASCII)


def parse_genesis_time(text: object) -> int:
    """Whole seconds since the epoch of an RFC 3339 genesis_time, as CometBFT writes it (up to nanoseconds)."""
    match = _RFC3339.match(text) if isinstance(text, str) else None
    if match is None:
        raise GenesisError(f"genesis_time: {text!r} is not an RFC 3339 time such as 2027-01-15T08:00:00.000000Z")
    day, clock, _fraction, zone = match.groups()
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}{'+00:00' if zone == 'Z' else zone}")
    except ValueError:
        raise GenesisError(f"genesis_time: {text!r} is not a valid date and time") from None
    return int(moment.timestamp())


def validate_genesis(genesis: object) -> AppGenesis:
    if not isinstance(genesis, dict):
        raise GenesisError("genesis: must be a JSON object")
    chain_id = genesis.get("chain_id")
    if not isinstance(chain_id, str) or not 0 < len(chain_id) <= 50:
        raise GenesisError("chain_id: must be a string of 1 to 50 characters")
    genesis_time = parse_genesis_time(genesis.get("genesis_time"))
    validators = genesis.get("validators")
    if not isinstance(validators, list) or not validators:
        raise GenesisError("validators: must list at least one validator")
    seen = set()
    for index, validator in enumerate(validators):
        path = f"validators[{index}]"
        if not isinstance(validator, dict):
            raise GenesisError(f"{path}: must be an object")
        pub_key = validator.get("pub_key")
        if not isinstance(pub_key, dict) or pub_key.get("type") != "tendermint/PubKeyEd25519":
            raise GenesisError(f"{path}.pub_key.type: must be tendermint/PubKeyEd25519")
        try:
            raw = base64.b64decode(pub_key.get("value", ""), validate=True)
        except (ValueError, TypeError):
            raw = b""
        if len(raw) != 32:
            raise GenesisError(f"{path}.pub_key.value: must be a base64 32-byte ed25519 key")
        if raw in seen:
            raise GenesisError(f"{path}.pub_key.value: duplicate validator key")
        seen.add(raw)
        address = validator.get("address")
        if address is not None and address != hashlib.sha256(raw).digest()[:20].hex().upper():
            raise GenesisError(f"{path}.address: does not match the public key")
        power = validator.get("power")
        if not (isinstance(power, str) and re.fullmatch(r"[0-9]{1,19}", power) and int(power) > 0):
            raise GenesisError(f"{path}.power: must be a positive integer string")
    if "app_state" not in genesis:
        raise GenesisError("app_state: is required")
    app = parse_app_state(genesis["app_state"], genesis_time)
    evidence = ((genesis.get("consensus_params") or {}).get("evidence") or {})
    age = evidence.get("max_age_duration")
    if age is not None:
        if not (isinstance(age, str) and re.fullmatch(r"[0-9]{1,20}", age)):
            raise GenesisError("consensus_params.evidence.max_age_duration: must be nanoseconds as a digit string")
        if int(age) > app.staking_params.unbonding_seconds * 1_000_000_000:
            raise GenesisError(
                "consensus_params.evidence.max_age_duration: must not exceed app_state.staking.params.unbonding_seconds, "
                "or a double signer could unbond before its evidence is committed"
            )
    if app.app_state:  # an exported state: check it as the chain would load it
        listed = {base64.b64decode(v["pub_key"]["value"]): int(v["power"]) for v in validators}
        check_exported_state(app, genesis_time, listed)
    elif app.super_nodes:
        # InitChain returns the elected super nodes as the validator set; genesis.json must agree.
        ranked = sorted(app.super_nodes, key=lambda n: (-n.self_bond, n.operator))[: app.staking_params.max_super_nodes]
        expected = {n.consensus_pubkey: n.self_bond // app.staking_params.power_reduction for n in ranked}
        listed = {base64.b64decode(v["pub_key"]["value"]): int(v["power"]) for v in validators}
        if listed != expected:
            raise GenesisError("validators: must be exactly the elected super nodes with power self_bond / power_reduction")
    return app


def check_exported_state(app: AppGenesis, genesis_time: int, listed: dict[bytes, int]) -> None:
    """Load an exported state in memory as InitChain would, then run every module's invariants over it and
    compare its validator set with genesis.json's."""
    state = Overlay(MemoryState())
    try:
        validators = init_app_state(state, BlockContext("validate", 0, genesis_time * 1_000_000_000, hooks=HOOKS), app)
    except (ValueError, KeyError, TypeError) as exc:
        raise GenesisError(f"app_state: the exported state does not load: {exc}") from None
    for module in MODULES:
        for invariant in module.invariants:
            try:
                invariant(state)
            except AssertionError as exc:
                raise GenesisError(f"app_state.{module.name}.state: breaks the invariant {invariant.__name__}: {exc}") from None
            except Exception as exc:  # a record that does not decode
                raise GenesisError(f"app_state.{module.name}.state: does not decode ({type(exc).__name__}: {exc})") from None
    if dict(validators) != listed:
        raise GenesisError("validators: must be exactly the validator set of the exported staking state")


def validate_genesis_file(path: Path) -> AppGenesis:
    try:
        genesis = json.loads(Path(path).read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise GenesisError("genesis: the file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise GenesisError(f"genesis: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    return validate_genesis(genesis)

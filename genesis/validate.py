"""Validate a whole genesis.json (CometBFT part and app_state); errors name the field."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path

from genesis.app_state import AppGenesis, GenesisError, parse_app_state


def parse_genesis_time(text: object) -> int:
    """Seconds since the epoch of an RFC 3339 genesis_time (as CometBFT writes it)."""
    if not isinstance(text, str):
        raise GenesisError("genesis_time: must be an RFC 3339 string")
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    main, sep, rest = value.partition(".")
    if sep:  # keep at most microseconds for fromisoformat; nanoseconds do not matter for seconds
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        value = f"{main}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise GenesisError(f"genesis_time: {text!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise GenesisError("genesis_time: must have a time zone (use Z)")
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
        if not (isinstance(power, str) and power.isdigit() and int(power) > 0):
            raise GenesisError(f"{path}.power: must be a positive integer string")
    if "app_state" not in genesis:
        raise GenesisError("app_state: is required")
    return parse_app_state(genesis["app_state"], genesis_time)


def validate_genesis_file(path: Path) -> AppGenesis:
    try:
        genesis = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise GenesisError(f"genesis: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    return validate_genesis(genesis)

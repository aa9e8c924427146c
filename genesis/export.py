"""Export a stopped node's state as a genesis.json a new chain can start from (what a chain upgrade needs).

The new chain starts at the next height (``initial_height``), at the last block's time, with the validator set
the state holds and every module's state key for key (abci_app/genesis.py): its first app hash is the app hash
of the exported height. The consensus params come from the chain's own genesis.json when given (they must keep
the vote extension enable height for the app hash to match), else the defaults of `amino genesis build`.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from pathlib import Path

import plyvel

from abci_app.genesis import CHAIN_ID_KEY, GenesisError, export_app_state
from abci_app.store import META_BLOCK_TIME, AppStore
from chain_modules.staking import api as staking_api
from genesis.build import GenesisValidator, consensus_params, format_time, validator_json


class ExportError(Exception):
    """The database cannot be exported (in use, empty, not an Amino chain)."""


def export_genesis(db_path: Path, template: dict | None = None) -> dict:
    """The genesis.json of a chain that continues from the last committed height of the app database at
    ``db_path``. ``template``: the chain's genesis.json, whose consensus params are kept."""
    if not Path(db_path).is_dir():
        raise ExportError(f"{db_path}: no such app database directory")
    try:
        store = AppStore(db_path)
    except plyvel.IOError as exc:
        raise ExportError(f"{db_path}: cannot open the app database ({exc}); stop the node's app first") from None
    try:
        height = store.last_height
        chain_id = (store.committed.get(CHAIN_ID_KEY) or b"").decode()
        if height == 0 or not chain_id:
            raise ExportError(f"{db_path}: the database holds no committed block of an Amino chain")
        raw_time = store.db.get(META_BLOCK_TIME)
        block_time = datetime.fromtimestamp(int.from_bytes(raw_time, "big") // 1_000_000_000, timezone.utc)
        state = store.committed
        validators = [GenesisValidator(f"validator-{index}", pubkey, power)
                      for index, (_operator, pubkey, power) in enumerate(staking_api.iter_validator_set(state))]
        params = staking_api.get_params(state)
        app_state = export_app_state(state)
        app_hash = store.last_app_hash
    finally:
        store.close()
    if template is not None and not isinstance(template.get("consensus_params"), dict):
        raise GenesisError("consensus_params: the template genesis has none")
    return {
        "genesis_time": format_time(block_time),
        "chain_id": chain_id,
        "initial_height": str(height + 1),
        "consensus_params": copy.deepcopy(template["consensus_params"]) if template else consensus_params(params.unbonding_seconds),
        "validators": [validator_json(v) for v in validators],
        # CometBFT checks the app's first app hash against this: the state is exported, not rebuilt
        "app_hash": app_hash.hex().upper(),
        "app_state": app_state,
    }

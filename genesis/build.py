"""Build a CometBFT genesis.json whose app_state holds the allocation table and the tx params."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from chain_modules.auth.types import TxParams
from chain_modules.apppool.types import AppPoolParams
from chain_modules.compute.types import ComputeParams
from chain_modules.fog.types import FogParams
from chain_modules.gov.types import GovParams
from chain_modules.locks.types import LockParams
from chain_modules.slashing.types import SlashingParams
from chain_modules.staking.types import StakingParams
from chain_modules.common.amount import TOTAL_SUPPLY_UAMIO
from chain_modules.bank.api import DEFAULT_ALLOCATIONS, allocation_amount, split_evenly


@dataclass(frozen=True)
class GenesisValidator:
    name: str
    pubkey: bytes  # ed25519 consensus key, 32 bytes
    power: int


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def validator_json(validator: GenesisValidator) -> dict:
    return {
        "address": hashlib.sha256(validator.pubkey).digest()[:20].hex().upper(),
        "pub_key": {"type": "tendermint/PubKeyEd25519", "value": base64.b64encode(validator.pubkey).decode()},
        "power": str(validator.power),
        "name": validator.name,
    }


@dataclass(frozen=True)
class SuperNodeSpec:
    """A genesis super node: its operator (bech32) bonds ``self_bond`` for the consensus key of ``validator``."""

    operator: str
    validator: GenesisValidator
    self_bond: int
    commission_bps: int = 1_000
    max_change_bps: int = 100


def build_app_state(
    recipients: dict[str, list[str]],
    tx_params: TxParams | None = None,
    staking_params: StakingParams | None = None,
    super_nodes: list[SuperNodeSpec] | None = None,
    slashing_params: SlashingParams | None = None,
    compute_params: ComputeParams | None = None,
    apppool_params: AppPoolParams | None = None,
    fog_params: FogParams | None = None,
    gov_params: GovParams | None = None,
) -> dict:
    """app_state with the default allocation table; each allocation is split evenly among its recipients."""
    allocations = []
    for name, share_bps, schedule in DEFAULT_ALLOCATIONS:
        addresses = recipients.get(name)
        if not addresses:
            raise ValueError(f"allocation {name!r} needs at least one recipient address")
        amounts = split_evenly(allocation_amount(share_bps), len(addresses))
        allocations.append(
            {
                "name": name,
                "share_bps": share_bps,
                "schedule": copy.deepcopy(schedule),
                "recipients": [{"address": a, "amount": amount} for a, amount in zip(addresses, amounts)],
            }
        )
    return {
        "auth": {"params": (tx_params or TxParams()).to_dict()},
        "bank": {"total_supply": TOTAL_SUPPLY_UAMIO, "allocations": allocations},
        "staking": {
            "params": (staking_params or StakingParams()).to_dict(),
            "super_nodes": [
                {
                    "operator": node.operator,
                    "consensus_pubkey": base64.b64encode(node.validator.pubkey).decode(),
                    "moniker": node.validator.name,
                    "commission_bps": node.commission_bps,
                    "max_change_bps": node.max_change_bps,
                    "self_bond": node.self_bond,
                }
                for node in super_nodes or []
            ],
        },
        "slashing": {"params": (slashing_params or SlashingParams()).to_dict()},
        "locks": {"params": LockParams().to_dict()},
        "compute": {"params": (compute_params or ComputeParams()).to_dict()},
        "apppool": {"params": (apppool_params or AppPoolParams()).to_dict()},
        "fog": {"params": (fog_params or FogParams()).to_dict()},
        "gov": {"params": (gov_params or GovParams()).to_dict()},
    }


def consensus_params(unbonding_seconds: int, max_block_bytes: int = 4 * 1024 * 1024) -> dict:
    """CometBFT's consensus params for an Amino chain."""
    return {
        "block": {"max_bytes": str(max_block_bytes), "max_gas": "-1"},
        # evidence must expire before unbonding completes, or a double signer could leave unslashed
        "evidence": {
            "max_age_num_blocks": str(max(1, unbonding_seconds // 2)),
            "max_age_duration": str(unbonding_seconds * 1_000_000_000),
            "max_bytes": "1048576",
        },
        "validator": {"pub_key_types": ["ed25519"]},
        "version": {"app": "1"},
        # every vote carries the fixed extension whose signatures seed block H+1 (docs/architecture.md, "Randomness")
        "abci": {"vote_extensions_enable_height": "1"},
    }


def build_genesis(
    chain_id: str,
    genesis_time: datetime,
    validators: list[GenesisValidator],
    recipients: dict[str, list[str]],
    tx_params: TxParams | None = None,
    max_block_bytes: int = 4 * 1024 * 1024,
    staking_params: StakingParams | None = None,
    super_nodes: list[SuperNodeSpec] | None = None,
    slashing_params: SlashingParams | None = None,
    compute_params: ComputeParams | None = None,
    apppool_params: AppPoolParams | None = None,
    fog_params: FogParams | None = None,
    gov_params: GovParams | None = None,
) -> dict:
    """A genesis.json. With ``super_nodes`` the validators are exactly the super nodes, with power
    self_bond / power_reduction, which is what InitChain's election returns."""
    unbonding = (staking_params or StakingParams()).unbonding_seconds
    if super_nodes:
        reduction = (staking_params or StakingParams()).power_reduction
        validators = [GenesisValidator(n.validator.name, n.validator.pubkey, n.self_bond // reduction) for n in super_nodes]
    return {
        "genesis_time": format_time(genesis_time),
        "chain_id": chain_id,
        "initial_height": "1",
        "consensus_params": consensus_params(unbonding, max_block_bytes),
        "validators": [validator_json(v) for v in validators],
        "app_hash": "",
        "app_state": build_app_state(
            recipients, tx_params, staking_params, super_nodes, slashing_params, compute_params, apppool_params,
            fog_params, gov_params,
        ),
    }


def write_genesis(genesis: dict, path: Path) -> None:
    path.write_text(json.dumps(genesis, indent=2) + "\n")

"""staking genesis: params and the initial super nodes, bonded from their operators' genesis balances.

An exported genesis gives the state itself (chain_modules/common/genesis.py, "Exported state"); the chain then
starts with the validator set that state holds.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from chain_modules.common.address import AddressError, decode_address
from chain_modules.common.context import BlockContext
from chain_modules.common.genesis import (
    GenesisError,
    export_state,
    import_state,
    parse_params,
    parse_state,
    require_int,
    require_map,
)
from chain_modules.common.module import Genesis, GenesisContext, Section
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.staking.epoch import apply_election
from chain_modules.staking.handlers import create_super_node
from chain_modules.staking.keys import PARAMS_KEY, PREFIX
from chain_modules.staking.state import get_params, iter_validator_set, set_params
from chain_modules.staking.types import BPS, MsgCreateSuperNode, StakingParams, is_valid_consensus_key


@dataclass(frozen=True)
class GenesisSuperNode:
    operator: bytes
    consensus_pubkey: bytes
    moniker: str
    commission_bps: int
    max_change_bps: int
    self_bond: int


def init_genesis(state: StateWrite, ctx: BlockContext, params: StakingParams, super_nodes: list[GenesisSuperNode]) -> list[tuple[bytes, int]]:
    """Create the genesis candidates (same rules as the message) and return the elected validator set."""
    set_params(state, params)
    for node in super_nodes:
        create_super_node(
            state,
            ctx,
            MsgCreateSuperNode(node.operator, node.consensus_pubkey, node.moniker, node.commission_bps, node.max_change_bps, node.self_bond),
        )
    return apply_election(state, params) if super_nodes else []


def _super_nodes(raw: object, params: StakingParams, ctx: GenesisContext) -> tuple[GenesisSuperNode, ...]:
    if not isinstance(raw, list):
        raise GenesisError("app_state.staking.super_nodes: must be a list")
    bank = ctx.sections.get("bank")
    balances = {a.address: a.amount for a in bank.extra.accounts} if bank is not None else {}
    parsed: list[GenesisSuperNode] = []
    seen_operators: set[bytes] = set()
    seen_keys: set[bytes] = set()
    for index, node in enumerate(raw):
        path = f"app_state.staking.super_nodes[{index}]"
        node = require_map(node, path, {"operator", "consensus_pubkey", "moniker", "commission_bps", "max_change_bps", "self_bond"})
        try:
            operator = decode_address(node["operator"])
        except AddressError as exc:
            raise GenesisError(f"{path}.operator: {exc}") from None
        if operator in seen_operators:
            raise GenesisError(f"{path}.operator: appears twice")
        seen_operators.add(operator)
        try:
            pubkey = base64.b64decode(node["consensus_pubkey"], validate=True) if isinstance(node["consensus_pubkey"], str) else b""
        except ValueError:
            pubkey = b""
        if not is_valid_consensus_key(pubkey):
            raise GenesisError(f"{path}.consensus_pubkey: must be the base64 of a valid ed25519 key "
                               "(32 bytes, a point of prime order, not small order)")
        if pubkey in seen_keys:
            raise GenesisError(f"{path}.consensus_pubkey: used twice")
        seen_keys.add(pubkey)
        moniker = node["moniker"]
        if not isinstance(moniker, str) or not 1 <= len(moniker) <= 64:
            raise GenesisError(f"{path}.moniker: must be 1 to 64 characters")
        commission = require_int(node["commission_bps"], f"{path}.commission_bps")
        max_change = require_int(node["max_change_bps"], f"{path}.max_change_bps")
        if commission > BPS or max_change > BPS:
            raise GenesisError(f"{path}.commission_bps: rates must be at most {BPS} bps")
        self_bond = require_int(node["self_bond"], f"{path}.self_bond", params.min_super_self_bond)
        if balances.get(operator, 0) < self_bond:
            raise GenesisError(f"{path}.self_bond: the operator's genesis balance cannot cover {self_bond} uamio")
        parsed.append(GenesisSuperNode(operator, pubkey, moniker, commission, max_change, self_bond))
    return tuple(parsed)


def parse_genesis(raw: object, ctx: GenesisContext) -> Section:
    staking = require_map(raw, "app_state.staking", {"params"}, {"super_nodes", "state"})
    params = parse_params(staking["params"], StakingParams, "app_state.staking.params")
    if "super_nodes" not in staking and "state" not in staking:
        raise GenesisError("app_state.staking.super_nodes: is required")
    if "super_nodes" in staking and "state" in staking:
        raise GenesisError("app_state.staking: give either super_nodes (a new chain) or state (an exported one)")
    if "state" in staking:
        state = parse_state(staking["state"], "app_state.staking.state", PREFIX)
        if any(key == PARAMS_KEY for key, _value in state):
            raise GenesisError("app_state.staking.state: holds the params key; params go in app_state.staking.params")
        return Section(params, state)
    return Section(params, extra=_super_nodes(staking["super_nodes"], params, ctx))


def _init(state: StateWrite, block: BlockContext, section: Section) -> list[tuple[bytes, int]]:
    if section.state:
        set_params(state, section.params)
        import_state(state, section.state)
        return [(pubkey, power) for _operator, pubkey, power in iter_validator_set(state)]
    return init_genesis(state, block, section.params, list(section.extra))


def _export(state: StateRead) -> dict:
    pairs = [pair for pair in export_state(state, PREFIX) if bytes.fromhex(pair[0]) != PARAMS_KEY]
    return {"params": get_params(state).to_dict(), "state": pairs}


GENESIS = Genesis(default=lambda: {"params": StakingParams().to_dict(), "super_nodes": []}, parse=parse_genesis,
                  init=_init, export=_export)

"""staking genesis: params and the initial super nodes, bonded from their operators' genesis balances."""

from __future__ import annotations

from dataclasses import dataclass

from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateWrite
from chain_modules.staking.epoch import apply_election
from chain_modules.staking.handlers import create_super_node
from chain_modules.staking.state import set_params
from chain_modules.staking.types import MsgCreateSuperNode, StakingParams


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

"""staking's manifest: super nodes and master nodes, delegation, the DPoS elections."""

from chain_modules.common.context import BlockContext, BlockInfo
from chain_modules.common.module import Module, Params
from chain_modules.common.query import Query
from chain_modules.common.state import StateWrite
from chain_modules.staking import epoch, handlers, views
from chain_modules.staking.genesis import GENESIS
from chain_modules.staking.invariants import check_pools
from chain_modules.staking.keys import PREFIX
from chain_modules.staking.state import get_params, set_params
from chain_modules.staking.types import (
    MsgConsentSponsorship,
    MsgCreateMasterNode,
    MsgCreateSuperNode,
    MsgDelegate,
    MsgEditMasterNode,
    MsgEditSuperNode,
    MsgRedelegate,
    MsgUndelegate,
    MsgWithdrawSponsorship,
    StakingParams,
)


def end_block(state: StateWrite, ctx: BlockContext, info: BlockInfo) -> list[tuple[bytes, int]]:
    """Matured unbondings and redelegations, and at an epoch boundary the elections (validator updates)."""
    return epoch.end_block(state, ctx)


MODULE = Module(
    name="staking",
    codespace="staking",
    prefix=PREFIX,
    messages=(
        (MsgCreateSuperNode, handlers.handle_create_super_node),
        (MsgEditSuperNode, handlers.handle_edit_super_node),
        (MsgDelegate, handlers.handle_delegate),
        (MsgUndelegate, handlers.handle_undelegate),
        (MsgRedelegate, handlers.handle_redelegate),
        (MsgCreateMasterNode, handlers.handle_create_master_node),
        (MsgEditMasterNode, handlers.handle_edit_master_node),
        (MsgConsentSponsorship, handlers.handle_consent_sponsorship),
        (MsgWithdrawSponsorship, handlers.handle_withdraw_sponsorship),
    ),
    queries=(
        Query("params", views.params_view, doc="the staking params"),
        Query("candidates", views.candidates_view, doc="super node candidates (status, tokens, self bond, commission, power)"),
        Query("candidate/{operator:address}", views.candidate_view, doc="one candidate"),
        Query("master_nodes", views.master_nodes_view, doc="master node candidates (status active for the elected ones)"),
        Query("bonds", views.bonds_view, doc="the active worker count and the bonds it sets"),
        Query("delegations/{address:address}", views.delegations_view, doc="delegations, unbondings and redelegations of an account"),
        Query("sponsor_consent/{master:address}", views.sponsor_consent_view, doc="the super node that consents to sponsor a master"),
        Query("validators", views.validators_view, doc="the current validator set"),
    ),
    genesis=GENESIS,
    params=Params(StakingParams, get_params, set_params),
    end_block=end_block,
    invariants=(check_pools,),
)

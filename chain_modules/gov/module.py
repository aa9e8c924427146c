"""gov's manifest: proposals, deposits and votes by bonded and locked AMIO (docs/modules/gov.md).

gov changes the params of every module through their manifests. To keep the dependency one way, the app hands
gov a function returning ``{module name: Params}`` when it builds the manifest (``make_module(param_table=...)``),
as apppool receives compute's class names."""

from __future__ import annotations

from functools import partial

from chain_modules.common.context import BlockContext, BlockInfo
from chain_modules.common.module import Module, Params, params_genesis
from chain_modules.common.query import Query
from chain_modules.common.state import StateWrite
from chain_modules.gov import invariants, logic, views
from chain_modules.gov import state as st
from chain_modules.gov.api import GovHooks
from chain_modules.gov.handlers import handle_deposit, handle_submit_proposal, handle_vote
from chain_modules.gov.keys import PARAMS_KEY, PREFIX
from chain_modules.gov.proposals import ParamTable
from chain_modules.gov.types import GovParams, MsgDeposit, MsgSubmitProposal, MsgVote

PARAMS = Params(GovParams, st.get_params, st.set_params)


def make_module(param_table: ParamTable) -> Module:
    def end_block(state: StateWrite, ctx: BlockContext, info: BlockInfo) -> None:
        logic.end_block(state, ctx, param_table)

    return Module(
        name="gov",
        codespace="gov",
        prefix=PREFIX,
        messages=(
            (MsgSubmitProposal, partial(handle_submit_proposal, param_table=param_table)),
            (MsgDeposit, handle_deposit),
            (MsgVote, handle_vote),
        ),
        queries=(
            Query("params", views.params_query, doc="the gov params"),
            Query("proposals", views.proposals_query, doc="the last 200 proposals"),
            Query("proposal/{proposal_id:uint64}", views.proposal_query, doc="one proposal"),
            Query("votes/{proposal_id:uint64}", views.votes_query, doc="a proposal's votes (the first 200 by voter)"),
            Query("deposits/{proposal_id:uint64}", views.deposits_query, doc="a proposal's deposits"),
            Query("tally/{proposal_id:uint64}", views.tally_query,
                  doc="a proposal's tally: running (with the result if it ended now) or final"),
            Query("upgrade", views.upgrade_query, doc="the scheduled upgrade plan"),
        ),
        genesis=params_genesis("gov", PREFIX, PARAMS, PARAMS_KEY, required=False),
        params=PARAMS,
        end_block=end_block,
        hooks=GovHooks(),
        invariants=(invariants.check_deposits, invariants.check_tally),
    )

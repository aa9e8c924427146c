"""The message table: type -> module, message class, handler. Adding a module adds rows here.

Each message class states its own gas (``msg.gas()``) so that clients can
estimate fees from the same numbers.
"""

from __future__ import annotations

from abci_app.router import Route
from chain_modules.bank.handlers import handle_multi_send, handle_send
from chain_modules.bank.types import MsgMultiSend, MsgSend
from chain_modules.staking import handlers as staking
from chain_modules.staking.types import (
    MsgConsentSponsorship,
    MsgWithdrawSponsorship,
    MsgCreateMasterNode,
    MsgCreateSuperNode,
    MsgDelegate,
    MsgEditMasterNode,
    MsgEditSuperNode,
    MsgRedelegate,
    MsgUndelegate,
)

from chain_modules.distribution import handlers as distribution
from chain_modules.distribution.api import DistributionHooks
from chain_modules.distribution.types import MsgWithdrawCommission, MsgWithdrawRewards

from chain_modules.locks import handlers as locks
from chain_modules.locks.types import MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from chain_modules.slashing.handlers import handle_unjail
from chain_modules.slashing.types import MsgUnjail

from chain_modules.apppool import handlers as apppool
from chain_modules.apppool.types import MsgRegisterApp, MsgSetAppVerified
from chain_modules.compute import handlers as compute
from chain_modules.compute import types as compute_types

# Modules that follow stake changes, in the order their hooks run (BlockContext.hooks).
STAKING_HOOKS: tuple = (DistributionHooks(),)

ROUTES: list[Route] = [
    Route("bank", MsgSend, handle_send),
    Route("bank", MsgMultiSend, handle_multi_send),
    Route("staking", MsgCreateSuperNode, staking.handle_create_super_node),
    Route("staking", MsgEditSuperNode, staking.handle_edit_super_node),
    Route("staking", MsgDelegate, staking.handle_delegate),
    Route("staking", MsgUndelegate, staking.handle_undelegate),
    Route("staking", MsgRedelegate, staking.handle_redelegate),
    Route("staking", MsgCreateMasterNode, staking.handle_create_master_node),
    Route("staking", MsgEditMasterNode, staking.handle_edit_master_node),
    Route("staking", MsgConsentSponsorship, staking.handle_consent_sponsorship),
    Route("staking", MsgWithdrawSponsorship, staking.handle_withdraw_sponsorship),
    Route("distribution", MsgWithdrawRewards, distribution.handle_withdraw_rewards),
    Route("distribution", MsgWithdrawCommission, distribution.handle_withdraw_commission),
    Route("slashing", MsgUnjail, handle_unjail),
    Route("locks", MsgCreateLock, locks.handle_create_lock),
    Route("locks", MsgWithdrawLock, locks.handle_withdraw_lock),
    Route("locks", MsgBuyApiAccess, locks.handle_buy_api_access),
    Route("apppool", MsgRegisterApp, apppool.handle_register_app),
    Route("apppool", MsgSetAppVerified, apppool.handle_set_verified),
    Route("compute", compute_types.MsgSubmitTask, compute.handle_submit_task),
    Route("compute", compute_types.MsgCancelTask, compute.handle_cancel_task),
    Route("compute", compute_types.MsgConfirmTask, compute.handle_confirm_task),
    Route("compute", compute_types.MsgAssignWorkers, compute.handle_assign_workers),
    Route("compute", compute_types.MsgReleaseTask, compute.handle_release_task),
    Route("compute", compute_types.MsgHandBackTask, compute.handle_hand_back_task),
    Route("compute", compute_types.MsgCommitResult, compute.handle_commit_result),
    Route("compute", compute_types.MsgRevealResult, compute.handle_reveal_result),
    Route("compute", compute_types.MsgRegisterWorker, compute.handle_register_worker),
    Route("compute", compute_types.MsgHeartbeat, compute.handle_heartbeat),
    Route("compute", compute_types.MsgTopUpDeposit, compute.handle_top_up_deposit),
    Route("compute", compute_types.MsgUnregisterWorker, compute.handle_unregister_worker),
]

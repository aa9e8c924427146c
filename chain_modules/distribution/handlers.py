"""distribution message handlers."""

from __future__ import annotations

from chain_modules.common.context import BlockContext
from chain_modules.distribution.events import event_withdraw_commission, event_withdraw_rewards
from chain_modules.common.state import StateWrite
from chain_modules.staking import api as staking_api
from chain_modules.distribution import api
from chain_modules.distribution.errors import ErrNoCommission, ErrNoDelegation
from chain_modules.distribution.types import MsgWithdrawCommission, MsgWithdrawRewards


def handle_withdraw_rewards(state: StateWrite, ctx: BlockContext, msg: MsgWithdrawRewards) -> None:
    """Pay the pending rewards of every delegation of msg.delegator and start new reward intervals.

    Raises: ErrNoDelegation
    """
    operators = [operator for _delegator, operator, _shares in staking_api.iter_delegations(state, msg.delegator)]
    if not operators:
        raise ErrNoDelegation("the account has no delegations")
    for operator in operators:
        amount = api.withdraw_delegation_rewards(state, msg.delegator, operator)
        api.start_interval(state, msg.delegator, operator)
        state.emit(event_withdraw_rewards(msg.delegator, operator, amount))


def handle_withdraw_commission(state: StateWrite, ctx: BlockContext, msg: MsgWithdrawCommission) -> None:
    """Pay msg.operator's accumulated commission.

    Raises: ErrNoCommission
    """
    amount = api.withdraw_commission(state, msg.operator)
    if amount == 0:
        raise ErrNoCommission()
    state.emit(event_withdraw_commission(msg.operator, amount))

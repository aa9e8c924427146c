"""fog message handlers: checks first, then writes, then events."""

from __future__ import annotations

from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateWrite
from chain_modules.fog import logic
from chain_modules.fog import state as st
from chain_modules.fog.errors import ErrInsufficientFog
from chain_modules.fog.events import event_redeem_requested
from chain_modules.fog.types import DENOM, MsgRedeem


def handle_redeem(state: StateWrite, ctx: BlockContext, msg: MsgRedeem) -> None:
    """Settle everything the signer earned, then set ``amount`` ufog aside for redemption at the close of the
    current period (burned then, for amount x pool / supply AMIO fixed at the close).

    Raises: ErrInsufficientFog
    """
    logic.settle_account(state, ctx, msg.account)
    available = logic.redeemable(state, msg.account)
    if msg.amount > available:
        balance = st.get_account(state, msg.account).balance
        raise ErrInsufficientFog(f"{msg.amount}{DENOM} asked, {available}{DENOM} redeemable now "
                                 f"(balance {balance}{DENOM}; FOG credited in this period is redeemable from the next)")
    period = logic.request_redemption(state, msg.account, msg.amount)
    params = st.get_params(state)
    state.emit(event_redeem_requested(msg.account, period.index, msg.amount, period.start + params.redemption_period_seconds))

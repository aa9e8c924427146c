"""bank message handlers: checks first, then writes, then events."""

from __future__ import annotations

from chain_modules.bank.api import deposit, transfer, withdraw
from chain_modules.bank.events import event_transfer
from chain_modules.bank.types import MsgMultiSend, MsgSend
from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateWrite


def handle_send(state: StateWrite, ctx: BlockContext, msg: MsgSend) -> None:
    """Move msg.amount from msg.sender's spendable balance to msg.recipient.

    Raises: ErrInsufficientFunds, ErrLockedByVesting
    """
    transfer(state, msg.sender, msg.recipient, msg.amount, ctx.time)


def handle_multi_send(state: StateWrite, ctx: BlockContext, msg: MsgMultiSend) -> None:
    """Move every output's amount from msg.sender; all outputs or none.

    Raises: ErrInsufficientFunds, ErrLockedByVesting
    """
    withdraw(state, msg.sender, sum(output.amount for output in msg.outputs), ctx.time)
    for output in msg.outputs:
        deposit(state, output.recipient, output.amount)
        state.emit(event_transfer(msg.sender, output.recipient, output.amount))

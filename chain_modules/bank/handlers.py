"""bank message handlers: checks first, then writes, then events."""

from __future__ import annotations

from chain_modules.bank.api import deposit, transfer, withdraw
from chain_modules.bank.errors import ErrModuleAccountRecipient
from chain_modules.bank.events import event_transfer
from chain_modules.common.events import bech32
from chain_modules.bank.types import MODULE_ACCOUNTS, MsgMultiSend, MsgSend
from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateWrite


def _check_recipient(recipient: bytes) -> None:
    if recipient in MODULE_ACCOUNTS:
        raise ErrModuleAccountRecipient(
            f"{bech32(recipient)} is a module account; its balance is kept by its module and cannot receive transfers"
        )


def handle_send(state: StateWrite, ctx: BlockContext, msg: MsgSend) -> None:
    """Move msg.amount from msg.sender's spendable balance to msg.recipient.

    Raises: ErrModuleAccountRecipient, ErrInsufficientFunds, ErrLockedByVesting
    """
    _check_recipient(msg.recipient)
    transfer(state, msg.sender, msg.recipient, msg.amount, ctx.time)


def handle_multi_send(state: StateWrite, ctx: BlockContext, msg: MsgMultiSend) -> None:
    """Move every output's amount from msg.sender; all outputs or none.

    Raises: ErrModuleAccountRecipient, ErrInsufficientFunds, ErrLockedByVesting
    """
    for output in msg.outputs:
        _check_recipient(output.recipient)
    withdraw(state, msg.sender, sum(output.amount for output in msg.outputs), ctx.time)
    for output in msg.outputs:
        deposit(state, output.recipient, output.amount)
        state.emit(event_transfer(msg.sender, output.recipient, output.amount))

"""The message table: type -> module, message class, handler, gas. Adding a module adds rows here."""

from __future__ import annotations

from abci_app.router import Route
from chain_modules.bank.handlers import handle_multi_send, handle_send
from chain_modules.bank.types import MsgMultiSend, MsgSend

GAS_SEND = 2_000
GAS_MULTI_SEND_BASE = 2_000
GAS_PER_OUTPUT = 1_000

ROUTES: list[Route] = [
    Route("bank", MsgSend, handle_send, lambda msg: GAS_SEND),
    Route("bank", MsgMultiSend, handle_multi_send, lambda msg: GAS_MULTI_SEND_BASE + GAS_PER_OUTPUT * len(msg.outputs)),
]

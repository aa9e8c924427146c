"""The message table: type -> module, message class, handler. Adding a module adds rows here.

Each message class states its own gas (``msg.gas()``) so that clients can
estimate fees from the same numbers.
"""

from __future__ import annotations

from abci_app.router import Route
from chain_modules.bank.handlers import handle_multi_send, handle_send
from chain_modules.bank.types import MsgMultiSend, MsgSend

ROUTES: list[Route] = [
    Route("bank", MsgSend, handle_send),
    Route("bank", MsgMultiSend, handle_multi_send),
]

"""Mapping of errors to tx results. Only ChainError carries its log into consensus data."""

from __future__ import annotations

from dataclasses import dataclass, field

from chain_modules.common.errors import INTERNAL_ERROR_CODE, ChainError
from chain_modules.common.events import Event

INTERNAL_CODESPACE = "app"
INTERNAL_LOG = "internal error"


@dataclass(slots=True)
class TxResult:
    code: int = 0
    codespace: str = ""
    log: str = ""
    gas_wanted: int = 0
    gas_used: int = 0
    events: list[Event] = field(default_factory=list)
    data: bytes = b""

    @property
    def ok(self) -> bool:
        return self.code == 0


def result_from_error(error: ChainError, gas_wanted: int = 0, gas_used: int = 0) -> TxResult:
    return TxResult(error.code, error.codespace, error.log, gas_wanted, gas_used)


def internal_error_result(gas_wanted: int = 0, gas_used: int = 0) -> TxResult:
    """A bug in a handler: a fixed log, so the exception text never enters consensus data."""
    return TxResult(INTERNAL_ERROR_CODE, INTERNAL_CODESPACE, INTERNAL_LOG, gas_wanted, gas_used)

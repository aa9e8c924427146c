"""locks genesis: params only; no lock exists at genesis."""

from __future__ import annotations

from chain_modules.common.state import StateWrite
from chain_modules.locks.state import set_params
from chain_modules.locks.types import LockParams


def init_genesis(state: StateWrite, params: LockParams) -> None:
    set_params(state, params)

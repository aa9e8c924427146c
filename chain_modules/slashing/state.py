"""The only code that reads and writes slashing keys.

Signing info per consensus address: [start height, blocks seen, missed in window,
missed bitmap (signed_blocks_window bits), block time of the first missed vote of the current
run of missed votes (0 after a signed vote)].
"""

from __future__ import annotations

from chain_modules.common.encoding import decode, encode
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.slashing.types import SlashingParams
from chain_modules.slashing.keys import PARAMS_KEY, SIGNING_PREFIX


def get_params(state: StateRead) -> SlashingParams:
    raw = state.get(PARAMS_KEY)
    return SlashingParams() if raw is None else SlashingParams.from_dict(decode(raw))


def set_params(state: StateWrite, params: SlashingParams) -> None:
    state.set(PARAMS_KEY, encode(params.to_dict()))


def get_signing_info(state: StateRead, address: bytes) -> list | None:
    raw = state.get(SIGNING_PREFIX + address)
    return None if raw is None else decode(raw)


def set_signing_info(state: StateWrite, address: bytes, start_height: int, seen: int, missed: int, bitmap: bytes,
                     missing_since: int = 0) -> None:
    state.set(SIGNING_PREFIX + address, encode([start_height, seen, missed, bitmap, missing_since]))

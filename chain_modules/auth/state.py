"""The only code that reads and writes auth keys."""

from __future__ import annotations

from chain_modules.auth.keys import PARAMS_KEY, account_key
from chain_modules.auth.types import Account, TxParams
from chain_modules.common.encoding import decode, encode, encode_fast
from chain_modules.common.state import StateRead, StateWrite


def get_account(state: StateRead, address: bytes) -> Account | None:
    raw = state.get(account_key(address))
    if raw is None:
        return None
    pubkey, sequence = decode(raw)
    return Account(address, pubkey, sequence)


def set_account(state: StateWrite, account: Account) -> None:
    state.set(account_key(account.address), encode_fast([account.pubkey, account.sequence]))


_params_cache: dict[bytes, TxParams] = {}


def get_params(state: StateRead) -> TxParams:
    raw = state.get(PARAMS_KEY)
    if raw is None:
        return TxParams()
    params = _params_cache.get(raw)
    if params is None:
        params = TxParams.from_dict(decode(raw))
        _params_cache.clear()
        _params_cache[raw] = params
    return params


def set_params(state: StateWrite, params: TxParams) -> None:
    state.set(PARAMS_KEY, encode(params.to_dict()))

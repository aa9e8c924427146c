"""The only code that reads and writes apppool keys."""

from __future__ import annotations

from typing import Iterator

from chain_modules.apppool.types import App, AppPoolParams
from chain_modules.common.encoding import decode, encode
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.apppool.keys import APP_PREFIX, PARAMS_KEY


def get_params(state: StateRead) -> AppPoolParams:
    raw = state.get(PARAMS_KEY)
    return AppPoolParams() if raw is None else AppPoolParams.from_dict(decode(raw))


def set_params(state: StateWrite, params: AppPoolParams) -> None:
    state.set(PARAMS_KEY, encode(params.to_dict()))


def get_app(state: StateRead, module_hash: bytes) -> App | None:
    raw = state.get(APP_PREFIX + module_hash)
    return None if raw is None else App.from_list(module_hash, decode(raw))


def set_app(state: StateWrite, app: App) -> None:
    state.set(APP_PREFIX + app.module_hash, encode(app.to_list()))


def iter_apps(state: StateRead) -> Iterator[App]:
    strip = len(APP_PREFIX)
    for key, raw in state.iter_prefix(APP_PREFIX):
        yield App.from_list(key[strip:], decode(raw))

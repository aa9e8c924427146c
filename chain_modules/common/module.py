"""The manifest every chain module declares: what the app needs to route, query, start and run it.

``abci_app/modules.py`` lists the modules in one ordered tuple and builds the router, the query table, the
genesis parser and the block lifecycle by looping over it. Adding a module is: write the package with a
``module.py`` that defines ``MODULE``, and add it to that tuple (docs/adding-a-module.md).

Every hook has one signature for every module (the Penumbra ``Component`` shape):

- ``genesis.parse(raw, ctx) -> section``: validate the module's app_state section (raise GenesisError naming
  the field); ``ctx.sections`` holds the sections of the modules listed before it.
- ``genesis.init(state, block, section) -> validator updates``: write the module's genesis state.
- ``genesis.export(state) -> raw``: the module's current state as an app_state section that ``parse`` accepts.
- ``begin_block(state, block, info)`` and ``end_block(state, block, info) -> validator updates``: each runs on
  its own overlay, kept only when it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from chain_modules.common.context import BlockContext, BlockInfo
from chain_modules.common.genesis import GenesisError, export_state, import_state, parse_params, parse_state, require_map
from chain_modules.common.state import StateRead, StateWrite

ValidatorUpdates = list[tuple[bytes, int]]  # (ed25519 consensus key, power); power 0 removes


@dataclass(frozen=True)
class GenesisContext:
    """What a module's genesis parser may know: the genesis time and the sections parsed before its own."""

    genesis_time: int
    sections: dict[str, Any]
    enforce_default_table: bool = True


@dataclass(frozen=True)
class Genesis:
    """A module's app_state section. ``required``: the section must be present in a genesis file; otherwise a
    missing section is ``default()``."""

    default: Callable[[], dict]
    parse: Callable[[object, GenesisContext], Any]
    init: Callable[[StateWrite, BlockContext, Any], ValidatorUpdates | None]
    export: Callable[[StateRead], dict]
    required: bool = True


@dataclass(frozen=True)
class Params:
    """A module's params: the frozen dataclass (``from_dict`` validates, ``to_dict`` dumps), and its accessors."""

    type: type
    get: Callable[[StateRead], Any]
    set: Callable[[StateWrite, Any], None]


@dataclass(frozen=True)
class Module:
    name: str
    codespace: str
    messages: tuple[tuple[type, Callable], ...] = ()
    queries: tuple = ()  # chain_modules.common.query.Query
    genesis: Genesis | None = None
    params: Params | None = None
    begin_block: Callable[[StateWrite, BlockContext, BlockInfo], None] | None = None
    end_block: Callable[[StateWrite, BlockContext, BlockInfo], ValidatorUpdates | None] | None = None
    hooks: Any = None  # an object whose methods other modules call when they change (stake, workers, locks)
    prefix: bytes = b""  # every state key of the module starts with it (genesis export takes them all)
    invariants: tuple[Callable[[StateRead], None], ...] = field(default=())  # raise AssertionError when broken


@dataclass(frozen=True)
class Section:
    """A parsed genesis section: the module's params (or None) and, for an exported genesis, its state pairs."""

    params: Any = None
    state: tuple[tuple[bytes, bytes], ...] = ()
    extra: Any = None  # what a module's own fresh-genesis fields parse into


def params_genesis(name: str, prefix: bytes, params: Params, params_key: bytes, required: bool = True) -> Genesis:
    """The genesis of a module whose fresh section is only ``{"params": {...}}``.

    Exported, the section also carries ``state``: every pair under ``prefix`` except the params key (the typed
    params are the one place to change them)."""
    path = f"app_state.{name}"

    def parse(raw: object, ctx: GenesisContext) -> Section:
        section = require_map(raw, path, {"params"}, {"state"})
        state = parse_state(section["state"], f"{path}.state", prefix) if "state" in section else ()
        if any(key == params_key for key, _value in state):
            raise GenesisError(f"{path}.state: holds the params key; params go in {path}.params")
        return Section(parse_params(section["params"], params.type, f"{path}.params"), state)

    def init(state: StateWrite, block: BlockContext, section: Section) -> None:
        params.set(state, section.params)
        import_state(state, section.state)

    def export(state: StateRead) -> dict:
        pairs = [pair for pair in export_state(state, prefix) if bytes.fromhex(pair[0]) != params_key]
        return {"params": params.get(state).to_dict(), "state": pairs}

    return Genesis(default=lambda: {"params": params.type().to_dict()}, parse=parse, init=init, export=export,
                   required=required)

"""The app_state of a genesis file: parsed, initialised and exported by looping over the modules.

The same parser runs in `amino genesis validate` and in InitChain, so a file that validates is exactly a file
the chain accepts. Every error names the field it is about, as a path like
``app_state.bank.allocations[2].share_bps``. Each module owns its section (its manifest's ``genesis``); the
sections are parsed in module order, so a section may check itself against the ones before it (staking's
super nodes against bank's balances).

Export writes every module's section from the current state (chain_modules/common/genesis.py, "Exported
state"), plus ``app``: the app's own keys (abci_app/seed.py's consensus keys and enable height), so that a chain
started from it has the same state, key for key, and the same app hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from abci_app.modules import MODULES
from chain_modules.common.context import BlockContext
from chain_modules.common.genesis import GenesisError, export_state, import_state, parse_state, require_map
from chain_modules.common.module import GenesisContext
from chain_modules.common.state import StateRead, StateWrite

APP_PREFIX = b"app/"  # the app's own keys (chain id, seed bookkeeping)
CHAIN_ID_KEY = b"app/chain_id"

__all__ = ["AppGenesis", "GenesisError", "parse_app_state", "init_app_state", "export_app_state"]


@dataclass(frozen=True)
class AppGenesis:
    """The parsed sections, by module name, and the app's own exported keys (empty for a new chain)."""

    sections: dict[str, Any]
    app_state: tuple[tuple[bytes, bytes], ...] = ()

    def __getitem__(self, name: str) -> Any:
        return self.sections[name]

    @property
    def accounts(self):
        """The genesis accounts of a new chain (bank's allocation table, expanded)."""
        return self.sections["bank"].extra.accounts

    @property
    def staking_params(self):
        return self.sections["staking"].params

    @property
    def super_nodes(self):
        """The genesis super nodes of a new chain (empty for an exported one)."""
        return tuple(self.sections["staking"].extra or ())


def parse_app_state(app_state: object, genesis_time: int, enforce_default_table: bool = True) -> AppGenesis:
    """Validate ``app_state`` section by section, in module order.

    With ``enforce_default_table`` bank's allocation names, shares and schedules must be the ones of DESIGN.md
    section 6 (a chain may only choose the recipients); tests pass False to try other tables.
    """
    required = {m.name for m in MODULES if m.genesis is not None and m.genesis.required}
    optional = {m.name for m in MODULES if m.genesis is not None and not m.genesis.required} | {"app"}
    root = require_map(app_state, "app_state", required, optional)
    sections: dict[str, Any] = {}
    for module in MODULES:
        if module.genesis is None:
            continue
        raw = root[module.name] if module.name in root else module.genesis.default()
        ctx = GenesisContext(genesis_time, sections, enforce_default_table)
        sections[module.name] = module.genesis.parse(raw, ctx)
    app_keys: tuple[tuple[bytes, bytes], ...] = ()
    if "app" in root:
        app = require_map(root["app"], "app_state.app", {"state"})
        app_keys = parse_state(app["state"], "app_state.app.state", APP_PREFIX)
        if any(key == CHAIN_ID_KEY for key, _value in app_keys):
            raise GenesisError("app_state.app.state: holds the chain id, which comes from genesis.json's chain_id")
    exported = [name for name, section in sections.items() if getattr(section, "state", ())]
    if exported and not app_keys:
        raise GenesisError(f"app_state.app: an exported genesis (state in {exported[0]}) needs the app's state too")
    return AppGenesis(sections, app_keys)


def init_app_state(state: StateWrite, ctx: BlockContext, genesis: AppGenesis) -> list[tuple[bytes, int]]:
    """Initialise every module's genesis, in module order; returns the validator set (consensus key, power)."""
    validators: list[tuple[bytes, int]] = []
    for module in MODULES:
        if module.genesis is not None:
            validators += module.genesis.init(state, ctx, genesis.sections[module.name]) or []
    import_state(state, genesis.app_state)
    return validators


def export_app_state(state: StateRead) -> dict:
    """The current state as an app_state that ``parse_app_state`` accepts and that restarts the same state."""
    exported: dict[str, Any] = {
        module.name: module.genesis.export(state) for module in MODULES if module.genesis is not None
    }
    exported["app"] = {"state": [pair for pair in export_state(state, APP_PREFIX)
                                 if bytes.fromhex(pair[0]) != CHAIN_ID_KEY]}
    return exported

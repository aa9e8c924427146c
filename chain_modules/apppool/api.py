"""What other modules (compute, gov) may use of apppool."""

from __future__ import annotations

from dataclasses import replace

from chain_modules.apppool.events import event_app_blocked, event_app_verified
from chain_modules.apppool.state import get_app, iter_apps, set_app
from chain_modules.apppool.wasm import WasmStructureError, check_structure
from chain_modules.common.state import StateWrite

# check_structure: the register handler's module check, also run by the client before it signs
__all__ = ["WasmStructureError", "check_structure", "get_app", "iter_apps", "set_app_status"]


def set_app_status(state: StateWrite, module_hash: bytes, verified: bool, blocked: bool, authority: bytes) -> None:
    """Set the verified and blocked flags of a registered application (governance's app pool proposals); a
    blocked application is never verified. The caller checks that the application exists."""
    app = get_app(state, module_hash)
    assert app is not None, "set_app_status on an unknown application"
    verified = verified and not blocked
    set_app(state, replace(app, verified=verified, blocked=blocked))
    if blocked != app.blocked:
        state.emit(event_app_blocked(module_hash, blocked, authority))
    state.emit(event_app_verified(module_hash, verified, authority))

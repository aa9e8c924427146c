"""apppool message handlers: checks first, then writes, then events."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Callable

from chain_modules.apppool import state as st
from chain_modules.apppool.errors import (ErrAppExists, ErrInvalidModule, ErrModuleTooLarge, ErrNotAuthority, ErrUnknownApp,
                                          ErrUnknownClass)
from chain_modules.apppool.types import App, MsgRegisterApp, MsgSetAppVerified
from chain_modules.apppool.wasm import WasmStructureError, check_structure
from chain_modules.common.context import BlockContext
from chain_modules.apppool.events import event_app_registered, event_app_verified
from chain_modules.common.state import StateRead, StateWrite

# what apppool needs from compute (its expected keeper): the names of the resource classes
ClassNames = Callable[[StateRead], set[str]]


def handle_register_app(state: StateWrite, ctx: BlockContext, msg: MsgRegisterApp, known_classes: ClassNames) -> None:
    """Register an application by module hash; it starts unverified. ``known_classes`` gives the resource class
    names tasks may use (compute's params; the app wires it, see chain_modules/apppool/module.py).

    When the message carries the module's bytes, they must have ``module_size`` bytes, hash to ``module_hash``
    and pass the structural check of chain_modules/apppool/wasm.py (magic, version, well-formed sections, no
    imports): cost linear in the size, which max_module_bytes and the tx size bound.

    Raises: ErrAppExists, ErrModuleTooLarge, ErrInvalidModule, ErrUnknownClass
    """
    params = st.get_params(state)
    if st.get_app(state, msg.module_hash) is not None:
        raise ErrAppExists(f"module {msg.module_hash.hex()} is already registered")
    if not 1 <= msg.module_size <= params.max_module_bytes:
        raise ErrModuleTooLarge(f"module_size must be between 1 and {params.max_module_bytes} bytes, got {msg.module_size}")
    if msg.module:
        _check_module(msg)
    known = known_classes(state)
    unknown = [c for c in msg.classes if c not in known]
    if unknown:
        raise ErrUnknownClass(f"no resource class {unknown[0]!r}; classes are {sorted(known)}")

    app = App(msg.module_hash, msg.publisher, msg.name, msg.description, msg.module_size, msg.classes,
              registered_at=ctx.time)
    st.set_app(state, app)
    state.emit(event_app_registered(msg.module_hash, msg.publisher, msg.name, msg.classes))


def _check_module(msg: MsgRegisterApp) -> None:
    if len(msg.module) != msg.module_size:
        raise ErrInvalidModule(f"the module has {len(msg.module)} bytes, module_size says {msg.module_size}")
    if hashlib.sha256(msg.module).digest() != msg.module_hash:
        raise ErrInvalidModule("the module's sha256 is not module_hash")
    try:
        check_structure(msg.module)
    except WasmStructureError as exc:
        raise ErrInvalidModule(str(exc)) from None


def handle_set_verified(state: StateWrite, ctx: BlockContext, msg: MsgSetAppVerified) -> None:
    """Set or clear the verified flag of an application.

    Raises: ErrNotAuthority, ErrUnknownApp
    """
    if msg.authority not in st.get_params(state).authorities:
        raise ErrNotAuthority("the signer is not an apppool authority")
    app = st.get_app(state, msg.module_hash)
    if app is None:
        raise ErrUnknownApp(f"no application with module hash {msg.module_hash.hex()}")
    if app.blocked and msg.verified:
        raise ErrUnknownApp(f"application {msg.module_hash.hex()} is blocked by governance and cannot be verified")
    st.set_app(state, replace(app, verified=msg.verified))
    state.emit(event_app_verified(msg.module_hash, msg.verified, msg.authority))

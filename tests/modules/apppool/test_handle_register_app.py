"""apppool/register_app with the module's bytes: the handler checks them (hash, size, WebAssembly structure)."""

from __future__ import annotations

import hashlib
from functools import partial

import pytest
import wasmtime

from chain_modules.apppool import errors, handlers
from chain_modules.apppool import state as apppool_state
from chain_modules.apppool.types import MsgRegisterApp
from chain_modules.compute.module import class_names
from tests.modules.compute.helpers import OTHER, make_world, snapshot
from wasm_jobs.examples import build

handle_register_app = partial(handlers.handle_register_app, known_classes=class_names)
MODULE = build("hash_chain")


def message(module_bytes: bytes, **changes) -> MsgRegisterApp:
    fields = dict(publisher=OTHER.address, module_hash=hashlib.sha256(module_bytes).digest(), module_size=len(module_bytes),
                  name="own job", description="", classes=(), module=module_bytes)
    fields.update(changes)
    return MsgRegisterApp(**fields)


def test_register_app_with_a_valid_module_stores_it_unverified():
    world = make_world()
    handle_register_app(world.state, world.ctx(), message(MODULE))
    app = apppool_state.get_app(world.state, hashlib.sha256(MODULE).digest())
    assert app is not None and not app.verified and app.module_size == len(MODULE)


def rejected(module: bytes, words: str, **changes) -> None:
    world = make_world()
    before = snapshot(world)
    with pytest.raises(errors.ErrInvalidModule, match=words) as raised:
        handle_register_app(world.state, world.ctx(), message(module, **changes))
    assert raised.value.code == 8 and raised.value.codespace == "apppool"
    assert snapshot(world) == before


def test_invalid_module_a_text_file():
    rejected(b"7 bytes", "magic")


def test_invalid_module_wat_text():
    rejected(b"(module)", "WAT text")


def test_invalid_module_with_an_import():
    rejected(bytes(wasmtime.wat2wasm('(module (import "env" "clock" (func)))')), "import")


def test_invalid_module_whose_bytes_do_not_hash_to_module_hash():
    rejected(MODULE, "sha256", module_hash=hashlib.sha256(b"another").digest())


def test_invalid_module_whose_size_is_not_module_size():
    rejected(MODULE, "bytes, module_size says", module_size=len(MODULE) + 1)


def test_a_registration_by_hash_only_keeps_working_and_its_encoding():
    msg = message(MODULE, module=b"")
    assert "module" not in msg.to_body()
    assert MsgRegisterApp.from_body(msg.to_body()) == msg
    world = make_world()
    handle_register_app(world.state, world.ctx(), msg)
    assert apppool_state.get_app(world.state, msg.module_hash) is not None


def test_the_module_bytes_round_trip_through_the_body():
    msg = message(MODULE)
    assert MsgRegisterApp.from_body(msg.to_body()) == msg

"""An application blocked by governance: compute refuses new tasks for it and an apppool authority cannot verify it
again; apppool's record keeps its old encoding for applications that were never blocked."""

from __future__ import annotations

import pytest

from chain_modules.apppool import api as apppool_api
from chain_modules.apppool import state as apppool_state
from chain_modules.apppool.errors import ErrUnknownApp as ErrAppPoolUnknownApp
from chain_modules.apppool.handlers import handle_set_verified
from chain_modules.apppool.types import App, MsgSetAppVerified
from chain_modules.common.encoding import decode, encode
from chain_modules.compute.errors import ErrUnknownApp
from chain_modules.gov.api import GOV_POOL
from tests.modules.compute.helpers import APP_HASH, AUTHORITY, make_world, submit


def block(world) -> None:
    apppool_api.set_app_status(world.state, APP_HASH, verified=False, blocked=True, authority=GOV_POOL)


def test_compute_refuses_a_task_for_a_blocked_application():
    world = make_world()
    submit(world)  # accepted while the application is verified
    block(world)
    before = dict(world.state.iter_prefix(b"compute/"))
    with pytest.raises(ErrUnknownApp, match="blocked by a governance proposal"):
        submit(world, end_block=False)
    assert dict(world.state.iter_prefix(b"compute/")) == before


def test_an_authority_cannot_verify_a_blocked_application():
    world = make_world()
    block(world)
    with pytest.raises(ErrAppPoolUnknownApp, match="blocked by governance"):
        handle_set_verified(world.state, world.ctx(), MsgSetAppVerified(AUTHORITY.address, APP_HASH, True))
    handle_set_verified(world.state, world.ctx(), MsgSetAppVerified(AUTHORITY.address, APP_HASH, False))
    assert apppool_state.get_app(world.state, APP_HASH).blocked


def test_blocking_emits_its_event_and_unblocking_by_verify_clears_it():
    world = make_world()
    block(world)
    assert [e.type for e in world.state.events[-2:]] == ["app_blocked", "app_verified"]
    apppool_api.set_app_status(world.state, APP_HASH, verified=True, blocked=False, authority=GOV_POOL)
    app = apppool_state.get_app(world.state, APP_HASH)
    assert (app.verified, app.blocked) == (True, False)


def test_an_unblocked_record_keeps_the_seven_field_encoding():
    app = App(APP_HASH, b"\x01" * 20, "job", "", 10, (), True, 5)
    assert len(app.to_list()) == 7 and App.from_list(APP_HASH, app.to_list()) == app
    blocked = App(APP_HASH, b"\x01" * 20, "job", "", 10, (), False, 5, blocked=True)
    assert len(blocked.to_list()) == 8 and App.from_list(APP_HASH, decode(encode(blocked.to_list()))) == blocked

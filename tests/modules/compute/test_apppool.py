"""The application pool: registering and verifying applications, and how the verified flag decides which
workers a master node may assign (workers that run verified applications only, or any application)."""

from __future__ import annotations

import hashlib

import pytest

from chain_modules.apppool import state as apppool_state
from functools import partial

from chain_modules.apppool import handlers as apppool_handlers
from chain_modules.apppool.handlers import handle_set_verified
from chain_modules.compute.module import class_names

handle_register_app = partial(apppool_handlers.handle_register_app, known_classes=class_names)
from chain_modules.apppool.types import App, MsgRegisterApp, MsgSetAppVerified
from chain_modules.compute import handlers
from chain_modules.compute import state as compute_state
from chain_modules.compute.errors import ErrClassNotAllowed, ErrWorkerNotEligible
from chain_modules.compute.types import MsgSubmitTask
from chain_modules.apppool.views import app_view, apps_view
from tests.modules.compute.helpers import (
    COMMIT_SECONDS,
    APP_HASH,
    AUTHORITY,
    CUSTOMER,
    INPUT_HASH,
    MASTER_A,
    MASTER_B,
    NOW,
    OTHER,
    WORKERS,
    World,
    assign,
    check,
    commit,
    deliver,
    events_of,
    make_world,
    register,
    reveal,
    snapshot,
    submit,
)

W0, W1, W2, W3, W4, W5 = WORKERS
NEW_APP = hashlib.sha256(b"a brand new module").digest()


def register_app(world: World, module_hash: bytes = NEW_APP, classes: tuple[str, ...] = (), publisher=OTHER) -> None:
    handle_register_app(world.state, world.ctx(), MsgRegisterApp(
        publisher.address, module_hash, 4_096, "new job", "does new things", classes))


def set_verified(world: World, verified: bool, module_hash: bytes = APP_HASH) -> None:
    handle_set_verified(world.state, world.ctx(), MsgSetAppVerified(AUTHORITY.address, module_hash, verified))


def submit_app(world: World, module_hash: bytes, class_name: str = "small", replicas: int = 2) -> int:
    task_id = compute_state.peek_next_task_id(world.state)
    handlers.handle_submit_task(world.state, world.ctx(), MsgSubmitTask(
        CUSTOMER.address, module_hash, INPUT_HASH, 100, class_name, replicas, 1_000_000, 10**6, 500))
    return task_id


# -- registering and verifying ---------------------------------------------------------------------


def test_register_app_stores_it_unverified():
    world = make_world()
    register_app(world, classes=("small",))
    app = apppool_state.get_app(world.state, NEW_APP)
    assert app == App(NEW_APP, OTHER.address, "new job", "does new things", 4_096, ("small",), False, NOW)
    assert events_of(world, "app_registered") == [{
        "module_hash": NEW_APP.hex(), "publisher": OTHER.bech32, "name": "new job", "classes": "small",
    }]


def test_registered_apps_are_listed_by_module_hash():
    world = make_world()
    register_app(world)
    listed = apps_view(world.state)
    assert [a["module_hash"] for a in listed] == sorted([APP_HASH.hex(), NEW_APP.hex()])
    assert app_view(apppool_state.get_app(world.state, NEW_APP))["verified"] is False


def test_authority_verifies_and_unverifies_an_app():
    world = make_world()
    register_app(world)
    set_verified(world, True, NEW_APP)
    assert apppool_state.get_app(world.state, NEW_APP).verified
    set_verified(world, False, NEW_APP)
    assert not apppool_state.get_app(world.state, NEW_APP).verified
    assert [e["verified"] for e in events_of(world, "app_verified")] == ["true", "false"]
    assert events_of(world, "app_verified")[0]["authority"] == AUTHORITY.bech32


def test_verifying_changes_only_the_flag():
    world = make_world()
    register_app(world, classes=("big",))
    before = apppool_state.get_app(world.state, NEW_APP)
    set_verified(world, True, NEW_APP)
    after = apppool_state.get_app(world.state, NEW_APP)
    assert after == App(before.module_hash, before.publisher, before.name, before.description, before.module_size,
                        before.classes, True, before.registered_at)


def test_a_registered_unverified_app_can_be_submitted():
    world = make_world()
    register_app(world)
    task_id = submit_app(world, NEW_APP)
    assert world.task(task_id).app_hash == NEW_APP
    check(world)


def test_an_app_restricted_to_a_class_accepts_only_that_class():
    world = make_world(workers=4)
    register(world, W4, MASTER_A, cpu=8, ram=16_384, any_app=True)
    register_app(world, classes=("big",))
    before = snapshot(world)
    with pytest.raises(ErrClassNotAllowed):
        submit_app(world, NEW_APP, class_name="small")
    assert snapshot(world) == before
    task_id = submit_app(world, NEW_APP, class_name="big", replicas=1)
    world.advance()  # the submission's block
    world.advance()  # the next one allocates it
    assign(world, task_id, [W4])
    assert world.task(task_id).state == "committing"


# -- which workers may run which apps ------------------------------------------------------------


def test_a_task_of_an_unverified_app_is_not_allocated_to_a_pool_of_verified_only_workers():
    world = make_world(verified=False)
    task_id = submit(world)
    world.advance()
    assert world.task(task_id).state == "submitted"


def test_verified_only_workers_are_not_assigned_to_an_app_unverified_after_allocation():
    from dataclasses import replace as _replace

    from chain_modules.apppool import state as apppool_state

    world = make_world(verified=True)
    task_id = submit(world)
    world.advance()
    app = apppool_state.get_app(world.state, world.task(task_id).app_hash)
    apppool_state.set_app(world.state, _replace(app, verified=False))
    before = snapshot(world)
    with pytest.raises(ErrWorkerNotEligible, match="verified applications only"):
        assign(world, task_id, [W0, W1])
    assert snapshot(world) == before


def test_any_app_workers_are_assigned_to_an_unverified_app():
    world = make_world(verified=False, any_app=True)
    task_id = submit(world)
    world.advance()
    deliver(world, task_id, [W0, W1])
    assert world.task(task_id).state == "delivered"
    check(world)


def test_both_kinds_of_worker_run_a_verified_app():
    world = make_world(workers=0)
    register(world, W0, MASTER_A, any_app=True)
    register(world, W1, MASTER_A, any_app=False)
    task_id = submit(world)
    world.advance()
    deliver(world, task_id, [W0, W1])
    assert world.task(task_id).state == "delivered"


def test_one_verified_only_worker_spoils_the_whole_assignment():
    world = make_world(workers=0, verified=False)
    register(world, W0, MASTER_A, any_app=True)
    register(world, W1, MASTER_A, any_app=False)
    register(world, W2, MASTER_A, any_app=True)
    task_id = submit(world)
    world.advance()
    before = snapshot(world)
    with pytest.raises(ErrWorkerNotEligible):
        assign(world, task_id, [W0, W1])
    assert snapshot(world) == before
    assign(world, task_id, [W0, W2])
    assert world.worker(W1).running == 0 and world.worker(W0).running == 1


def test_verifying_the_app_opens_it_to_verified_only_workers():
    world = make_world(verified=False)
    task_id = submit(world)
    world.advance()
    assert world.task(task_id).state == "submitted"  # no pool may run it: it waits in the queue
    set_verified(world, True)
    world.advance()
    assert world.task(task_id).state == "allocated"
    assign(world, task_id, [W0, W1])
    assert world.task(task_id).state == "committing"
    check(world)


def test_unverifying_the_app_closes_replacement_rounds_to_verified_only_workers():
    world = make_world(workers=0)
    register(world, W0, MASTER_A)
    register(world, W1, MASTER_A)
    register(world, W2, MASTER_A)
    register(world, W3, MASTER_A, any_app=True)
    task_id = submit(world)
    world.advance()
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    set_verified(world, False)
    world.advance(seconds=COMMIT_SECONDS)
    world.advance()  # W1 missed its commit
    assert world.task(task_id).needed() == 1
    with pytest.raises(ErrWorkerNotEligible, match="verified applications only"):
        assign(world, task_id, [W2])
    assign(world, task_id, [W3])
    commit(world, task_id, W3)
    reveal(world, task_id, W0)  # the worker assigned while the app was verified finishes its work
    reveal(world, task_id, W3)
    assert world.task(task_id).state == "delivered"
    check(world)


def test_an_app_registered_after_the_world_started_runs_once_verified():
    world = make_world()
    register_app(world)
    task_id = submit_app(world, NEW_APP)
    world.advance()
    assert world.task(task_id).state == "submitted"
    set_verified(world, True, NEW_APP)
    world.advance()
    deliver(world, task_id, [W0, W1])
    assert world.task(task_id).state == "delivered"


def test_task_of_an_unverified_app_goes_to_a_master_with_any_app_workers():
    world = make_world(workers=0, verified=False, masters=(MASTER_A, MASTER_B))
    for worker in (W0, W1, W2):
        register(world, worker, MASTER_A, any_app=False)
    for worker in (W4, W5):
        register(world, worker, MASTER_B, any_app=True)
    task_id = submit(world, replicas=2)
    world.advance()
    assert world.task(task_id).master == MASTER_B.address

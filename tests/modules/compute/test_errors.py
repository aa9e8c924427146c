"""One test per error code of compute (2-25) and apppool (2-7): the handler raises that exact error and leaves
no trace, neither a written key nor an event, because every handler checks before it writes."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from chain_modules.apppool import errors as apppool_errors
from chain_modules.apppool import state as apppool_state
from functools import partial

from chain_modules.apppool import handlers as apppool_handlers
from chain_modules.apppool.handlers import handle_set_verified
from chain_modules.compute.module import class_names

handle_register_app = partial(apppool_handlers.handle_register_app, known_classes=class_names)
from chain_modules.apppool.types import App, MsgRegisterApp, MsgSetAppVerified
from chain_modules.bank.errors import ErrInsufficientFunds
from chain_modules.bank.state import set_balance
from chain_modules.compute import errors, handlers
from chain_modules.compute.types import (
    MsgCommitResult,
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgRevealResult,
    MsgSubmitTask,
    MsgTopUpDeposit,
    MsgUnregisterWorker,
)
from tests.modules.compute.helpers import (
    COMMIT_SECONDS,
    APP_HASH,
    AUTHORITY,
    CUSTOMER,
    INPUT_HASH,
    MASTER_A,
    MASTER_B,
    OTHER,
    PARAMS,
    RESULT,
    SUPER,
    WRONG,
    WORKERS,
    World,
    assign,
    cancel,
    check,
    commit,
    confirm,
    heartbeat,
    make_world,
    register,
    reveal,
    snapshot,
    submit,
)
from tests.support import admission, make_key

W0, W1, W2, W3, W4, W5 = WORKERS
STRANGER = make_key("stranger")
UNKNOWN_HASH = hashlib.sha256(b"nobody registered this").digest()


def rejected(world: World, error: type[Exception], action, match: str | None = None):
    """``action`` raises exactly ``error`` and the world is as it was: same writes, events and key/values.
    Returns the error."""
    before = snapshot(world)
    with pytest.raises(error, match=match) as raised:
        action()
    assert type(raised.value) is error
    assert snapshot(world) == before, f"{error.__name__} left writes or events behind"
    check(world)
    return raised.value


def submit_msg(**changes) -> MsgSubmitTask:
    msg = MsgSubmitTask(CUSTOMER.address, APP_HASH, INPUT_HASH, 100, "small", 2, 1_000_000, 10**6, 500)
    return replace(msg, **changes)


def try_submit(world: World, **changes):
    return lambda: handlers.handle_submit_task(world.state, world.ctx(), submit_msg(**changes))


def register_msg(worker=STRANGER, master=MASTER_A, **changes) -> MsgRegisterWorker:
    """A registration in ``master``'s pool (a key: it signs the admission), with ``changes`` on top."""
    msg = MsgRegisterWorker(worker.address, master.address, 2, 0, 2_048, 2_048, 1, False, 1_000,
                            *admission(master, worker.address))
    return replace(msg, **changes)


def try_register(world: World, worker=STRANGER, **changes):
    return lambda: handlers.handle_register_worker(world.state, world.ctx(), register_msg(worker, **changes))


def allocated(world: World | None = None, **submit_args) -> tuple[World, int]:
    world = world or make_world()
    task_id = submit(world, **submit_args)
    world.advance()
    assert world.task(task_id).state == "allocated"
    return world, task_id


def committing(replicas: int = 2) -> tuple[World, int]:
    world, task_id = allocated(replicas=replicas)
    assign(world, task_id, WORKERS[:replicas])
    return world, task_id


def revealing(replicas: int = 2) -> tuple[World, int]:
    world, task_id = committing(replicas)
    for worker in WORKERS[:replicas]:
        commit(world, task_id, worker)
    assert world.task(task_id).state == "revealing"
    return world, task_id


def delivered() -> tuple[World, int]:
    world, task_id = revealing()
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    assert world.task(task_id).state == "delivered"
    return world, task_id


# -- compute: submit_task (codes 2-8, 25) ---------------------------------------------------------


def test_invalid_unknown_class():
    world = make_world()
    rejected(world, errors.ErrUnknownClass, try_submit(world, class_name="medium"))


@pytest.mark.parametrize("replicas", [0, PARAMS.max_replicas + 1, 255])
def test_invalid_replicas(replicas):
    world = make_world()
    rejected(world, errors.ErrInvalidReplicas, try_submit(world, replicas=replicas))


@pytest.mark.parametrize("max_fuel", [0, PARAMS.max_fuel + 1])
def test_invalid_fuel_at_submission(max_fuel):
    world = make_world()
    rejected(world, errors.ErrInvalidFuel, try_submit(world, max_fuel=max_fuel))


def test_invalid_fuel_revealed_above_the_task_max_fuel():
    world, task_id = committing()
    commit(world, task_id, W0, fuel=1_000_001)  # the commitment itself cannot be checked, the reveal can
    commit(world, task_id, W1)
    rejected(world, errors.ErrInvalidFuel, lambda: reveal(world, task_id, W0), match="exceeds the task's max_fuel")


@pytest.mark.parametrize("input_size", [0, PARAMS.max_input_bytes + 1])
def test_invalid_input_too_large(input_size):
    world = make_world()
    rejected(world, errors.ErrInputTooLarge, try_submit(world, input_size=input_size))


def test_invalid_unknown_app():
    world = make_world()
    rejected(world, errors.ErrUnknownApp, try_submit(world, app_hash=UNKNOWN_HASH))


def test_invalid_price_above_limit():
    world = make_world()
    rejected(world, errors.ErrPriceAboveLimit, try_submit(world, max_price=999))


def test_invalid_too_many_open_tasks():
    world = make_world(replace(PARAMS, max_open_tasks_per_customer=2))
    for _ in range(2):
        handlers.handle_submit_task(world.state, world.ctx(), submit_msg())
    rejected(world, errors.ErrTooManyOpenTasks, try_submit(world))
    handlers.handle_submit_task(world.state, world.ctx(), submit_msg(customer=OTHER.address))  # others are not limited


def test_a_finished_task_frees_its_place_under_the_open_task_limit():
    world = make_world(replace(PARAMS, max_open_tasks_per_customer=1))
    handlers.handle_submit_task(world.state, world.ctx(), submit_msg())
    cancel(world, 1)
    handlers.handle_submit_task(world.state, world.ctx(), submit_msg())
    check(world)


def test_price_limit_equal_to_the_price_is_accepted():
    world = make_world()
    handlers.handle_submit_task(world.state, world.ctx(), submit_msg(max_price=1_000))
    check(world)


@pytest.mark.parametrize("timeout", [0, PARAMS.min_task_seconds - 1, PARAMS.max_task_seconds + 1])
def test_invalid_timeout(timeout):
    world = make_world()
    rejected(world, errors.ErrInvalidTimeout, try_submit(world, timeout=timeout))


def test_invalid_class_not_allowed_by_the_app():
    world = make_world()
    apppool_state.set_app(world.state, App(APP_HASH, OTHER.address, "job", "", 1000, ("big",), True))
    rejected(world, errors.ErrClassNotAllowed, try_submit(world, class_name="small"))


def test_invalid_submit_without_the_funds_for_the_escrow():
    world = make_world()
    set_balance(world.state, CUSTOMER.address, 2 * 1_000 + 10 - 1)  # escrow of 2 x 1 megafuel at 1000 + fee 10
    rejected(world, ErrInsufficientFunds, try_submit(world))


# -- compute: task steps (codes 9-18) -------------------------------------------------------------


@pytest.mark.parametrize("step", ["cancel", "confirm", "assign", "commit", "reveal"])
def test_invalid_unknown_task(step):
    world, _task_id = allocated()
    actions = {
        "cancel": lambda: cancel(world, 99),
        "confirm": lambda: confirm(world, 99),
        "assign": lambda: assign(world, 99, [W0, W1], master=MASTER_A),
        "commit": lambda: handlers.handle_commit_result(world.state, world.ctx(), MsgCommitResult(W0.address, 99, RESULT)),
        "reveal": lambda: handlers.handle_reveal_result(world.state, world.ctx(), MsgRevealResult(
            W0.address, 99, RESULT, 1, RESULT)),
    }
    rejected(world, errors.ErrUnknownTask, actions[step])


def test_invalid_cancel_by_another_customer():
    world, task_id = allocated()
    rejected(world, errors.ErrNotCustomer, lambda: cancel(world, task_id, customer=OTHER))


def test_invalid_confirm_by_another_customer():
    world, task_id = delivered()
    rejected(world, errors.ErrNotCustomer, lambda: confirm(world, task_id, customer=OTHER))


def test_invalid_cancel_after_workers_were_assigned():
    world, task_id = committing()
    rejected(world, errors.ErrWrongState, lambda: cancel(world, task_id))


def test_invalid_cancel_of_a_settled_task():
    world, task_id = delivered()
    confirm(world, task_id)
    rejected(world, errors.ErrWrongState, lambda: cancel(world, task_id))


def test_invalid_cancel_of_a_replacement_round_that_keeps_a_committed_worker():
    world, task_id = committing()
    commit(world, task_id, W0)
    world.advance(seconds=COMMIT_SECONDS)
    world.advance()
    assert world.task(task_id).state == "allocated" and world.task(task_id).participants
    rejected(world, errors.ErrWrongState, lambda: cancel(world, task_id))


@pytest.mark.parametrize("stage", ["allocated", "committing", "revealing"])
def test_invalid_confirm_before_delivery(stage):
    world, task_id = {"allocated": allocated, "committing": committing, "revealing": revealing}[stage]()
    rejected(world, errors.ErrWrongState, lambda: confirm(world, task_id))


def test_invalid_confirm_twice():
    world, task_id = delivered()
    confirm(world, task_id)
    rejected(world, errors.ErrWrongState, lambda: confirm(world, task_id))


def test_invalid_assign_while_committing():
    world, task_id = committing()
    rejected(world, errors.ErrWrongState, lambda: assign(world, task_id, [W2, W3]))


def test_invalid_commit_while_allocated():
    world, task_id = allocated()
    rejected(world, errors.ErrWrongState, lambda: commit(world, task_id, W0))


def test_invalid_reveal_while_committing():
    world, task_id = committing()
    commit(world, task_id, W0)
    rejected(world, errors.ErrWrongState, lambda: reveal(world, task_id, W0))


def test_invalid_commit_after_delivery():
    world, task_id = delivered()
    rejected(world, errors.ErrWrongState, lambda: commit(world, task_id, W0))


def test_invalid_assign_by_another_master():
    world, task_id = allocated(make_world(workers=6))
    rejected(world, errors.ErrNotTaskMaster, lambda: assign(world, task_id, [W0, W1], master=MASTER_B))


def test_invalid_assign_of_a_task_still_in_the_queue():
    world = make_world(masters=())
    task_id = submit(world)
    world.advance()
    assert world.task(task_id).state == "submitted"
    rejected(world, errors.ErrNotTaskMaster, lambda: assign(world, task_id, [W0, W1], master=MASTER_A))


@pytest.mark.parametrize("workers, reason", [
    ([W0, W0], "twice"),
    ([W0], "needs 2 workers, got 1"),
    ([W0, W1, W2], "needs 2 workers, got 3"),
])
def test_invalid_assignment(workers, reason):
    world, task_id = allocated()
    rejected(world, errors.ErrInvalidAssignment, lambda: assign(world, task_id, workers), match=reason)


def test_invalid_assignment_of_an_empty_list():
    world, task_id = allocated()
    rejected(world, errors.ErrInvalidAssignment, lambda: assign(world, task_id, []))


def test_worker_not_eligible_when_not_registered():
    world, task_id = allocated()
    rejected(world, errors.ErrWorkerNotEligible, lambda: assign(world, task_id, [W0, STRANGER]),
             match="not a registered worker")


def test_worker_not_eligible_from_another_pool():
    world, task_id = allocated(make_world(workers=6))
    rejected(world, errors.ErrWorkerNotEligible, lambda: assign(world, task_id, [W0, W4]), match="another master")


def test_worker_not_eligible_when_offline():
    params = replace(PARAMS, assign_timeout_seconds=100)
    world, task_id = allocated(make_world(params))
    world.advance(seconds=PARAMS.heartbeat_timeout_seconds)
    heartbeat(world, W0)
    world.advance()
    assert not world.worker(W1).online
    rejected(world, errors.ErrWorkerNotEligible, lambda: assign(world, task_id, [W0, W1]), match="offline")


def test_worker_not_eligible_without_a_free_slot():
    world, first = allocated()
    second = submit(world)
    assign(world, first, [W0, W1])
    world.advance()
    assert world.task(second).state == "allocated"
    rejected(world, errors.ErrWorkerNotEligible, lambda: assign(world, second, [W0, W2]), match="no free slot")


def test_worker_not_eligible_without_the_resources_of_the_class():
    world = make_world(workers=4)
    register(world, W4, MASTER_A, cpu=8, ram=16_384)
    register(world, W5, MASTER_A, cpu=8, ram=16_384)
    world, task_id = allocated(world, replicas=2, class_name="big")
    rejected(world, errors.ErrWorkerNotEligible, lambda: assign(world, task_id, [W4, W0]), match="resources of class")


def test_worker_not_eligible_with_a_slashed_deposit_below_the_minimum():
    world, first = allocated()
    assign(world, first, [W0, W1])
    commit(world, first, W1)
    world.advance(seconds=COMMIT_SECONDS)
    world.advance()  # W0 missed its commit: slashed to 900
    assert world.worker(W0).deposit == 900 and world.worker(W0).running == 0
    register(world, WORKERS[4], MASTER_A)  # room for a second task beside W0, which no longer counts
    register(world, WORKERS[5], MASTER_A)
    second = submit(world)
    world.advance()
    assert world.task(second).state == "allocated"
    rejected(world, errors.ErrWorkerNotEligible, lambda: assign(world, second, [W0, W2]), match="below the minimum")


def test_worker_not_eligible_for_an_unverified_app_when_it_runs_verified_apps_only():
    world, task_id = allocated(make_world(verified=True))
    app = apppool_state.get_app(world.state, APP_HASH)
    apppool_state.set_app(world.state, replace(app, verified=False))  # unverified after allocation
    rejected(world, errors.ErrWorkerNotEligible, lambda: assign(world, task_id, [W0, W1]), match="verified applications only")


def test_worker_not_eligible_after_missing_a_deadline_of_the_task():
    world, task_id = committing()
    commit(world, task_id, W0)
    world.advance(seconds=COMMIT_SECONDS)
    world.advance()
    handlers.handle_top_up_deposit(world.state, world.ctx(), MsgTopUpDeposit(W1.address, 100))  # back to the minimum
    rejected(world, errors.ErrWorkerNotEligible, lambda: assign(world, task_id, [W1]), match="already missed")


def test_worker_not_eligible_when_already_assigned_to_the_task():
    world = make_world(workers=0)
    register(world, W0, MASTER_A, slots=2)
    register(world, W1, MASTER_A, slots=2)
    register(world, W2, MASTER_A, slots=2)
    world, task_id = allocated(world)
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0)
    world.advance(seconds=COMMIT_SECONDS)
    world.advance()
    assert world.task(task_id).needed() == 1
    rejected(world, errors.ErrWorkerNotEligible, lambda: assign(world, task_id, [W0]), match="already assigned")


def test_invalid_commit_by_a_worker_not_assigned():
    world, task_id = committing()
    rejected(world, errors.ErrNotParticipant, lambda: commit(world, task_id, W2))


def test_invalid_reveal_by_a_worker_not_assigned():
    world, task_id = revealing()
    world.salts[(task_id, W2.name)] = (RESULT, 5_000, RESULT)
    rejected(world, errors.ErrNotParticipant, lambda: reveal(world, task_id, W2))


def test_invalid_commit_twice():
    world, task_id = committing()
    commit(world, task_id, W0)
    rejected(world, errors.ErrAlreadyCommitted, lambda: commit(world, task_id, W0))


@pytest.mark.parametrize("field", ["result_hash", "fuel", "salt"])
def test_invalid_reveal_with_values_that_do_not_open_the_commitment(field):
    world, task_id = revealing()
    result, fuel, salt = world.salts[(task_id, W0.name)]
    values = {"result_hash": result, "fuel": fuel, "salt": salt}
    values[field] = {"result_hash": WRONG, "fuel": fuel + 1, "salt": bytes(32)}[field]
    msg = MsgRevealResult(W0.address, task_id, values["result_hash"], values["fuel"], values["salt"])
    rejected(world, errors.ErrCommitmentMismatch, lambda: handlers.handle_reveal_result(world.state, world.ctx(), msg))


def test_invalid_reveal_of_another_workers_opening():
    world, task_id = revealing()
    result, fuel, salt = world.salts[(task_id, W0.name)]
    msg = MsgRevealResult(W1.address, task_id, result, fuel, salt)  # the commitment binds the worker's address
    rejected(world, errors.ErrCommitmentMismatch, lambda: handlers.handle_reveal_result(world.state, world.ctx(), msg))


def test_invalid_reveal_twice():
    world, task_id = revealing(replicas=3)
    reveal(world, task_id, W0)
    rejected(world, errors.ErrNotCommitted, lambda: reveal(world, task_id, W0), match="status revealed")


# -- compute: workers (codes 19-24) ---------------------------------------------------------------


def test_invalid_register_twice():
    world = make_world()
    rejected(world, errors.ErrWorkerExists, try_register(world, W0))


@pytest.mark.parametrize("handler, msg", [
    (handlers.handle_heartbeat, MsgHeartbeat(STRANGER.address)),
    (handlers.handle_top_up_deposit, MsgTopUpDeposit(STRANGER.address, 10)),
    (handlers.handle_unregister_worker, MsgUnregisterWorker(STRANGER.address)),
])
def test_invalid_unknown_worker(handler, msg):
    world = make_world()
    set_balance(world.state, STRANGER.address, 1_000)
    rejected(world, errors.ErrUnknownWorker, lambda: handler(world.state, world.ctx(), msg))


@pytest.mark.parametrize("master", [CUSTOMER, SUPER])  # a plain account, and a super node (not a master node)
def test_invalid_register_under_an_unknown_master(master):
    world = make_world()
    set_balance(world.state, STRANGER.address, 10_000)
    rejected(world, errors.ErrUnknownMaster, try_register(world, master=master))


def test_register_under_an_inactive_master_candidate_is_accepted():
    world = make_world()
    set_balance(world.state, STRANGER.address, 10_000)
    try_register(world, master=MASTER_B)()
    check(world)


@pytest.mark.parametrize("how", ["signed by another master", "for another worker", "for another chain",
                                 "a key that is not the master's", "empty"])
def test_invalid_admission_leaves_state_unchanged(how):
    world = make_world()
    set_balance(world.state, STRANGER.address, 10_000)
    pubkey, signature = {
        "signed by another master": admission(MASTER_B, STRANGER.address),
        "for another worker": admission(MASTER_A, CUSTOMER.address),
        "for another chain": admission(MASTER_A, STRANGER.address, "amino-other"),
        "a key that is not the master's": (MASTER_B.pubkey, admission(MASTER_A, STRANGER.address)[1]),
        "empty": (bytes(32), bytes(64)),
    }[how]
    error = rejected(world, errors.ErrInvalidAdmission, try_register(world, master_pubkey=pubkey, admission=signature))
    assert (error.codespace, error.code) == ("compute", 27)


def test_invalid_deposit_too_low():
    world = make_world()
    set_balance(world.state, STRANGER.address, 10_000)
    rejected(world, errors.ErrDepositTooLow, try_register(world, deposit=PARAMS.worker_min_deposit - 1))


def test_invalid_register_without_the_funds_for_the_deposit():
    world = make_world()
    set_balance(world.state, STRANGER.address, 999)
    rejected(world, ErrInsufficientFunds, try_register(world))


def test_invalid_top_up_without_the_funds():
    world = make_world()
    set_balance(world.state, W0.address, 5)
    rejected(world, ErrInsufficientFunds,
             lambda: handlers.handle_top_up_deposit(world.state, world.ctx(), MsgTopUpDeposit(W0.address, 6)))


def test_invalid_unregister_while_running_a_task():
    world, _task_id = committing()
    rejected(world, errors.ErrWorkerBusy,
             lambda: handlers.handle_unregister_worker(world.state, world.ctx(), MsgUnregisterWorker(W0.address)))


@pytest.mark.parametrize("changes", [
    {"slots": 0},
    {"slots": PARAMS.max_worker_slots + 1},
    {"cpu_cores": 0},
    {"ram_mb": 511},
    {"storage_mb": 1_023},
])
def test_invalid_capabilities(changes):
    world = make_world()
    set_balance(world.state, STRANGER.address, 10_000)
    rejected(world, errors.ErrInvalidCapabilities, try_register(world, **changes))


# -- apppool (codes 2-7) --------------------------------------------------------------------------


def register_app_msg(**changes) -> MsgRegisterApp:
    msg = MsgRegisterApp(OTHER.address, UNKNOWN_HASH, 1_000, "another job", "", ())
    return replace(msg, **changes)


def try_register_app(world: World, **changes):
    return lambda: handle_register_app(world.state, world.ctx(), register_app_msg(**changes))


def test_invalid_app_registered_twice():
    world = make_world()
    rejected(world, apppool_errors.ErrAppExists, try_register_app(world, module_hash=APP_HASH))


@pytest.mark.parametrize("name", ["", "x" * 65, "tab\there", "new\nline"])
def test_invalid_app_name(name):
    body = register_app_msg().to_body()
    body["name"] = name
    with pytest.raises(apppool_errors.ErrInvalidName):
        MsgRegisterApp.from_body(body)


def test_invalid_app_description():
    body = register_app_msg().to_body()
    body["description"] = "d" * 281
    with pytest.raises(apppool_errors.ErrInvalidName):
        MsgRegisterApp.from_body(body)


@pytest.mark.parametrize("classes", [("medium",), ("small", "gpu")])
def test_invalid_app_class(classes):
    world = make_world()
    rejected(world, apppool_errors.ErrUnknownClass, try_register_app(world, classes=classes))


def test_invalid_verify_of_an_unknown_app():
    world = make_world()
    msg = MsgSetAppVerified(AUTHORITY.address, UNKNOWN_HASH, True)
    rejected(world, apppool_errors.ErrUnknownApp, lambda: handle_set_verified(world.state, world.ctx(), msg))


@pytest.mark.parametrize("signer", [OTHER, CUSTOMER, MASTER_A])  # the publisher is no authority either
def test_invalid_verify_by_a_non_authority(signer):
    world = make_world(verified=False)
    msg = MsgSetAppVerified(signer.address, APP_HASH, True)
    rejected(world, apppool_errors.ErrNotAuthority, lambda: handle_set_verified(world.state, world.ctx(), msg))


@pytest.mark.parametrize("size", [0, 16 * 1024 * 1024 + 1])
def test_invalid_module_size(size):
    world = make_world()
    rejected(world, apppool_errors.ErrModuleTooLarge, try_register_app(world, module_size=size))


# -- every registered code has a test above -------------------------------------------------------


def test_error_codes_are_the_registered_ones():
    compute = sorted(c.code for c in vars(errors).values()
                     if isinstance(c, type) and issubclass(c, errors.ComputeError) and c is not errors.ComputeError)
    apppool = sorted(c.code for c in vars(apppool_errors).values()
                     if isinstance(c, type) and issubclass(c, apppool_errors.AppPoolError)
                     and c is not apppool_errors.AppPoolError)
    assert compute == list(range(2, 30))  # 29 (ErrWorkerAlreadyOffline): test_handle_worker_offline.py
    assert apppool == list(range(2, 9))  # 8 (ErrInvalidModule): tests/modules/apppool

"""The master node service without CometBFT: its cached chain view, the assignment loop and registration.

The chain is a FakeChain answering with the compute module's own views; the
blob store is the real one on a temporary directory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from chain_modules.common.address import decode_address
from chain_modules.compute.types import (
    ALLOCATED,
    COMMITTING,
    P_COMMITTED,
    REVEALING,
    MsgAssignWorkers,
)
from chain_modules.staking.types import MsgCreateMasterNode
from client.chain import ChainError
from masternode.access import INPUT, MODULE, RESULT
from masternode.blobstore import BlobStore
from masternode.node import Assigner, MasterChainView, MasterSettings, ensure_registered
from tests.services.fakes import PARAMS, FakeChain, participant
from tests.support import make_key

MASTER = make_key("services-master").bech32
OTHER_MASTER = make_key("services-other-master").bech32
SPONSOR = make_key("services-sponsor").bech32
WORKERS = sorted(make_key(f"services-worker-{i}").bech32 for i in range(6))
RESULT_LIMIT = 4_096
MODULE_LIMIT = 777_777


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def chain() -> FakeChain:
    return FakeChain(MASTER, max_module_bytes=MODULE_LIMIT)


@pytest.fixture
def settings() -> MasterSettings:
    return MasterSettings(cache_seconds=60.0, max_result_bytes=RESULT_LIMIT)


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", max_blob_bytes=100_000, max_total_bytes=1_000_000)


@pytest.fixture
def view(chain: FakeChain, settings: MasterSettings) -> MasterChainView:
    return MasterChainView(chain, MASTER, settings)


@pytest.fixture
def assigner(chain: FakeChain, view: MasterChainView, store: BlobStore, settings: MasterSettings) -> Assigner:
    return Assigner(chain, view, store, settings)


def new_blobs(name: str, store: BlobStore | None = None, module: bool = True, input: bool = True) -> tuple[str, str]:
    """A module and an input for a task, stored as asked; returns their hashes."""
    module_bytes, input_bytes = f"module of {name}".encode(), f"input of {name}".encode()
    if store is not None and module:
        store.put(sha(module_bytes), module_bytes)
    if store is not None and input:
        store.put(sha(input_bytes), input_bytes)
    return sha(module_bytes), sha(input_bytes)


def stored_task(chain: FakeChain, store: BlobStore, name: str = "task", **fields) -> int:
    app_hash, input_hash = new_blobs(name, store)
    return chain.add_task(MASTER, app_hash, input_hash, **fields)


def assignments(chain: FakeChain) -> list[MsgAssignWorkers]:
    return chain.sent_msgs(MsgAssignWorkers)


def raw(*addresses: str) -> list[bytes]:
    return [decode_address(a) for a in addresses]


# -- MasterChainView ------------------------------------------------------------------------------


def test_upload_limit_of_a_module_is_the_apps_declared_size_or_the_apppool_maximum(
    chain: FakeChain, view: MasterChainView
) -> None:
    registered, unknown = sha(b"registered module"), sha(b"unknown module")
    chain.add_app(registered, verified=True)  # declared module_size 100
    first = view.task(chain.add_task(MASTER, registered, sha(b"input")))
    second = view.task(chain.add_task(MASTER, unknown, sha(b"input 2")))

    assert view.upload_limit(first, MODULE) == 100
    assert view.upload_limit(second, MODULE) == MODULE_LIMIT


def test_upload_limit_of_an_input_is_its_declared_size_and_of_a_result_max_result_bytes(
    chain: FakeChain, view: MasterChainView
) -> None:
    task = view.task(chain.add_task(MASTER, sha(b"module"), sha(b"input"), input_size=1_234))

    assert view.upload_limit(task, INPUT) == 1_234
    assert view.upload_limit(task, RESULT) == RESULT_LIMIT
    with pytest.raises(ValueError, match="unknown blob kind"):
        view.upload_limit(task, "secret")


def test_task_is_none_for_another_masters_task_and_an_unknown_id(chain: FakeChain, view: MasterChainView) -> None:
    mine = chain.add_task(MASTER, sha(b"module"), sha(b"input"))
    theirs = chain.add_task(OTHER_MASTER, sha(b"other module"), sha(b"other input"))

    assert view.task(mine)["id"] == mine
    assert view.task(theirs) is None
    assert view.task(999) is None


def test_task_is_cached_for_cache_seconds_and_fresh_asks_again_at_most_every_fresh_seconds(
    chain: FakeChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1_000.0]
    monkeypatch.setattr("masternode.node.time.monotonic", lambda: clock[0])
    view = MasterChainView(chain, MASTER, MasterSettings(cache_seconds=5.0, fresh_seconds=0.5))
    task_id = chain.add_task(MASTER, sha(b"module"), sha(b"input"))
    path = f"/compute/task/{task_id}"

    view.task(task_id)
    view.task(task_id)
    view.task(task_id, fresh=True)  # the cached answer is younger than fresh_seconds: a flood costs no query
    assert chain.world.queries.count(path) == 1

    clock[0] += 1.0
    chain.update_task(task_id, state=COMMITTING)
    assert view.task(task_id)["state"] == ALLOCATED  # within cache_seconds
    assert view.task(task_id, fresh=True)["state"] == COMMITTING
    assert chain.world.queries.count(path) == 2

    clock[0] += 6.0
    view.task(task_id)
    assert chain.world.queries.count(path) == 3


def test_open_tasks_are_asked_once_within_cache_seconds_and_again_when_fresh(
    chain: FakeChain, view: MasterChainView
) -> None:
    chain.add_task(MASTER, sha(b"module"), sha(b"input"))
    tasks_path = f"/compute/tasks/master/{MASTER}"

    view.open_tasks()
    view.open_tasks()
    assert chain.world.queries.count(tasks_path) == 1
    view.open_tasks(fresh=True)
    assert chain.world.queries.count(tasks_path) == 2


def test_open_tasks_are_asked_again_once_cache_seconds_have_passed(chain: FakeChain) -> None:
    view = MasterChainView(chain, MASTER, MasterSettings(cache_seconds=0.0))
    view.open_tasks()
    view.open_tasks()
    assert chain.world.queries.count(f"/compute/tasks/master/{MASTER}") == 2


def test_jobs_for_worker_lists_this_masters_tasks_in_the_job_shape(chain: FakeChain, view: MasterChainView) -> None:
    worker, other = WORKERS[0], WORKERS[1]
    mine = chain.add_task(MASTER, sha(b"m"), sha(b"i"), input_size=321, state=REVEALING, replicas=2, max_fuel=5_000,
                          participants=(participant(worker, P_COMMITTED, b"c" * 32), participant(other, P_COMMITTED)))
    chain.add_task(OTHER_MASTER, sha(b"m2"), sha(b"i2"), state=COMMITTING, participants=(participant(worker),))
    chain.add_task(MASTER, sha(b"m3"), sha(b"i3"), state=COMMITTING, participants=(participant(other),))
    task = chain.get_task(mine)

    assert view.jobs_for_worker(worker) == [{
        "task_id": mine, "state": REVEALING, "status": P_COMMITTED, "app_hash": sha(b"m"), "input_hash": sha(b"i"),
        "input_size": 321, "max_fuel": 5_000, "class_name": "small", "step_deadline": task.step_deadline,
    }]
    assert view.jobs_for_worker(WORKERS[2]) == []


def test_task_is_shown_only_for_this_masters_tasks(chain: FakeChain, view: MasterChainView) -> None:
    mine = chain.add_task(MASTER, sha(b"m"), sha(b"i"))
    theirs = chain.add_task(OTHER_MASTER, sha(b"m2"), sha(b"i2"))

    shown = view.task(mine)
    assert shown is not None and shown["id"] == mine and shown["master"] == MASTER
    assert view.task(theirs) is None
    assert view.task(999) is None


# -- Assigner.step ---------------------------------------------------------------------------------


def test_assigner_waits_until_both_module_and_input_are_stored(
    chain: FakeChain, store: BlobStore, assigner: Assigner
) -> None:
    chain.add_worker(WORKERS[0], MASTER)
    module, data = b"module of t", b"input of t"
    task_id = chain.add_task(MASTER, sha(module), sha(data))

    assert assigner.step() == 0
    store.put(sha(module), module)
    assert assigner.step() == 0
    assert assignments(chain) == [] and chain.world.attempts == []

    store.put(sha(data), data)
    assert assigner.step() == 1
    assert assignments(chain) == [MsgAssignWorkers(decode_address(MASTER), task_id, (decode_address(WORKERS[0]),))]
    assert chain.get_task(task_id).state == COMMITTING
    assert assigner.assigned == 1
    assert assigner.step() == 0  # nothing left to assign


def test_assigner_ignores_tasks_that_are_not_waiting_for_workers(
    chain: FakeChain, store: BlobStore, assigner: Assigner
) -> None:
    chain.add_worker(WORKERS[0], MASTER)
    stored_task(chain, store, "committing", state=COMMITTING, participants=(participant(WORKERS[1]),))
    stored_task(chain, store, "complete", state=ALLOCATED, participants=(participant(WORKERS[1]),))  # needed == 0

    assert assigner.step() == 0
    assert chain.world.attempts == []


def test_a_replacement_round_skips_current_participants_and_excluded_workers(
    chain: FakeChain, store: BlobStore, assigner: Assigner
) -> None:
    for worker in WORKERS[:3]:
        chain.add_worker(worker, MASTER)
    # WORKERS[0] already committed; WORKERS[1] missed a deadline; the round needs one more worker.
    task_id = stored_task(chain, store, replicas=2, participants=(participant(WORKERS[0], P_COMMITTED, b"c" * 32),),
                          excluded_workers=(WORKERS[1],))

    assert assigner.step() == 1
    assert assignments(chain) == [MsgAssignWorkers(decode_address(MASTER), task_id, (decode_address(WORKERS[2]),))]


# Each case makes the best-reputed worker ineligible by one rule; the other worker must be chosen instead.
INELIGIBLE = {
    "offline": ({"online": False}, {}),
    "no free slot": ({"running": 2}, {}),
    "deposit below the minimum": ({"deposit": PARAMS.worker_min_deposit - 1}, {}),
    "verified apps only, app unverified": ({"any_app": False}, {"app_verified": False}),
    "verified apps only, app unknown": ({"any_app": False}, {}),
    "too few cpu cores": ({"cpu_cores": 7}, {}),
    "no gpu": ({"gpu": 0}, {}),
    "too little ram": ({"ram_mb": 16_383}, {}),
    "too little storage": ({"storage_mb": 10_239}, {}),
    "already a participant": ({}, {"participant": True}),
    "excluded": ({}, {"excluded": True}),
}


def arrange_best_and_fallback(chain: FakeChain, store: BlobStore, case: str | None) -> int:
    """Two capable workers, the first better reputed; ``case`` makes the first ineligible by one rule."""
    best, fallback = WORKERS[0], WORKERS[1]
    capable = {"cpu_cores": 8, "gpu": 1, "ram_mb": 16_384, "storage_mb": 10_240, "slots": 2, "any_app": True}
    chain.add_worker(best, MASTER, **capable, completed=9)
    chain.add_worker(fallback, MASTER, **capable, completed=0)
    worker_changes, task_changes = INELIGIBLE[case] if case else ({}, {})
    if worker_changes:
        chain.update_worker(best, **worker_changes)
    app_hash, input_hash = new_blobs("big", store)
    if "app_verified" in task_changes:
        chain.add_app(app_hash, verified=task_changes["app_verified"])
    fields: dict = {"class_name": "big"}
    if task_changes.get("participant"):
        fields.update(replicas=2, participants=(participant(best, P_COMMITTED, b"c" * 32),))
    if task_changes.get("excluded"):
        fields.update(excluded_workers=(best,))
    return chain.add_task(MASTER, app_hash, input_hash, **fields)


def test_assigner_chooses_the_best_reputed_capable_worker(chain: FakeChain, store: BlobStore, assigner: Assigner) -> None:
    task_id = arrange_best_and_fallback(chain, store, None)

    assert assigner.step() == 1
    assert assignments(chain) == [MsgAssignWorkers(decode_address(MASTER), task_id, (decode_address(WORKERS[0]),))]


@pytest.mark.parametrize("case", sorted(INELIGIBLE))
def test_assigner_skips_a_worker_that_the_chain_would_refuse(
    chain: FakeChain, store: BlobStore, assigner: Assigner, case: str
) -> None:
    task_id = arrange_best_and_fallback(chain, store, case)

    assert assigner.step() == 1
    assert assignments(chain) == [MsgAssignWorkers(decode_address(MASTER), task_id, (decode_address(WORKERS[1]),))]


def test_a_verified_app_may_run_on_workers_that_run_verified_apps_only(
    chain: FakeChain, store: BlobStore, assigner: Assigner
) -> None:
    chain.add_worker(WORKERS[0], MASTER, any_app=False)
    app_hash, input_hash = new_blobs("verified", store)
    chain.add_app(app_hash, verified=True)
    task_id = chain.add_task(MASTER, app_hash, input_hash)

    assert assigner.step() == 1
    assert assignments(chain)[0].workers == (decode_address(WORKERS[0]),)
    assert assignments(chain)[0].task_id == task_id


def test_workers_are_chosen_by_reputation_then_fewest_running_then_address(
    chain: FakeChain, store: BlobStore, assigner: Assigner
) -> None:
    w = WORKERS  # sorted by address
    chain.add_worker(w[5], MASTER, completed=3, running=1)  # reputation 4/5: first despite running one task
    chain.add_worker(w[0], MASTER, running=1)  # 1/2, one task running: after the idle ones despite its address
    chain.add_worker(w[3], MASTER)  # 1/2, idle
    chain.add_worker(w[2], MASTER)  # 1/2, idle, lower address than w[3]
    chain.add_worker(w[1], MASTER, failed=1)  # 1/3: last
    chain.add_worker(w[4], MASTER, completed=1, failed=1)  # 2/4 = 1/2, idle, highest address
    task_id = stored_task(chain, store, replicas=5)

    assert assigner.step() == 1
    assert assignments(chain) == [MsgAssignWorkers(decode_address(MASTER), task_id, tuple(raw(w[5], w[2], w[3], w[4], w[0])))]


def test_nothing_is_sent_when_too_few_workers_are_eligible(chain: FakeChain, store: BlobStore, assigner: Assigner) -> None:
    chain.add_worker(WORKERS[0], MASTER)
    chain.add_worker(WORKERS[1], MASTER)
    chain.add_worker(WORKERS[2], MASTER, online=False)
    chain.add_worker(WORKERS[3], OTHER_MASTER)  # another pool
    task_id = stored_task(chain, store, replicas=3)

    assert assigner.step() == 0
    assert chain.world.attempts == []
    assert chain.get_task(task_id).state == ALLOCATED


def test_assignments_of_one_pass_use_up_the_free_slots_they_take(
    chain: FakeChain, store: BlobStore, assigner: Assigner
) -> None:
    chain.add_worker(WORKERS[0], MASTER, slots=1)
    first = stored_task(chain, store, "first")
    stored_task(chain, store, "second")

    assert assigner.step() == 1
    assert [m.task_id for m in assignments(chain)] == [first]


def test_a_refused_assignment_does_not_stop_the_pass_or_take_a_slot(
    chain: FakeChain, store: BlobStore, assigner: Assigner
) -> None:
    chain.add_worker(WORKERS[0], MASTER, slots=1)
    refused = stored_task(chain, store, "refused")
    accepted = stored_task(chain, store, "accepted")

    def refuse_first_task(signer: str, msgs: list) -> None:
        if any(isinstance(m, MsgAssignWorkers) and m.task_id == refused for m in msgs):
            raise ChainError("tx failed: worker not eligible", 11, "compute", "worker not eligible")

    chain.world.before_send.append(refuse_first_task)

    assert assigner.step() == 1
    assert [m.task_id for m in chain.attempted_msgs(MsgAssignWorkers)] == [refused, accepted]
    assert assignments(chain) == [MsgAssignWorkers(decode_address(MASTER), accepted, (decode_address(WORKERS[0]),))]
    assert assigner.assigned == 1


def test_a_restarted_master_assigns_a_task_allocated_before_the_restart(
    chain: FakeChain, tmp_path: Path, settings: MasterSettings
) -> None:
    chain.add_worker(WORKERS[0], MASTER)
    store = BlobStore(tmp_path / "blobs", max_blob_bytes=100_000, max_total_bytes=1_000_000)
    app_hash, input_hash = new_blobs("before restart", store, input=False)
    task_id = chain.add_task(MASTER, app_hash, input_hash)
    before = Assigner(chain, MasterChainView(chain, MASTER, settings), store, settings)
    assert before.step() == 0  # the input is not there yet
    data = b"input of before restart"
    store.put(sha(data), data)
    del before, store  # the process stops; only the chain and the blob directory survive

    reopened = BlobStore(tmp_path / "blobs", max_blob_bytes=100_000, max_total_bytes=1_000_000)
    after = Assigner(chain, MasterChainView(chain, MASTER, settings), reopened, settings)

    assert after.step() == 1
    assert assignments(chain) == [MsgAssignWorkers(decode_address(MASTER), task_id, (decode_address(WORKERS[0]),))]


# -- ensure_registered -------------------------------------------------------------------------------


def test_ensure_registered_registers_a_new_master_with_its_public_endpoint(chain: FakeChain) -> None:
    settings = MasterSettings(listen_host="10.0.0.7", listen_port=8711)

    candidate = ensure_registered(chain, settings, bond=5_000, sponsor=SPONSOR, region="eu", moniker="m-1")

    assert chain.sent_msgs() == [MsgCreateMasterNode(decode_address(MASTER), "m-1", "http://10.0.0.7:8711", "eu",
                                                     decode_address(SPONSOR), 5_000)]
    assert candidate["kind"] == "master" and candidate["endpoint"] == "http://10.0.0.7:8711"


def test_ensure_registered_sends_nothing_for_a_registered_master(chain: FakeChain) -> None:
    chain.world.candidates[MASTER] = {"operator": MASTER, "kind": "master", "endpoint": "http://m", "status": "active"}

    candidate = ensure_registered(chain, MasterSettings(), bond=0, sponsor="", region="eu", moniker="m")

    assert candidate["status"] == "active"
    assert chain.world.attempts == []


def test_ensure_registered_refuses_without_a_sponsor_or_for_a_super_node(chain: FakeChain) -> None:
    with pytest.raises(ChainError, match="--sponsor"):
        ensure_registered(chain, MasterSettings(), bond=0, sponsor="", region="eu", moniker="m")

    chain.world.candidates[MASTER] = {"operator": MASTER, "kind": "super", "endpoint": "", "status": "validator"}
    with pytest.raises(ChainError, match="super node"):
        ensure_registered(chain, MasterSettings(), bond=0, sponsor=SPONSOR, region="eu", moniker="m")
    assert chain.world.attempts == []


# -- blob garbage collection ----------------------------------------------------------------------


def test_garbage_collection_deletes_only_old_blobs_no_open_task_references(
    chain: FakeChain, store: BlobStore, assigner: Assigner, settings: MasterSettings
) -> None:
    import os
    import time as time_module

    stored_task(chain, store, "open")  # its module and input stay, however old
    old_stray, young_stray = b"a settled task's result", b"a result uploaded a minute ago"
    store.put(sha(old_stray), old_stray)
    store.put(sha(young_stray), young_stray)
    now = time_module.time()
    ancient = now - settings.retention_seconds - 10
    for digest in [*store.iter_digests()]:
        if digest != sha(young_stray):
            os.utime(store.path(digest), (ancient, ancient))

    assert assigner.collect_garbage(now) == 1
    assert not store.has(sha(old_stray))
    assert store.has(sha(young_stray))
    module_hash, input_hash = new_blobs("open")
    assert store.has(module_hash) and store.has(input_hash)


# -- releasing tasks whose job never arrived ---------------------------------------------------------------


def test_a_task_whose_job_never_arrived_is_released_just_before_its_assign_deadline(
    chain: FakeChain, store: BlobStore, view: MasterChainView, assigner: Assigner, settings: MasterSettings
) -> None:
    from chain_modules.compute.types import MsgReleaseTask

    app_hash, input_hash = new_blobs("never uploaded")  # nothing stored
    task_id = chain.add_task(MASTER, app_hash, input_hash, replicas=2)
    task = view.task(task_id)
    assert not assigner._release_if_never_uploaded(task, now=task["step_deadline"] - settings.release_margin_seconds - 1)
    assert chain.sent_msgs(MsgReleaseTask) == []
    assert assigner._release_if_never_uploaded(task, now=task["step_deadline"] - 1)
    assert chain.sent_msgs(MsgReleaseTask) == [MsgReleaseTask(decode_address(MASTER), task_id)]
    assert MasterChainView(chain, MASTER, settings).task(task_id) is None  # no longer this master's


def test_a_task_with_workers_on_it_is_never_released(chain: FakeChain, store: BlobStore, view: MasterChainView,
                                                     assigner: Assigner) -> None:
    from chain_modules.compute.types import MsgReleaseTask

    task_id = stored_task(chain, store, "replacement round", replicas=2, participants=(participant(WORKERS[0]),), target=2)
    task = view.task(task_id)
    assert not assigner._release_if_never_uploaded(task, now=task["step_deadline"])
    assert chain.sent_msgs(MsgReleaseTask) == []

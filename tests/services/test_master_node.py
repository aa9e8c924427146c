"""The master node service against a real chain in the process: its cached chain view, the assignment loop and
registration.

The chain is a LocalChain (tests/services/localchain.py): the real app, driven without CometBFT, behind the
ChainClient the service holds, so every assignment, release and registration runs through the real handlers.
The blob store is the real one on a temporary directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from chain_modules.common.address import decode_address
from chain_modules.compute.types import ALLOCATED, COMMITTING, DELIVERED, P_COMMITTED, REVEALING, MsgAssignWorkers
from chain_modules.staking.types import MsgCreateMasterNode
from client.chain import ChainClient, ChainError
from masternode.access import INPUT, MODULE, RESULT
from masternode.blobstore import BlobStore
from masternode.node import Assigner, MasterChainView, MasterSettings, ensure_registered
from tests.services.localchain import BIG, PARAMS, SPONSOR, Key, LocalChain, sha
from tests.support import make_key

MASTER_KEY = make_key("services-master")
OTHER_MASTER_KEY = make_key("services-other-master")
MASTER, OTHER_MASTER = MASTER_KEY.bech32, OTHER_MASTER_KEY.bech32
THEIR_WORKER = make_key("services-worker-of-the-other-master")
W = sorted((make_key(f"services-worker-{i}") for i in range(6)), key=lambda key: key.bech32)  # by address
WORKERS = [key.bech32 for key in W]
RESULT_LIMIT = 4_096
MODULE_LIMIT = 777_777


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[LocalChain]:
    chain = LocalChain(tmp_path / "chain", max_module_bytes=MODULE_LIMIT)
    chain.register_master(MASTER_KEY)
    yield chain
    chain.close()


@pytest.fixture
def client(chain: LocalChain) -> ChainClient:
    """The master node service's own ChainClient."""
    return chain.client(MASTER_KEY)


@pytest.fixture
def settings() -> MasterSettings:
    return MasterSettings(cache_seconds=60.0, max_result_bytes=RESULT_LIMIT)


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", max_blob_bytes=100_000, max_total_bytes=1_000_000)


@pytest.fixture
def view(client: ChainClient, settings: MasterSettings) -> MasterChainView:
    return MasterChainView(client, MASTER, settings)


@pytest.fixture
def assigner(client: ChainClient, view: MasterChainView, store: BlobStore, settings: MasterSettings) -> Assigner:
    return Assigner(client, view, store, settings)


def new_blobs(name: str, store: BlobStore | None = None, module: bool = True, input: bool = True) -> tuple[str, str]:
    """A module and an input for a task, stored as asked; returns their hashes."""
    module_bytes, input_bytes = f"module of {name}".encode(), f"input of {name}".encode()
    if store is not None and module:
        store.put(sha(module_bytes), module_bytes)
    if store is not None and input:
        store.put(sha(input_bytes), input_bytes)
    return sha(module_bytes), sha(input_bytes)


def stored_task(chain: LocalChain, store: BlobStore, name: str = "task", **fields) -> int:
    """A task allocated to this master whose module and input are in its store."""
    app_hash, input_hash = new_blobs(name, store)
    return chain.submit(app_hash, input_hash, master=MASTER_KEY, **fields)


def their_task(chain: LocalChain, name: str = "theirs") -> int:
    """A task of the other master: it alone has a worker for the class "big"."""
    if chain.driver.query(f"/staking/candidate/{OTHER_MASTER}").code:
        chain.register_master(OTHER_MASTER_KEY)
        chain.register_worker(THEIR_WORKER, OTHER_MASTER_KEY, **BIG)
    app_hash, input_hash = new_blobs(name)
    return chain.submit(app_hash, input_hash, master=OTHER_MASTER_KEY, class_name="big")


def workers(chain: LocalChain, *keys: Key, **fields) -> None:
    for key in keys:
        chain.register_worker(key, MASTER_KEY, **fields)


def assignments(chain: LocalChain) -> list[MsgAssignWorkers]:
    return chain.sent_msgs(MsgAssignWorkers)


def assignment(task_id: int, *keys: Key) -> MsgAssignWorkers:
    return MsgAssignWorkers(decode_address(MASTER), task_id, tuple(key.address for key in keys))


# -- MasterChainView ------------------------------------------------------------------------------


def test_upload_limit_of_a_module_is_the_apps_declared_size_or_the_apppool_maximum(
    chain: LocalChain, view: MasterChainView
) -> None:
    workers(chain, W[0])
    registered = sha(b"registered module")
    chain.register_app(registered, size=100, verified=True)
    task = view.task(chain.submit(registered, sha(b"input"), master=MASTER_KEY))

    assert view.upload_limit(task, MODULE) == 100
    # no task the chain accepts names an unknown application; the view still falls back to the pool's maximum
    assert view.upload_limit({**task, "app_hash": sha(b"unknown module")}, MODULE) == MODULE_LIMIT


def test_upload_limit_of_an_input_is_its_declared_size_and_of_a_result_max_result_bytes(
    chain: LocalChain, view: MasterChainView
) -> None:
    workers(chain, W[0])
    task = view.task(chain.submit(sha(b"module"), sha(b"input"), master=MASTER_KEY, input_size=1_234))

    assert view.upload_limit(task, INPUT) == 1_234
    assert view.upload_limit(task, RESULT) == RESULT_LIMIT
    with pytest.raises(ValueError, match="unknown blob kind"):
        view.upload_limit(task, "secret")


def test_task_is_none_for_another_masters_task_and_an_unknown_id(chain: LocalChain, view: MasterChainView) -> None:
    workers(chain, W[0])
    mine = chain.submit(sha(b"module"), sha(b"input"), master=MASTER_KEY)
    theirs = their_task(chain)

    assert view.task(mine)["id"] == mine
    assert view.task(theirs) is None
    assert view.task(999) is None


def test_task_is_cached_for_cache_seconds_and_fresh_asks_again_at_most_every_fresh_seconds(
    chain: LocalChain, client: ChainClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1_000.0]
    monkeypatch.setattr("masternode.node.time.monotonic", lambda: clock[0])
    view = MasterChainView(client, MASTER, MasterSettings(cache_seconds=5.0, fresh_seconds=0.5))
    workers(chain, W[0])
    task_id = chain.submit(sha(b"module"), sha(b"input"), master=MASTER_KEY)
    path = f"/compute/task/{task_id}"

    view.task(task_id)
    view.task(task_id)
    view.task(task_id, fresh=True)  # the cached answer is younger than fresh_seconds: a flood costs no query
    assert chain.queries.count(path) == 1

    clock[0] += 1.0
    chain.assign(task_id, W[0])  # the chain moves on: the task is committing
    assert view.task(task_id)["state"] == ALLOCATED  # within cache_seconds
    assert view.task(task_id, fresh=True)["state"] == COMMITTING
    assert chain.queries.count(path) == 2

    clock[0] += 6.0
    view.task(task_id)
    assert chain.queries.count(path) == 3


def test_open_tasks_are_asked_once_within_cache_seconds_and_again_when_fresh(
    chain: LocalChain, view: MasterChainView
) -> None:
    workers(chain, W[0])
    chain.submit(sha(b"module"), sha(b"input"), master=MASTER_KEY)
    tasks_path = f"/compute/tasks/master/{MASTER}"

    view.open_tasks()
    view.open_tasks()
    assert chain.queries.count(tasks_path) == 1
    view.open_tasks(fresh=True)
    assert chain.queries.count(tasks_path) == 2


def test_open_tasks_are_asked_again_once_cache_seconds_have_passed(chain: LocalChain, client: ChainClient) -> None:
    view = MasterChainView(client, MASTER, MasterSettings(cache_seconds=0.0))
    view.open_tasks()
    view.open_tasks()
    assert chain.queries.count(f"/compute/tasks/master/{MASTER}") == 2


def test_jobs_for_worker_lists_this_masters_tasks_in_the_job_shape(chain: LocalChain, view: MasterChainView) -> None:
    worker, other = W[0], W[1]
    workers(chain, worker, other)
    mine = chain.submit(sha(b"m"), sha(b"i"), master=MASTER_KEY, input_size=321, replicas=2, max_fuel=5_000)
    chain.assign(mine, worker, other)
    chain.commit(worker, mine)
    chain.commit(other, mine)  # both committed: the task is revealing
    not_his = chain.submit(sha(b"m3"), sha(b"i3"), master=MASTER_KEY)
    chain.assign(not_his, other)
    theirs = their_task(chain)
    chain.assign(theirs, THEIR_WORKER)
    task = chain.get_task(mine)
    assert task.state == REVEALING

    assert view.jobs_for_worker(worker.bech32) == [{
        "task_id": mine, "state": REVEALING, "status": P_COMMITTED, "app_hash": sha(b"m"), "input_hash": sha(b"i"),
        "input_size": 321, "max_fuel": 5_000, "class_name": "small", "step_deadline": task.step_deadline,
    }]
    assert [job["task_id"] for job in view.jobs_for_worker(other.bech32)] == [mine, not_his]
    assert view.jobs_for_worker(THEIR_WORKER.bech32) == []  # the chain lists it a job, of another master
    assert view.jobs_for_worker(WORKERS[2]) == []


def test_task_is_shown_only_for_this_masters_tasks(chain: LocalChain, view: MasterChainView) -> None:
    workers(chain, W[0])
    mine = chain.submit(sha(b"m"), sha(b"i"), master=MASTER_KEY)
    theirs = their_task(chain, "theirs 2")

    shown = view.task(mine)
    assert shown is not None and shown["id"] == mine and shown["master"] == MASTER
    assert view.task(theirs) is None
    assert view.task(999) is None


# -- Assigner.step ---------------------------------------------------------------------------------


def test_assigner_waits_until_both_module_and_input_are_stored(
    chain: LocalChain, store: BlobStore, assigner: Assigner
) -> None:
    workers(chain, W[0])
    module, data = b"module of t", b"input of t"
    task_id = chain.submit(sha(module), sha(data), master=MASTER_KEY)

    assert assigner.step() == 0
    store.put(sha(module), module)
    assert assigner.step() == 0
    assert assignments(chain) == [] and chain.attempts == []

    store.put(sha(data), data)
    assert assigner.step() == 1
    assert assignments(chain) == [assignment(task_id, W[0])]
    assert chain.get_task(task_id).state == COMMITTING
    assert assigner.assigned == 1
    assert assigner.step() == 0  # nothing left to assign


def test_assigner_ignores_tasks_that_are_not_waiting_for_workers(
    chain: LocalChain, store: BlobStore, assigner: Assigner
) -> None:
    workers(chain, W[0], W[1])
    committing = stored_task(chain, store, "committing")
    chain.assign(committing, W[1])
    delivered = stored_task(chain, store, "delivered")
    chain.assign(delivered, W[1])
    chain.commit(W[1], delivered)
    chain.reveal(W[1], delivered)
    assert (chain.get_task(committing).state, chain.get_task(delivered).state) == (COMMITTING, DELIVERED)

    assert assigner.step() == 0
    assert chain.attempts == []


def test_a_replacement_round_skips_current_participants_and_excluded_workers(
    chain: LocalChain, store: BlobStore, assigner: Assigner
) -> None:
    workers(chain, *W[:3])
    task_id = stored_task(chain, store, replicas=2)
    chain.assign(task_id, W[0], W[1])
    chain.commit(W[0], task_id)
    # W[1] misses the commit deadline (every worker stays online): it is dropped and excluded, one more is needed
    chain.advance(chain.get_task(task_id).step_deadline - chain.time, keep_online=tuple(W[:3]))
    task = chain.get_task(task_id)
    assert (task.state, task.needed(), task.excluded_workers) == (ALLOCATED, 1, (W[1].address,))

    assert assigner.step() == 1
    assert assignments(chain) == [assignment(task_id, W[2])]


def test_the_master_names_the_auditor_a_task_asks_for_after_its_lone_worker_committed(tmp_path: Path) -> None:
    chain = LocalChain(tmp_path / "audited", compute_params=replace(PARAMS, audit_probability_bps=10_000))
    try:
        chain.register_master(MASTER_KEY)
        client = chain.client(MASTER_KEY)
        settings = MasterSettings(cache_seconds=60.0)
        store = BlobStore(tmp_path / "audited-blobs", max_blob_bytes=100_000, max_total_bytes=1_000_000)
        assigner = Assigner(client, MasterChainView(client, MASTER, settings), store, settings)
        workers(chain, *W[:3])
        task_id = stored_task(chain, store, replicas=1)
        assert chain.get_task(task_id).target == 1

        assert assigner.step() == 1  # the lone worker
        assert assignments(chain) == [assignment(task_id, W[0])]
        chain.commit(W[0], task_id)  # the next block draws: audited
        task = chain.get_task(task_id)
        assert (task.state, task.audit, task.needed(), task.reassignments, task.extra) == (ALLOCATED, True, 1, 0, 0)

        assert assigner.step() == 1  # the auditor: another worker than the one on the task
        assert assignments(chain) == [assignment(task_id, W[0]), assignment(task_id, W[1])]
        task = chain.get_task(task_id)
        assert task.state == COMMITTING and task.target == 2 and not task.participant(W[1].address).late
        chain.commit(W[1], task_id)
        chain.reveal(W[0], task_id)
        chain.reveal(W[1], task_id)
        assert chain.get_task(task_id).state == DELIVERED
        assert assigner.step() == 0
    finally:
        chain.close()


# Each case makes the better reputed worker ineligible by one rule; the other worker must be chosen instead.
RESOURCES = {"too few cpu cores": {"cpu_cores": 7}, "no gpu": {"gpu": 0}, "too little ram": {"ram_mb": 16_383},
             "too little storage": {"storage_mb": 10_239}}
INELIGIBLE = sorted(["offline", "no free slot", "deposit below the minimum", "verified apps only, app unverified",
                     "already a participant", "excluded", *RESOURCES])


def arrange_best_and_fallback(chain: LocalChain, store: BlobStore, case: str | None) -> int:
    """Two workers able to run class "big", the first better reputed (it delivered a task); ``case`` makes the
    first ineligible by one rule. Returns the task, allocated to this master and waiting for a worker."""
    best, fallback, third = W[0], W[1], W[2]
    chain.register_worker(best, MASTER_KEY, **{**BIG, **RESOURCES.get(case, {})},
                          any_app=case != "verified apps only, app unverified",
                          deposit=PARAMS.worker_min_deposit if case == "deposit below the minimum" else 5_000)
    chain.register_worker(fallback, MASTER_KEY, **BIG)
    chain.complete(best, MASTER_KEY)
    if case == "offline":
        chain.advance(PARAMS.heartbeat_timeout_seconds + 1, keep_online=(fallback,))
    if case == "no free slot":
        for name in ("first", "second"):
            occupying = chain.submit(*new_blobs(f"occupying {name}"), master=MASTER_KEY)
            chain.assign(occupying, best)
    if case == "deposit below the minimum":
        chain.fail([best], MASTER_KEY, keep_online=(best, fallback))  # slashed below the minimum
    app_hash, input_hash = new_blobs("big", store)
    if case == "already a participant":
        chain.register_worker(third, MASTER_KEY, **BIG)
        task_id = chain.submit(app_hash, input_hash, master=MASTER_KEY, class_name="big", replicas=2)
        chain.assign(task_id, best, third)
        chain.commit(best, task_id)
        chain.hand_back(third, task_id)  # the round needs one more worker; best is on it, third excluded
        return task_id
    task_id = chain.submit(app_hash, input_hash, master=MASTER_KEY, class_name="big")
    if case == "excluded":
        chain.assign(task_id, best)
        chain.hand_back(best, task_id)
    return task_id


def test_assigner_chooses_the_best_reputed_capable_worker(chain: LocalChain, store: BlobStore, assigner: Assigner) -> None:
    task_id = arrange_best_and_fallback(chain, store, None)

    assert assigner.step() == 1
    assert assignments(chain) == [assignment(task_id, W[0])]


@pytest.mark.parametrize("case", INELIGIBLE)
def test_assigner_skips_a_worker_that_the_chain_would_refuse(
    chain: LocalChain, store: BlobStore, assigner: Assigner, case: str
) -> None:
    task_id = arrange_best_and_fallback(chain, store, case)

    assert assigner.step() == 1
    assert assignments(chain) == [assignment(task_id, W[1])]


def test_a_verified_app_may_run_on_workers_that_run_verified_apps_only(
    chain: LocalChain, store: BlobStore, assigner: Assigner
) -> None:
    workers(chain, W[0], any_app=False)
    app_hash, input_hash = new_blobs("verified", store)
    chain.register_app(app_hash, verified=True)
    task_id = chain.submit(app_hash, input_hash, master=MASTER_KEY)

    assert assigner.step() == 1
    assert assignments(chain) == [assignment(task_id, W[0])]


def test_workers_are_chosen_by_reputation_then_fewest_running_then_address(
    chain: LocalChain, store: BlobStore, assigner: Assigner
) -> None:
    w = W  # sorted by address
    workers(chain, *w)
    chain.complete(w[5], MASTER_KEY, count=3)  # reputation 4/5: first despite running one task
    chain.complete(w[4], MASTER_KEY)
    chain.fail([w[1], w[4]], MASTER_KEY, keep_online=tuple(w))  # w[1] 1/3: last; w[4] 2/4 = 1/2, idle, highest address
    running = chain.submit(*new_blobs("running"), master=MASTER_KEY, replicas=2)
    chain.assign(running, w[5], w[0])  # w[0]: 1/2 with one task running, after the idle ones despite its address
    task_id = stored_task(chain, store, replicas=5)  # w[2] and w[3]: 1/2, idle, by address

    assert assigner.step() == 1
    assert assignments(chain) == [assignment(task_id, w[5], w[2], w[3], w[4], w[0])]


def test_nothing_is_sent_when_too_few_workers_are_eligible(chain: LocalChain, store: BlobStore, assigner: Assigner) -> None:
    workers(chain, *W[:3])
    chain.register_master(OTHER_MASTER_KEY)
    chain.register_worker(W[3], OTHER_MASTER_KEY)  # another pool
    task_id = stored_task(chain, store, replicas=3)
    chain.advance(PARAMS.heartbeat_timeout_seconds + 1, keep_online=(W[0], W[1], W[3]))  # W[2] goes offline

    assert assigner.step() == 0
    assert chain.attempts == []
    assert chain.get_task(task_id).state == ALLOCATED


def two_tasks_and_one_free_slot(chain: LocalChain, store: BlobStore, first: str, second: str) -> tuple[int, int]:
    """Two tasks allocated while two one-slot workers were online; then W[1] goes offline: one slot for both."""
    workers(chain, W[0], W[1], slots=1)
    ids = stored_task(chain, store, first), stored_task(chain, store, second)
    chain.advance(PARAMS.heartbeat_timeout_seconds + 1, keep_online=(W[0],))
    return ids


def test_assignments_of_one_pass_use_up_the_free_slots_they_take(
    chain: LocalChain, store: BlobStore, assigner: Assigner
) -> None:
    first, _second = two_tasks_and_one_free_slot(chain, store, "first", "second")

    assert assigner.step() == 1
    assert [m.task_id for m in chain.attempted_msgs(MsgAssignWorkers)] == [first]  # no doomed second attempt
    assert assignments(chain) == [assignment(first, W[0])]


def test_a_refused_assignment_does_not_stop_the_pass_or_take_a_slot(
    chain: LocalChain, store: BlobStore, assigner: Assigner
) -> None:
    refused, accepted = two_tasks_and_one_free_slot(chain, store, "refused", "accepted")

    def cancel_first_task(signer: str, msgs: list) -> None:
        if any(isinstance(m, MsgAssignWorkers) and m.task_id == refused for m in msgs):
            chain.cancel(refused)  # the customer cancels just before the assignment arrives: the chain refuses it

    chain.before_send.append(cancel_first_task)

    assert assigner.step() == 1
    assert [m.task_id for m in chain.attempted_msgs(MsgAssignWorkers)] == [refused, accepted]
    assert assignments(chain) == [assignment(accepted, W[0])]
    assert assigner.assigned == 1


def test_a_restarted_master_assigns_a_task_allocated_before_the_restart(
    chain: LocalChain, tmp_path: Path, settings: MasterSettings
) -> None:
    workers(chain, W[0])
    store = BlobStore(tmp_path / "blobs", max_blob_bytes=100_000, max_total_bytes=1_000_000)
    app_hash, input_hash = new_blobs("before restart", store, input=False)
    task_id = chain.submit(app_hash, input_hash, master=MASTER_KEY)
    client = chain.client(MASTER_KEY)
    before = Assigner(client, MasterChainView(client, MASTER, settings), store, settings)
    assert before.step() == 0  # the input is not there yet
    data = b"input of before restart"
    store.put(sha(data), data)
    del before, store, client  # the process stops; only the chain and the blob directory survive

    reopened = BlobStore(tmp_path / "blobs", max_blob_bytes=100_000, max_total_bytes=1_000_000)
    client = chain.client(MASTER_KEY)
    after = Assigner(client, MasterChainView(client, MASTER, settings), reopened, settings)

    assert after.step() == 1
    assert assignments(chain) == [assignment(task_id, W[0])]


# -- ensure_registered -------------------------------------------------------------------------------


def test_ensure_registered_registers_a_new_master_with_its_public_endpoint(chain: LocalChain) -> None:
    newcomer = make_key("services-new-master")
    chain.register_master(newcomer, consent_only=True)
    settings = MasterSettings(listen_host="10.0.0.7", listen_port=8711)

    candidate = ensure_registered(chain.client(newcomer), settings, bond=5_000, sponsor=SPONSOR.bech32, region="eu",
                                  moniker="m-1")

    assert chain.sent_msgs() == [MsgCreateMasterNode(newcomer.address, "m-1", "http://10.0.0.7:8711", "eu",
                                                     SPONSOR.address, 5_000)]
    assert candidate["kind"] == "master" and candidate["endpoint"] == "http://10.0.0.7:8711"
    assert candidate["operator"] == newcomer.bech32


def test_ensure_registered_sends_nothing_for_a_registered_master(chain: LocalChain, client: ChainClient) -> None:
    candidate = ensure_registered(client, MasterSettings(), bond=0, sponsor="", region="eu", moniker="m")

    assert candidate["status"] == "active" and candidate["operator"] == MASTER
    assert chain.attempts == []


def test_ensure_registered_refuses_without_a_sponsor_or_for_a_super_node(chain: LocalChain) -> None:
    with pytest.raises(ChainError, match="--sponsor"):
        ensure_registered(chain.client(make_key("services-unknown")), MasterSettings(), bond=0, sponsor="",
                          region="eu", moniker="m")

    with pytest.raises(ChainError, match="super node"):  # the genesis super node's operator key
        ensure_registered(chain.client(SPONSOR), MasterSettings(), bond=0, sponsor=SPONSOR.bech32, region="eu",
                          moniker="m")
    assert chain.attempts == []


# -- blob garbage collection ----------------------------------------------------------------------


def test_garbage_collection_deletes_only_old_blobs_no_open_task_references(
    chain: LocalChain, store: BlobStore, assigner: Assigner, settings: MasterSettings
) -> None:
    import os
    import time as time_module

    workers(chain, W[0])
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
    chain: LocalChain, client: ChainClient, view: MasterChainView, assigner: Assigner, settings: MasterSettings
) -> None:
    from chain_modules.compute.types import MsgReleaseTask

    workers(chain, W[0], W[1])
    app_hash, input_hash = new_blobs("never uploaded")  # nothing stored
    task_id = chain.submit(app_hash, input_hash, master=MASTER_KEY, replicas=2)
    task = view.task(task_id)
    assert not assigner._release_if_never_uploaded(task, now=task["step_deadline"] - settings.release_margin_seconds - 1)
    assert chain.attempts == []
    assert assigner._release_if_never_uploaded(task, now=task["step_deadline"] - 1)
    assert chain.sent_msgs(MsgReleaseTask) == [MsgReleaseTask(decode_address(MASTER), task_id)]
    assert MasterChainView(client, MASTER, settings).task(task_id) is None  # no longer this master's
    assert chain.get_task(task_id).excluded_masters == (MASTER_KEY.address,)


def test_a_task_with_workers_on_it_is_never_released(chain: LocalChain, store: BlobStore, view: MasterChainView,
                                                     assigner: Assigner) -> None:
    from chain_modules.compute.types import MsgReleaseTask

    workers(chain, W[0], W[1])
    task_id = stored_task(chain, store, "replacement round", replicas=2)
    chain.assign(task_id, W[0], W[1])
    chain.commit(W[0], task_id)
    chain.hand_back(W[1], task_id)  # allocated again for one replacement, W[0] still on it
    task = view.task(task_id)
    assert task["state"] == ALLOCATED and len(task["participants"]) == 1

    assert not assigner._release_if_never_uploaded(task, now=task["step_deadline"])
    assert chain.attempted_msgs(MsgReleaseTask) == []


# -- liveness probes ----------------------------------------------------------------------------------------


def test_a_probe_is_assigned_to_its_probed_worker_first_with_the_module_and_input_the_master_stores(tmp_path: Path):
    """The chain draws a probe for a worker (probability 100%); the master stores the probe module it knows (an
    example job, named by the probe_app param) and the input the chain gave, and names the probed worker plus one."""
    from chain_modules.fog.types import FogParams
    from masternode.node import probe_modules
    from wasm_jobs.examples import build

    module = build("hash_chain")
    chain = LocalChain(tmp_path / "chain", compute_params=replace(PARAMS, probe_app=sha(module)),
                       fog_params=FogParams(capacity_deposit=5_000, probe_probability_bps=10_000))
    try:
        chain.register_master(MASTER_KEY)
        workers(chain, W[0], W[1], W[2])
        chain.advance(1, keep_online=(W[2],))  # W[2]'s heartbeat starts its draw
        chain.advance(1)
        chain.advance(1)
        [probe] = [t for t in chain.query(f"/compute/tasks/master/{MASTER}") if t["probe_worker"]]
        assert probe["probe_worker"] == W[2].bech32 and probe["state"] == ALLOCATED
        store = BlobStore(tmp_path / "blobs", max_blob_bytes=100_000, max_total_bytes=1_000_000)
        client = chain.client(MASTER_KEY)
        settings = MasterSettings(cache_seconds=0.0)
        assigner = Assigner(client, MasterChainView(client, MASTER, settings), store, settings)
        assert sha(module) in probe_modules()

        assert assigner.step() == 1

        [sent] = assignments(chain)
        assert sent.task_id == probe["id"] and sent.workers[0] == W[2].address and len(sent.workers) == 2
        assert store.read(probe["app_hash"]) == module
        assert store.read(probe["input_hash"]) == bytes.fromhex(probe["probe_input"])
    finally:
        chain.close()


def test_a_probe_waits_while_its_probed_worker_cannot_take_it():
    task = {"participants": [], "excluded_workers": [], "master": MASTER, "needed": 2, "probe_worker": WORKERS[0]}
    resource = {"cpu_cores": 1, "gpu": 0, "ram_mb": 512, "storage_mb": 1_024}
    pool = [{"address": address, "master": MASTER, "online": address != WORKERS[0], "slots": 1, "running": 0,
             "cpu_cores": 2, "gpu": 0, "ram_mb": 2_048, "storage_mb": 2_048, "deposit": 10**9, "any_app": False,
             "completed": 0, "failed": 0} for address in WORKERS[:3]]
    from masternode.node import pick_workers

    assert pick_workers(task, pool, resource, 1, verified=False) == []  # the probed worker is offline
    pool[0]["online"], pool[0]["running"] = True, 1  # busy, but a probe takes no slot
    assert [w["address"] for w in pick_workers(task, pool, resource, 1, verified=False)] == WORKERS[:2]


# -- heartbeat margin and waiting lines ----------------------------------------------------------------


def _pool(ages: list[int]) -> list[dict]:
    return [{"address": address, "master": MASTER, "online": True, "slots": 1, "running": 0, "cpu_cores": 2, "gpu": 0,
             "ram_mb": 2_048, "storage_mb": 2_048, "deposit": 10**9, "any_app": False, "completed": 0, "failed": 0,
             "seconds_since_heartbeat": age} for address, age in zip(WORKERS, ages)]


def test_the_master_never_names_a_worker_whose_heartbeat_is_close_to_its_expiry():
    from masternode.node import STALE_HEARTBEAT, max_heartbeat_age, pick_workers, refusal_counts

    task = {"participants": [], "excluded_workers": [], "master": MASTER, "needed": 2, "class_name": "small"}
    resource = {"cpu_cores": 1, "gpu": 0, "ram_mb": 512, "storage_mb": 1_024}
    max_age = max_heartbeat_age(30, 10)
    assert max_age == 20 and max_heartbeat_age(30, 100) == 15  # never more than half the timeout is taken off
    pool = _pool([21, 20, 3])  # the first one's heartbeat would expire within the margin: maybe stopped, not offline
    chosen = pick_workers(task, pool, resource, 1, True, max_age)
    assert [w["address"] for w in chosen] == WORKERS[1:3]
    assert refusal_counts(task, pool, resource, 1, True, max_age) == {STALE_HEARTBEAT: 1}
    assert len(pick_workers(task, pool, resource, 1, True)) == 2  # without a margin: the chain's rule alone


def test_a_task_waiting_for_workers_is_logged_when_what_it_waits_for_changes_or_once_a_minute(
        caplog: pytest.LogCaptureFixture, settings: MasterSettings):
    from collections import Counter

    assigner = Assigner(None, None, None, settings)  # _log_waiting reads nothing else
    task = {"id": 7, "needed": 1, "class_name": "medium"}
    with caplog.at_level("INFO", logger="amino.master"):
        assert assigner._log_waiting(task, 0, Counter({"lacks_resources": 3}), now=100.0)
        assert not any(assigner._log_waiting(task, 0, Counter({"lacks_resources": 3}), now=100.0 + s) for s in range(59))
        assert assigner._log_waiting(task, 0, Counter({"lacks_resources": 3}), now=160.0)  # a minute later
        assert assigner._log_waiting(task, 0, Counter({"lacks_resources": 2, "offline": 1}), now=161.0)  # changed
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3
    assert lines[0] == "task 7 waits for 1 workers of class medium: 0 eligible now (others: 3 lacks resources)"

"""The worker service against a real chain in the process: a job from fetch to upload, restarts at every step,
and the status display.

The chain is a LocalChain (the real app driven without CometBFT, behind the worker's own ChainClient), so every
commit, reveal, hand-back, heartbeat and registration runs through the real handlers; the master node is a
FakeMaster behind httpx.MockTransport whose job list comes from the real MasterChainView. Jobs run for real: the
hash_chain example module in the sandbox.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from chain_modules.common.address import decode_address
from chain_modules.compute.types import (
    ALLOCATED,
    COMMITTING,
    DELIVERED,
    REVEALING,
    MsgCommitResult,
    MsgHeartbeat,
    MsgHandBackTask,
    MsgRegisterWorker,
    MsgRevealResult,
    MsgTopUpDeposit,
    MsgWorkerOffline,
    commitment,
)
from client.chain import ChainError
from client.fog import format_fog
from wasm_jobs import abi
from wasm_jobs.examples import EXAMPLES, build
from wasm_jobs.runner import JobOutcome
from worker import node as worker_node
from worker.config import WorkerConfig, load_config
from worker.node import LIE_SUFFIX, Worker
from worker.status import render
from tests.services.fakes import Crash, FakeMaster
from tests.services.localchain import PARAMS, Key, LocalChain
from tests.support import admission, make_key

MASTER_KEY = make_key("services-master")
MASTER = MASTER_KEY.bech32
WORKER_KEY = make_key("services-worker")
WORKER = WORKER_KEY.bech32
OTHER_WORKER_KEY = make_key("services-other-worker")
OTHER_WORKER = OTHER_WORKER_KEY.bech32
MASTER_URL = "http://master.test"
MODULE = build("hash_chain")
_, REFERENCE, SAMPLE_INPUT = EXAMPLES["hash_chain"]
EXPECTED_OUTPUT = REFERENCE(SAMPLE_INPUT)
EXPECTED_HASH = hashlib.sha256(EXPECTED_OUTPUT).digest()
TASK_MAX_FUEL = 10_000_000


@dataclass
class Setup:
    chain: LocalChain  # the real chain; the worker holds chain.client(WORKER_KEY)
    master: FakeMaster
    config: WorkerConfig
    app_hash: str
    input_hash: str

    def new_task(self, *others: Key, max_fuel: int = TASK_MAX_FUEL) -> int:
        """A task the master assigned to this worker (and ``others``): waiting for commitments."""
        task_id = self.chain.submit(self.app_hash, self.input_hash, master=MASTER_KEY, input_size=len(SAMPLE_INPUT),
                                    replicas=1 + len(others), max_fuel=max_fuel)
        self.chain.assign(task_id, WORKER_KEY, *others)
        return task_id

    def new_worker(self, **config_changes) -> Worker:
        """A worker process on the same home directory (a restart, when one ran before)."""
        worker = Worker(dataclasses.replace(self.config, **config_changes), self.chain.client(WORKER_KEY))
        worker.http = self.master.client()
        return worker

    def journal_records(self) -> list[dict]:
        path = self.config.home / "journal.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    yield from _setup(tmp_path, PARAMS)


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[Setup]:
    """The same, on a chain that audits every single-replica task."""
    yield from _setup(tmp_path, dataclasses.replace(PARAMS, audit_probability_bps=10_000))


def _setup(tmp_path: Path, params) -> Iterator[Setup]:
    chain = LocalChain(tmp_path / "chain", compute_params=params)
    chain.register_master(MASTER_KEY)
    chain.register_worker(WORKER_KEY, MASTER_KEY, slots=4, deposit=5_000)
    chain.register_worker(OTHER_WORKER_KEY, MASTER_KEY, slots=4, deposit=5_000)
    master = FakeMaster(chain.client(MASTER_KEY))
    config = WorkerConfig(home=tmp_path / "worker", master_url=MASTER_URL, chain_id=chain.chain_id,
                          max_fuel=TASK_MAX_FUEL, max_memory_mb=1024,
                          wall_timeout_seconds=20.0, deposit=5_000, poll_seconds=0.01)
    app_hash = master.add_blob(MODULE)
    chain.register_app(app_hash, size=len(MODULE))
    yield Setup(chain, master, config, app_hash, master.add_blob(SAMPLE_INPUT))
    chain.close()


class OnePass(threading.Event):
    """A stop event that stops Worker.run after its first pass (run waits on it between passes)."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


def run_one_pass(worker: Worker) -> None:
    """One pass of the worker's own loop, with its error handling."""
    worker.stop_event = OnePass()
    worker.run()


def crash_on(msg_type: type):
    def hook(signer: str, msgs: list) -> None:
        if any(isinstance(m, msg_type) for m in msgs):
            raise Crash(msg_type.__name__)
    return hook


def opens(reveal: MsgRevealResult, committed: MsgCommitResult) -> bool:
    return commitment(reveal.result_hash, reveal.fuel, reveal.salt, reveal.worker) == committed.commitment


def blob_requests(master: FakeMaster) -> list[str]:
    return [path for method, path in master.requests if method == "GET" and path.startswith("/v1/blobs/")]


# -- a job from start to end --------------------------------------------------------------------------


def test_a_job_is_computed_journaled_committed_revealed_and_uploaded(setup: Setup) -> None:
    task_id = setup.new_task()
    worker = setup.new_worker()
    journal_at_commit: list[list[dict]] = []
    setup.chain.before_send.append(
        lambda signer, msgs: journal_at_commit.append(setup.journal_records())
        if any(isinstance(m, MsgCommitResult) for m in msgs) else None)

    worker.step()  # fetch, run, journal, commit

    [computed] = journal_at_commit[0]  # the journal held exactly the computed record when the commit went out
    assert computed["task"] == task_id and computed["step"] == "computed"
    data = computed["data"]
    assert data["result_hash"] == EXPECTED_HASH.hex() and data["status"] == abi.STATUS_OK and data["fuel"] > 0
    assert Path(data["output_path"]).read_bytes() == EXPECTED_OUTPUT
    [commit] = setup.chain.sent_msgs(MsgCommitResult)
    expected = commitment(EXPECTED_HASH, data["fuel"], bytes.fromhex(data["salt"]), decode_address(WORKER))
    assert commit == MsgCommitResult(decode_address(WORKER), task_id, expected)
    assert setup.chain.get_task(task_id).state == REVEALING
    assert worker.journal.get(task_id, 0)["step"] == "committed"

    worker.step()  # reveal and upload

    [reveal] = setup.chain.sent_msgs(MsgRevealResult)
    assert reveal == MsgRevealResult(decode_address(WORKER), task_id, EXPECTED_HASH, data["fuel"], bytes.fromhex(data["salt"]))
    assert setup.master.uploads == [(EXPECTED_HASH.hex(), EXPECTED_OUTPUT)]
    assert setup.master.stored == {EXPECTED_HASH.hex(): EXPECTED_OUTPUT}
    assert setup.chain.get_task(task_id).state == DELIVERED
    assert worker.journal.get(task_id, 0)["step"] == "uploaded"

    worker.step()  # the task left the worker's list: close the entry and free the disk

    assert worker.journal.get(task_id, 0)["step"] == "done"
    assert worker.status.history == [(task_id, "accepted", data["fuel"], EXPECTED_HASH.hex()[:16])]
    assert not Path(data["output_path"]).exists()
    assert len(setup.chain.sent) == 2  # one commit, one reveal, nothing else


def test_the_worker_signs_its_downloads_and_its_upload_with_its_own_key_naming_the_task(setup: Setup) -> None:
    task_id = setup.new_task()
    worker = setup.new_worker()

    worker.step()
    worker.step()

    assert setup.master.signers == [
        ("GET", setup.app_hash, task_id, WORKER),
        ("GET", setup.input_hash, task_id, WORKER),
        ("PUT", EXPECTED_HASH.hex(), task_id, WORKER),
    ]


def test_a_worker_not_assigned_to_the_task_is_refused_its_blobs(setup: Setup) -> None:
    task_id = setup.new_task()
    intruder = Worker(dataclasses.replace(setup.config, home=setup.config.home.parent / "intruder"),
                      setup.chain.client(OTHER_WORKER_KEY))
    intruder.http = setup.master.client()

    with pytest.raises(httpx.HTTPStatusError) as refused:
        intruder.download(setup.app_hash, task_id)

    assert refused.value.response.status_code == 403
    assert refused.value.response.json()["error"] == "forbidden"
    assert setup.master.signers == []


def test_an_upload_answered_busy_is_sent_again_after_retry_after(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    task_id = setup.new_task()
    worker = setup.new_worker()
    setup.master.busy.append(EXPECTED_HASH.hex())  # another replica is uploading the same result right now
    worker.step()  # compute and commit
    waits: list[float] = []
    monkeypatch.setattr(worker_node.time, "sleep", waits.append)

    worker.step()  # reveal and upload

    assert [digest for digest, _content in setup.master.uploads] == [EXPECTED_HASH.hex()] * 2
    assert setup.master.stored == {EXPECTED_HASH.hex(): EXPECTED_OUTPUT}
    assert waits == [0.0]  # the master's Retry-After, not the default pause
    assert worker.journal.get(task_id, 0)["step"] == "uploaded"


def test_a_lying_worker_commits_and_uploads_a_different_result(setup: Setup) -> None:
    task_id = setup.new_task()
    worker = setup.new_worker(lie=True)

    worker.step()
    worker.step()

    [reveal] = setup.chain.sent_msgs(MsgRevealResult)
    assert reveal.task_id == task_id
    assert reveal.result_hash != EXPECTED_HASH
    assert reveal.result_hash == hashlib.sha256(EXPECTED_OUTPUT + LIE_SUFFIX).digest()
    assert setup.master.uploads == [(reveal.result_hash.hex(), EXPECTED_OUTPUT + LIE_SUFFIX)]


def test_a_worker_waits_for_the_other_commitments_before_revealing(setup: Setup) -> None:
    task_id = setup.new_task(OTHER_WORKER_KEY)
    worker = setup.new_worker()

    worker.step()
    worker.step()
    assert setup.chain.get_task(task_id).state == COMMITTING
    assert len(setup.chain.sent_msgs(MsgCommitResult)) == 1 and setup.chain.sent_msgs(MsgRevealResult) == []

    setup.chain.client(OTHER_WORKER_KEY).send([MsgCommitResult(decode_address(OTHER_WORKER), task_id, b"o" * 32)])
    worker.step()

    [reveal] = setup.chain.sent_msgs(MsgRevealResult)
    assert reveal.result_hash == EXPECTED_HASH
    assert setup.master.stored == {EXPECTED_HASH.hex(): EXPECTED_OUTPUT}  # a revealed hash is accepted before delivery

    worker.step()  # still revealing, waiting for the other worker: nothing more to send
    assert len(setup.chain.attempted_msgs(MsgRevealResult)) == 1 and len(setup.master.uploads) == 1


def test_a_lone_worker_commits_then_waits_through_its_audit_round_and_reveals_after_the_auditor_committed(
    audited: Setup
) -> None:
    task_id = audited.new_task()
    assert audited.chain.get_task(task_id).target == 1  # nothing at the assignment says whether it is audited
    worker = audited.new_worker()

    worker.step()  # compute and commit; the next block draws the audit: the master must name an auditor
    task = audited.chain.get_task(task_id)
    assert (task.state, task.audit, task.target, task.needed()) == (ALLOCATED, True, 2, 1)
    worker.step()  # allocated: nothing to send
    audited.chain.assign(task_id, OTHER_WORKER_KEY)
    worker.step()  # committing, its own commitment in: nothing to send
    assert len(audited.chain.attempted_msgs(MsgCommitResult)) == 1 and audited.chain.attempted_msgs(MsgRevealResult) == []

    audited.chain.client(OTHER_WORKER_KEY).send([MsgCommitResult(decode_address(OTHER_WORKER), task_id, b"o" * 32)])
    assert audited.chain.get_task(task_id).state == REVEALING
    worker.step()

    [reveal] = audited.chain.sent_msgs(MsgRevealResult)
    assert reveal.task_id == task_id and reveal.result_hash == EXPECTED_HASH
    assert audited.master.uploads == [(EXPECTED_HASH.hex(), EXPECTED_OUTPUT)]


# -- restarts ------------------------------------------------------------------------------------------


def test_after_a_crash_before_the_commit_the_restarted_worker_commits_the_journaled_result(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = setup.new_task()
    first = setup.new_worker()
    setup.chain.before_send.append(crash_on(MsgCommitResult))
    with pytest.raises(Crash):
        first.step()
    first.journal.close()
    data = first.journal.get(task_id, 0)["data"]
    assert setup.chain.sent_msgs() == []
    setup.chain.before_send.clear()
    runs: list[int] = []
    real_run = worker_node.run_sandboxed
    monkeypatch.setattr(worker_node, "run_sandboxed", lambda *args: runs.append(1) or real_run(*args))

    second = setup.new_worker()
    second.step()

    assert runs == []  # not computed again, so no second salt
    [commit] = setup.chain.sent_msgs(MsgCommitResult)
    assert commit.commitment == commitment(EXPECTED_HASH, data["fuel"], bytes.fromhex(data["salt"]), decode_address(WORKER))


def test_after_a_crash_after_the_commit_the_restarted_worker_reveals_with_the_journaled_salt(setup: Setup) -> None:
    task_id = setup.new_task(OTHER_WORKER_KEY)
    first = setup.new_worker()
    setup.chain.after_send.append(crash_on(MsgCommitResult))  # the chain has the commit, the journal does not
    with pytest.raises(Crash):
        first.step()
    first.journal.close()
    setup.chain.after_send.clear()
    assert first.journal.get(task_id, 0)["step"] == "computed"

    second = setup.new_worker()
    second.step()  # the chain shows the commit: nothing to send while the other worker commits
    assert len(setup.chain.attempted_msgs(MsgCommitResult)) == 1

    setup.chain.client(OTHER_WORKER_KEY).send([MsgCommitResult(decode_address(OTHER_WORKER), task_id, b"o" * 32)])
    second.step()

    assert len(setup.chain.attempted_msgs(MsgCommitResult)) == 2  # the first worker's, then the other worker's
    [commit] = [m for m in setup.chain.sent_msgs(MsgCommitResult) if m.worker == decode_address(WORKER)]
    [reveal] = setup.chain.sent_msgs(MsgRevealResult)
    assert opens(reveal, commit)
    assert reveal.salt.hex() == first.journal.get(task_id, 0)["data"]["salt"]
    assert setup.chain.get_task(task_id).participant(decode_address(WORKER)).status == "revealed"


def test_after_a_crash_between_reveal_and_upload_the_restarted_worker_uploads_when_the_task_leaves_its_list(
    setup: Setup,
) -> None:
    task_id = setup.new_task()
    first = setup.new_worker()

    def crash_on_upload(request: httpx.Request) -> None:
        if request.method == "PUT":
            raise Crash("upload")

    setup.master.before_request.append(crash_on_upload)
    first.step()
    with pytest.raises(Crash):
        first.step()
    first.journal.close()
    setup.master.before_request.clear()
    assert first.journal.get(task_id, 0)["step"] == "revealed"
    assert setup.master.stored == {}
    assert setup.chain.get_task(task_id).state == DELIVERED

    second = setup.new_worker()
    second.step()

    assert setup.master.stored == {EXPECTED_HASH.hex(): EXPECTED_OUTPUT}
    assert second.journal.get(task_id, 0)["step"] == "done"
    assert second.status.history[-1][:2] == (task_id, "accepted")
    assert len(setup.chain.sent_msgs(MsgRevealResult)) == 1



def test_after_a_crash_while_the_reveal_was_being_included_the_restarted_worker_still_uploads(setup: Setup) -> None:
    task_id = setup.new_task()
    first = setup.new_worker()
    first.step()
    setup.chain.after_send.append(crash_on(MsgRevealResult))
    with pytest.raises(Crash):
        first.step()
    first.journal.close()
    setup.chain.after_send.clear()
    assert setup.chain.get_task(task_id).state == DELIVERED  # the chain counted the reveal

    second = setup.new_worker()
    second.step()

    assert setup.master.stored == {EXPECTED_HASH.hex(): EXPECTED_OUTPUT}


# -- jobs the worker refuses or cannot run -----------------------------------------------------------


def timed_out(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    runs: list[int] = []

    def run_sandboxed(*args) -> JobOutcome:
        runs.append(1)
        return JobOutcome(abi.STATUS_TIMEOUT, b"", 0, "wall clock limit of 20s")

    monkeypatch.setattr(worker_node, "run_sandboxed", run_sandboxed)
    return runs


def test_a_job_that_times_out_is_abandoned_and_not_run_again(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = timed_out(monkeypatch)
    task_id = setup.new_task()
    worker = setup.new_worker()

    worker.step()
    worker.step()

    assert runs == [1]
    entry = worker.journal.get(task_id, 0)
    assert entry["step"] == "abandoned" and "timeout" in entry["data"]["reason"]
    # handed back, once, instead of waiting for the commit deadline and its slash; nothing committed
    assert setup.chain.sent_msgs() == [MsgHandBackTask(decode_address(WORKER), task_id)]
    assert setup.chain.get_worker(WORKER).handed_back == 1 and setup.chain.get_worker(WORKER).slashed == 0
    assert any("timeout" in error for error in worker.status.errors)



class WorkerClock:
    """The worker's view of the time module, with the wall clock set to ``now``."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def __getattr__(self, name: str):
        return getattr(time, name)


def test_a_run_stops_before_the_commit_deadline_and_a_job_without_time_left_is_handed_back_unrun(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    limits: list[float] = []

    def run_sandboxed(module, data, max_fuel, memory, wall_timeout):
        limits.append(wall_timeout)
        return JobOutcome(abi.STATUS_TIMEOUT, b"", 0, f"wall clock limit of {wall_timeout}s")

    monkeypatch.setattr(worker_node, "run_sandboxed", run_sandboxed)
    roomy = setup.new_task()
    clock = WorkerClock(setup.chain.get_task(roomy).step_deadline - 30)  # the worker sees it 30 s before its deadline
    monkeypatch.setattr(worker_node, "time", clock)
    worker = setup.new_worker(wall_timeout_seconds=600)
    worker.step()
    # 30 s to the deadline, less the margin to hand the job back: the run may not take longer
    assert len(limits) == 1 and limits[0] <= 30 - worker_node.HAND_BACK_MARGIN_SECONDS
    assert setup.chain.sent_msgs() == [MsgHandBackTask(decode_address(WORKER), roomy)]

    tight = setup.new_task()
    clock.now = setup.chain.get_task(tight).step_deadline - 3
    worker.step()
    assert len(limits) == 1  # not run: it could not finish before the deadline
    assert setup.chain.sent_msgs()[-1] == MsgHandBackTask(decode_address(WORKER), tight)
    assert "too little time" in worker.journal.get(tight, 0)["data"]["reason"]
    assert setup.chain.get_worker(WORKER_KEY).handed_back == 2


def test_a_job_that_timed_out_is_not_run_again_after_a_restart(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = timed_out(monkeypatch)
    setup.new_task()
    first = setup.new_worker()
    first.step()
    first.journal.close()

    setup.new_worker().step()

    assert runs == [1]


def test_a_job_above_the_fuel_limit_is_abandoned_without_downloading(setup: Setup) -> None:
    task_id = setup.new_task(max_fuel=TASK_MAX_FUEL + 1)
    worker = setup.new_worker()

    worker.step()
    worker.step()

    assert worker.journal.get(task_id, 0)["step"] == "abandoned"
    assert blob_requests(setup.master) == []
    assert setup.chain.sent_msgs() == [MsgHandBackTask(decode_address(WORKER), task_id)]
    assert len(worker.status.errors) == 1 and "max_fuel" in worker.status.errors[0]


def test_a_blob_that_does_not_match_its_hash_is_not_run_or_committed(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    task_id = setup.new_task()
    setup.master.blobs[setup.input_hash] = SAMPLE_INPUT + b"tampered"
    runs = timed_out(monkeypatch)
    worker = setup.new_worker()

    run_one_pass(worker)

    assert runs == []
    assert setup.chain.attempts == []
    assert worker.journal.get(task_id, 0) is None
    assert any("does not match its hash" in error for error in worker.status.errors)



def test_a_failing_job_does_not_keep_the_worker_from_revealing_another(setup: Setup) -> None:
    bad_input = b"an input the master serves corrupted"
    bad_hash = hashlib.sha256(bad_input).hexdigest()
    setup.master.blobs[bad_hash] = b"corrupted"
    broken = setup.chain.submit(setup.app_hash, bad_hash, master=MASTER_KEY, input_size=len(bad_input))
    good = setup.new_task()
    worker = setup.new_worker()
    worker.step()  # commits the good task; it moves to revealing
    assert setup.chain.get_task(good).state == REVEALING
    setup.chain.assign(broken, WORKER_KEY)  # ordered first by id

    run_one_pass(worker)

    assert [m.task_id for m in setup.chain.sent_msgs(MsgRevealResult)] == [good]
    assert any("does not match its hash" in error for error in worker.status.errors)


# -- registration and heartbeats ------------------------------------------------------------------------


def test_ensure_registered_registers_with_the_configured_capabilities(setup: Setup, tmp_path: Path) -> None:
    newcomer_key = make_key("services-newcomer")
    newcomer = newcomer_key.bech32
    config = dataclasses.replace(setup.config, home=tmp_path / "newcomer", cpu_cores=4, gpu=1, ram_mb=8_192,
                                 storage_mb=20_000, slots=3, any_app=True, deposit=7_000)
    setup.chain.fund(newcomer_key)
    worker = Worker(config, setup.chain.client(newcomer_key))
    master_pubkey, signature = admission(MASTER_KEY, decode_address(newcomer), config.chain_id)
    asked = []
    worker.fetch_admission = lambda master: asked.append(master) or {"pubkey": master_pubkey.hex(), "signature": signature.hex()}

    record = worker.ensure_registered(MASTER)

    assert asked == [MASTER]  # the master's admission is asked for before registering
    assert setup.chain.sent_msgs() == [MsgRegisterWorker(decode_address(newcomer), decode_address(MASTER), 4, 1, 8_192,
                                                         20_000, 3, True, 7_000, master_pubkey, signature)]
    assert record["address"] == newcomer and record["deposit"] == 7_000
    assert (worker.status.master, worker.status.slots, worker.status.deposit) == (MASTER, 3, 7_000)


def test_ensure_registered_keeps_a_registration_and_refuses_another_masters_pool(setup: Setup) -> None:
    worker = setup.new_worker()
    assert worker.ensure_registered(MASTER)["master"] == MASTER
    with pytest.raises(ChainError, match="unregister it first"):
        worker.ensure_registered(OTHER_WORKER)
    assert setup.chain.attempts == []


def test_heartbeat_tops_the_deposit_up_to_the_configured_amount(setup: Setup) -> None:
    low_key = make_key("services-low-deposit-worker")
    setup.chain.register_worker(low_key, MASTER_KEY, deposit=3_500)
    setup.chain.advance(PARAMS.heartbeat_timeout_seconds + 1)  # no heartbeat since: offline
    assert not setup.chain.get_worker(low_key).online
    worker = Worker(dataclasses.replace(setup.config, home=setup.config.home.parent / "low"), setup.chain.client(low_key))
    worker.http = setup.master.client()

    worker.heartbeat()

    assert [attempt.msgs for attempt in setup.chain.sent] == [
        [MsgHeartbeat(low_key.address), MsgTopUpDeposit(low_key.address, 1_500)]]
    assert setup.chain.get_worker(low_key).deposit == 5_000 and setup.chain.get_worker(low_key).online
    assert worker.status.deposit == 5_000 and worker.status.online


@pytest.mark.parametrize("deposit", [5_000, 9_000])
def test_heartbeat_sends_no_top_up_at_or_above_the_configured_deposit(setup: Setup, deposit: int) -> None:
    if deposit > 5_000:
        setup.chain.send(WORKER_KEY, MsgTopUpDeposit(WORKER_KEY.address, deposit - 5_000))
    worker = setup.new_worker()

    worker.heartbeat()

    assert [attempt.msgs for attempt in setup.chain.sent] == [[MsgHeartbeat(decode_address(WORKER))]]
    assert worker.status.deposit == deposit


# -- configuration and the status display ----------------------------------------------------------------


def test_a_worker_runs_from_a_loaded_config_file(setup: Setup, tmp_path: Path) -> None:
    path = tmp_path / "worker.toml"
    path.write_text(f'home = "node"\nmaster_url = "{MASTER_URL}"\nmax_fuel = {TASK_MAX_FUEL}\nwall_timeout_seconds = 20\n'
                    f'chain_id = "{setup.chain.chain_id}"\n')
    config = load_config(path)
    assert config.home == tmp_path / "node"
    task_id = setup.new_task()
    worker = Worker(config, setup.chain.client(WORKER_KEY))
    worker.http = setup.master.client()

    worker.step()

    assert (tmp_path / "node" / "journal.jsonl").exists()
    assert [m.task_id for m in setup.chain.sent_msgs(MsgCommitResult)] == [task_id]


def rendered(worker: Worker) -> str:
    console = Console(record=True, width=200)
    console.print(render(worker))
    return console.export_text()


def test_render_shows_the_address_the_phase_and_the_current_task(setup: Setup) -> None:
    worker = setup.new_worker()
    worker.ensure_registered(MASTER)
    worker.status.set_phase(42, "running")

    text = rendered(worker)

    assert WORKER in text and MASTER in text
    assert "running" in text and "42" in text
    assert "LYING" not in text


def test_render_shows_the_lying_banner_when_lie_is_set(setup: Setup) -> None:
    text = rendered(setup.new_worker(lie=True))

    assert "LYING" in text and "wrong results" in text
    assert WORKER in text and "idle" in text


def test_a_worker_with_two_slots_computes_two_jobs_at_once(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    real_run = worker_node.run_sandboxed
    spans: list[tuple[float, float]] = []

    def slow_run(*args):
        started = time.monotonic()
        time.sleep(0.5)
        outcome = real_run(*args)
        spans.append((started, time.monotonic()))
        return outcome

    monkeypatch.setattr(worker_node, "run_sandboxed", slow_run)
    first, second = setup.new_task(), setup.new_task()
    worker = setup.new_worker(slots=2)

    worker.step()  # both jobs start in job threads
    worker.drain(timeout=30)

    assert len(spans) == 2
    (start_a, end_a), (start_b, end_b) = sorted(spans)
    assert start_b < end_a, "the second job waited for the first"
    assert sorted(m.task_id for m in setup.chain.sent_msgs(MsgCommitResult)) == [first, second]
    assert [worker.journal.get(t, 0)["step"] for t in (first, second)] == ["committed", "committed"]

    worker.step()  # no second commit for either job: both are in the journal as committed
    assert len(setup.chain.sent_msgs(MsgCommitResult)) == 2


def test_the_class_sets_the_memory_limit_and_a_worker_below_it_gives_the_job_up(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    limits: list[int] = []
    real_run = worker_node.run_sandboxed
    monkeypatch.setattr(worker_node, "run_sandboxed",
                        lambda module, data, fuel, memory, wall: limits.append(memory) or real_run(module, data, fuel, memory, wall))
    ram_mb = {c["name"]: c["ram_mb"] for c in setup.chain.query("/compute/classes")}["small"]
    generous = setup.new_task()
    setup.new_worker(max_memory_mb=ram_mb).step()
    assert limits == [ram_mb * 1024 * 1024]  # the class's RAM, not the worker's setting
    assert [m.task_id for m in setup.chain.sent_msgs(MsgCommitResult)] == [generous]

    stingy = setup.new_task()
    worker = setup.new_worker(max_memory_mb=ram_mb - 1)
    worker.step()
    entry = worker.journal.get(stingy, 0)
    assert entry["step"] == "abandoned" and f"needs {ram_mb} MiB" in entry["data"]["reason"]
    assert len(limits) == 1 and len(setup.chain.sent_msgs(MsgCommitResult)) == 1


# -- the FOG it earns ------------------------------------------------------------------------------------------


def earn_one_window(setup: Setup) -> None:
    """A verified result (it proves the small class, weight 1) and a heartbeat in the next availability window."""
    setup.chain.complete(WORKER_KEY, MASTER_KEY, partner=OTHER_WORKER_KEY)
    fog = setup.chain.query("/fog/params")
    setup.chain.advance(fog["epoch_seconds"] // fog["windows_per_epoch"], keep_online=(WORKER_KEY,))


def test_the_display_shows_this_epochs_points_and_why(setup: Setup) -> None:
    earn_one_window(setup)
    worker = setup.new_worker()

    worker.refresh_earnings()

    contribution = worker.status.earnings.contribution
    assert contribution == setup.chain.query(f"/fog/contribution/{WORKER}")
    assert (contribution["points"], contribution["windows"], contribution["verified_results"]) == (10, 1, 1)
    text = " ".join(rendered(worker).split())
    assert "FOG earnings" in text
    assert "epoch 0" in text and "10 points of" in text
    assert "10 points: 1 of 6 windows online under an active master, 100 x capacity weight 1 each" in text
    assert "×0.1 until 3 verified results (1 so far)" in text  # probation: a new worker
    assert "×1 (0 contributing epochs in a row)" in text
    assert "past epochs none yet" in text


def test_after_an_epoch_closes_the_display_shows_its_fog_and_the_total_and_the_log_says_so(
        setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    earn_one_window(setup)
    worker = setup.new_worker()
    worker.refresh_earnings()
    setup.chain.advance(setup.chain.query("/fog/params")["epoch_seconds"])  # epoch 0 closes

    with caplog.at_level("INFO", logger="amino.worker"):
        worker.refresh_earnings()

    balance = worker.status.earnings.balance
    [settled] = balance["history"]
    assert settled["epoch"] == 0 and settled["amount"] > 0 and balance["contribution_total"] == settled["amount"]
    text = " ".join(rendered(worker).split())
    fog = format_fog(settled["amount"])
    assert f"past epochs epoch 0: {fog}" in text
    assert f"total {fog} earned by contribution" in text
    assert [record.getMessage() for record in caplog.records] == [f"earned {fog} in epoch 0 ({fog} in all by contribution)"]

    with caplog.at_level("INFO", logger="amino.worker"):
        worker.refresh_earnings()  # the same epoch is not announced twice
    assert len(caplog.records) == 1


def test_a_slash_shows_as_lost_availability(setup: Setup) -> None:
    earn_one_window(setup)
    setup.chain.fail([WORKER_KEY], MASTER_KEY, keep_online=(WORKER_KEY,))
    worker = setup.new_worker()

    worker.refresh_earnings()

    assert worker.status.earnings.contribution["forfeited"] == "slashed"
    assert worker.status.earnings.contribution["availability"] == 0
    assert "this epoch's availability is lost: the worker was slashed" in " ".join(rendered(worker).split())


def test_before_the_first_reading_the_display_says_so(setup: Setup) -> None:
    assert "not read from the chain yet" in rendered(setup.new_worker())


def test_a_worker_without_a_verified_result_is_told_availability_earns_nothing_yet(setup: Setup) -> None:
    setup.chain.advance(600, keep_online=(WORKER_KEY,))
    worker = setup.new_worker()
    worker.refresh_earnings()
    assert "no verified result yet" in " ".join(rendered(worker).split())


class Refusing:
    """A chain client whose FOG queries fail (the node is down, or answers nonsense)."""

    def __init__(self, chain, error: Exception) -> None:
        self.chain, self.error = chain, error

    def query(self, path: str):
        if path.startswith("/fog/"):
            raise self.error
        return self.chain.query(path)

    def __getattr__(self, name: str):
        return getattr(self.chain, name)


@pytest.mark.parametrize("error", [ChainError("query /fog/balance: unknown path"), httpx.ConnectError("refused"),
                                   KeyError("points")])
def test_a_failed_reading_is_reported_keeps_the_last_answer_and_never_stops_the_worker(setup: Setup, error) -> None:
    earn_one_window(setup)
    worker = setup.new_worker()
    worker.refresh_earnings()
    last = worker.status.earnings
    worker.chain = Refusing(worker.chain, error)

    worker.refresh_earnings()

    assert worker.status.earnings is last
    assert len(worker.status.errors) == 1 and "reading FOG earnings failed" in worker.status.errors[0]
    assert "FOG earnings" in rendered(worker)


class Answering:
    """A chain client that answers ``answer`` to every FOG query (a node of another version, say)."""

    def __init__(self, chain, answer) -> None:
        self.chain, self.answer = chain, answer

    def query(self, path: str):
        return self.answer if path.startswith("/fog/") else self.chain.query(path)


def test_an_answer_of_another_shape_is_reported_and_the_display_still_draws(setup: Setup) -> None:
    earn_one_window(setup)
    worker = setup.new_worker()
    worker.refresh_earnings()
    last = worker.status.earnings
    worker.chain = Answering(worker.chain, {"unexpected": 1})

    worker.refresh_earnings()  # the previous reading's history is compared: the new answer has none

    assert worker.status.earnings is last and "reading FOG earnings failed" in worker.status.errors[-1]
    worker.status.earnings = dataclasses.replace(last, contribution={"epoch": 1})
    assert "cannot show the chain's answer: KeyError('epoch_ends')" in " ".join(rendered(worker).split())


class CountingStop(threading.Event):
    """A stop event that records how long the loop waits, and stops it after ``passes`` waits."""

    def __init__(self, passes: int) -> None:
        super().__init__()
        self.passes, self.waits = passes, []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        if len(self.waits) >= self.passes:
            self.set()
        return self.is_set()


def test_the_earnings_loop_reads_at_once_then_every_earnings_seconds_and_survives_failures(setup: Setup) -> None:
    worker = setup.new_worker(earnings_seconds=45.0)
    worker.chain = Refusing(worker.chain, RuntimeError("the node is down"))
    worker.stop_event = CountingStop(passes=3)

    worker.earnings_loop()

    assert worker.stop_event.waits == [45.0, 45.0, 45.0]
    assert len(worker.status.errors) == 3 and worker.status.earnings is None
    assert sum(path == f"/fog/contribution/{WORKER}" for path in setup.chain.queries) == 0  # refused before asking

    worker.chain = worker.chain.chain
    worker.stop_event = CountingStop(passes=1)
    worker.earnings_loop()
    assert worker.status.earnings is not None
    assert setup.chain.queries[-3:] == [f"/fog/contribution/{WORKER}", f"/fog/balance/{WORKER}", "/fog/params"]


# -- graceful leave ------------------------------------------------------------------------------------


def test_leaving_goes_offline_hands_back_a_job_not_started_and_is_never_slashed(setup: Setup) -> None:
    task_id = setup.new_task(OTHER_WORKER_KEY)
    worker = setup.new_worker()

    left = worker.leave(grace_seconds=30, wait=worker.step)  # the job loop's passes, in this thread

    assert left == [] and worker.stop_event.is_set()
    record = setup.chain.query(f"/compute/worker/{WORKER}")
    assert not record["online"] and record["handed_back"] == 1 and record["slashed"] == 0
    assert record["deposit"] == 5_000 and record["running"] == 0
    assert WORKER in setup.chain.query(f"/compute/task/{task_id}")["excluded_workers"]
    assert setup.chain.sent_msgs(MsgCommitResult) == []  # never started: nothing computed
    assert blob_requests(setup.master) == []


def test_leaving_commits_and_reveals_a_job_already_computed_instead_of_handing_it_back(setup: Setup) -> None:
    task_id = setup.new_task(OTHER_WORKER_KEY)
    worker = setup.new_worker()
    worker.step()  # computed and committed before the stop
    assert len(setup.chain.sent_msgs(MsgCommitResult)) == 1
    other = setup.chain.client(OTHER_WORKER_KEY)
    passes = []

    def job_loop_pass() -> None:
        passes.append(1)
        if len(passes) == 2:  # the other worker commits while this one is leaving: the reveals start
            other.send([MsgCommitResult(decode_address(OTHER_WORKER), task_id, b"o" * 32)])
        worker.step()

    left = worker.leave(grace_seconds=30, wait=job_loop_pass)

    assert left == []
    [reveal] = setup.chain.sent_msgs(MsgRevealResult)
    assert reveal.result_hash == EXPECTED_HASH and setup.chain.sent_msgs(MsgHandBackTask) == []
    record = setup.chain.query(f"/compute/worker/{WORKER}")
    assert not record["online"] and record["slashed"] == 0 and record["handed_back"] == 0


def test_leaving_stops_at_the_end_of_the_grace_period_and_names_what_it_still_holds(setup: Setup) -> None:
    task_id = setup.new_task(OTHER_WORKER_KEY)
    worker = setup.new_worker()
    worker.step()  # committed; the other worker never commits, so no reveal can come

    left = worker.leave(grace_seconds=0.2, wait=lambda: time.sleep(0.05))

    assert left == [task_id] and worker.stop_event.is_set()
    assert not setup.chain.query(f"/compute/worker/{WORKER}")["online"]


def test_a_leaving_worker_sends_no_heartbeat(setup: Setup) -> None:
    worker = setup.new_worker()
    worker.leaving.set()
    worker.stop_event = CountingStop(passes=3)
    worker.heartbeat_loop()
    assert setup.chain.sent_msgs(MsgHeartbeat) == []


def test_a_worker_that_left_comes_back_online_when_it_starts_again(setup: Setup) -> None:
    worker = setup.new_worker()
    worker.leave(grace_seconds=5, wait=worker.step)
    assert not setup.chain.query(f"/compute/worker/{WORKER}")["online"]

    restarted = setup.new_worker()
    assert restarted.ensure_registered(MASTER)["online"]


# -- logs tell the story -------------------------------------------------------------------------------


def test_the_log_has_one_line_per_job_step(setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    task_id = setup.new_task()
    worker = setup.new_worker()
    with caplog.at_level("INFO", logger="amino.worker"):
        for _ in range(3):
            worker.step()
    lines = [r.getMessage() for r in caplog.records if r.name == "amino.worker"]
    steps = [line.split(": ", 1)[1].split(" ", 1)[0] for line in lines]
    assert steps == ["fetched", "computed:", "committed", "revealed", "result", "accepted"], lines
    assert all(line.startswith(f"task {task_id}: ") for line in lines)
    fuel = worker.journal.get(task_id, 0)["data"]["fuel"]
    assert f"computed: ok, {fuel} fuel of {TASK_MAX_FUEL}" in lines[1]


def test_a_failing_pass_is_logged_once_then_at_most_once_a_minute(setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    worker = setup.new_worker()
    with caplog.at_level("WARNING", logger="amino.worker"):
        assert worker._warn_once("worker pass failed: master down", now=100.0)
        assert not any(worker._warn_once("worker pass failed: master down", now=100.0 + s) for s in range(59))
        assert worker._warn_once("worker pass failed: other", now=160.0)
        assert worker._warn_once("worker pass failed: master down", now=161.0)
    assert len(caplog.records) == 3


def test_a_slash_and_going_offline_are_logged_when_the_chain_reports_them(setup: Setup,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    worker = setup.new_worker()
    record = setup.chain.query(f"/compute/worker/{WORKER}")
    worker._update_status(record)
    with caplog.at_level("INFO", logger="amino.worker"):
        worker._update_status(record | {"slashed": record["slashed"] + 1, "deposit": record["deposit"] - 500,
                                        "online": False})
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("slashed 1 time(s): deposit 5000 -> 4500 uamio")
    assert messages[1] == "the chain has this worker offline"


def test_log_lines_are_printed_above_the_live_display_not_into_it() -> None:
    import io
    import logging

    from worker.status import logs_above

    stream = io.StringIO()
    root = logging.getLogger()
    plain = logging.StreamHandler(stream)
    saved = root.handlers[:]
    root.handlers = [plain]
    console = Console(file=io.StringIO(), width=120)
    try:
        with logs_above(console):
            logging.getLogger("amino.worker").warning("task 3: committed at height 9")
        assert root.handlers == [plain]
    finally:
        root.handlers = saved
    assert "task 3: committed at height 9" in console.file.getvalue()
    assert stream.getvalue() == ""  # the stream handler, which would write into the display, saw nothing


# -- the local status endpoint: status, pause and resume, metrics ---------------------------------------


def test_the_status_endpoint_shows_what_the_display_shows_and_pause_resume_switch_the_worker(setup: Setup) -> None:
    from fastapi.testclient import TestClient

    from worker.api import create_app

    worker = setup.new_worker()
    worker.ensure_registered(MASTER)
    http = TestClient(create_app(worker))

    view = http.get("/v1/status").json()
    assert view["address"] == WORKER and view["master"] == MASTER and view["online"] and not view["paused"]
    assert view["deposit"] == 5_000 and view["reputation_bps"] == 5_000 and view["limits"]["max_fuel"] == TASK_MAX_FUEL
    assert view["current"]["task"] is None and view["recent_results"] == []

    task_id = setup.new_task(OTHER_WORKER_KEY)  # assigned just before the pause: it is handed back, not run
    paused = http.post("/v1/pause").json()
    assert paused["paused"] and not paused["online"]
    assert not setup.chain.query(f"/compute/worker/{WORKER}")["online"]
    worker.step()
    assert setup.chain.query(f"/compute/worker/{WORKER}")["handed_back"] == 1
    assert setup.chain.sent_msgs(MsgCommitResult) == [] and WORKER in setup.chain.query(f"/compute/task/{task_id}")["excluded_workers"]

    resumed = http.post("/v1/resume").json()
    assert resumed["online"] and not resumed["paused"]
    assert setup.chain.query(f"/compute/worker/{WORKER}")["online"]

    metrics = http.get("/metrics").text
    assert "amino_worker_online 1.0" in metrics and "amino_worker_deposit_uamio 5000.0" in metrics
    assert 'amino_worker_chain_results_total{kind="slashed"} 0.0' in metrics


def test_a_pause_the_chain_refuses_is_reported_and_the_worker_keeps_running(setup: Setup) -> None:
    from fastapi.testclient import TestClient

    from worker.api import create_app

    worker = setup.new_worker()
    def refuse(signer: str, msgs: list) -> None:
        if any(isinstance(m, MsgWorkerOffline) for m in msgs):
            raise ChainError("tx refused: the node is down")

    setup.chain.before_send.append(refuse)
    answer = TestClient(create_app(worker)).post("/v1/pause")
    assert answer.status_code == 503 and "the node is down" in answer.json()["detail"]


# -- BOINC-like limits on the running worker --------------------------------------------------------------


def test_outside_its_run_windows_the_worker_pauses_itself_and_resumes_inside(setup: Setup) -> None:
    worker = setup.new_worker(run_windows="09:00-17:00")
    worker.ensure_registered(MASTER)

    assert worker.check_limits(minute_of_day=8 * 60) == "outside its run windows"
    assert worker.paused.is_set() and worker.auto_paused
    assert not setup.chain.query(f"/compute/worker/{WORKER}")["online"]
    worker.check_limits(minute_of_day=8 * 60 + 1)  # still outside: no second offline tx
    assert len(setup.chain.sent_msgs(MsgWorkerOffline)) == 1

    assert worker.check_limits(minute_of_day=9 * 60) is None
    assert not worker.paused.is_set() and setup.chain.query(f"/compute/worker/{WORKER}")["online"]


def test_a_busy_machine_pauses_an_idle_only_worker_and_an_operators_pause_is_left_alone(setup: Setup) -> None:
    worker = setup.new_worker(idle_only=True, idle_load_percent=25)
    worker.ensure_registered(MASTER)
    cores = __import__("os").cpu_count() or 1
    assert worker.check_limits(minute_of_day=600, load_average=float(cores)).startswith("the machine is busy")
    assert worker.paused.is_set()
    assert worker.check_limits(minute_of_day=600, load_average=0.0) is None and not worker.paused.is_set()

    worker.pause()  # the operator's pause: the limits do not resume it
    assert worker.check_limits(minute_of_day=600, load_average=0.0) is None and worker.paused.is_set()


def test_a_full_results_cache_hands_the_job_back_before_downloading(setup: Setup) -> None:
    task_id = setup.new_task(OTHER_WORKER_KEY)
    worker = setup.new_worker(max_cache_mb=1)
    (setup.config.home / "results" / "old.bin").write_bytes(b"\0" * (1024 * 1024))

    worker.step()

    assert blob_requests(setup.master) == [] and setup.chain.sent_msgs(MsgCommitResult) == []
    assert WORKER in setup.chain.query(f"/compute/task/{task_id}")["excluded_workers"]
    assert setup.chain.query(f"/compute/worker/{WORKER}")["slashed"] == 0


def test_a_heartbeat_that_lands_after_the_offline_message_is_undone_before_the_worker_exits(setup: Setup) -> None:
    worker = setup.new_worker()
    late = setup.chain.client(WORKER_KEY)
    waits = []

    def heartbeat_in_flight_lands() -> None:
        waits.append(1)
        if len(waits) == 1:
            late.send([MsgHeartbeat(decode_address(WORKER))])

    assert worker.leave(grace_seconds=30, wait=heartbeat_in_flight_lands) == []
    assert len(setup.chain.sent_msgs(MsgWorkerOffline)) == 2
    assert not setup.chain.query(f"/compute/worker/{WORKER}")["online"]

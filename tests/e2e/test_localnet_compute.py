"""Compute tasks end to end on a real localnet: 4 validators, master node services and worker processes.

The tests run in order on one localnet and each leaves the services as it
found them (all honest workers running, master0 up).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from dataclasses import replace

import httpx
import pytest
import wasmtime

from client.chain import ChainError
from client.httpsig import sign_headers
from client.tasks import TaskClient, TaskError
from chain_modules.compute.types import cost
from localnet import launcher as localnet_launcher
from localnet.services import MASTER, ComputeServices
from wasm_jobs.examples import EXAMPLES, build, reference
from wasm_jobs.runner import run_job
from tests.e2e.helpers import query, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

# These tests time the compute flow (a 10 s deadline, three replicas on three one-slot workers): their chain draws
# no liveness probes, which would hold the workers' only slots at random epochs (test_localnet_probes.py runs the
# localnet's own FOG params, every worker probed every epoch).
LOCALNET_FOG = replace(localnet_launcher.LOCALNET_FOG, probe_probability_bps=0)

TRAP_WAT = """(module (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) i32.const 16)
  (func (export "run") (param i32 i32) (result i64) unreachable))"""
MEMORY_WAT = """(module (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) i32.const 16)
  (func (export "run") (param i32 i32) (result i64)
    (if (i32.eq (memory.grow (i32.const 16384)) (i32.const -1)) (then unreachable))
    i64.const 0))"""
LOOP_WAT = """(module (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) i32.const 16)
  (func (export "run") (param i32 i32) (result i64) (loop $forever br $forever) i64.const 0))"""


def tasks_for(services: ComputeServices, key: str = "alice") -> TaskClient:
    return TaskClient(services.client(key))




def register_verified(services: ComputeServices, module: bytes, name: str) -> None:
    """Publish and verify a module with the localnet's apppool authority (the foundation key)."""
    from chain_modules.apppool.types import MsgRegisterApp, MsgSetAppVerified
    from chain_modules.common.address import decode_address

    foundation = services.client("foundation")
    digest = hashlib.sha256(module).digest()
    if foundation.query_or_none(f"/apppool/app/{digest.hex()}") is None:
        authority = decode_address(foundation.address)
        foundation.send([MsgRegisterApp(authority, digest, len(module), name, "", ()),
                         MsgSetAppVerified(authority, digest, True)])
    foundation.close()


def test_two_honest_replicas_return_the_right_answer(services):
    _wat, expected_fn, sample = EXAMPLES["hash_chain"]
    tasks = tasks_for(services)
    summary = tasks.run(build("hash_chain"), sample, class_name="small", replicas=2, timeout=300)
    assert summary.state == "settled"
    assert summary.output == expected_fn(sample)
    assert len(set(summary.workers)) == 2
    assert summary.paid == cost(summary.price, summary.fuel_used * 2) + query(services, "/compute/params")["protocol_fee"]
    assert summary.refunded == summary.escrow - summary.paid
    steps = [step for step, _height in summary.heights]
    assert steps == ["submitted", "allocated", "assigned", "committed", "delivered", "settled"]
    workers = {w["address"]: w for w in query(services, f"/compute/workers/{services.address(MASTER)}")}
    assert all(workers[w]["completed"] >= 1 for w in summary.workers)


def test_a_single_replica_is_committed_alone_then_its_audit_is_drawn_in_a_later_block(services):
    """Whatever the draw (20% on the localnet), the lone worker committed before it: audited, the master names a
    second worker and both agree; not audited, the worker reveals alone. The customer pays for one replica."""
    _wat, expected_fn, sample = EXAMPLES["hash_chain"]
    summary = tasks_for(services).run(build("hash_chain"), sample, class_name="small", replicas=1, timeout=300)
    assert summary.state == "settled" and summary.output == expected_fn(sample)
    steps = [step for step, _height in summary.heights]
    drawn = "audited" if "audited" in steps else "not_audited"
    committed_at = next(height for step, height in summary.heights if step == "committed")
    assert dict(summary.heights)[drawn] > committed_at  # the commit and its draw never share a block
    task = query(services, f"/compute/task/{summary.task_id}")
    assert task["audit_drawn"] and task["audit"] == (drawn == "audited") and task["draw_height"] == 0
    if drawn == "audited":
        assert steps[:7] == ["submitted", "allocated", "assigned", "committed", "audited", "assigned", "committed"]
        assert len(set(summary.workers)) == 2 and task["reassignments"] == 0
    else:
        assert steps[:5] == ["submitted", "allocated", "assigned", "committed", "not_audited"]
        assert len(set(summary.workers)) == 1
    assert summary.paid == cost(summary.price, summary.fuel_used) + query(services, "/compute/params")["protocol_fee"]


def test_a_verified_result_proves_the_workers_capability_in_the_fog_cli(services):
    import json

    _wat, expected_fn, sample = EXAMPLES["hash_chain"]
    summary = tasks_for(services).run(build("hash_chain"), sample, class_name="small", replicas=2, timeout=300)
    assert summary.state == "settled" and summary.output == expected_fn(sample)
    for worker in set(summary.workers):
        shown = json.loads(amino(services, "query", "fog", "contribution", worker))
        assert shown["verified_results"] >= 1 and shown["proven_weight"] == 1  # the small class: 1 CPU core
        assert shown["verified_fuel"] >= summary.fuel_used or shown["epoch"] > 0
    text = amino(services, "--output", "text", "query", "fog", "contribution", summary.workers[0])
    assert "verified results" in text and "windows" in text


def test_the_master_hands_a_worker_its_signed_admission(services):
    from worker.admission import fetch_admission, verify_admission

    worker = services.client("worker0")
    master = services.address(MASTER)
    admission = fetch_admission(services.master_url(), worker.signing_key, services.net.chain_id, master)
    assert verify_admission(admission, services.net.chain_id, master, worker.address) == admission
    worker.close()


def test_the_cli_runs_a_matrix_product(services, tmp_path):
    _wat, expected_fn, sample = EXAMPLES["matmul"]
    module, data, out = tmp_path / "matmul.wasm", tmp_path / "matmul.input", tmp_path / "product.bin"
    module.write_bytes(build("matmul"))
    data.write_bytes(sample)
    command = [sys.executable, "-m", "cli.main", "--home", str(services.net.wallet_home), "--node",
               services.net.rpc_url(1), "-o", "json", "task", "run", str(module), "--input", str(data), "--class", "small",
               "--replicas", "2", "--from", "alice", "--out", str(out), "--timeout", "300", "--yes"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert out.read_bytes() == expected_fn(sample)
    assert '"state": "settled"' in completed.stdout


def amino(services: ComputeServices, *args: str) -> str:
    """Run the CLI against the localnet with JSON output; returns stdout, fails the test on a non-zero exit."""
    command = [sys.executable, "-m", "cli.main", "--home", str(services.net.wallet_home), "--node",
               services.net.rpc_url(2), "-o", "json", *args]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, f"amino {' '.join(args)}: {completed.stderr}"
    return completed.stdout


def test_the_cli_publishes_verifies_and_runs_a_task_step_by_step(services, tmp_path):
    import json

    _wat, expected_fn, sample = EXAMPLES["image_blur"]
    module_bytes = build("image_blur") + b"\x00\x08\x05aminov2"  # a custom section: a new hash, the same program
    module, data, out = tmp_path / "blur.wasm", tmp_path / "blur.input", tmp_path / "blurred.bin"
    module.write_bytes(module_bytes)
    data.write_bytes(sample)
    digest = hashlib.sha256(module_bytes).hexdigest()

    amino(services, "tx", "apppool", "register", str(module), "--name", "blur", "--classes", "small", "--from", "alice", "--yes")
    assert json.loads(amino(services, "query", "apppool", "app", digest))["verified"] is False
    amino(services, "tx", "apppool", "verify", digest, "--from", "foundation", "--yes")
    assert json.loads(amino(services, "query", "apppool", "app", digest))["verified"] is True

    task_id = json.loads(amino(services, "task", "submit", str(module), "--input", str(data), "--replicas", "2",
                               "--from", "alice", "--timeout", "300", "--yes"))["task_id"]
    # the localnet's liveness probes can hold every worker's only slot for a while: allow for a few of their rounds
    wait_until(lambda: json.loads(amino(services, "task", "status", str(task_id)))["state"] == "allocated", 180, "allocation")
    amino(services, "task", "upload", str(task_id), str(module), str(data), "--from", "alice")
    wait_until(lambda: json.loads(amino(services, "task", "status", str(task_id)))["state"] == "delivered", 120, "delivery")
    amino(services, "task", "result", str(task_id), "--out", str(out), "--from", "alice")
    assert out.read_bytes() == expected_fn(sample)
    confirmed = json.loads(amino(services, "task", "confirm", str(task_id), "--from", "alice", "--yes"))
    assert confirmed["state"] == "settled" and confirmed["paid"] > 0
    mine = json.loads(amino(services, "task", "list", "alice"))
    assert task_id not in [t["id"] for t in mine]  # only open tasks are listed


def test_a_lying_worker_is_outvoted_and_slashed(services):
    services.stop_worker("worker2")
    services.start_worker("worker2", lie=True)
    try:
        liar = services.address("worker2")
        before = query(services, f"/compute/worker/{liar}")
        _wat, expected_fn, sample = EXAMPLES["image_blur"]
        summary = tasks_for(services).run(build("image_blur"), sample, replicas=3, timeout=300)
        assert summary.state == "settled", tasks_for(services).status(summary.task_id)
        assert summary.output == expected_fn(sample)
        assert liar in summary.workers
        after = query(services, f"/compute/worker/{liar}")
        slash_bps = query(services, "/compute/params")["worker_slash_bps"]
        assert after["slashed"] == before["slashed"] + 1
        # the slash took slash_bps of its deposit (the worker service tops it back up at its next heartbeat, so
        # the deposit itself may already be whole again: read the slash from the chain's event)
        from client.rpc import CometRpc
        from tests.e2e.helpers import events_of

        slashes = [e for e in events_of(CometRpc(services.net.rpc_url(0)), "worker_slashed")
                   if e["worker"] == liar and e["task_id"] == str(summary.task_id)]
        assert [e["amount"] for e in slashes] == [f"{before['deposit'] * slash_bps // 10_000}uamio"]
        assert slashes[0]["reason"] == "minority result"
        task = tasks_for(services).status(summary.task_id)
        mine = next(p for p in task["participants"] if p["worker"] == liar)
        assert mine["result_hash"] != task["result_hash"]
    finally:
        services.stop_worker("worker2")
        services.start_worker("worker2")


def test_a_worker_killed_mid_task_is_replaced(services):
    """A ~5 s job; one assigned worker is killed while computing, misses the commit deadline and is replaced."""
    sample = reference.hash_chain_input(100_000_000, b"slow")
    module = build("hash_chain")
    tasks = tasks_for(services)
    module_hash = hashlib.sha256(module).digest()
    task_id = tasks.submit(module_hash, sample, "small", replicas=2, max_fuel=30_000_000_000, timeout=600)
    tasks.wait(task_id, ("allocated",), 60)
    tasks.upload(task_id, module, sample)
    task = tasks.wait(task_id, ("committing",), 60)
    victim_address = task["participants"][0]["worker"]
    victim = next(name for name in ("worker0", "worker1", "worker2") if services.address(name) == victim_address)
    services.stop_worker(victim, hard=True)
    try:
        task = tasks.wait(task_id, ("delivered",), 240)
        assert task["state"] == "delivered", task
        assert victim_address in task["excluded_workers"]
        assert task["reassignments"] == 1
        assert victim_address not in [p["worker"] for p in task["participants"]]
        # 1e8 iterations are too slow for the Python reference: run the module in-process instead
        expected = run_job(module, sample, 30_000_000_000, 64 * 1024 * 1024)
        assert expected.status == "ok" and task["fuel_used"] == expected.fuel_used
        assert tasks.result(task_id) == expected.output
        assert query(services, f"/compute/worker/{victim_address}")["slashed"] >= 1
    finally:
        services.start_worker(victim)
    if tasks.status(task_id)["state"] == "delivered":
        try:
            tasks.confirm(task_id)
        except ChainError:
            pass  # the confirm deadline passed while we checked: auto-confirmed
    assert tasks.wait(task_id, ("settled",), 60)["state"] == "settled"


def test_a_master_that_never_assigns_loses_the_task(services):
    services.fund({"master1": 20_000_000_000, "worker3": 1_000_000_000, "worker4": 1_000_000_000})
    services.start_master("master1", sponsor="node1")
    services.start_worker("worker3", master="master1")
    services.start_worker("worker4", master="master1")
    services.wait_master_active("master1")
    names = {services.address(MASTER): MASTER, services.address("master1"): "master1"}
    _wat, expected_fn, sample = EXAMPLES["hash_chain"]
    module = build("hash_chain")
    tasks = tasks_for(services)
    # the job is uploaded only after the reallocation: the first master cannot assign it, and its service would
    # release it just before the assign deadline; stopped at once, it never does (active on chain, silent)
    task_id = tasks.submit(hashlib.sha256(module).digest(), sample, "small", replicas=2, timeout=600)
    task = tasks.wait(task_id, ("allocated",), 60)
    silent = task["master"]  # the one with more free slots x reputation (probes and earlier tests weigh in)
    other = next(address for address in names if address != silent)
    services.stop_master(names[silent])
    try:
        task = wait_until(lambda: (t := tasks.status(task_id))["master"] == other and t, 90, "reallocation")
        assert task["reallocations"] == 1 and silent in task["excluded_masters"]
        tasks.upload(task_id, module, sample)
        task = tasks.wait(task_id, ("delivered",), 120)
        assert task["state"] == "delivered"
        assert tasks.result(task_id) == expected_fn(sample)
        assert query(services, f"/compute/master/{silent}")["failed"] >= 1
    finally:
        services.start_master(names[silent], sponsor="node0" if names[silent] == MASTER else "node1")


def _balance(tasks: TaskClient) -> int:
    return int.from_bytes(tasks.chain.rpc.abci_query(f"/bank/balance/{tasks.chain.address}").value, "big")


def test_a_task_past_its_final_deadline_is_refunded_in_full(services):
    """Workers are still running a job that loops through 30e9 fuel when the customer's 10 s deadline passes:
    everything comes back. (No worker failed a step, so there are no forfeits to compensate with.)
    The customer is one no other test uses, so no other task's refund or payment moves its balance meanwhile."""
    tasks = tasks_for(services, "erin")
    module = bytes(wasmtime.wat2wasm(LOOP_WAT))
    register_verified(services, module, "loop")
    sample = b"anything"
    # a 10 s deadline leaves no time to wait for a slot: start once two workers are idle (the localnet's liveness
    # probes hold a worker's only slot for a while every epoch)
    wait_until(lambda: sum(w["running"] == 0 for w in query(services, f"/compute/workers/{services.address(MASTER)}"))
               >= 2, 120, "two idle workers")
    before = _balance(tasks)
    task_id = tasks.submit(hashlib.sha256(module).digest(), sample, "small", replicas=2, max_fuel=30_000_000_000, timeout=10)
    after_submit = _balance(tasks)
    task = tasks.wait(task_id, ("allocated",), 30)
    assert task["state"] == "allocated", task
    tasks.upload(task_id, module, sample)
    task = tasks.wait(task_id, ("refunded",), 90)
    assert task["state"] == "refunded", task
    escrow = task["refunded"]
    assert escrow > 0 and task["paid"] == 0 and task["compensation"] == 0
    assert [step for step, _h in task["heights"]][:3] == ["submitted", "allocated", "assigned"]
    fee = before - after_submit - escrow
    assert fee > 0
    assert _balance(tasks) == before - fee
    # the refund freed the slots: each worker runs exactly the open tasks it takes part in (the localnet's liveness
    # probes may keep some busy)
    def slots_match() -> bool:
        workers = query(services, f"/compute/workers/{services.address(MASTER)}")
        return all(w["running"] == len([t for t in query(services, f"/compute/tasks/worker/{w['address']}")
                                        if t["state"] in ("allocated", "committing", "revealing")
                                        and any(p["worker"] == w["address"] for p in t["participants"])])
                   for w in workers)

    wait_until(slots_match, 20, "every worker's running count to equal its open tasks")
    assert all(task_id != t["id"] for w in query(services, f"/compute/workers/{services.address(MASTER)}")
               for t in query(services, f"/compute/tasks/worker/{w['address']}"))


def test_a_task_no_master_assigned_is_refunded_in_full_without_compensation(services):
    """With the master services down, the allocated master never assigns (it may never have had the inputs)."""
    services.stop_master()
    services.stop_master("master1")
    try:
        tasks = tasks_for(services, "frank")  # a customer of its own: only this task moves its balance
        before = _balance(tasks)
        module = build("hash_chain")
        task_id = tasks.submit(hashlib.sha256(module).digest(), b"\x00" * 16, "small", replicas=2, timeout=10)
        after_submit = _balance(tasks)
        task = tasks.wait(task_id, ("refunded",), 90)
        assert task["state"] == "refunded", task
        assert task["compensation"] == 0 and task["paid"] == 0
        fee = before - after_submit - task["refunded"]
        assert fee > 0 and _balance(tasks) == before - fee
    finally:
        services.start_master()
        services.start_master("master1", sponsor="node1")


def test_a_job_that_loops_on_the_largest_fuel_the_class_allows_gets_no_honest_worker_slashed(services):
    """The security review's hole 4: a customer asked for the chain's largest max_fuel with a job that loops, so
    honest workers hit their wall clock, missed the commit deadline and were slashed. The commit window now
    follows max_fuel at the class's guaranteed rate, and a worker that cannot finish hands the job back."""
    tasks = tasks_for(services)
    loop = bytes(wasmtime.wat2wasm(LOOP_WAT))
    register_verified(services, loop, "loop")
    params = query(services, "/compute/params")
    small = next(c for c in params["classes"] if c["name"] == "small")
    largest = small["fuel_rate"] * params["max_run_seconds"]
    workers = {name: services.address(name) for name in ("worker0", "worker1", "worker2")}
    slashed_before = {name: query(services, f"/compute/worker/{address}")["slashed"] for name, address in workers.items()}
    with pytest.raises(ChainError, match="max_run_seconds"):  # one unit of fuel more than the class runs in time
        tasks.submit(hashlib.sha256(loop).digest(), b"anything", "small", replicas=2, max_fuel=largest + 1, timeout=600)
    summary = tasks.run(loop, b"anything", replicas=2, max_fuel=largest, timeout=600)
    if summary.state == "refunded":
        # a machine too loaded to run the class's guaranteed rate: the workers saw they could not finish in time and
        # handed the job back (no penalty), and the task ran out of its deadline; nobody was slashed either way
        steps = [step for step, _height in tasks.status(summary.task_id)["heights"]]
        assert "handed_back" in steps, (summary, steps)
    else:
        assert summary.state == "settled" and summary.output == b"AMINO-JOB-ERROR\x00out_of_fuel", summary
    slashed_after = {name: query(services, f"/compute/worker/{address}")["slashed"] for name, address in workers.items()}
    assert slashed_after == slashed_before


def test_bad_jobs_and_bad_uploads_end_cleanly(services):
    tasks = tasks_for(services)
    trap = bytes(wasmtime.wat2wasm(TRAP_WAT))
    loop = bytes(wasmtime.wat2wasm(LOOP_WAT))
    register_verified(services, trap, "trap")
    register_verified(services, loop, "loop")

    summary = tasks.run(trap, b"anything", replicas=2, timeout=300)
    assert summary.state == "settled" and summary.output == b"AMINO-JOB-ERROR\x00trap"

    # 1 GiB asked for, 512 MiB allowed by the small class: memory.grow fails, the module traps, the workers agree
    hog = bytes(wasmtime.wat2wasm(MEMORY_WAT))
    register_verified(services, hog, "memory-hog")
    summary = tasks.run(hog, b"anything", replicas=2, timeout=300)
    assert summary.state == "settled" and summary.output == b"AMINO-JOB-ERROR\x00trap"

    summary = tasks.run(loop, b"anything", replicas=2, max_fuel=5_000_000, timeout=300)
    assert summary.state == "settled" and summary.output == b"AMINO-JOB-ERROR\x00out_of_fuel"
    assert summary.fuel_used == 5_000_000  # the customer pays the whole fuel limit, no more

    # uploads the master must refuse: wrong bytes for a hash, a blob no task references, an oversized input
    module = build("hash_chain")
    task_id = tasks.submit(hashlib.sha256(module).digest(), b"0123456789abcdef", replicas=1, timeout=300)
    task = tasks.wait(task_id, ("allocated",), 60)
    endpoint = task["master_endpoint"].rstrip("/")

    def put(digest: str, content: bytes, key=tasks.chain.signing_key) -> httpx.Response:
        headers = sign_headers(key, tasks.chain.chain_id, "PUT", f"/v1/blobs/{digest}", digest=digest, task_id=task_id)
        return httpx.put(f"{endpoint}/v1/blobs/{digest}", params={"task": task_id}, content=content, headers=headers)

    assert put(task["input_hash"], b"not the input!!!").status_code == 422
    assert put(hashlib.sha256(b"stray").hexdigest(), b"stray").status_code == 403
    assert put(task["input_hash"], b"0123456789abcdef" * 4).status_code == 413
    # only the customer may upload a task's input, and only with a signed request
    stranger = services.client("bob")
    assert put(task["input_hash"], b"0123456789abcdef", stranger.signing_key).status_code == 403
    stranger.close()
    unsigned = httpx.put(f"{endpoint}/v1/blobs/{task['input_hash']}", params={"task": task_id}, content=b"0123456789abcdef")
    assert unsigned.status_code == 401
    with pytest.raises(TaskError):
        tasks.upload(task_id, module, b"another input")
    tasks.cancel(task_id)
    assert tasks.status(task_id)["state"] == "cancelled"

    # a garbage transaction is refused at CheckTx and the chain goes on
    result = tasks.chain.rpc.broadcast_tx_sync(os.urandom(200))
    assert int(result["code"]) != 0
    height = tasks.chain.height()
    tasks.chain.rpc.wait_for_height(height + 2)
    assert not services.net.app_hash_splits()

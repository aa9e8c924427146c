"""The provider's side on a real localnet: `amino worker status` reads a running worker's local endpoint; a worker
stopped with `amino worker stop` goes offline on chain at once
(compute/worker_offline), is not assigned while it is away, loses nothing, and comes back online when it starts
again.

The localnet's liveness probes keep workers busy every epoch, so nothing here assumes which worker takes a task
or that a worker is idle.
"""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest

from localnet.services import MASTER, ComputeServices
from client.tasks import TaskClient
from wasm_jobs.examples import EXAMPLES, build
from tests.e2e.helpers import query, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

WORKERS = ("worker0", "worker1", "worker2")


def offline_txs(services: ComputeServices, address: str) -> list[dict]:
    """The worker_offline events of ``address``'s own compute/worker_offline txs."""
    found = []
    rpc = services.client("alice").rpc
    for tx in rpc.tx_search(f"worker_offline.worker='{address}'").get("txs") or []:
        for event in tx["tx_result"].get("events") or []:
            if event["type"] == "worker_offline":
                found.append({a["key"]: a["value"] for a in event["attributes"]})
    return found


def test_a_stopped_worker_goes_offline_at_once_is_not_assigned_and_not_slashed(services: ComputeServices):
    name = "worker2"
    address = services.address(name)
    before = query(services, f"/compute/worker/{address}")
    timeout = query(services, "/compute/params")["heartbeat_timeout_seconds"]
    config = services.directory(name) / "worker.toml"

    # the running worker's local status endpoint, through the CLI
    shown = subprocess.run(services._amino() + ["-o", "json", "worker", "status", "--config", str(config)],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert view["address"] == address and view["master"] == services.address(MASTER)
    assert view["online"] and not view["paused"] and view["deposit"] == before["deposit"]

    stopped = subprocess.run(services._amino() + ["worker", "stop", "--config", str(config), "--timeout", "120"],
                             capture_output=True, text=True, timeout=180)
    try:
        assert stopped.returncode == 0, stopped.stderr
        assert "stopped" in stopped.stdout
        record = query(services, f"/compute/worker/{address}")
        assert not record["online"]
        # it told the chain itself: not a heartbeat expiry, which would have taken heartbeat_timeout_seconds
        assert [e["reason"] for e in offline_txs(services, address)][-1:] == ["worker_offline"]
        assert record["deposit"] == before["deposit"] and record["slashed"] == before["slashed"]

        # a task submitted while it is away goes to the others, and settles
        _wat, expected_fn, sample = EXAMPLES["hash_chain"]
        module = build("hash_chain")
        tasks = TaskClient(services.client("alice"))
        # a price limit above the current price: the localnet's price moves every few seconds
        price = next(c["price"] for c in query(services, "/compute/classes") if c["name"] == "small")
        task_id = tasks.submit(hashlib.sha256(module).digest(), sample, "small", replicas=2, timeout=300,
                               max_price=2 * price)
        tasks.wait(task_id, ("allocated", "committing", "revealing", "delivered"), 120)
        tasks.upload(task_id, module, sample)
        task = tasks.wait(task_id, ("delivered", "settled"), 240)
        assert task["state"] in ("delivered", "settled"), task
        assert tasks.result(task_id) == expected_fn(sample)
        assert address not in [p["worker"] for p in task["participants"]]
        assert address not in task["excluded_workers"]  # never named, so never dropped

        # still away longer than a heartbeat timeout: still registered, deposit whole, never slashed
        wait_until(lambda: query(services, f"/compute/worker/{address}")["seconds_since_heartbeat"] > timeout,
                   timeout * 4, "a heartbeat timeout to pass")
        record = query(services, f"/compute/worker/{address}")
        assert not record["online"] and record["running"] == 0
        assert record["deposit"] == before["deposit"] and record["slashed"] == before["slashed"]
        assert all(address not in [p["worker"] for p in t["participants"]]
                   for t in query(services, f"/compute/tasks/master/{services.address(MASTER)}"))
    finally:
        services.start_worker(name)  # waits until it is back online
    assert query(services, f"/compute/worker/{address}")["online"]

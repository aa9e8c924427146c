"""Liveness probes end to end on a real localnet (every worker is drawn every 30 s epoch there): a worker passes its
probe by running it, which proves its class and lets its windows count; the same worker, heartbeating but no
longer computing, skips its next probe and gets no availability for that epoch.

The probe module is the hash_chain example (the compute param probe_app, localnet/launcher.py); the master node
stores it and the probe's input from the chain, and names the probed worker first (masternode/node.py).
"""

from __future__ import annotations

import threading

import pytest

from chain_modules.common.address import decode_address
from chain_modules.compute.types import MsgHeartbeat
from client.rpc import CometRpc
from tests.e2e.helpers import events_of, query, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PROBED = "worker7"  # a worker of its own (worker3 and worker4 serve another master in the compute tests)


def test_a_worker_passes_its_probe_by_computing_and_loses_the_epochs_availability_when_it_skips_one(services):
    services.fund({PROBED: 1_000_000_000})
    services.start_worker(PROBED)
    address = services.address(PROBED)

    # computing: the probe drawn at its first heartbeat passes (two workers ran hash_chain on the chain's input),
    # proves the small class, and the epoch's held windows count
    wait_until(lambda: query(services, f"/fog/contribution/{address}")["probe"] == "passed", 180,
               f"{PROBED}'s probe to pass")
    contribution = query(services, f"/fog/contribution/{address}")
    task = query(services, f"/compute/task/{contribution['probe_task']}")
    assert task["probe_worker"] == address and task["state"] == "settled" and task["paid"] == 0
    assert address in [p["worker"] for p in task["participants"]] and task["probe_input"]
    assert contribution["proven_weight"] > 0 and contribution["held"] == 0
    assert contribution["availability"] > 0 or contribution["windows"] == 0  # held windows counted at the pass

    # heartbeat only: the service stops; the test keeps the worker online with heartbeats and computes nothing
    services.stop_worker(PROBED)
    stop = threading.Event()
    client = services.client(PROBED)

    def heartbeats() -> None:
        while not stop.wait(4.0):
            try:
                client.send([MsgHeartbeat(decode_address(address))])
            except Exception:  # a heartbeat that fails (a busy node) is retried at the next beat
                pass

    beating = threading.Thread(target=heartbeats, daemon=True)
    beating.start()
    try:
        start = query(services, "/fog/epoch")["epoch"] + 1  # a whole epoch of heartbeats only
        wait_until(lambda: query(services, f"/fog/contribution/{address}")["epoch"] >= start
                   and query(services, f"/fog/contribution/{address}")["probe"] == "pending", 120,
                   f"{PROBED}'s probe in epoch {start} to be drawn and assigned")
        held = query(services, f"/fog/contribution/{address}")
        assert held["epoch"] == start and held["availability"] == 0 and held["proven_weight"] > 0
        skipped = held["probe_task"]
        wait_until(lambda: query(services, "/fog/epoch")["epoch"] > start
                   and query(services, f"/compute/task/{skipped}")["state"] == "refunded"
                   and query(services, f"/fog/contribution/{address}")["epoch"] > start, 180,
                   f"epoch {start} to close and {PROBED}'s skipped probe to end")
    finally:
        stop.set()
        beating.join(10)
        client.close()

    # the skipped probe failed, and the epoch paid the worker nothing (its record moved on to a later epoch, so
    # points of that epoch would have settled); the computing workers passed their probes
    rpc = CometRpc(services.net.rpc_url(0))
    [ended] = [e for e in events_of(rpc, "fog_probe_ended") if e["task_id"] == str(skipped)]
    assert ended["worker"] == address and ended["passed"] == "false"
    assert not [e for e in events_of(rpc, "fog_settled") if e["address"] == address and int(e["epoch"]) == start]
    assert start not in [item["epoch"] for item in query(services, f"/fog/balance/{address}")["history"]]
    assert [e for e in events_of(rpc, "fog_probe_ended") if e["worker"] != address and e["passed"] == "true"]

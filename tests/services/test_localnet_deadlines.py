"""The localnet's compute params agree with its workers' limits (issue: a commit deadline equal to the workers'
run-time limit had honest workers that ran ~30 s committed late and slashed).

The rule (docs/worker.md, "Deadlines and limits"): a job of the largest max_fuel a class allows runs for at most
max_run_seconds at the class's rate; the worker's own wall clock must not stop it before that, and the commit
window leaves commit_timeout_seconds beyond the run for fetching the job, the worker's hand-back margin and the
commit's inclusion.
"""

from __future__ import annotations

import tomllib
from types import SimpleNamespace

from localnet.launcher import LOCALNET_COMPUTE
from localnet.services import ComputeServices
from masternode.node import MasterSettings, max_heartbeat_age
from worker.node import HAND_BACK_MARGIN_SECONDS

INCLUSION_SECONDS = 10  # fetching a job and getting a tx into a block on a loaded machine, generously


def localnet_worker_config(tmp_path) -> dict:
    services = ComputeServices.__new__(ComputeServices)
    services.net = SimpleNamespace(home=tmp_path, chain_id="amino-localnet", nodes=4, rpc_url=lambda i: "http://127.0.0.1:1")
    services.master_url = lambda name: "http://127.0.0.1:2"
    services.directory = lambda name: tmp_path / name
    return tomllib.loads(services.write_worker_config("worker0", 0).read_text())


def test_a_localnet_worker_runs_every_job_the_params_allow_for_its_whole_budget(tmp_path):
    config = localnet_worker_config(tmp_path)
    assert config["wall_timeout_seconds"] >= LOCALNET_COMPUTE.max_run_seconds
    for resource_class in LOCALNET_COMPUTE.classes:
        largest = resource_class.fuel_rate * LOCALNET_COMPUTE.max_run_seconds
        assert resource_class.run_seconds(largest) == LOCALNET_COMPUTE.max_run_seconds
        if resource_class.fits(config["cpu_cores"], config["gpu"], config["ram_mb"], config["storage_mb"]):
            assert config["max_fuel"] >= min(largest, LOCALNET_COMPUTE.max_fuel)  # never handed back for its fuel


def test_the_localnet_commit_window_leaves_room_after_the_run_for_the_hand_back_margin_and_the_commit():
    assert LOCALNET_COMPUTE.commit_timeout_seconds >= HAND_BACK_MARGIN_SECONDS + INCLUSION_SECONDS


def test_a_live_localnet_worker_never_looks_stale_to_its_master(tmp_path):
    """Three heartbeats fit in the age the master still assigns (timeout less its margin)."""
    config = localnet_worker_config(tmp_path)
    max_age = max_heartbeat_age(LOCALNET_COMPUTE.heartbeat_timeout_seconds, MasterSettings().heartbeat_margin_seconds)
    assert 3 * config["heartbeat_seconds"] <= max_age

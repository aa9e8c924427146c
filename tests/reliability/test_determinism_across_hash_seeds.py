"""Determinism across processes: the seeded workload reaches the same app hash at every height whatever the
PYTHONHASHSEED, and it really drives every message type and the begin/end-block paths. Long mode:
bench/determinism.py."""

from __future__ import annotations

import dataclasses

from abci_app.modules import ROUTES
from tests.reliability.determinism import first_divergence, run_many
from tests.reliability.workload import run_workload

QUICK_BLOCKS = 30
COVERAGE_SEED = 2
COVERAGE_BLOCKS = 200
# begin/end-block paths, by the events they emit: elections, unbondings, slashing, locks, FOG epochs and
# redemption periods, price epochs, task allocation, audits, reveals, deadlines, penalties, settlement, refunds
END_BLOCK_EVENTS = {
    "validator_update", "complete_unbonding", "slash", "lock_expired", "fog_epoch_closed", "fog_period_closed",
    "fog_redeemed", "price_updated", "task_allocated", "task_audit_drawn", "task_reveal_started",
    "task_needs_workers", "task_reallocated", "task_master_penalised", "task_settled", "task_refunded",
    "worker_offline", "worker_slashed", "worker_deposit_released", "master_node_update",
}


def test_two_hash_seeds_reach_the_same_app_hash_at_every_height():
    runs = run_many(["1", "2"], workload_seed=1, blocks=QUICK_BLOCKS)
    assert first_divergence(runs) is None
    assert sorted(runs[0].hashes) == list(range(1, QUICK_BLOCKS + 1))
    assert sum(runs[0].result["succeeded"].values()) > 50  # the blocks were not empty


def test_the_comparison_names_the_first_height_where_two_runs_differ():
    runs = run_many(["1"], workload_seed=1, blocks=8) + run_many(["1"], workload_seed=2, blocks=8)
    runs[1] = dataclasses.replace(runs[1], hash_seed="2")
    divergence = first_divergence(runs)
    assert divergence is not None and "app hash differs at height" in divergence


def test_the_workload_executes_every_message_type_and_every_end_block_path(tmp_path):
    result = run_workload(tmp_path / "db", COVERAGE_SEED, COVERAGE_BLOCKS)
    succeeded = {kind for text in result["succeeded"] for kind in text.split("+")}
    missing = sorted(route.message.TYPE for route in ROUTES if route.message.TYPE not in succeeded)
    assert not missing, f"the workload never executed {missing}: add them to tests/reliability/workload.py"
    assert END_BLOCK_EVENTS <= set(result["block_events"]), sorted(END_BLOCK_EVENTS - set(result["block_events"]))
    failed = {code for code in result["codes"] if code != "/0"}
    assert len(failed) >= 10  # failing txs of many kinds ran too, and failed identically (the hashes above)

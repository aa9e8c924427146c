"""Liveness probes in compute: started by the protocol for a worker (fog draws which), allocated at once to its
master, verified by replication, settled without a customer, ended at the first missed step; fog hears how the
probed worker did through the after_probe_ended hook."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import pytest

from chain_modules.bank.state import get_balance
from chain_modules.common.context import BlockContext
from chain_modules.compute import errors, handlers, probes
from chain_modules.compute import state as st
from chain_modules.compute.api import REVENUE_POOL
from chain_modules.compute.types import ComputeParams, MsgAssignWorkers, MsgHandBackTask, MsgReleaseTask
from tests.modules.compute.helpers import (
    MASTER_A,
    PARAMS,
    RESULT,
    WORKERS,
    WRONG,
    World,
    assign,
    check,
    commit,
    events_of,
    make_world,
    register,
    submit,
    reveal,
    snapshot,
)

W0, W1, W2, W3 = WORKERS[:4]
PROBE_APP = hashlib.sha256(b"the probe module").hexdigest()
PROBING = replace(PARAMS, probe_app=PROBE_APP, probe_work=7, probe_max_fuel=2_000_000, probe_timeout_seconds=300)
RANDOMNESS = bytes(range(32))


@dataclass
class Ended:
    calls: list = field(default_factory=list)

    def after_probe_ended(self, state, ctx, worker, task_id, class_name, passed) -> None:
        self.calls.append((worker, task_id, class_name, passed))


@dataclass
class ProbeWorld(World):
    hooks: Ended = field(default_factory=Ended)

    def ctx(self) -> BlockContext:
        return replace(super().ctx(), hooks=(self.hooks,))


def probe_world(params: ComputeParams = PROBING) -> ProbeWorld:
    base = make_world(params)
    return ProbeWorld(base.state, base.now, base.height)


def start(world: ProbeWorld, worker=W0):
    task = probes.start_probe(world.state, world.ctx(), worker.address, RANDOMNESS)
    check(world)
    return task


def test_a_probe_is_allocated_at_once_to_the_workers_master_and_escrows_nothing():
    world = probe_world()
    task = start(world)
    stored = world.task(task.id)
    assert stored == task and stored.state == "allocated" and stored.master == MASTER_A.address
    assert (stored.customer, stored.escrow, stored.price, stored.fee) == (probes.PROBE_CUSTOMER, 0, 0, 0)
    assert (stored.replicas, stored.target, stored.max_fuel) == (2, 2, 2_000_000)
    assert stored.app_hash.hex() == PROBE_APP and stored.class_name == "small"
    assert stored.probe_input == (7).to_bytes(8, "little") + RANDOMNESS[:24]
    assert stored.input_hash == hashlib.sha256(stored.probe_input).digest()
    assert stored.deadline == world.now + 300 and stored.step_deadline == world.now + PARAMS.assign_timeout_seconds
    assert st.get_master_stats(world.state, MASTER_A.address)["pending"] == 2
    [event] = events_of(world, "task_probe")
    assert event["worker"] == W0.bech32 and event["input"] == stored.probe_input.hex()
    assert events_of(world, "task_allocated")


def test_no_probe_without_a_probe_app_or_for_an_unknown_worker():
    assert probes.start_probe(probe_world(PARAMS).state, probe_world(PARAMS).ctx(), W0.address, RANDOMNESS) is None
    world = probe_world()
    before = snapshot(world)
    assert probes.start_probe(world.state, world.ctx(), b"\x01" * 20, RANDOMNESS) is None
    assert snapshot(world) == before


def test_the_probe_class_is_the_largest_the_worker_fits():
    world = probe_world()
    register(world, WORKERS[4], MASTER_A, cpu=8, ram=16_384)  # fits both classes
    worker = st.get_worker(world.state, WORKERS[4].address)
    assert probes.probe_class(PROBING, worker).name == "big"
    assert probes.probe_class(PROBING, worker).name == max(
        (c for c in PROBING.classes if worker.fits(c)), key=lambda c: c.cpu_cores + 4 * c.gpu).name


def test_invalid_a_first_round_without_the_probed_worker():
    world = probe_world()
    task = start(world)
    before = snapshot(world)
    with pytest.raises(errors.ErrProbeWorkerMissing, match="must include that worker"):
        handlers.handle_assign_workers(world.state, world.ctx(), MsgAssignWorkers(MASTER_A.address, task.id,
                                                                                  (W1.address, W2.address)))
    assert snapshot(world) == before


def test_the_probed_worker_takes_its_probe_without_a_free_slot():
    world = probe_world()
    busy = submit(world, replicas=1)
    world.advance()
    assign(world, busy, [W0])  # W0's one slot is taken
    task = start(world)
    assign(world, task.id, [W0, W1])
    assert world.task(task.id).state == "committing"


def run_probe(world: ProbeWorld, results: tuple[bytes, bytes]) -> int:
    task = start(world)
    assign(world, task.id, [W0, W1])
    for worker, result in zip((W0, W1), results):
        commit(world, task.id, worker, result=result)
    for worker in (W0, W1):
        reveal(world, task.id, worker)
    return task.id


def test_a_probe_both_workers_agree_on_passes_and_settles_at_once_paying_nothing():
    world = probe_world()
    pool_before = get_balance(world.state, REVENUE_POOL)
    task_id = run_probe(world, (RESULT, RESULT))
    task = world.task(task_id)
    assert task.state == "settled" and task.paid == 0 and task.refunded == 0
    assert world.hooks.calls == [(W0.address, task_id, "small", True)]
    assert [e["passed"] for e in events_of(world, "task_probe_ended")] == ["true"]
    assert st.get_worker(world.state, W0.address).running == 0
    assert get_balance(world.state, REVENUE_POOL) == pool_before
    check(world)


def test_a_probe_whose_worker_is_outvoted_fails_it():
    world = probe_world()
    task = start(world)
    assign(world, task.id, [W0, W1])
    commit(world, task.id, W0, result=WRONG)
    commit(world, task.id, W1)
    reveal(world, task.id, W0)
    reveal(world, task.id, W1)  # no majority of two: a tie-breaker
    assign(world, task.id, [W2])
    commit(world, task.id, W2)
    reveal(world, task.id, W2)
    assert world.task(task.id).state == "settled"
    assert world.hooks.calls == [(W0.address, task.id, "small", False)]
    assert [e["worker"] for e in events_of(world, "worker_probe_failed")] == [W0.bech32]  # a failure, no slash
    assert not events_of(world, "worker_slashed") and world.worker(W0).failed == 1
    check(world)


@pytest.mark.parametrize("step", ["assign", "commit", "reveal"])
def test_a_probe_ends_failed_at_its_first_missed_step_without_blaming_the_master(step):
    world = probe_world()
    task = start(world)
    if step != "assign":
        assign(world, task.id, [W0, W1])
        commit(world, task.id, W1)
    if step == "reveal":
        commit(world, task.id, W0)
        reveal(world, task.id, W1)
    failed_before = st.get_master_stats(world.state, MASTER_A.address)["failed"]
    world.advance(world.task(task.id).step_deadline - world.now)
    world.advance(0)  # the block at the deadline ends
    ended = world.task(task.id)
    assert ended.state == "refunded" and ended.refunded == 0
    assert world.hooks.calls == [(W0.address, task.id, "small", False)]
    assert st.get_master_stats(world.state, MASTER_A.address)["failed"] == failed_before
    assert st.get_master_stats(world.state, MASTER_A.address)["pending"] == 0
    if step != "assign":
        assert [e["worker"] for e in events_of(world, "worker_probe_failed")] == [W0.bech32]
    assert not events_of(world, "worker_slashed")
    assert world.worker(W0).deposit == world.worker(W1).deposit == 1_000  # register()'s deposit: nothing slashed
    assert all(st.get_worker(world.state, w.address).running == 0 for w in (W0, W1))
    check(world)


def test_a_released_probe_fails_instead_of_going_to_another_master():
    world = probe_world()
    task = start(world)
    handlers.handle_release_task(world.state, world.ctx(), MsgReleaseTask(MASTER_A.address, task.id))
    assert world.task(task.id).state == "refunded" and world.hooks.calls[-1][3] is False
    assert st.get_master_stats(world.state, MASTER_A.address)["pending"] == 0
    check(world)


def test_a_probed_worker_that_hands_its_probe_back_does_not_pass_it():
    world = probe_world()
    task = start(world)
    assign(world, task.id, [W0, W1])
    commit(world, task.id, W1)
    handlers.handle_hand_back_task(world.state, world.ctx(), MsgHandBackTask(W0.address, task.id))
    assign(world, task.id, [W2])
    commit(world, task.id, W2)
    reveal(world, task.id, W1)
    reveal(world, task.id, W2)
    assert world.task(task.id).state == "settled"
    assert world.hooks.calls == [(W0.address, task.id, "small", False)]
    check(world)


def test_a_partner_that_misses_a_step_is_replaced_and_the_probed_worker_still_passes():
    """Only the probed worker's own misses fail its probe: a partner that misses its commit is dropped (a failure,
    no slash) and replaced as in any task."""
    world = probe_world()
    task = start(world)
    assign(world, task.id, [W0, W1])
    commit(world, task.id, W0)  # W1 never commits
    world.advance(world.task(task.id).step_deadline - world.now)
    world.advance(0)
    replaced = world.task(task.id)
    assert replaced.state == "allocated" and replaced.needed() == 1 and world.hooks.calls == []
    assert W1.address in replaced.excluded_workers and world.worker(W1).failed == 1
    assign(world, task.id, [W2])
    commit(world, task.id, W2)
    reveal(world, task.id, W0)
    reveal(world, task.id, W2)
    assert world.task(task.id).state == "settled"
    assert world.hooks.calls == [(W0.address, task.id, "small", True)]
    check(world)

"""Contribution as the compute module reports it: its heartbeat handler and its result resolution call fog's hooks
through BlockContext.hooks (the compute test world, with fog's params and hooks added). Verified results prove the
class and earn work points; a late joiner earns nothing; a minority result is a slash.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from chain_modules.common.context import BlockContext
from chain_modules.compute import handlers
from chain_modules.compute.types import MsgHandBackTask
from chain_modules.fog import logic
from chain_modules.fog import state as st
from chain_modules.staking import state as staking_state
from tests.modules.compute import helpers as compute
from tests.modules.compute.helpers import MASTER_A, RESULT, WORKERS, WRONG, assign, commit, heartbeat, reveal, submit
from tests.modules.fog.helpers import HOOKS, MEGA, PARAMS

W0, W1, W2, W3 = WORKERS[:4]


@dataclass
class FogComputeWorld(compute.World):
    def ctx(self) -> BlockContext:
        return replace(super().ctx(), hooks=(HOOKS,))

    def record(self, key):
        return st.get_contribution(self.state, key.address)

    def points(self, key) -> int:
        record = self.record(key)
        return 0 if record is None else record.points


def make_world() -> FogComputeWorld:
    base = compute.make_world()
    st.set_params(base.state, replace(PARAMS, capacity_deposit=compute.PARAMS.worker_min_deposit))  # weight 1 a slot
    logic.start(base.state, base.now)
    return FogComputeWorld(base.state, base.now, base.height)


def run_task(world, workers, results=None, fuel: int = MEGA, replicas: int | None = None) -> int:
    task_id = submit(world, replicas=replicas or len(workers))
    world.advance()
    assign(world, task_id, workers)
    for worker, result in zip(workers, results or [RESULT] * len(workers)):
        commit(world, task_id, worker, result=result, fuel=fuel)
    for worker in workers:
        reveal(world, task_id, worker)
    return task_id


def test_the_heartbeat_message_counts_a_window_which_earns_once_a_result_proved_the_class():
    world = make_world()
    heartbeat(world, W0)
    record = world.record(W0)
    assert (record.windows, record.proven_weight, record.points) == (0, 0, 0)  # nothing proven: the window stays open

    task_id = run_task(world, [W0, W1])
    assert world.task(task_id).state == "delivered"
    record = world.record(W0)
    # 1 megafuel = 10 work points, at 10% on probation (one verified result of two)
    assert (record.verified_results, record.proven_weight, record.fuel, record.work) == (1, 1, MEGA, 1)

    world.now += 10
    heartbeat(world, W0)
    assert world.record(W0).availability == 100 * 1 * 1_000 // 10_000
    assert world.record(MASTER_A).routing == 1  # 10% of W0's 10 availability points
    assert st.get_open_epoch(world.state).points == sum(world.points(key) for key in (W0, W1, MASTER_A))


def test_a_late_joiner_that_confirms_the_result_earns_no_work_and_the_minority_is_slashed():
    world = make_world()
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, [W0, W1])
    commit(world, task_id, W0, fuel=MEGA)
    commit(world, task_id, W1, result=WRONG, fuel=MEGA)
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    assign(world, task_id, [W2])  # both results were public: W2 is late
    commit(world, task_id, W2, fuel=MEGA)
    reveal(world, task_id, W2)
    assert world.task(task_id).state == "delivered"

    assert world.record(W0).verified_results == 1 and world.points(W0) == 1
    assert world.record(W2) is None  # it confirmed the result, but it could have copied it: no proof, no points
    assert world.record(W1).forfeited == "slashed" and world.points(W1) == 0


def test_a_minority_result_takes_the_epochs_availability_but_not_the_work_verified_before():
    world = make_world()
    run_task(world, [W0, W1, W2])  # all three verified once (weight 1, on probation)
    world.now += 10
    heartbeat(world, W1)
    assert (world.record(W1).availability, world.record(W1).work) == (10, 1)
    routing_before = world.record(MASTER_A).routing

    run_task(world, [W0, W1, W2], results=[RESULT, WRONG, RESULT])
    record = world.record(W1)
    assert (record.forfeited, record.availability, record.work, record.points) == ("slashed", 0, 1, 1)
    # the majority's second result ends their probation: 10 work points each, and 1 routing point each
    assert (world.record(W0).work, world.record(W0).verified_results) == (1 + 10, 2)
    assert world.record(MASTER_A).routing == routing_before + 2 - 1  # the routing of W1's availability came back
    assert st.get_open_epoch(world.state).points == sum(world.points(key) for key in (W0, W1, W2, W3, MASTER_A))


def test_a_heartbeat_of_a_worker_under_an_inactive_master_earns_nothing():
    world = make_world()
    run_task(world, [W0, W1])
    staking_state.set_active_master(world.state, MASTER_A.address, False)
    world.now += 10
    heartbeat(world, W0)
    assert (world.record(W0).windows, world.record(W0).availability) == (0, 0)


def test_handing_a_job_back_forfeits_the_epochs_availability_without_a_slash():
    """An available worker is one that does the work it is given: a hand-back takes the epoch's availability back
    (and its master's routing share of it) and stops it for the epoch; verified work stays, the deposit too."""
    world = make_world()
    run_task(world, [W0, W1])
    world.now += 10
    heartbeat(world, W0)
    assert (world.record(W0).availability, world.record(W0).work) == (10, 1)
    routing_before = world.record(MASTER_A).routing
    deposit_before = compute.st.get_worker(world.state, W0.address).deposit
    task_id = submit(world, replicas=2)
    world.advance()
    assign(world, task_id, [W0, W1])
    handlers.handle_hand_back_task(world.state, world.ctx(), MsgHandBackTask(W0.address, task_id))
    assert world.task(task_id).participant(W0.address) is None
    record = world.record(W0)
    assert (record.forfeited, record.availability, record.work, record.points) == ("handed_back", 0, 1, 1)
    assert world.record(MASTER_A).routing == routing_before - 1
    assert compute.st.get_worker(world.state, W0.address).deposit == deposit_before
    world.now += 10
    heartbeat(world, W0)  # the next window of the same epoch earns nothing
    assert world.record(W0).availability == 0
    assert st.get_open_epoch(world.state).points == sum(world.points(key) for key in (W0, W1, MASTER_A))


def test_a_single_unaudited_result_is_not_verified_it_earns_no_work_and_proves_nothing():
    """A result nobody else computed is the worker's word: it is paid in AMIO (the customer got what it asked
    for) but earns no work points and proves no class, so a worker that lies when it works alone gains no FOG."""
    world = make_world()  # audit_probability_bps 0: no single-replica task is ever audited
    task_id = submit(world, replicas=1)
    world.advance()
    assign(world, task_id, [W0])
    commit(world, task_id, W0, fuel=MEGA)
    world.advance()
    world.advance()  # the draw, in a later block: not audited, the reveals start
    reveal(world, task_id, W0)
    assert world.task(task_id).state == "delivered" and compute.st.get_worker(world.state, W0.address).completed == 1
    assert world.record(W0) is None and st.get_open_epoch(world.state).points == 0


def test_an_audited_lone_worker_counts_its_fuel_over_the_audit_probability_and_the_auditor_its_fuel():
    """The audited results stand for the unaudited ones: fuel x 10,000 / audit_probability_bps for the lone worker
    (the probability in force when the result is verified), the auditor's own fuel for the auditor."""
    world = make_world()
    always = replace(compute.PARAMS, audit_probability_bps=10_000)
    compute.st.set_params(world.state, always)
    task_id = submit(world, replicas=1)
    world.advance()
    assign(world, task_id, [W0])
    commit(world, task_id, W0, fuel=MEGA)
    world.advance()
    world.advance()  # the draw: audited, one more worker
    assert world.task(task_id).audit
    assign(world, task_id, [W1])
    commit(world, task_id, W1, fuel=MEGA)
    compute.st.set_params(world.state, replace(always, audit_probability_bps=2_500))
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    assert world.task(task_id).state == "delivered"
    lone, auditor = world.record(W0), world.record(W1)
    assert (lone.fuel, lone.work, lone.proven_weight) == (4 * MEGA, 4, 1)  # 40 points at 10% probation
    assert (auditor.fuel, auditor.work, auditor.proven_weight) == (MEGA, 1, 1)

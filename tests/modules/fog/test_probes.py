"""Liveness probes: the epoch's first counted heartbeat starts a draw with a later block's seed; a drawn worker's
availability is held until its probe (a compute task, verified by replication) passes, and forfeited if it fails.
Compute's handlers and end-block and fog's end-block run as the app runs them, with fog's hooks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from chain_modules.common.context import BlockContext, BlockInfo
from chain_modules.compute import epoch as compute_epoch
from chain_modules.compute import state as compute_state
from chain_modules.fog import invariants, logic
from chain_modules.fog import state as st
from chain_modules.fog.module import end_block as fog_end_block
from tests.modules.compute import helpers as compute
from tests.modules.compute.helpers import MASTER_A, RESULT, WORKERS, assign, commit, heartbeat, reveal
from tests.modules.fog.helpers import HOOKS, PARAMS

W0, W1, W2 = WORKERS[:3]
PROBE_APP = hashlib.sha256(b"probe module").hexdigest()
ALWAYS = replace(PARAMS, probe_probability_bps=10_000, capacity_deposit=compute.PARAMS.worker_min_deposit)
PROBING = replace(compute.PARAMS, probe_app=PROBE_APP)


@dataclass
class ProbeWorld(compute.World):
    def ctx(self) -> BlockContext:
        return replace(super().ctx(), hooks=(HOOKS,))

    def advance(self, seconds: int = 1, blocks: int = 1) -> None:
        """End the block as the app does (compute, then fog) and start the next one."""
        compute_epoch.end_block(self.state, self.ctx())
        fog_end_block(self.state, self.ctx(), BlockInfo())
        self.now += seconds
        self.height += blocks

    def record(self, key):
        return st.get_contribution(self.state, key.address)

    def epoch_points(self) -> int:
        return st.get_open_epoch(self.state).points

    def probe_of(self, key):
        record = self.record(key)
        return compute_state.get_task(self.state, record.probe_task)

    def check(self) -> None:
        invariants.check_points(self.state)
        invariants.check_supply(self.state)
        compute.check(self)


def make_world(fog=ALWAYS, compute_params=PROBING) -> ProbeWorld:
    base = compute.make_world(compute_params)
    st.set_params(base.state, fog)
    logic.start(base.state, base.now)
    return ProbeWorld(base.state, base.now, base.height)


def prove(world: ProbeWorld, *workers) -> None:
    """A verified result for each pair of workers (two replicas agree): their small class is proven."""
    task_id = compute.submit(world, replicas=2)
    world.advance()
    assign(world, task_id, list(workers))
    for worker in workers:
        commit(world, task_id, worker)
    for worker in workers:
        reveal(world, task_id, worker)
    assert all(world.record(w).proven_weight == 1 for w in workers)


def draw(world: ProbeWorld) -> None:
    """End the heartbeat's block, then the next one: that one draws, with its own seed."""
    world.advance()
    world.advance()


def pass_probe(world: ProbeWorld, worker, partner) -> int:
    task = world.probe_of(worker)
    assign(world, task.id, [worker, partner])
    for each in (worker, partner):
        commit(world, task.id, each)
    for each in (worker, partner):
        reveal(world, task.id, each)
    return task.id


def test_a_drawn_workers_windows_are_held_until_its_probe_passes_then_count_with_the_routing_share():
    world = make_world()
    prove(world, W0, W1)
    world.now += 10
    heartbeat(world, W0)
    record = world.record(W0)
    assert (record.probe, record.held, record.availability, record.windows) == ("drawing", 10, 0, 1)
    before = world.epoch_points()
    draw(world)  # drawn (probability 100%): a probe starts
    record = world.record(W0)
    probe = world.probe_of(W0)
    assert record.probe == "pending" and probe.probe_worker == W0.address and probe.state == "allocated"
    assert world.epoch_points() == before
    world.now += 10
    heartbeat(world, W0)  # the next window is held too
    assert world.record(W0).held == 20
    routing = world.record(MASTER_A).routing if world.record(MASTER_A) else 0
    pass_probe(world, W0, W2)
    record = world.record(W0)
    assert (record.probe, record.held, record.availability, record.work) == ("passed", 0, 20, 0)  # a probe earns no work
    assert world.record(MASTER_A).routing == routing + 2  # 10% of the 20 availability points
    assert world.epoch_points() == before + 20 + 2
    world.now += 10
    heartbeat(world, W0)  # passed: later windows count at once
    assert world.record(W0).availability == 30
    world.check()


def test_a_failed_probe_forfeits_the_epochs_availability():
    world = make_world()
    prove(world, W0, W1)
    world.now += 10
    heartbeat(world, W0)
    draw(world)
    probe = world.probe_of(W0)
    assign(world, probe.id, [W0, W2])
    commit(world, probe.id, W2)  # W0 never commits (a heartbeat-only worker)
    world.advance(world.probe_of(W0).step_deadline - world.now)
    world.advance(0)
    record = world.record(W0)
    assert (record.probe, record.forfeited, record.held, record.availability) == ("failed", "probe_failed", 0, 0)
    world.now += 10
    heartbeat(world, W0)
    assert world.record(W0).availability == 0 and world.record(W0).held == 0
    world.check()


def test_an_undrawn_worker_or_one_no_probe_can_run_for_counts_its_held_windows_at_the_draw():
    world = make_world(compute_params=compute.PARAMS)  # no probe_app: drawn or not, no probe can run
    prove(world, W0, W1)
    world.now += 10
    heartbeat(world, W0)
    assert world.record(W0).availability == 0
    draw(world)
    record = world.record(W0)
    assert (record.probe, record.held, record.availability) == ("unsampled", 0, 10)
    world.check()


def test_without_probes_a_heartbeat_counts_at_once():
    world = make_world(fog=replace(ALWAYS, probe_probability_bps=0))
    prove(world, W0, W1)
    world.now += 10
    heartbeat(world, W0)
    record = world.record(W0)
    assert (record.probe, record.availability) == ("unsampled", 10)
    assert not list(st.iter_probe_draws(world.state))
    world.check()


def test_the_draw_uses_a_later_blocks_seed_and_draws_about_the_probability():
    """sha256(seed ‖ "probe" ‖ epoch ‖ worker) mod 10,000 < probe_probability_bps, with the seed of the block that
    draws, never the heartbeat's own."""
    world = make_world(fog=replace(ALWAYS, probe_probability_bps=5_000))
    prove(world, W0, W1)
    world.now += 10
    heartbeat(world, W0)
    heartbeat(world, W1)
    heartbeat_height = world.height
    draw(world)
    drawing_seed = (world.height - 1).to_bytes(32, "big")  # the block after the heartbeat's drew
    assert heartbeat_height == world.height - 2
    for worker in (W0, W1):
        value = int.from_bytes(hashlib.sha256(drawing_seed + b"probe" + (0).to_bytes(8, "big") + worker.address)
                               .digest()[:8], "big")
        assert (world.record(worker).probe == "pending") == (value % 10_000 < 5_000)


def test_held_windows_of_an_epoch_that_closes_before_the_probe_passes_are_lost():
    world = make_world()
    prove(world, W0, W1)
    epoch = st.get_open_epoch(world.state)
    world.now = epoch.start + ALWAYS.epoch_seconds - 1
    heartbeat(world, W0)  # held
    points = world.epoch_points()
    world.advance(1)  # the heartbeat's block ends; the next one is at the epoch's end
    world.advance()  # it draws W0 (a probe starts), then closes epoch 0
    assert world.record(W0).probe == "pending" and world.record(W0).held == 10
    assert st.get_closed_epoch(world.state, 0).points == points  # the held window never counted
    heartbeat(world, W2)
    probe = pass_probe(world, W0, W2)  # it passes in epoch 1: it proves, but epoch 0 is gone
    record = world.record(W0)
    assert record.epoch == 1 and (record.probe, record.held, record.availability) == ("", 0, 0)
    assert compute_state.get_task(world.state, probe).state == "settled"
    heartbeat(world, W0)
    assert world.record(W0).probe == "drawing"  # epoch 1 draws afresh
    world.check()


def test_passing_a_probe_proves_the_class_of_an_unproven_worker():
    world = make_world()
    heartbeat(world, W0)  # nothing proven: the window is not counted, but the draw starts
    draw(world)
    assert world.record(W0).probe == "pending" and world.record(W0).proven_weight == 0
    pass_probe(world, W0, W1)
    assert world.record(W0).proven_weight == 1 and world.record(W0).probe == "passed"
    world.now += 10
    heartbeat(world, W0)
    assert world.record(W0).availability == 100 * 1_000 // 10_000  # proven, still on probation
    world.check()


def test_a_draw_entry_left_from_a_closed_epoch_does_not_draw_the_workers_next_epoch_early():
    """A heartbeat in the block that closes an epoch leaves a draw entry for the next block; the worker's first
    heartbeat of the new epoch, in that next block, starts a draw of its own, which must wait for a later block:
    the old entry (drawn with the seed of the block the new heartbeat went into, which the worker could know when
    it sent it) must not draw it."""
    world = make_world()
    prove(world, W0, W1)
    epoch = st.get_open_epoch(world.state)
    world.now = epoch.start + ALWAYS.epoch_seconds  # block h: epoch 0 closes at its end
    heartbeat(world, W0)  # an entry at h, for epoch 0
    world.advance(1)
    assert st.get_open_epoch(world.state).index == 1
    heartbeat(world, W0)  # block h+1, epoch 1: a draw entry of its own at h+1
    record = world.record(W0)
    assert record.epoch == 1 and record.probe == "drawing" and record.probe_task == world.height
    world.advance()  # block h+1 ends: the entry of h is stale, the one of h+1 waits for a later block
    assert world.record(W0).probe == "drawing"
    world.advance()  # block h+2 draws it
    assert world.record(W0).probe == "pending"
    world.check()

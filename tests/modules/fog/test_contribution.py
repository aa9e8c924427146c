"""Contribution points as compute reports them (FogHooks): availability per window under an active master,
weighted by proven capability; verified work; loyalty and probation factors; slashes; the master's routing share.

Pre state, hook, post state. Numbers follow helpers.PARAMS: 100 points per counted window and unit of proven
weight, 10 work points per megafuel, +5% loyalty per epoch up to +15%, 10% until two verified results, 10% routing.
"""

from __future__ import annotations

from chain_modules.fog import logic
from chain_modules.fog import state as st
from chain_modules.staking import state as staking_state
from tests.modules.fog.helpers import (
    INACTIVE_MASTER,
    MASTER,
    MEGA,
    OTHER_MASTER,
    W0,
    W1,
    W2,
    PARAMS,
    WORKERS,
    events_of,
    make_world,
    register,
)


def proven(world, worker, class_name: str = "small", results: int = 2) -> None:
    """Verified results without fuel: they prove ``class_name`` and end probation (two results), earning no work points."""
    for _ in range(results):
        world.verified(worker, fuel=0, class_name=class_name)


def epoch_points(world) -> int:
    return st.get_open_epoch(world.state).points


# -- availability -------------------------------------------------------------------------------------


def test_a_heartbeat_counts_its_window_once():
    world = make_world()
    proven(world, W0)

    world.heartbeat(W0)
    world.now += 9  # still window 0 (windows are 10 s)
    world.heartbeat(W0)
    record = world.record(W0)
    assert (record.windows, record.last_window, record.availability, record.points) == (1, 0, 100, 100)

    world.now += 1  # window 1
    world.heartbeat(W0)
    world.heartbeat(W0)
    record = world.record(W0)
    assert (record.windows, record.last_window, record.availability) == (2, 1, 200)
    assert epoch_points(world) == 200 + 20  # the worker's and its master's routing share
    world.check()


def test_a_heartbeat_after_the_epochs_nominal_end_counts_in_its_last_window():
    world = make_world()
    proven(world, W0)
    world.now += 59
    world.heartbeat(W0)
    world.now += 30  # the epoch closes at the next block end; until then the last window holds
    world.heartbeat(W0)
    record = world.record(W0)
    assert (record.windows, record.last_window, record.availability) == (1, 5, 100)


def test_availability_counts_only_while_the_master_is_active():
    world = make_world()
    proven(world, W0)

    world.heartbeat(W0, INACTIVE_MASTER)
    record = world.record(W0)
    assert (record.windows, record.last_window, record.points) == (0, -1, 0)
    assert world.points(INACTIVE_MASTER) == 0 and epoch_points(world) == 0

    staking_state.set_active_master(world.state, INACTIVE_MASTER.address, True)
    world.heartbeat(W0, INACTIVE_MASTER)  # the same window counts once the master is active
    assert (world.record(W0).windows, world.points(W0), world.points(INACTIVE_MASTER)) == (1, 100, 10)

    staking_state.set_active_master(world.state, INACTIVE_MASTER.address, False)
    world.now += 10
    world.heartbeat(W0, INACTIVE_MASTER)
    assert (world.record(W0).windows, world.points(W0)) == (1, 100)
    world.check()


def test_availability_is_zero_before_any_verified_result_and_the_window_stays_open():
    world = make_world()
    world.heartbeat(W0)
    record = world.record(W0)
    assert (record.windows, record.last_window, record.points) == (0, -1, 0)
    world.verified(W0)  # a result proves the small class: the same window now counts
    world.heartbeat(W0)
    assert (world.record(W0).windows, world.record(W0).availability) == (1, 100 * 1_000 // 10_000)
    world.check()


def test_availability_needs_a_recent_proof_and_a_deposit_that_can_be_given_work():
    from dataclasses import replace

    from chain_modules.compute import state as compute_state

    from tests.modules.fog.helpers import PARAMS

    world = make_world(replace(PARAMS, proof_valid_epochs=2))
    world.verified(W0)
    world.close_epoch()
    world.close_epoch()
    world.heartbeat(W0)  # two epochs after its last verified result: the proof has lapsed
    assert world.record(W0).availability == 0
    world.verified(W0)
    world.heartbeat(W0)
    assert world.record(W0).availability > 0
    params = compute_state.get_params(world.state)
    worker = compute_state.get_worker(world.state, W1.address)
    compute_state.set_worker(world.state, params, worker.with_(deposit=params.worker_min_deposit - 1), worker,
                             params.heartbeat_timeout_seconds)
    world.verified(W1)
    world.heartbeat(W1)  # below the minimum deposit, no master can assign it: no availability
    assert world.record(W1).availability == 0
    world.check()


def test_availability_is_weighted_by_the_largest_proven_class():
    world = make_world()
    world.verified(W0, class_name="small")  # weight 1, still on probation (1 of 2 results)
    world.heartbeat(W0)
    assert world.points(W0) == 100 * 1 * 1_000 // 10_000

    world.verified(W0, class_name="gpu")  # weight 4 cores + 4 x 1 gpu = 8; probation over
    world.now += 10
    world.heartbeat(W0)
    assert world.points(W0) == 10 + 800

    world.verified(W0, class_name="small")  # a smaller class does not lower the proven weight
    world.now += 10
    world.heartbeat(W0)
    assert world.record(W0).proven_weight == 8
    assert world.points(W0) == 10 + 800 + 800
    world.check()


def test_capacity_weight_is_slots_times_proven_weight_bounded_by_the_machine_and_the_deposit():
    """capacity weight = min(slots x proven weight, cores + 4 x gpu, deposit // capacity_deposit)."""
    world = make_world()
    unit = PARAMS.capacity_deposit
    cases = [  # (cores, gpu, slots, deposit units, proven class) -> weight, and which bound holds
        (8, 0, 4, 100, "medium", 8),   # 4 slots x 2 = 8, the machine 8, the deposit 100: 8
        (8, 0, 4, 100, "large", 8),    # 4 x 4 = 16, but the machine has 8 cores
        (4, 1, 3, 100, "medium", 6),   # 3 x 2 = 6 below the machine's 4 + 4
        (16, 0, 8, 5, "large", 5),     # 8 x 4 = 32, 16 cores, but a deposit for 5 units only
    ]
    for index, (cores, gpu, slots, units, class_name, weight) in enumerate(cases):
        worker = WORKERS[index]
        register(world.state, worker, cpu_cores=cores, gpu=gpu, slots=slots, deposit=units * unit)
        proven(world, worker, class_name)
        world.heartbeat(worker)
        record = world.record(worker)
        assert logic.capacity_weight(world.state, PARAMS, record, worker.address) == weight, index
        assert record.availability == 100 * weight, index
    world.check()


def test_a_machine_split_into_several_workers_earns_no_more_availability_than_one_worker():
    """One 8-core machine with 8 units of deposit, as one worker of 8 slots or as two workers of 4 slots and 4
    units each: both earn 8 x 100 points a window."""
    world = make_world()
    unit = PARAMS.capacity_deposit
    register(world.state, W0, cpu_cores=8, gpu=0, slots=8, deposit=8 * unit)
    for half in (W1, W2):
        register(world.state, half, cpu_cores=4, gpu=0, slots=4, deposit=4 * unit)
    for worker in (W0, W1, W2):
        proven(world, worker, "large")
        world.heartbeat(worker)
    assert world.points(W0) == world.points(W1) + world.points(W2) == 800
    world.check()


def test_proven_capability_carries_into_later_epochs():
    world = make_world()
    proven(world, W0, class_name="medium")
    world.close_epoch()
    world.heartbeat(W0)
    record = world.record(W0)
    assert (record.epoch, record.proven_weight, record.verified_results) == (1, 2, 2)
    assert record.availability == 200


# -- verified work ------------------------------------------------------------------------------------


def test_verified_fuel_earns_work_points_and_the_tasks_master_its_routing_share():
    world = make_world()
    proven(world, W0)
    world.verified(W0, fuel=3 * MEGA, master=OTHER_MASTER)
    record = world.record(W0)
    assert (record.work, record.fuel, record.points, record.verified_results) == (30, 3 * MEGA, 30, 3)
    assert world.record(OTHER_MASTER).routing == 3 and world.points(MASTER) == 0
    assert epoch_points(world) == 33
    world.check()


def test_verified_work_counts_without_a_heartbeat_and_under_an_inactive_master():
    """Work was verified by the majority: it counts whatever the worker's availability."""
    world = make_world()
    proven(world, W0)
    world.verified(W0, fuel=MEGA, master=INACTIVE_MASTER)
    assert world.points(W0) == 10 and world.record(W0).windows == 0


def test_work_points_are_on_probation_too():
    world = make_world()
    world.verified(W0, fuel=5 * MEGA)  # first result: 50 points at 10%
    assert world.points(W0) == 5
    world.verified(W0, fuel=5 * MEGA)  # second: probation ends with it
    assert world.points(W0) == 5 + 50


def test_fuel_below_a_work_point_carries_to_the_next_result_of_the_epoch():
    """10 work points per megafuel: two results of 50,000 fuel make one point, as one of 100,000 would."""
    world = make_world()
    proven(world, W0)
    world.verified(W0, fuel=50_000)
    assert world.points(W0) == 0
    world.verified(W0, fuel=50_000)
    assert (world.record(W0).fuel, world.points(W0)) == (100_000, 1)
    world.verified(W0, fuel=250_000)
    assert (world.record(W0).fuel, world.points(W0)) == (350_000, 3)
    world.check()


# -- loyalty and probation ----------------------------------------------------------------------------


def test_loyalty_grows_with_consecutive_contributing_epochs_up_to_its_cap():
    world = make_world()
    proven(world, W0)
    earned = []
    for _epoch in range(5):
        world.heartbeat(W0)
        earned.append((world.record(W0).streak, world.points(W0)))
        world.close_epoch()
    assert earned == [(0, 100), (1, 105), (2, 110), (3, 115), (4, 115)]


def test_an_epoch_without_contribution_resets_loyalty():
    world = make_world()
    proven(world, W0)
    for _epoch in range(2):
        world.heartbeat(W0)
        world.close_epoch()
    world.close_epoch()  # nothing earned in epoch 2
    world.heartbeat(W0)
    assert (world.record(W0).streak, world.points(W0)) == (0, 100)


def test_a_touch_without_points_does_not_count_as_contributing():
    """A heartbeat under an inactive master touches the record but earns nothing: the streak still breaks."""
    world = make_world()
    proven(world, W0)
    world.heartbeat(W0)
    world.close_epoch()
    world.heartbeat(W0, INACTIVE_MASTER)
    world.close_epoch()
    world.heartbeat(W0)
    assert (world.record(W0).streak, world.points(W0)) == (0, 100)


def test_probation_holds_until_the_workers_verified_results_reach_the_param():
    world = make_world()
    world.verified(W0)
    world.heartbeat(W0)
    assert world.points(W0) == 10  # 100 x 10%
    world.verified(W0)
    world.now += 10
    world.heartbeat(W0)
    assert world.points(W0) == 10 + 100


def test_loyalty_and_probation_multiply():
    world = make_world()
    world.verified(W0, class_name="gpu")
    world.heartbeat(W0)
    assert world.points(W0) == 80
    world.close_epoch()
    world.heartbeat(W0)  # streak 1 (+5%), still on probation (10%)
    assert world.points(W0) == 800 * 10_500 * 1_000 // 10_000**2 == 84


# -- slashes ------------------------------------------------------------------------------------------


def test_a_slash_takes_the_epochs_availability_and_the_masters_routing_of_it_back():
    world = make_world()
    proven(world, W0)
    world.heartbeat(W0)
    world.now += 10
    world.heartbeat(W0)
    world.verified(W0, fuel=MEGA)  # 10 work points, 1 routing point
    world.heartbeat(W1)
    assert (world.points(W0), world.points(MASTER), epoch_points(world)) == (210, 21, 231)
    # W1 is not proven: its heartbeat earns nothing, nor routing

    world.slash(W0)
    record = world.record(W0)
    assert (record.forfeited, record.availability, record.work, record.points) == ("slashed", 0, 10, 10)
    master = world.record(MASTER)
    assert (master.routing, master.points) == (1, 1)  # the routing share of the verified work stays
    assert epoch_points(world) == 11
    world.check()

    world.now += 10
    world.heartbeat(W0)  # a slashed worker earns no more availability this epoch
    assert world.points(W0) == 10 and world.record(W0).windows == 2
    world.verified(W0, fuel=MEGA)  # ... but its verified work still counts
    assert world.points(W0) == 20

    world.close_epoch()
    world.heartbeat(W0)
    record = world.record(W0)
    assert (record.forfeited, record.availability) == ("", 100 * 10_500 // 10_000)  # a new epoch, loyalty kept
    world.check()


def test_a_slash_without_points_only_marks_the_epoch():
    world = make_world()
    world.slash(W2)
    record = world.record(W2)
    assert (record.forfeited, record.points) == ("slashed", 0) and epoch_points(world) == 0
    world.check()


def test_a_worker_that_moves_to_another_master_gives_routing_to_the_first_only_and_a_slash_takes_it_back():
    """A worker may unregister and register under another master in the same epoch: its availability routes to
    the first master that earned from it, so a slash takes back exactly what that master got."""
    world = make_world()
    proven(world, W0)
    world.heartbeat(W0, MASTER)
    world.now += 10
    world.heartbeat(W0, OTHER_MASTER)
    assert (world.points(W0), world.points(MASTER), world.points(OTHER_MASTER)) == (200, 10, 0)

    world.slash(W0)
    assert (world.points(W0), world.points(MASTER), world.points(OTHER_MASTER)) == (0, 0, 0)
    world.check()
    world.close_epoch()
    assert world.settle(MASTER) == world.settle(OTHER_MASTER) == world.settle(W0) == 0
    world.check()


# -- the master's routing share -----------------------------------------------------------------------


def test_each_master_earns_the_routing_share_of_its_pool():
    world = make_world()
    for worker in (W0, W1, W2):
        proven(world, worker)
    world.heartbeat(W0, MASTER)
    world.heartbeat(W1, MASTER)
    world.heartbeat(W2, OTHER_MASTER)
    assert (world.record(MASTER).routing, world.record(OTHER_MASTER).routing) == (20, 10)
    assert world.record(W0).routing_master == MASTER.address and world.record(W0).routing_given == 10
    assert epoch_points(world) == 300 + 30
    world.check()


def test_a_master_in_its_own_pool_earns_no_routing_from_itself_and_settles_once():
    """A master node's operator may register its own address as a worker in its pool. Its heartbeat must not
    route to itself: the two records are one, and its earlier epoch must be settled once, not twice."""
    world = make_world()
    proven(world, MASTER)
    world.heartbeat(MASTER, MASTER)
    assert (world.points(MASTER), world.record(MASTER).routing) == (100, 0)
    world.check()
    world.close_epoch()

    world.heartbeat(MASTER, MASTER)  # settles epoch 0: it was the only earner
    assert world.balance(MASTER) == 9_000_000
    assert st.get_closed_epoch(world.state, 0).remaining == 0
    assert world.points(MASTER) == 105
    world.check()


def test_the_events_of_a_settlement_name_the_earner_the_epoch_and_the_amount():
    world = make_world()
    proven(world, W0)
    world.heartbeat(W0)
    world.close_epoch()
    world.state.take_events()
    world.heartbeat(W0)
    settled = events_of(world.state, "fog_settled")
    assert settled == [  # the worker, then its master (touched for its routing share), each for epoch 0
        {"address": W0.bech32, "epoch": "0", "points": "100", "amount": f"{9_000_000 * 100 // 110}ufog"},
        {"address": MASTER.bech32, "epoch": "0", "points": "10", "amount": f"{9_000_000 - 9_000_000 * 100 // 110}ufog"},
    ]

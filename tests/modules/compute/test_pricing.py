"""Epoch pricing: next_price moves a class price towards the target utilisation by a bounded integer step,
and update_prices applies it to every class from the network capacity, keeping a pruned history."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies

from chain_modules.compute import epoch, handlers, invariants
from chain_modules.compute import state as st
from chain_modules.compute.errors import ErrPriceAboveLimit
from chain_modules.compute.types import BPS, ComputeParams, MsgSubmitTask, ResourceClass
from chain_modules.staking import state as staking_state
from tests.modules.compute.helpers import (
    APP_HASH,
    CUSTOMER,
    INPUT_HASH,
    PARAMS,
    WORKERS,
    World,
    assign,
    check,
    events_of,
    make_world,
    submit,
)

W0, W1, W2, W3 = WORKERS[:4]
DEFAULT = ComputeParams()  # target 7000 bps, step 500 bps, prices in [10, 10^9]


# -- next_price ------------------------------------------------------------------------------------


def test_price_rises_by_the_full_step_at_full_utilisation():
    assert epoch.next_price(DEFAULT, 1_000, BPS) == 1_050


def test_price_falls_by_the_full_step_at_zero_utilisation():
    assert epoch.next_price(DEFAULT, 1_000, 0) == 950


def test_price_does_not_move_at_the_target():
    assert epoch.next_price(DEFAULT, 1_000, DEFAULT.target_utilisation_bps) == 1_000


def test_step_is_proportional_to_the_distance_from_the_target():
    assert epoch.next_price(DEFAULT, 1_000, 8_500) == 1_025  # half way from 7000 to 10000: half the step
    assert epoch.next_price(DEFAULT, 1_000, 3_500) == 975  # half way from 7000 to 0


@pytest.mark.parametrize("utilisation, expected", [(7_001, 101), (6_999, 99), (10_000, 105), (0, 95)])
def test_price_moves_at_least_one_uamio_when_off_target(utilisation, expected):
    assert epoch.next_price(DEFAULT, 100, utilisation) == expected


def test_at_least_one_uamio_even_with_a_zero_step_parameter():
    params = replace(DEFAULT, price_step_bps=0)
    assert epoch.next_price(params, 1_000, BPS) == 1_001
    assert epoch.next_price(params, 1_000, 0) == 999


@pytest.mark.parametrize("price, utilisation, expected", [
    (1_000_000_000, BPS, 1_000_000_000),  # at the maximum, full demand cannot raise it
    (999_999_999, BPS, 1_000_000_000),  # a full step would overshoot: clamped
    (10, 0, 10),  # at the minimum, no demand cannot lower it
    (10, 6_999, 10),
    (2_000_000_000, 7_000, 1_000_000_000),  # out of range after a parameter change: clamped back in
    (1, 7_000, 10),
])
def test_price_is_clamped_to_the_bounds(price, utilisation, expected):
    assert epoch.next_price(DEFAULT, price, utilisation) == expected


def test_prices_are_integers():
    for utilisation in (0, 1, 3_333, 7_000, 9_999, BPS):
        assert type(epoch.next_price(DEFAULT, 12_345, utilisation)) is int


@settings(max_examples=300, deadline=None)
@given(
    target=strategies.integers(1, BPS - 1),
    step_bps=strategies.integers(0, BPS),
    bounds=strategies.tuples(strategies.integers(1, 10**9), strategies.integers(1, 10**9)).map(sorted),
    data=strategies.data(),
)
def test_next_price_stays_in_bounds_moves_the_right_way_by_a_bounded_step(target, step_bps, bounds, data):
    low, high = bounds
    params = replace(DEFAULT, target_utilisation_bps=target, price_step_bps=step_bps, min_price=low, max_price=high)
    price = data.draw(strategies.integers(low, high), label="price")
    utilisation = data.draw(strategies.one_of(strategies.integers(0, BPS), strategies.just(target)), label="utilisation")
    new = epoch.next_price(params, price, utilisation)
    assert type(new) is int
    assert low <= new <= high
    assert abs(new - price) <= max(1, price * step_bps // BPS)
    if utilisation > target:
        assert new > price or new == high
    elif utilisation < target:
        assert new < price or new == low
    else:
        assert new == price


# -- update_prices over the capacity of the network ------------------------------------------------------


def quiet_world(params: ComputeParams = PARAMS) -> World:
    """A fresh world one block past a price epoch (make_world starts at an epoch height)."""
    world = make_world(params)
    world.height += 1
    return world


def end_epoch(world: World) -> None:
    """Run compute end_block at the next height that is a price epoch."""
    while world.height % world_params(world).price_epoch_blocks:
        world.advance()
    world.advance()
    check(world)


def world_params(world: World) -> ComputeParams:
    return st.get_params(world.state)


def price(world: World, class_name: str = "small") -> int:
    return st.get_price(world.state, world_params(world), class_name)


def history(world: World, class_name: str = "small") -> list[tuple[int, list]]:
    return list(st.iter_price_history(world.state, class_name))


def busy(world: World, count: int) -> None:
    """Occupy ``count`` of the four one-slot workers with single-replica tasks."""
    task_ids = [submit(world, replicas=1, end_block=False) for _ in range(count)]
    world.advance()  # the submissions' block
    world.advance()  # the next one allocates them
    for task_id, worker in zip(task_ids, WORKERS):
        assign(world, task_id, [worker])


def test_idle_network_lowers_the_price_of_the_classes_it_serves():
    world = quiet_world()
    end_epoch(world)
    assert price(world) == 950  # 0 of 4 slots busy
    assert price(world, "big") == 5_000  # no online worker fits "big": no move
    assert st.get_price_epoch(world.state) == 1


def busy_through_an_epoch(world: World, count: int) -> int:
    """Occupy ``count`` workers, finish the epoch that started idle, and return the price before a whole busy epoch."""
    busy(world, count)
    end_epoch(world)  # partly idle: the tasks were submitted and assigned during it
    [partial] = events_of(world, "price_updated")[-2:-1]
    assert 0 < int(partial["utilisation_bps"]) < count * BPS // 4  # an average over the epoch's blocks
    return price(world)


def test_busy_network_raises_the_price():
    world = quiet_world()
    before = busy_through_an_epoch(world, 4)
    end_epoch(world)
    assert price(world) == before + before * 500 // BPS
    [small, big] = events_of(world, "price_updated")[-2:]
    assert small == {"class_name": "small", "epoch": "2", "price": str(price(world)), "old_price": str(before),
                     "utilisation_bps": "10000"}
    assert big["price"] == big["old_price"] == "5000" and big["utilisation_bps"] == "0"


def test_utilisation_counts_busy_slots_of_online_workers():
    world = quiet_world()
    before = busy_through_an_epoch(world, 2)  # then 5000 bps, 2000 below the target of 7000: 2/7 of the 5% step
    end_epoch(world)
    assert price(world) == before - before * 500 * 2_000 // (BPS * 7_000)
    assert history(world)[-1][1][2:] == [5_000, 4]


def test_no_online_slot_means_no_move():
    world = quiet_world()
    for _ in range(PARAMS.heartbeat_timeout_seconds + 1):
        world.advance()
    assert st.get_capacity(world.state, PARAMS, None)["small"] == [0, 0, 0]
    offline_price = price(world)
    end_epoch(world)
    end_epoch(world)
    assert price(world) == offline_price
    assert [entry[1:] for _epoch, entry in history(world)[-2:]] == [[offline_price, 0, 0]] * 2


def test_prices_move_only_at_epoch_heights():
    world = quiet_world()
    for _ in range(PARAMS.price_epoch_blocks - 1):
        world.advance()
        assert price(world) == 1_000 and st.get_price_epoch(world.state) == 0
    world.advance()
    assert price(world) == 950 and st.get_price_epoch(world.state) == 1


def test_every_epoch_is_recorded_in_the_history():
    world = quiet_world()
    heights = []
    for _ in range(3):
        end_epoch(world)
        heights.append(world.height - 1)
    assert [(n, entry) for n, entry in history(world)] == [
        (1, [heights[0], 950, 0, 4]), (2, [heights[1], 903, 0, 4]), (3, [heights[2], 858, 0, 4]),
    ]  # 5% of 950 is 47.5 and of 903 is 45.15: steps round down


def test_history_is_pruned_to_price_history_length():
    world = quiet_world(replace(PARAMS, price_history_length=3))
    for _ in range(7):
        end_epoch(world)
    assert [n for n, _entry in history(world)] == [5, 6, 7]
    assert [n for n, _entry in history(world, "big")] == [5, 6, 7]



def test_history_is_pruned_after_price_history_length_is_lowered():
    world = quiet_world(replace(PARAMS, price_history_length=10))
    for _ in range(6):
        end_epoch(world)
    st.set_params(world.state, replace(PARAMS, price_history_length=2))
    end_epoch(world)
    assert [n for n, _entry in history(world)] == [6, 7]


def test_update_prices_reports_the_online_workers_to_staking():
    world = quiet_world()
    end_epoch(world)
    assert staking_state.get_active_workers(world.state) == 4


def test_a_task_keeps_the_price_it_was_submitted_at():
    world = quiet_world()
    task_id = submit(world, replicas=1)
    end_epoch(world)
    assert price(world) != 1_000
    assert world.task(task_id).price == 1_000


def test_submission_after_a_rise_pays_the_new_price_or_is_refused_above_the_limit():
    world = quiet_world()
    before = busy_through_an_epoch(world, 4)
    end_epoch(world)
    new_price = price(world)
    assert new_price > before
    task_id = submit(world, replicas=1)
    assert world.task(task_id).price == new_price and world.task(task_id).escrow == new_price + 10
    with pytest.raises(ErrPriceAboveLimit):
        handlers.handle_submit_task(world.state, world.ctx(), MsgSubmitTask(
            CUSTOMER.address, APP_HASH, INPUT_HASH, 100, "small", 1, 1_000_000, new_price - 1, 500))


def test_a_class_added_by_a_parameter_change_counts_the_workers_that_fit_it():
    world = quiet_world()
    params = replace(PARAMS, classes=PARAMS.classes + (ResourceClass("tiny", 1, 0, 256, 512, 500),))
    st.set_params(world.state, params)
    task_id = submit(world, replicas=1)
    world.advance()
    assign(world, task_id, [W0])
    assert st.get_capacity(world.state, params, None)["tiny"] == [3, 4, 3]  # W0's only slot is taken
    invariants.check(world.state)

"""Epoch close and lazy settlement: the closing block mints the emission as one record (no earner is touched),
and each earner takes points x remaining / points_remaining when it is next touched, so the last one takes
exactly what is left.

The sequential rule is exact in total; each earner gets at least the floor of its proportional share
points x emission / total, and at most that plus the number of earners that settled before it (their floors'
dust moves on to the later ones).
"""

from __future__ import annotations

import itertools

from chain_modules.fog import keys
from chain_modules.fog import state as st
from tests.modules.fog.helpers import MASTER, NOW, OTHER_MASTER, PARAMS, WORKERS, events_of, make_world

EMISSION = PARAMS.emission_per_epoch


def earners_world(classes=("small", "medium", "large", "gpu")):
    """One worker per class (weights 1, 2, 4, 8), each past probation with one heartbeat; the first two under
    MASTER, the others under OTHER_MASTER."""
    world = make_world()
    for worker, class_name in zip(WORKERS, classes):
        world.verified(worker, class_name=class_name)
        world.verified(worker, class_name=class_name)
    for index, worker in enumerate(WORKERS[:len(classes)]):
        world.heartbeat(worker, MASTER if index < 2 else OTHER_MASTER)
    return world


def test_an_epoch_without_points_mints_nothing():
    world = make_world()
    world.heartbeat(WORKERS[0])  # unproven: a window, no points
    world.close_epoch()
    epoch = st.get_closed_epoch(world.state, 0)
    assert (epoch.start, epoch.end, epoch.emission, epoch.points, epoch.remaining, epoch.locker_emission) == \
        (NOW, NOW + 60, 0, 0, 0, 0)
    ledger = st.get_ledger(world.state)
    assert (ledger.minted, ledger.provider_unsettled, ledger.supply) == (0, 0, 0)
    assert world.settle(WORKERS[0]) == 0
    world.check()


def test_an_epoch_closes_at_the_first_block_at_or_after_its_end_and_the_next_starts_there():
    world = make_world()
    world.now = NOW + 59
    world.end_block()
    assert st.get_open_epoch(world.state).index == 0
    world.now = NOW + 63
    world.end_block()
    opened = st.get_open_epoch(world.state)
    assert (opened.index, opened.start, opened.points) == (1, NOW + 63, 0)
    assert st.get_closed_epoch(world.state, 0).end == NOW + 63
    assert events_of(world.state, "fog_epoch_closed")[-1]["epoch"] == "0"


def test_the_closing_block_writes_a_constant_number_of_records_whatever_the_earners():
    world = earners_world()
    world.state = type(world.state)(world.state)  # a fresh layer: only the closing block's writes in it
    world.now = NOW + 60
    world.end_block()
    written = {key for key in world.state.writes}
    assert written == {keys.EPOCH_KEY, keys.epoch_key(0), keys.LEDGER_KEY}
    epoch = st.get_closed_epoch(world.state, 0)
    points = 100 * (1 + 2 + 4 + 8) + 10 * (1 + 2) + 10 * (4 + 8)
    assert (epoch.emission, epoch.points, epoch.remaining, epoch.points_remaining) == (EMISSION, points, EMISSION, points)
    ledger = st.get_ledger(world.state)
    assert (ledger.minted, ledger.provider_unsettled, ledger.settled) == (EMISSION, EMISSION, 0)
    world.check()


def test_lazy_settlement_in_any_order_matches_the_proportional_shares_and_pays_the_whole_emission():
    earners = [*WORKERS[:4], MASTER, OTHER_MASTER]
    for order in itertools.islice(itertools.permutations(earners), 0, None, 37):  # 20 of the 720 orders
        world = earners_world()
        points = {key.name: world.points(key) for key in earners}
        total = sum(points.values())
        world.close_epoch()
        credited = []
        for position, key in enumerate(order):
            amount = world.settle(key)
            fair = points[key.name] * EMISSION // total
            assert fair <= amount <= fair + position, (order, key.name, amount, fair)
            credited.append(amount)
        assert sum(credited) == EMISSION
        epoch = st.get_closed_epoch(world.state, 0)
        assert (epoch.remaining, epoch.points_remaining) == (0, 0)
        world.check()


def test_the_sequential_rule_moves_each_floors_dust_to_the_later_earners():
    """Three earners of 1 point share 10 ufog: 3, then 3 of 7 for 2 points, then the last takes 4."""
    from dataclasses import replace

    world = make_world(replace(PARAMS, emission_per_epoch=10, routing_bps=0))
    for worker in WORKERS[:3]:
        world.verified(worker)
        world.verified(worker)
        world.verified(worker, fuel=100_000)  # one work point each, no heartbeat
    world.close_epoch()
    assert [world.settle(worker) for worker in WORKERS[:3]] == [3, 3, 4]


def test_an_earner_gets_its_last_contributing_epoch_at_its_next_touch_however_late():
    world = earners_world(classes=("small",))
    world.close_epoch()
    world.close_epoch()
    world.close_epoch()
    assert world.balance(WORKERS[0]) == 0
    world.heartbeat(WORKERS[0])  # in epoch 3: settles epoch 0
    expected = 100 * EMISSION // 110
    record = world.record(WORKERS[0])
    assert world.balance(WORKERS[0]) == expected
    assert (record.epoch, record.total, record.history, record.streak) == (3, expected, ((0, expected),), 0)
    assert [st.get_closed_epoch(world.state, index).emission for index in (1, 2)] == [0, 0]
    world.check()


def test_settling_twice_credits_once():
    world = earners_world(classes=("small",))
    world.close_epoch()
    first = world.settle(WORKERS[0])
    assert first == 100 * EMISSION // 110
    assert world.settle(WORKERS[0]) == 0
    world.heartbeat(WORKERS[0])
    assert world.balance(WORKERS[0]) == first
    world.check()

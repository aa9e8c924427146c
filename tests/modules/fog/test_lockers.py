"""The lockers' ninth: 1/9 of each epoch's providers' emission, shared by investor locks pro rata to amount x
seconds locked in the epoch, settled lazily through per-epoch rates and a cumulative rate.

Locks are made and withdrawn through the real locks handlers and end block (which call fog's hooks), so the
wiring is exercised too. A worker earns in every epoch below, so that each epoch has an emission.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from math import floor

from chain_modules.fog import state as st
from chain_modules.fog.types import RATE_SCALE
from tests.modules.fog.helpers import LOCKERS, NOW, PARAMS, W0, events_of, make_world

L0, L1, L2 = LOCKERS[:3]
NINTH = PARAMS.emission_per_epoch // 9  # 1,000,000 ufog per epoch


def earning_world(params=PARAMS):
    world = make_world(params)
    world.verified(W0)
    world.verified(W0)
    return world


def keep_earning(world) -> None:
    """W0's heartbeat: the open epoch has points, so it will mint."""
    world.heartbeat(W0)


def by_rate(world, *parts: tuple[int, int, int]) -> int:
    """What settlement credits for (epoch, amount, seconds) parts: the sum of amount x seconds x the epoch's rate,
    floored once. The rate itself is floored, so a lock alone in an epoch gets its ninth less at most 1 ufog."""
    return sum(amount * seconds * st.get_closed_epoch(world.state, epoch).rate for epoch, amount, seconds in parts) // RATE_SCALE


def shares(world, owner) -> list[int]:
    return [lock_id for _owner, lock_id, _share in st.iter_shares(world.state, owner.address)]


def test_the_ninth_is_shared_by_amount_times_seconds_across_partial_first_and_last_epochs():
    world = earning_world()
    keep_earning(world)
    world.lock(L0, 300, 1_000)  # from NOW, through both epochs
    world.advance(30)
    world.lock(L1, 100, 45)  # from NOW+30; ends at NOW+75, in epoch 1
    world.close_epoch()  # at NOW+60
    epoch0 = st.get_closed_epoch(world.state, 0)
    assert (epoch0.locker_emission, epoch0.locked_seconds) == (NINTH, 300 * 60 + 100 * 30)
    assert epoch0.rate == NINTH * RATE_SCALE // 21_000

    keep_earning(world)
    world.advance(75 - 61)  # to NOW+75: the lock's expiry is processed in this block
    world.end_block()
    assert st.get_share(world.state, L1.address, 2).stopped == NOW + 75
    world.close_epoch()  # at NOW+120
    epoch1 = st.get_closed_epoch(world.state, 1)
    assert epoch1.locked_seconds == 300 * 60 + 100 * 15

    # brute force: each lock's part of each epoch's ninth, by amount x seconds
    owed_l0 = Fraction(NINTH * 300 * 60, 21_000) + Fraction(NINTH * 300 * 60, 19_500)  # 857,142.86 + 923,076.92
    owed_l1 = Fraction(NINTH * 100 * 30, 21_000) + Fraction(NINTH * 100 * 15, 19_500)  # 142,857.14 + 76,923.08
    assert world.settle(L0) == by_rate(world, (0, 300, 60), (1, 300, 60)) == floor(owed_l0) == 1_780_219
    assert world.settle(L1) == by_rate(world, (0, 100, 30), (1, 100, 15)) == floor(owed_l1) == 219_780
    assert shares(world, L0) == [1] and shares(world, L1) == []  # the ended lock is fully settled and forgotten
    ledger = st.get_ledger(world.state)
    assert ledger.locker_unsettled == 2 * NINTH - 1_780_219 - 219_780  # the floors' dust stays unsettled
    world.check()


def test_a_share_settles_only_closed_epochs_and_resumes_where_it_stopped():
    world = earning_world()
    keep_earning(world)
    world.lock(L0, 100, 1_000)
    world.close_epoch()
    keep_earning(world)
    assert world.settle(L0) == by_rate(world, (0, 100, 60)) == NINTH - 1  # the only lock of epoch 0; the rate floors
    assert world.settle(L0) == 0  # nothing new until epoch 1 closes
    share = st.get_share(world.state, L0.address, 1)
    assert (share.epoch, share.since) == (1, NOW + 60)
    world.close_epoch()
    assert world.settle(L0) == by_rate(world, (1, 100, 60)) == NINTH - 1
    world.check()


def test_a_lock_created_in_the_block_that_closes_the_epoch_earns_from_the_next():
    world = earning_world()
    keep_earning(world)
    world.lock(L0, 100, 1_000)
    world.advance(60)
    world.lock(L1, 100, 1_000)  # same block time as the close: no second of epoch 0
    world.end_block()
    assert st.get_closed_epoch(world.state, 0).locked_seconds == 100 * 60
    world.now += 1
    keep_earning(world)
    world.close_epoch()
    assert world.settle(L1) == by_rate(world, (1, 100, 60)) == NINTH // 2 - 1  # half of epoch 1, nothing of epoch 0
    assert world.settle(L0) == by_rate(world, (0, 100, 60), (1, 100, 60)) == NINTH - 1 + NINTH // 2


def test_a_withdrawn_lock_is_settled_and_forgotten():
    world = earning_world()
    keep_earning(world)
    lock_id = world.lock(L0, 100, 10)
    world.advance(10)  # expiry processed at NOW+10
    world.close_epoch()
    world.state.take_events()
    world.withdraw(L0, lock_id)
    assert world.balance(L0) == NINTH and shares(world, L0) == []
    assert events_of(world.state, "fog_locker_settled") == [{"owner": L0.bech32, "lock_id": str(lock_id),
                                                            "amount": f"{NINTH}ufog"}]
    world.check()


def test_a_lock_withdrawn_in_the_epoch_it_ended_is_settled_at_the_owners_next_withdrawal():
    """A share withdrawn in the open epoch cannot settle yet; the owner's next withdrawal settles it, so the shares
    an account keeps are its running locks and those withdrawn in one epoch, however long it never redeems."""
    world = earning_world()
    keep_earning(world)
    first = world.lock(L0, 100, 10)
    world.advance(10)
    world.end_block()
    world.withdraw(L0, first)  # in epoch 0: its time in epoch 0 is not minted yet
    assert shares(world, L0) == [first] and world.balance(L0) == 0
    world.close_epoch()
    keep_earning(world)
    world.close_epoch()
    keep_earning(world)
    second = world.lock(L0, 100, 10)
    world.advance(10)
    world.end_block()
    world.withdraw(L0, second)
    assert shares(world, L0) == [second]  # the first share is settled and gone
    assert world.balance(L0) == by_rate(world, (0, 100, 10)) == NINTH  # the only lock of epoch 0
    world.check()


def test_the_remainder_of_the_ninth_carries_into_the_next_epoch():
    world = earning_world(replace(PARAMS, emission_per_epoch=1_000_000))
    world.lock(L0, 100, 10_000)
    emissions, carries = [], []
    for index in range(9):
        keep_earning(world)
        world.close_epoch()
        emissions.append(st.get_closed_epoch(world.state, index).locker_emission)
        carries.append(st.get_ledger(world.state).locker_carry)
    # 1,000,000 = 9 x 111,111 + 1: the remainder grows by one per epoch until it makes a whole ufog more
    assert emissions == [111_111] * 8 + [111_112] and carries == [1, 2, 3, 4, 5, 6, 7, 8, 0]
    assert sum(emissions) == 9 * 1_000_000 // 9
    # the only lock, every second of every epoch: all of it, less what the rates' floors and the one final floor lose
    assert world.settle(L0) == by_rate(world, *((index, 100, 60) for index in range(9))) == sum(emissions) - 1
    world.check()


def test_an_epoch_without_locks_mints_no_ninth_and_keeps_the_carry():
    world = earning_world()
    keep_earning(world)
    world.close_epoch()
    epoch = st.get_closed_epoch(world.state, 0)
    ledger = st.get_ledger(world.state)
    assert (epoch.locker_emission, epoch.rate, ledger.minted, ledger.locker_unsettled) == (0, 0, PARAMS.emission_per_epoch, 0)
    world.check()


def test_locks_earn_nothing_in_an_epoch_that_mints_nothing():
    world = make_world()
    world.lock(L0, 100, 1_000)
    world.close_epoch()  # nobody earned points
    epoch = st.get_closed_epoch(world.state, 0)
    assert (epoch.emission, epoch.locker_emission, epoch.locked_seconds) == (0, 0, 100 * 60)
    assert world.settle(L0) == 0
    assert st.get_ledger(world.state).minted == 0
    world.check()


def test_each_locker_gets_the_floor_of_its_share_and_the_dust_stays_unsettled():
    world = earning_world()
    keep_earning(world)
    for locker in (L0, L1, L2):
        world.lock(locker, 7, 1_000)
    world.close_epoch()
    credited = [world.settle(locker) for locker in (L0, L1, L2)]
    assert credited == [NINTH // 3] * 3
    assert st.get_ledger(world.state).locker_unsettled == NINTH - 3 * (NINTH // 3) == 1
    world.check()

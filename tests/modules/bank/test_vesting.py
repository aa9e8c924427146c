"""Vesting schedules: how much of a genesis allocation is still locked at a given block time."""

from hypothesis import given, settings, strategies as st

from abci_app.store import MemoryState, Overlay
from chain_modules.bank.api import locked_amount, spendable
from chain_modules.bank.genesis import init_genesis
from chain_modules.bank.state import get_vesting, iter_vesting
from chain_modules.bank.types import VestingSchedule
from chain_modules.bank.invariants import check_supply, check_vesting_within_balance_at_genesis
from chain_modules.common.address import encode_address
from chain_modules.common.amount import TOTAL_SUPPLY_UAMIO
from chain_modules.bank.allocation import BPS, DAY, MONTH, split_evenly
from abci_app.genesis import parse_app_state
from genesis.build import build_app_state
from tests.support import GENESIS_TIME, IEO_NAMES, KEYS, genesis_app_state

START = 1_800_000_000
IEO_TOTAL = TOTAL_SUPPLY_UAMIO * 500 // BPS  # 5 % of the supply


def linear(original: int, duration: int) -> VestingSchedule:
    return VestingSchedule("linear", original, START, START + duration)


# -- linear ----------------------------------------------------------------------------------


def test_linear_schedule_locks_everything_before_and_at_its_start():
    schedule = linear(1_000_000, 100)
    assert schedule.locked(START - 1_000) == 1_000_000
    assert schedule.locked(START) == 1_000_000


def test_linear_schedule_one_second_in_unlocks_one_share_rounded_down():
    assert linear(1_000_000, 100).locked(START + 1) == 990_000
    # 1000 / 3 = 333.3 unlocked: rounding down keeps 667 locked, never 666
    assert linear(1_000, 3).locked(START + 1) == 667


def test_linear_schedule_one_second_in_can_still_lock_everything():
    # 10 uamio over 24 months: the first whole uamio unlocks only after 1/10 of the duration
    schedule = linear(10, 24 * MONTH)
    assert schedule.locked(START + 1) == 10
    assert schedule.locked(START + 24 * MONTH // 10 - 1) == 10
    assert schedule.locked(START + 24 * MONTH // 10) == 9


def test_linear_schedule_locks_half_at_its_midpoint():
    assert linear(1_000_000, 100).locked(START + 50) == 500_000
    assert linear(1_001, 10).locked(START + 5) == 501  # 500.5 unlocked, rounded down


def test_linear_schedule_locks_nothing_at_and_after_its_end():
    schedule = linear(1_000_000, 100)
    assert schedule.locked(START + 99) == 10_000
    assert schedule.locked(START + 100) == 0
    assert schedule.locked(START + 10 * 365 * DAY) == 0


# -- periodic: the IEO schedule of the default table ----------------------------------------------


def ieo_schedule() -> VestingSchedule:
    """The schedule the real default table gives the first IEO recipient."""
    accounts = parse_app_state(genesis_app_state(), GENESIS_TIME).accounts
    schedule = next(account.vesting for account in accounts if account.address == KEYS["alice"].address)
    assert schedule is not None and schedule.kind == "periodic"
    return schedule


def test_ieo_schedule_locks_everything_before_genesis():
    schedule = ieo_schedule()
    assert schedule.locked(GENESIS_TIME - 1) == schedule.original


def test_ieo_schedule_unlocks_40_percent_exactly_at_genesis():
    schedule = ieo_schedule()
    assert schedule.locked(GENESIS_TIME) == schedule.original * 60 // 100


def test_ieo_schedule_unlocks_the_next_30_percent_exactly_at_60_days():
    schedule = ieo_schedule()
    assert schedule.locked(GENESIS_TIME + 60 * DAY - 1) == schedule.original * 60 // 100
    assert schedule.locked(GENESIS_TIME + 60 * DAY) == schedule.original * 30 // 100


def test_ieo_schedule_unlocks_the_rest_exactly_at_90_days():
    schedule = ieo_schedule()
    assert schedule.locked(GENESIS_TIME + 90 * DAY - 1) == schedule.original * 30 // 100
    assert schedule.locked(GENESIS_TIME + 90 * DAY) == 0
    assert schedule.locked(GENESIS_TIME + 900 * DAY) == 0


def test_vesting_schedule_survives_its_state_encoding():
    schedule = ieo_schedule()
    assert VestingSchedule.from_list(schedule.to_list()) == schedule
    assert VestingSchedule.from_list(linear(7, 9).to_list()) == linear(7, 9)


# -- properties ------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    original=st.integers(1, TOTAL_SUPPLY_UAMIO),
    duration=st.integers(1, 30 * MONTH),
    offsets=st.lists(st.integers(-MONTH, 31 * MONTH), min_size=2, max_size=6),
)
def test_linear_locked_never_increases_stays_in_range_and_never_unlocks_early(original, duration, offsets):
    schedule = linear(original, duration)
    times = sorted(START + offset for offset in offsets)
    locked = [schedule.locked(t) for t in times]
    assert all(0 <= value <= original for value in locked)
    assert all(earlier >= later for earlier, later in zip(locked, locked[1:]))
    for t, value in zip(times, locked):
        elapsed = min(max(t - START, 0), duration)
        # unlocked / original <= elapsed / duration, in exact integers
        assert (original - value) * duration <= original * elapsed


@st.composite
def period_tables(draw):
    """A periodic genesis schedule: increasing offsets, basis points adding up to 10000."""
    count = draw(st.integers(1, 6))
    offsets = sorted(draw(st.sets(st.integers(0, 40 * MONTH), min_size=count, max_size=count)))
    cuts = sorted(draw(st.sets(st.integers(1, BPS - 1), min_size=count - 1, max_size=count - 1)))
    bps = [b - a for a, b in zip([0] + cuts, cuts + [BPS])]
    return [[offset, share] for offset, share in zip(offsets, bps)]


@settings(max_examples=150, deadline=None)
@given(periods=period_tables(), recipients=st.integers(1, 7), probes=st.lists(st.integers(-DAY, 41 * MONTH), max_size=8))
def test_periodic_genesis_schedule_never_unlocks_more_than_its_share_so_far(periods, recipients, probes):
    addresses = [encode_address(bytes([index + 1]) * 20) for index in range(recipients)]
    amounts = split_evenly(TOTAL_SUPPLY_UAMIO, recipients)
    app_state = {
        "auth": genesis_app_state()["auth"],
        "staking": genesis_app_state()["staking"],
        "slashing": genesis_app_state()["slashing"],
        "locks": genesis_app_state()["locks"],
        "bank": {
            "total_supply": TOTAL_SUPPLY_UAMIO,
            "allocations": [
                {
                    "name": "all",
                    "share_bps": BPS,
                    "schedule": {"kind": "periodic", "periods": periods},
                    "recipients": [{"address": a, "amount": n} for a, n in zip(addresses, amounts)],
                }
            ],
        },
    }
    accounts = parse_app_state(app_state, GENESIS_TIME, enforce_default_table=False).accounts
    times = sorted({GENESIS_TIME + offset for offset, _ in periods} | {GENESIS_TIME + p for p in probes})
    for account in accounts:
        schedule = account.vesting
        assert sum(amount for _, amount in schedule.periods) == account.amount
        locked = [schedule.locked(t) for t in times]
        assert all(0 <= value <= account.amount for value in locked)
        assert all(earlier >= later for earlier, later in zip(locked, locked[1:]))
        for t, value in zip(times, locked):
            due_bps = sum(share for offset, share in periods if GENESIS_TIME + offset <= t)
            assert (account.amount - value) * BPS <= account.amount * due_bps
        assert schedule.locked(GENESIS_TIME + periods[-1][0]) == 0


# -- genesis expansion of the default table -----------------------------------------------------


def genesis_state(app_state: dict) -> Overlay:
    state = Overlay(MemoryState())
    parsed = parse_app_state(app_state, GENESIS_TIME)
    init_genesis(state, parsed.accounts, parsed["bank"].extra.total_supply)
    return state


def ieo_spendable(state: Overlay, addresses: list[bytes], now: int) -> int:
    return sum(spendable(state, address, now) for address in addresses)


def test_default_table_makes_exactly_40_percent_of_the_ieo_spendable_at_genesis():
    state = genesis_state(genesis_app_state())
    ieo = [KEYS[name].address for name in IEO_NAMES]
    assert ieo_spendable(state, ieo, GENESIS_TIME) == IEO_TOTAL * 40 // 100 == 20_000_000_000_000


def test_default_table_makes_exactly_70_percent_of_the_ieo_spendable_at_60_days():
    state = genesis_state(genesis_app_state())
    ieo = [KEYS[name].address for name in IEO_NAMES]
    assert ieo_spendable(state, ieo, GENESIS_TIME + 60 * DAY - 1) == IEO_TOTAL * 40 // 100
    assert ieo_spendable(state, ieo, GENESIS_TIME + 60 * DAY) == IEO_TOTAL * 70 // 100
    assert ieo_spendable(state, ieo, GENESIS_TIME + 90 * DAY) == IEO_TOTAL


def test_default_table_locks_every_linear_allocation_at_genesis():
    state = genesis_state(genesis_app_state())
    ieo = {KEYS[name].address for name in IEO_NAMES}
    others = [address for address, _ in iter_vesting(state) if address not in ieo]
    assert len(others) == 5
    assert all(spendable(state, address, GENESIS_TIME) == 0 for address in others)
    assert all(locked_amount(state, address, GENESIS_TIME + 24 * MONTH) == 0 for address in others)


def test_default_table_vests_investors_in_5_months_and_team_in_24():
    state = genesis_state(genesis_app_state())
    investor, team = KEYS["investor"].address, KEYS["team"].address
    assert get_vesting(state, investor).end == GENESIS_TIME + 5 * MONTH
    assert locked_amount(state, investor, GENESIS_TIME + 5 * MONTH) == 0
    assert locked_amount(state, team, GENESIS_TIME + 12 * MONTH) == TOTAL_SUPPLY_UAMIO * 2000 // BPS // 2


def test_uneven_ieo_split_never_makes_more_than_40_percent_spendable_at_genesis():
    ieo = [encode_address(bytes([index + 1]) * 20) for index in range(3)]
    recipients = {"ieo": ieo}
    for index, name in enumerate(["early_investors", "infrastructure", "team", "foundation", "community"]):
        recipients[name] = [encode_address(bytes([100 + index]) * 20)]
    state = genesis_state(build_app_state(recipients))
    raw = [bytes([index + 1]) * 20 for index in range(3)]
    amounts = split_evenly(IEO_TOTAL, 3)
    for address, amount in zip(raw, amounts):
        assert spendable(state, address, GENESIS_TIME) == amount * 4_000 // BPS
        assert spendable(state, address, GENESIS_TIME + 60 * DAY) == amount * 4_000 // BPS + amount * 3_000 // BPS
        assert spendable(state, address, GENESIS_TIME + 90 * DAY) == amount
    assert ieo_spendable(state, raw, GENESIS_TIME) <= IEO_TOTAL * 40 // 100
    check_supply(state)
    check_vesting_within_balance_at_genesis(state)

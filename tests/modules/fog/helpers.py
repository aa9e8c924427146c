"""Shared pieces of the fog module tests: a small world with active and inactive master nodes, funded lockers
and a revenue pool, a block clock, and the hooks compute and locks call (through BlockContext.hooks, as the app
wires them).

Params are small so that every number can be checked by hand: 60 s epochs of six 10 s windows, 9,000,000 ufog
per epoch (so the lockers' ninth is 1,000,000), 100 availability points per window and unit of capacity weight,
10 work points per megafuel, +5% loyalty per epoch up to +15%, 10% probation for the first two results, a 10%
routing share, 300 s redemption periods paying two requests per block.
"""

from __future__ import annotations

from dataclasses import dataclass

from abci_app.store import MemoryState, Overlay
from chain_modules.bank import invariants as bank_invariants
from chain_modules.bank.state import get_balance, get_supply, set_balance, set_supply
from chain_modules.common.context import BlockContext, BlockInfo
from chain_modules.common.events import Event
from chain_modules.compute import state as compute_state
from chain_modules.compute.api import REVENUE_POOL
from chain_modules.compute.types import ComputeParams, Worker
from chain_modules.fog import invariants, logic
from chain_modules.fog import state as st
from chain_modules.fog.api import FogHooks
from chain_modules.fog.module import end_block as fog_end_block
from chain_modules.fog.types import FogParams, MsgRedeem
from chain_modules.fog.handlers import handle_redeem
from chain_modules.locks import epoch as locks_epoch
from chain_modules.locks import state as locks_state
from chain_modules.locks.handlers import handle_create_lock, handle_withdraw_lock
from chain_modules.locks.types import LockParams, MsgCreateLock, MsgWithdrawLock
from chain_modules.staking import state as staking_state
from tests.support import TestKey, make_key

NOW = 1_800_000_000
SUPPLY = 10**12
PARAMS = FogParams(epoch_seconds=60, windows_per_epoch=6, emission_per_epoch=9_000_000, availability_points=100,
                   work_points_per_megafuel=10, loyalty_step_bps=500, loyalty_max_bps=1_500, probation_results=2,
                   probation_bps=1_000, routing_bps=1_000, redemption_period_seconds=300, max_redemptions_per_block=2,
                   probe_probability_bps=0)  # no probes but in test_probes.py: availability counts at once
LOCKS = LockParams(min_lock_seconds=10, max_lock_seconds=100_000)
MEGA = 1_000_000

MASTER = make_key("fog/master")
OTHER_MASTER = make_key("fog/other-master")
INACTIVE_MASTER = make_key("fog/inactive-master")
WORKERS = [make_key(f"fog/worker-{i}") for i in range(6)]
LOCKERS = [make_key(f"fog/locker-{i}") for i in range(4)]
W0, W1, W2, W3 = WORKERS[:4]
RESERVE = make_key("fog/reserve")
AMIO_EACH = 10**9
HOOKS = FogHooks()
# default compute classes: small 1, medium 2, large 4, gpu 4 + 4 x 1 = 8
WEIGHTS = {"small": 1, "medium": 2, "large": 4, "gpu": 8}


@dataclass
class FogWorld:
    state: Overlay
    now: int = NOW
    height: int = 10

    def ctx(self) -> BlockContext:
        return BlockContext("amino-test", self.height, self.now * 1_000_000_000, hooks=(HOOKS,))

    # -- the block clock ------------------------------------------------------------------------------

    def end_block(self) -> None:
        """The end-block steps that matter here, in the app's order: locks expire, then fog closes and pays."""
        locks_epoch.end_block(self.state, self.ctx())
        fog_end_block(self.state, self.ctx(), BlockInfo())

    def advance(self, seconds: int) -> None:
        """End the current block and start the next one ``seconds`` later."""
        self.end_block()
        self.now += seconds
        self.height += 1

    def close_epoch(self) -> None:
        """Advance to the first block at or after the open epoch's end and end it (the epoch closes there); the
        next block starts a second later."""
        epoch = st.get_open_epoch(self.state)
        index = epoch.index
        self.advance(max(epoch.start + st.get_params(self.state).epoch_seconds - self.now, 0))
        self.end_block()
        assert st.get_open_epoch(self.state).index == index + 1
        self.now += 1
        self.height += 1

    # -- what compute and locks report --------------------------------------------------------------------

    def heartbeat(self, worker: TestKey, master: TestKey = MASTER) -> None:
        HOOKS.after_heartbeat(self.state, self.ctx(), worker.address, master.address)

    def verified(self, worker: TestKey, fuel: int = 0, class_name: str = "small", master: TestKey = MASTER) -> None:
        HOOKS.after_verified_result(self.state, self.ctx(), worker.address, master.address, class_name, fuel)

    def slash(self, worker: TestKey) -> None:
        HOOKS.after_worker_slashed(self.state, self.ctx(), worker.address)

    def lock(self, owner: TestKey, amount: int, duration: int) -> int:
        """An investor lock through the locks handler (which calls fog's hook); its id."""
        lock_id = locks_state.peek_next_lock_id(self.state)
        handle_create_lock(self.state, self.ctx(), MsgCreateLock(owner.address, amount, duration))
        return lock_id

    def withdraw(self, owner: TestKey, lock_id: int) -> None:
        handle_withdraw_lock(self.state, self.ctx(), MsgWithdrawLock(owner.address, lock_id))

    def redeem(self, key: TestKey, amount: int) -> None:
        handle_redeem(self.state, self.ctx(), MsgRedeem(key.address, amount))

    # -- reading --------------------------------------------------------------------------------------

    def balance(self, key: TestKey) -> int:
        return st.get_account(self.state, key.address).balance

    def account(self, key: TestKey):
        return st.get_account(self.state, key.address)

    def record(self, key: TestKey):
        return st.get_contribution(self.state, key.address)

    def points(self, key: TestKey) -> int:
        record = self.record(key)
        return 0 if record is None or record.epoch != st.get_open_epoch(self.state).index else record.points

    def settle(self, key: TestKey) -> int:
        """Settle everything ``key`` earned in closed epochs (as its next transaction would); what it was credited."""
        before = self.balance(key)
        logic.settle_account(self.state, self.ctx(), key.address)
        return self.balance(key) - before

    def amio(self, address: bytes) -> int:
        return get_balance(self.state, address)

    def pay_revenue(self, amount: int) -> None:
        """Customers' payments reach the revenue pool (from the reserve, so the AMIO supply is unchanged)."""
        set_balance(self.state, RESERVE.address, get_balance(self.state, RESERVE.address) - amount)
        set_balance(self.state, REVENUE_POOL, get_balance(self.state, REVENUE_POOL) + amount)

    def close_period(self) -> None:
        """Advance to the open redemption period's end and end that block (the period closes and the first
        payouts are made); the next block starts a second later."""
        period = st.get_open_period(self.state)
        self.advance(max(period.start + st.get_params(self.state).redemption_period_seconds - self.now, 0))
        self.end_block()
        assert st.get_open_period(self.state).index == period.index + 1
        self.now += 1
        self.height += 1

    def check(self) -> None:
        """Every fog invariant, and AMIO: the recorded supply is unchanged and the balances add up to it."""
        invariants.check_supply(self.state)
        invariants.check_points(self.state)
        bank_invariants.check_supply(self.state)
        assert get_supply(self.state) == SUPPLY


def make_world(params: FogParams = PARAMS, pool: int = 0) -> FogWorld:
    """MASTER and OTHER_MASTER active, INACTIVE_MASTER not; lockers, workers and masters hold AMIO_EACH uamio, the
    reserve the rest of the supply but ``pool`` uamio in the revenue pool;
    epoch 0 and redemption period 0 open at NOW."""
    state = Overlay(MemoryState())
    set_supply(state, SUPPLY)
    funded = SUPPLY - pool
    for key in (*LOCKERS, *WORKERS, MASTER, OTHER_MASTER):
        set_balance(state, key.address, AMIO_EACH)
        funded -= AMIO_EACH
    set_balance(state, RESERVE.address, funded)
    if pool:
        set_balance(state, REVENUE_POOL, pool)
    compute_params = ComputeParams()
    compute_state.set_params(state, compute_params)
    # every worker is registered in MASTER's pool with one slot on a machine of 4 cores and a GPU, and a deposit
    # for 8 units of capacity: its capacity weight is its proven weight, whatever class it proves (tests that need
    # another record write their own)
    for worker in (*WORKERS, MASTER):  # MASTER also works in its own pool
        register(state, worker, cpu_cores=4, gpu=1, slots=1, deposit=8 * params.capacity_deposit)
    locks_state.set_params(state, LOCKS)
    st.set_params(state, params)
    for master in (MASTER, OTHER_MASTER):
        staking_state.set_active_master(state, master.address, True)
    logic.start(state, NOW)
    state.take_events()
    return FogWorld(state)


def register(state: Overlay, worker: TestKey, cpu_cores: int, gpu: int, slots: int, deposit: int,
             master: TestKey = MASTER) -> None:
    """(Re)write ``worker``'s compute record: registered in ``master``'s pool with these resources and deposit."""
    params = compute_state.get_params(state)
    before = compute_state.get_worker(state, worker.address)
    compute_state.set_worker(state, params, Worker(worker.address, master.address, cpu_cores, gpu, 65_536, 102_400,
                                                   slots, False, deposit),
                             before, params.heartbeat_timeout_seconds)


def snapshot(state: Overlay) -> tuple[dict[bytes, bytes | None], list[Event], dict[bytes, bytes]]:
    """Everything a handler could change: pending writes, events and the visible key/values."""
    return dict(state.writes), list(state.events), dict(state.iter_prefix(b""))


def events_of(state: Overlay, event_type: str) -> list[dict[str, str]]:
    return [dict(event.attributes) for event in state.events if event.type == event_type]


def scaled(raw: int, loyalty_bps: int = 10_000, probation_bps: int = 10_000) -> int:
    return raw * loyalty_bps * probation_bps // 10_000**2

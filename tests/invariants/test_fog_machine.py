"""Random FOG histories: heartbeats (under active, inactive or changing master nodes, a master in its own pool),
verified results, slashes, investor locks created, expiring and withdrawn, redemption requests (too large ones
too), revenue arriving, settlements, balance queries, and blocks that close epochs and redemption periods.

Beside the chain runs a model written from the rules, not from the code: each earner's points per epoch
(availability per window with proven weight, verified work, loyalty, probation, slashes, the first master's
routing share), each lock's seconds in each epoch, the emissions, the periods. After every step:

- every invariant of chain_modules/fog/invariants.py and bank's, and the AMIO supply is what it was;
- each settlement the step made is the one the model expects, in order: an earner of a closed epoch gets
  points x remaining / points_remaining (the sequential rule: the epoch's credits add up to its emission
  exactly, and each is at least the floor of points x emission / total and at most that plus the number of
  earners that settled before), a lock gets amount x seconds x the epoch's rate, floored (within 1 ufog below
  its exact amount x seconds share of the lockers' ninth);
- every FOG balance, the ledger's minted, burned and unsettled counters, the open epoch's points, and every
  AMIO balance the model follows (lockers, requesters, the revenue pool, the redemption account) equal the
  model's; a redeem fails exactly when the amount exceeds what the model says is redeemable, and then changes
  nothing.
"""

from __future__ import annotations

import copy
import hashlib
from types import SimpleNamespace
from collections import defaultdict
from dataclasses import dataclass, field, replace
from fractions import Fraction
from math import floor

from hypothesis import HealthCheck, event, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from abci_app.store import Overlay
from chain_modules.bank import invariants as bank_invariants
from chain_modules.bank.state import get_balance, get_supply
from chain_modules.common.query import QueryContext
from chain_modules.compute import api as compute_api
from chain_modules.compute.api import REVENUE_POOL
from chain_modules.fog import invariants, logic, views
from chain_modules.fog import state as fog_state
from chain_modules.fog.errors import ErrInsufficientFog
from chain_modules.fog.handlers import handle_redeem
from chain_modules.fog.logic import REDEMPTION
from chain_modules.fog.types import MsgRedeem
from chain_modules.locks import state as locks_state
from chain_modules.locks.api import LOCKS_POOL
from chain_modules.staking import state as staking_state
from tests.modules.fog.helpers import (
    AMIO_EACH,
    HOOKS,
    INACTIVE_MASTER,
    LOCKERS,
    MASTER,
    NOW,
    OTHER_MASTER,
    PARAMS,
    SUPPLY,
    WEIGHTS,
    WORKERS,
    make_world,
)

# 30 s epochs of three windows, 90 s periods: a short run sees many closes. The emission is not a multiple of 9,
# so the lockers' remainder carries.
FOG = replace(PARAMS, epoch_seconds=30, windows_per_epoch=3, redemption_period_seconds=90, emission_per_epoch=1_000_003,
              probe_probability_bps=5_000)  # about half the workers drawn for a probe each epoch
BPS = 10_000
SCALE = 10**24
NINE = 9
WORKER_KEYS = [*WORKERS[:3], MASTER]  # MASTER also works in its own pool (no routing to itself)
MASTER_KEYS = [MASTER, OTHER_MASTER, INACTIVE_MASTER]
ACCOUNTS = [*WORKERS[:3], MASTER, OTHER_MASTER, *LOCKERS[:2]]
ADDRESSES = {key.bech32: key.address for key in (*ACCOUNTS, INACTIVE_MASTER)}


@dataclass
class Lock:
    owner: bytes
    amount: int
    start: int
    end: int
    stopped: int | None = None  # block time its expiry was processed ...
    stop_epoch: int = 0  # ... in this (then open) epoch
    withdrawn: bool = False
    since: int = 0  # settled up to this time ...
    epoch: int = 0  # ... which lies in this epoch
    done: bool = False  # settled for good (its share is gone)


@dataclass
class Closed:
    start: int
    end: int
    emission: int
    points: dict  # address -> final points
    total: int
    remaining: int
    points_remaining: int
    settled: list = field(default_factory=list)
    locker_emission: int = 0
    locked_seconds: int = 0
    rate: int = 0


class Model:
    """The rules, written out plainly."""

    def __init__(self) -> None:
        self.now = NOW
        self.epoch, self.epoch_start = 0, NOW
        self.period, self.period_start = 0, NOW
        self.period_first_epoch = 0  # the epoch open when the period started: FOG of it and later is recent
        self.proven_epoch: dict[bytes, int] = {}  # the epoch of each worker's last verified result
        self.points: dict[bytes, int] = defaultdict(int)  # the open epoch's points per earner
        self.windows: dict[bytes, set] = defaultdict(set)  # the open epoch's counted windows per worker
        self.availability: dict[bytes, int] = defaultdict(int)
        self.fuel: dict[bytes, int] = defaultdict(int)
        self.slashed: set[bytes] = set()
        self.routed: dict[bytes, tuple[bytes, int]] = {}  # worker -> (first master with routing, routing given)
        self.proven: dict[bytes, int] = defaultdict(int)
        self.results: dict[bytes, int] = defaultdict(int)
        self.record: dict[bytes, int] = {}  # earner -> epoch of its record on chain (its last touch)
        self.closed: dict[int, Closed] = {}
        self.carry = 0
        self.minted = self.burned = 0
        self.locker_minted = self.locker_credited = 0
        self.fog: dict[bytes, int] = defaultdict(int)
        self.recent: dict[bytes, int] = defaultdict(int)  # credited in the open period from FOG minted in it
        self.locks: dict[int, Lock] = {}
        self.requests: list[tuple[bytes, int]] = []  # the open period's
        self.queue: list[tuple[int, bytes, int]] = []  # (period, address, amount) to pay, oldest first
        self.payouts: dict[int, list[int]] = {}  # period -> [payout remaining, requested remaining]
        self.amio: dict[bytes, int] = {}
        self.expected: list[tuple] = []  # settlements the current step must make, in order
        # liveness probes: the open epoch's probe state, task (or draw height) and held points per worker, the
        # waiting draws (height, worker), the probes started (task id -> worker) and the next task id
        self.probe: dict[bytes, str] = {}
        self.probe_task: dict[bytes, int] = {}
        self.held: dict[bytes, int] = defaultdict(int)
        self.draws: list[tuple[int, bytes]] = []
        self.probes: dict[int, bytes] = {}
        self.next_task = 1

    # -- points ---------------------------------------------------------------------------------------

    def streak(self, address: bytes) -> int:
        count, index = 0, self.epoch - 1
        while index >= 0 and self.closed[index].points.get(address, 0) > 0:
            count, index = count + 1, index - 1
        return count

    def scaled(self, address: bytes, raw: int) -> int:
        loyalty = BPS + min(self.streak(address) * FOG.loyalty_step_bps, FOG.loyalty_max_bps)
        probation = FOG.probation_bps if self.results[address] < FOG.probation_results else BPS
        return raw * loyalty * probation // (BPS * BPS)

    def touch(self, address: bytes, only_if_known: bool = False) -> None:
        """The earner's record moves to the open epoch; a closed epoch's points are settled on the way."""
        epoch = self.record.get(address)
        if epoch is None and only_if_known:
            return
        if epoch is not None and epoch < self.epoch:
            closed = self.closed[epoch]
            points = closed.points.get(address, 0)
            if points:
                amount = points * closed.remaining // closed.points_remaining
                fair = points * closed.emission // closed.total
                assert fair <= amount <= fair + len(closed.settled), "the sequential rule's bound"
                closed.remaining -= amount
                closed.points_remaining -= points
                closed.settled.append(address)
                if closed.points_remaining == 0:
                    assert closed.remaining == 0
                self.credit(address, amount, epoch)
                self.expected.append(("fog_settled", address, epoch, points, amount))
        self.record[address] = self.epoch

    def route(self, master: bytes, worker: bytes, points: int) -> int:
        routing = points * FOG.routing_bps // BPS
        if routing == 0 or master == worker:
            return 0
        self.touch(master)
        self.points[master] += routing
        return routing

    def heartbeat(self, worker: bytes, master: bytes, active: bool, height: int) -> None:
        self.touch(worker)
        window = min((self.now - self.epoch_start) * FOG.windows_per_epoch // FOG.epoch_seconds,
                     FOG.windows_per_epoch - 1)
        if worker in self.slashed or window in self.windows[worker] or not active:
            return
        if not self.probe.get(worker):  # the epoch's first counted heartbeat: a draw at a later block
            self.probe[worker], self.probe_task[worker] = "drawing", height
            self.draws.append((height, worker))
        proven = self.proven[worker] > 0 and self.epoch - self.proven_epoch.get(worker, 0) < FOG.proof_valid_epochs
        if not proven:
            return
        self.windows[worker].add(window)
        points = self.scaled(worker, FOG.availability_points * self.proven[worker])
        if self.probe[worker] in ("drawing", "pending"):
            self.held[worker] += points
            return
        self.count(worker, master, points)

    def count(self, worker: bytes, master: bytes, points: int) -> None:
        first = self.routed.get(worker, (b"", 0))[0]
        routing = self.route(master, worker, points) if points > 0 and first in (b"", master) else 0
        if routing:
            self.routed[worker] = (master, self.routed.get(worker, (b"", 0))[1] + routing)
        self.availability[worker] += points
        self.points[worker] += points

    def release(self, worker: bytes) -> None:
        """The held windows count, routed to the worker's registered master (every worker is in MASTER's pool)."""
        points, self.held[worker] = self.held[worker], 0
        self.count(worker, MASTER.address, points)

    def draw(self, height: int, seed: bytes) -> None:
        for entry in sorted(self.draws):
            drawn_at, worker = entry
            if drawn_at >= height:
                continue
            self.draws.remove(entry)
            if (self.record.get(worker) != self.epoch or self.probe.get(worker) != "drawing"
                    or self.probe_task.get(worker) != drawn_at):
                continue
            digest = hashlib.sha256(seed + b"probe" + self.epoch.to_bytes(8, "big") + worker).digest()
            if int.from_bytes(digest[:8], "big") % BPS < FOG.probe_probability_bps:
                self.probe[worker], self.probe_task[worker] = "pending", self.next_task
                self.probes[self.next_task] = worker
                self.next_task += 1
            else:
                self.probe[worker] = "unsampled"
                self.release(worker)

    def probe_ended(self, task_id: int, class_name: str, passed: bool) -> None:
        worker = self.probes.pop(task_id)
        self.touch(worker)
        if passed:
            self.proven[worker] = max(self.proven[worker], WEIGHTS[class_name])
            self.proven_epoch[worker] = self.epoch
        if self.probe.get(worker) == "pending" and self.probe_task.get(worker) == task_id:
            if passed:
                self.probe[worker] = "passed"
                self.release(worker)
            else:
                self.probe[worker] = "failed"
                self.slash(worker)  # the same forfeit as a slash's

    def verified(self, worker: bytes, master: bytes, class_name: str, fuel: int) -> None:
        self.touch(worker)
        before = self.fuel[worker] * FOG.work_points_per_megafuel // 1_000_000
        self.fuel[worker] += fuel
        self.results[worker] += 1
        self.proven[worker] = max(self.proven[worker], WEIGHTS[class_name])
        self.proven_epoch[worker] = self.epoch
        points = self.scaled(worker, self.fuel[worker] * FOG.work_points_per_megafuel // 1_000_000 - before)
        self.points[worker] += points
        if points:
            self.route(master, worker, points)

    def slash(self, worker: bytes) -> None:
        self.touch(worker)
        master, given = self.routed.pop(worker, (b"", 0))
        if given:
            self.touch(master)
            self.points[master] -= given
        self.points[worker] -= self.availability.pop(worker, 0)
        self.held[worker] = 0
        self.slashed.add(worker)

    # -- lockers --------------------------------------------------------------------------------------

    def seconds_in(self, lock: Lock, start: int, end: int) -> int:
        stop = lock.stopped if lock.stopped is not None else end
        return max(0, min(stop, end) - max(lock.start, start))

    def stop(self, lock: Lock) -> None:
        lock.stopped, lock.stop_epoch = self.now, self.epoch

    def settle_lock(self, lock_id: int) -> None:
        """In two steps: the epochs closed before the current period (redeemable now), then the rest."""
        self.settle_lock_until(lock_id, self.period_first_epoch)
        self.settle_lock_until(lock_id, self.epoch)

    def settle_lock_until(self, lock_id: int, until: int) -> None:
        lock = self.locks[lock_id]
        until = min(until, self.epoch)
        if lock.done or lock.epoch >= until:
            return
        done = lock.stopped is not None and lock.stop_epoch < until
        last = lock.stop_epoch if done else until - 1
        scaled = exact = 0
        for index in range(lock.epoch, last + 1):
            closed = self.closed[index]
            seconds = self.seconds_in(lock, max(lock.since, closed.start), closed.end)
            scaled += lock.amount * seconds * closed.rate
            if closed.locked_seconds:
                exact += Fraction(lock.amount * seconds * closed.locker_emission, closed.locked_seconds)
        amount = scaled // SCALE
        assert floor(exact) - 1 <= amount <= floor(exact), "a lock's credit is its amount x seconds share, floored"
        end = self.closed[last].end
        self.credit(lock.owner, amount, last)
        self.locker_credited += amount
        if amount:
            self.expected.append(("fog_locker_settled", lock.owner, lock_id, amount))
        lock.since, lock.epoch, lock.done = end, until, done

    def settle_account(self, address: bytes) -> None:
        self.touch(address, only_if_known=True)
        for lock_id in sorted(self.locks):
            if self.locks[lock_id].owner == address:
                self.settle_lock(lock_id)

    # -- FOG and AMIO ---------------------------------------------------------------------------------

    def credit(self, address: bytes, amount: int, epoch: int) -> None:
        self.fog[address] += amount
        if epoch >= self.period_first_epoch:
            self.recent[address] += amount

    def redeemable(self, address: bytes) -> int:
        return self.fog[address] - self.recent[address]

    def unsettled_providers(self) -> int:
        return sum(closed.remaining for closed in self.closed.values())

    # -- blocks ---------------------------------------------------------------------------------------

    def end_block(self, height: int, seed: bytes) -> None:
        for lock in self.locks.values():
            if lock.stopped is None and lock.end <= self.now:
                self.stop(lock)
        self.draw(height, seed)
        if self.now >= self.epoch_start + FOG.epoch_seconds:
            self.close_epoch()
        if self.now >= self.period_start + FOG.redemption_period_seconds:
            self.close_period()
        self.pay()

    def close_epoch(self) -> None:
        points = {address: p for address, p in self.points.items() if p}
        total = sum(points.values())
        assert all(p >= 0 for p in points.values()), "negative points"
        emission = FOG.emission_per_epoch if total > 0 else 0
        closed = Closed(self.epoch_start, self.now, emission, points, total, emission, total)
        closed.locked_seconds = sum(lock.amount * self.seconds_in(lock, self.epoch_start, self.now)
                                    for lock in self.locks.values())
        if closed.locked_seconds and emission:
            closed.locker_emission, self.carry = divmod(emission + self.carry, NINE)
            closed.rate = closed.locker_emission * SCALE // closed.locked_seconds
        self.minted += emission + closed.locker_emission
        self.locker_minted += closed.locker_emission
        self.closed[self.epoch] = closed
        self.epoch, self.epoch_start = self.epoch + 1, self.now
        self.points = defaultdict(int)
        self.windows = defaultdict(set)
        self.availability = defaultdict(int)
        self.fuel = defaultdict(int)
        self.slashed = set()
        self.routed = {}
        self.probe, self.probe_task, self.held = {}, {}, defaultdict(int)

    def close_period(self) -> None:
        requested = sum(amount for _address, amount in self.requests)
        pool = self.amio[REVENUE_POOL]
        supply = self.minted - self.burned
        payout = requested * pool // supply if supply else 0
        self.amio[REVENUE_POOL] -= payout
        self.amio[REDEMPTION] += payout
        self.payouts[self.period] = [payout, requested]
        self.queue.extend((self.period, address, amount) for address, amount in self.requests)
        self.burned += requested
        self.requests = []
        self.period, self.period_start = self.period + 1, self.now
        self.period_first_epoch = self.epoch
        self.recent = defaultdict(int)

    def pay(self) -> None:
        for _ in range(min(FOG.max_redemptions_per_block, len(self.queue))):
            period, address, amount = self.queue.pop(0)
            remaining, requested = self.payouts[period]
            paid = amount * remaining // requested
            self.payouts[period] = [remaining - paid, requested - amount]
            self.amio[REDEMPTION] -= paid
            self.amio[address] += paid


class FogMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = make_world(FOG, pool=10**9)
        self.model = Model()
        self.model.amio = {key.address: AMIO_EACH for key in ACCOUNTS}
        self.model.amio.update({REVENUE_POOL: 10**9, REDEMPTION: 0, LOCKS_POOL: 0})
        self.inactive_is_active = False
        # compute's probe task, as fog sees it: an id per probe started (compute's side: tests/modules/compute)
        self.started: list[int] = []
        self.real_start_probe = compute_api.start_probe
        compute_api.start_probe = self.start_probe

    def start_probe(self, state, ctx, worker, randomness):
        self.started.append(len(self.started) + 1)
        return SimpleNamespace(id=self.started[-1])

    def teardown(self) -> None:
        compute_api.start_probe = self.real_start_probe

    # -- helpers --------------------------------------------------------------------------------------

    def start_step(self) -> None:
        self.world.state.take_events()
        self.model.expected = []
        self.model.now = self.world.now

    def made(self) -> list[tuple]:
        """The settlements the step made, from its events, in order."""
        made = []
        for event in self.world.state.take_events():
            attributes = dict(event.attributes)
            if event.type == "fog_settled":
                made.append(("fog_settled", ADDRESSES[attributes["address"]], int(attributes["epoch"]),
                             int(attributes["points"]), ufog(attributes["amount"])))
            elif event.type == "fog_locker_settled":
                made.append(("fog_locker_settled", ADDRESSES[attributes["owner"]], int(attributes["lock_id"]),
                             ufog(attributes["amount"])))
        return made

    def end_step(self) -> None:
        made = self.made()
        assert made == self.model.expected
        for kind in sorted({item[0] for item in made}):
            event(kind)
        if sum(1 for item in made if item[0] == "fog_settled") > 1:
            event("several earners settled in one step")

    # -- rules ----------------------------------------------------------------------------------------

    @initialize(classes=st.lists(st.sampled_from([None, *sorted(WEIGHTS)]), min_size=len(WORKER_KEYS),
                                 max_size=len(WORKER_KEYS)),
                results=st.lists(st.integers(0, 2), min_size=len(WORKER_KEYS), max_size=len(WORKER_KEYS)))
    def some_workers_have_proven_a_class(self, classes, results):
        """Most runs start with proven workers, so that heartbeats earn from the first steps."""
        for worker, class_name, count in zip(WORKER_KEYS, classes, results):
            for _ in range(count if class_name else 0):
                self.verified_result(worker, MASTER, class_name, 0)

    @rule(beats=st.lists(st.tuples(st.sampled_from(WORKER_KEYS), st.sampled_from(MASTER_KEYS)), min_size=1, max_size=4))
    def heartbeats(self, beats):
        for worker, master in beats:
            self.start_step()
            active = master is not INACTIVE_MASTER or self.inactive_is_active
            self.world.heartbeat(worker, master)
            self.model.heartbeat(worker.address, master.address, active, self.world.height)
            self.end_step()

    @rule(worker=st.sampled_from(WORKER_KEYS), master=st.sampled_from(MASTER_KEYS),
          class_name=st.sampled_from(sorted(WEIGHTS)), fuel=st.sampled_from([0, 1, 40_000, 99_999, 250_000, 3_000_000]))
    def verified_result(self, worker, master, class_name, fuel):
        self.start_step()
        self.world.verified(worker, fuel=fuel, class_name=class_name, master=master)
        self.model.verified(worker.address, master.address, class_name, fuel)
        self.end_step()

    @rule(data=st.data(), class_name=st.sampled_from(sorted(WEIGHTS)), passed=st.booleans())
    def a_probe_ends(self, data, class_name, passed):
        """compute ends a probe it started (of this epoch or an earlier one): passed, or failed."""
        if not self.model.probes:
            return
        task_id = data.draw(st.sampled_from(sorted(self.model.probes)))
        worker = self.model.probes[task_id]
        self.start_step()
        HOOKS.after_probe_ended(self.world.state, self.world.ctx(), worker, task_id, class_name, passed)
        self.model.probe_ended(task_id, class_name, passed)
        self.end_step()
        event(f"a probe ended, passed {passed}")

    @rule(worker=st.sampled_from(WORKER_KEYS))
    def slash(self, worker):
        self.start_step()
        self.world.slash(worker)
        self.model.slash(worker.address)
        self.end_step()

    @rule()
    def toggle_the_inactive_master(self):
        self.inactive_is_active = not self.inactive_is_active
        staking_state.set_active_master(self.world.state, INACTIVE_MASTER.address, self.inactive_is_active)

    @rule(owner=st.sampled_from(LOCKERS[:2]), amount=st.integers(1, 10**6), duration=st.integers(10, 100))
    def create_lock(self, owner, amount, duration):
        if locks_state.get_account(self.world.state, owner.address)[0] >= locks_state.get_params(self.world.state).max_locks_per_account:
            return
        self.start_step()
        lock_id = self.world.lock(owner, amount, duration)
        self.model.locks[lock_id] = Lock(owner.address, amount, self.world.now, self.world.now + duration,
                                         since=self.world.now, epoch=self.model.epoch)
        self.model.amio[owner.address] -= amount
        self.model.amio[LOCKS_POOL] += amount
        self.end_step()

    @rule(data=st.data())
    def withdraw_lock(self, data):
        choices = sorted(i for i, lock in self.model.locks.items() if not lock.withdrawn and lock.end <= self.world.now)
        if not choices:
            return
        lock_id = data.draw(st.sampled_from(choices))
        lock = self.model.locks[lock_id]
        self.start_step()
        self.world.withdraw(next(k for k in LOCKERS if k.address == lock.owner), lock_id)
        if lock.stopped is None:
            self.model.stop(lock)
        lock.withdrawn = True
        for other_id in sorted(self.model.locks):
            other = self.model.locks[other_id]
            if other.owner == lock.owner and other.withdrawn:
                self.model.settle_lock(other_id)
        self.model.amio[lock.owner] += lock.amount
        self.model.amio[LOCKS_POOL] -= lock.amount
        self.end_step()

    @rule(key=st.sampled_from(ACCOUNTS), share=st.sampled_from([1, 2, 3, 4]), extra=st.sampled_from([0, 0, 0, 1]))
    def redeem(self, key, share, extra):
        """Ask for a quarter, a half, three quarters or all of what the model says is redeemable (once the
        account is settled), sometimes one ufog more: that must fail and change nothing."""
        self.start_step()
        before = dict(self.world.state.iter_prefix(b""))
        trial = copy.deepcopy(self.model)
        trial.expected = []
        trial.settle_account(key.address)
        amount = trial.redeemable(key.address) * share // 4 + extra
        if amount == 0:
            return
        child = Overlay(self.world.state)
        try:
            handle_redeem(child, self.world.ctx(), MsgRedeem(key.address, amount))
        except ErrInsufficientFog:
            assert amount > trial.redeemable(key.address), "a redeem within the redeemable amount failed"
            assert dict(self.world.state.iter_prefix(b"")) == before
            return
        assert amount <= trial.redeemable(key.address), "a redeem above the redeemable amount passed"
        child.write_through()
        self.model.settle_account(key.address)
        self.model.fog[key.address] -= amount
        self.model.requests.append((key.address, amount))
        self.end_step()

    @rule(key=st.sampled_from(ACCOUNTS))
    def settle(self, key):
        """What the account's next transaction would settle (handle_redeem starts with it)."""
        self.start_step()
        logic.settle_account(self.world.state, self.world.ctx(), key.address)
        self.model.settle_account(key.address)
        self.end_step()

    @rule(key=st.sampled_from(ACCOUNTS))
    def balance_query_shows_what_settlement_would_credit(self, key):
        view = views.balance_view(QueryContext(self.world.state, self.world.height, self.world.now), key.address)
        trial = copy.deepcopy(self.model)
        trial.settle_account(key.address)
        assert (view["balance"], view["unsettled"], view["redeemable"]) == \
            (self.model.fog[key.address], trial.fog[key.address] - self.model.fog[key.address], trial.redeemable(key.address))

    @rule(amount=st.integers(1, 10**8))
    def revenue_arrives(self, amount):
        self.world.pay_revenue(amount)
        self.model.amio[REVENUE_POOL] += amount

    @rule(jumps=st.lists(st.sampled_from([1, 4, 9, 10, 11, 29, 30, 31, 45, 60, 89, 90, 200]), min_size=1, max_size=3))
    def blocks(self, jumps):
        for seconds in jumps:
            self.next_block(seconds)

    def next_block(self, seconds):
        """End the block at the current time (locks expire, an epoch or a period may close, payouts), then move
        the clock."""
        self.start_step()
        epoch, period, queued = self.model.epoch, self.model.period, len(self.model.queue)
        self.world.end_block()
        self.model.end_block(self.world.height, self.world.ctx().seed)
        self.end_step()
        if self.model.epoch > epoch:
            event(f"epoch closed with emission {bool(self.model.closed[epoch].emission)} "
                  f"and lockers' part {bool(self.model.closed[epoch].locker_emission)}")
        if self.model.period > period:
            event(f"period closed with {'some' if self.model.payouts[period][1] else 'no'} requests")
        if queued:
            event("redemptions paid")
        self.world.now += seconds
        self.world.height += 1

    # -- invariants -----------------------------------------------------------------------------------

    @invariant()
    def fog_and_bank_invariants_hold(self):
        invariants.check_supply(self.world.state)
        invariants.check_points(self.world.state)
        bank_invariants.check_supply(self.world.state)
        assert get_supply(self.world.state) == SUPPLY

    @invariant()
    def the_chain_agrees_with_the_model(self):
        state, model = self.world.state, self.model
        for key in ACCOUNTS:
            assert fog_state.get_account(state, key.address).balance == model.fog[key.address], key.name
        for address, amount in model.amio.items():
            assert get_balance(state, address) == amount
        ledger = fog_state.get_ledger(state)
        assert (ledger.minted, ledger.burned) == (model.minted, model.burned)
        assert ledger.provider_unsettled == model.unsettled_providers()
        assert (ledger.locker_unsettled, ledger.locker_carry) == (model.locker_minted - model.locker_credited, model.carry)
        assert ledger.requested == sum(amount for _address, amount in model.requests)
        epoch = fog_state.get_open_epoch(state)
        assert (epoch.index, epoch.start, epoch.points) == (model.epoch, model.epoch_start, sum(model.points.values()))
        for index, closed in model.closed.items():
            record = fog_state.get_closed_epoch(state, index)
            assert (record.emission, record.points, record.locker_emission, record.locked_seconds, record.rate) == \
                (closed.emission, closed.total, closed.locker_emission, closed.locked_seconds, closed.rate)
            assert (record.remaining, record.points_remaining) == (closed.remaining, closed.points_remaining)
            if closed.points_remaining == 0:
                assert closed.remaining == 0  # every earner settled: the credits added up to the emission

    @invariant()
    def the_probes_agree_with_the_model(self):
        for key in WORKER_KEYS:
            record = fog_state.get_contribution(self.world.state, key.address)
            if record is None or record.epoch != self.model.epoch:
                continue
            assert (record.probe, record.held) == (self.model.probe.get(key.address, ""),
                                                   self.model.held[key.address]), key.name
            if record.probe:
                assert record.probe_task == self.model.probe_task[key.address], key.name

    @invariant()
    def every_points_total_is_non_negative(self):
        for address, record in fog_state.iter_contributions(self.world.state):
            assert record.points >= 0 and record.availability >= 0 and record.routing >= 0


def ufog(text: str) -> int:
    assert text.endswith("ufog"), text
    return int(text[:-4])


FogMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=80, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
TestFogMachine = FogMachine.TestCase

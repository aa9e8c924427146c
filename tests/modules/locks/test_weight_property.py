"""Hypothesis: over random create / buy / advance / expire / withdraw sequences the O(1) lock
weight equals the brute-force sum of amount x remaining time, every rejected message changes
nothing, and the invariants hold after every step."""

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from abci_app.store import Overlay
from chain_modules.bank.state import get_balance
from chain_modules.common.errors import ChainError
from chain_modules.locks.api import has_api_access, lock_weight, locked_amount, total_lock_weight
from chain_modules.locks.epoch import end_block
from chain_modules.locks.handlers import handle_buy_api_access, handle_create_lock, handle_withdraw_lock
from chain_modules.locks.invariants import check_pool, check_records, check_sums
from chain_modules.locks.types import LockParams, MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from tests.modules.locks.helpers import ALICE, BOB, CAROL, NOW, context, pre_state, settle

PARAMS = LockParams(min_lock_seconds=10, max_lock_seconds=1_000, api_access_rate=2, max_api_access_seconds=500,
                    max_locks_per_account=4)
OWNERS = [ALICE.address, BOB.address, CAROL.address]
START_BALANCE = 50_000


class LocksMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = pre_state({owner: START_BALANCE for owner in OWNERS}, params=PARAMS)
        self.now = NOW
        self.expired_at = NOW  # time of the last end_block
        self.balances = {owner: START_BALANCE for owner in OWNERS}
        self.locks: dict[int, tuple[bytes, str, int, int]] = {}  # id -> owner, kind, amount, end
        self.next_id = 1
        self.api_until = {owner: 0 for owner in OWNERS}

    # -- running messages as the router does: on a child overlay, kept only on success ---------

    def run(self, handler, msg, expected_error: str | None) -> None:
        child = Overlay(self.state)
        try:
            handler(child, context(self.now), msg)
        except ChainError as error:
            assert expected_error == type(error).__name__, (expected_error, error)
            assert child.writes == {} and child.events == [], "a rejected message wrote something"
            return
        assert expected_error is None, f"expected {expected_error}"
        child.write_through()

    def count(self, owner: bytes) -> int:
        return sum(1 for lock in self.locks.values() if lock[0] == owner)

    # -- rules --------------------------------------------------------------------------------

    @rule(owner=st.sampled_from(OWNERS), amount=st.integers(1, 30_000), duration=st.integers(1, 1_100))
    def create(self, owner, amount, duration):
        if not 10 <= duration <= 1_000:
            expected = "ErrInvalidDuration"
        elif self.count(owner) >= 4:
            expected = "ErrTooManyLocks"
        elif amount > self.balances[owner]:
            expected = "ErrInsufficientFunds"
        else:
            expected = None
        self.run(handle_create_lock, MsgCreateLock(owner, amount, duration), expected)
        if expected is None:
            self.balances[owner] -= amount
            self.locks[self.next_id] = (owner, "investor", amount, self.now + duration)
            self.next_id += 1

    @rule(owner=st.sampled_from(OWNERS), extra=st.integers(-3, 3), duration=st.integers(1, 600))
    def buy(self, owner, extra, duration):
        amount = max(1, duration * 2 + extra)
        end = max(self.now, self.api_until[owner]) + duration
        if duration > 500 or end - self.now > 500:
            expected = "ErrInvalidDuration"
        elif amount < duration * 2:
            expected = "ErrInsufficientAccessAmount"
        elif self.count(owner) >= 4:
            expected = "ErrTooManyLocks"
        elif amount > self.balances[owner]:
            expected = "ErrInsufficientFunds"
        else:
            expected = None
        self.run(handle_buy_api_access, MsgBuyApiAccess(owner, amount, duration), expected)
        if expected is None:
            self.balances[owner] -= amount
            self.locks[self.next_id] = (owner, "api", amount, end)
            self.api_until[owner] = end
            self.next_id += 1

    @rule(owner=st.sampled_from(OWNERS), pick=st.integers(0, 2**16))
    def withdraw(self, owner, pick):
        ids = sorted(self.locks) + [self.next_id]  # sometimes an unknown id
        lock_id = ids[pick % len(ids)]
        lock = self.locks.get(lock_id)
        if lock is None:
            expected = "ErrUnknownLock"
        elif lock[0] != owner:
            expected = "ErrNotLockOwner"
        elif self.now < lock[3]:
            expected = "ErrLockNotExpired"
        else:
            expected = None
        self.run(handle_withdraw_lock, MsgWithdrawLock(owner, lock_id), expected)
        if expected is None:
            self.balances[owner] += lock[2]
            del self.locks[lock_id]

    @rule(seconds=st.integers(0, 400))
    def advance(self, seconds):
        """Time passes without an end_block (the next block's txs see locks that ended meanwhile)."""
        self.now += seconds

    @rule()
    def expire(self):
        block = Overlay(self.state)
        end_block(block, context(self.now))
        block.write_through()
        self.expired_at = self.now

    @rule()
    def commit(self):
        self.state = settle(self.state)

    # -- what must always hold --------------------------------------------------------------------

    @invariant()
    def weight_equals_brute_force(self):
        for when in (self.now, self.now + 7):
            expected_total = 0
            for owner in OWNERS:
                mine = [(amount, end) for o, kind, amount, end in self.locks.values() if o == owner and kind == "investor"]
                expected = sum(amount * (end - when) for amount, end in mine if end > when)
                assert lock_weight(self.state, owner, when) == expected
                assert locked_amount(self.state, owner, when) == sum(amount for amount, end in mine if end > when)
                expected_total += expected
            assert total_lock_weight(self.state, when) == expected_total

    @invariant()
    def balances_and_access_match_the_model(self):
        for owner in OWNERS:
            assert get_balance(self.state, owner) == self.balances[owner]
            assert has_api_access(self.state, owner, self.now) == (self.now < self.api_until[owner])

    @invariant()
    def invariants_hold(self):
        check_pool(self.state)
        check_records(self.state)
        check_sums(self.state)

    @precondition(lambda self: self.now == self.expired_at)
    @invariant()
    def sums_cover_exactly_the_unended_locks_right_after_end_block(self):
        check_sums(self.state, self.now)


LocksMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_locks_state_machine = LocksMachine.TestCase

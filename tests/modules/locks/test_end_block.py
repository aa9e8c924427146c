"""locks end_block: locks whose end has come leave the expiry queue and the weight sums, in
bounded work; their tokens stay in the pool until withdrawn."""

from chain_modules.locks.api import lock_weight, locked_amount, total_lock_weight
from chain_modules.locks.epoch import end_block
from chain_modules.locks.handlers import handle_buy_api_access, handle_create_lock
from chain_modules.locks.invariants import check_all
from chain_modules.locks.state import get_account, get_lock, get_total_sums, is_queued
from chain_modules.locks.types import DAY, LockParams, MsgBuyApiAccess, MsgCreateLock
from tests.modules.locks.helpers import ALICE, BOB, MONTH, NOW, context, events_of, pool, pre_state, settle


def three_locks():
    """Alice: 100 for 1 month (lock 1) and 200 for 2 months (lock 2); Bob: 300 for 1 month (lock 3)."""
    state = pre_state({ALICE.address: 1_000, BOB.address: 1_000})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 100, MONTH))
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 200, 2 * MONTH))
    handle_create_lock(state, context(), MsgCreateLock(BOB.address, 300, MONTH))
    return settle(state)


def test_end_block_before_any_end_changes_nothing():
    state = three_locks()
    end_block(state, context(NOW + MONTH - 1))
    assert state.writes == {} and state.events == []


def test_end_block_expires_the_locks_that_ended_and_keeps_the_rest():
    state = three_locks()
    end_block(state, context(NOW + MONTH))
    assert [is_queued(state, get_lock(state, i)) for i in (1, 2, 3)] == [False, True, False]
    assert get_total_sums(state) == (200, 200 * (NOW + 2 * MONTH))
    assert get_account(state, BOB.address) == (1, 0, 0)  # the lock stays, with no weight
    assert pool(state) == 600  # tokens wait for withdrawal
    check_all(state, NOW + MONTH)


def test_end_block_emits_one_lock_expired_per_lock_in_end_then_id_order():
    state = three_locks()
    end_block(state, context(NOW + 3 * MONTH))
    assert [e["lock_id"] for e in events_of(state, "lock_expired")] == ["1", "3", "2"]
    assert events_of(state, "lock_expired")[0] == {
        "lock_id": "1", "owner": ALICE.bech32, "kind": "investor", "amount": "100uamio", "end": str(NOW + MONTH),
    }
    end_block(state, context(NOW + 4 * MONTH))
    assert len(events_of(state, "lock_expired")) == 3  # never twice


def test_weight_after_end_block_counts_only_unended_locks():
    state = three_locks()
    end_block(state, context(NOW + MONTH + DAY))
    now = NOW + MONTH + DAY
    assert lock_weight(state, ALICE.address, now) == 200 * (MONTH - DAY)
    assert lock_weight(state, BOB.address, now) == 0
    assert total_lock_weight(state, now) == 200 * (MONTH - DAY)
    assert locked_amount(state, None, now) == 200


def test_weight_is_exact_between_a_lock_end_and_the_next_end_block():
    state = three_locks()
    now = NOW + MONTH + 2  # locks 1 and 3 ended, but end_block has not run yet
    assert lock_weight(state, ALICE.address, now) == 200 * (MONTH - 2)
    assert lock_weight(state, BOB.address, now) == 0
    assert total_lock_weight(state, now) == 200 * (MONTH - 2)
    assert locked_amount(state, BOB.address, now) == 0
    assert locked_amount(state, None, now) == 200


def test_end_block_expires_api_locks_without_touching_the_weight():
    state = pre_state({ALICE.address: 10**12})
    handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 100, MONTH))
    handle_buy_api_access(state, context(), MsgBuyApiAccess(ALICE.address, DAY * 10, DAY))
    state = settle(state)
    end_block(state, context(NOW + DAY))
    assert events_of(state, "lock_expired") == [{
        "lock_id": "2", "owner": ALICE.bech32, "kind": "api", "amount": f"{DAY * 10}uamio", "end": str(NOW + DAY),
    }]
    assert get_account(state, ALICE.address) == (2, 100, 100 * (NOW + MONTH))
    check_all(state, NOW + DAY)


class CountingState:
    """Wraps a state and counts the keys read, by get or by iteration."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.reads = 0

    def get(self, key):
        self.reads += 1
        return self.inner.get(key)

    def iter_prefix(self, prefix):
        for item in self.inner.iter_prefix(prefix):
            self.reads += 1
            yield item

    def set(self, key, value):
        self.inner.set(key, value)

    def delete(self, key):
        self.inner.delete(key)

    def emit(self, event):
        self.inner.emit(event)


def test_end_block_work_is_bounded_by_the_locks_that_end():
    """200 locks ending later: end_block reads the queue only up to the first later end."""
    state = pre_state({ALICE.address: 10**9}, params=LockParams(max_locks_per_account=1_000))
    for index in range(200):
        handle_create_lock(state, context(), MsgCreateLock(ALICE.address, 1, MONTH + index))
    state = settle(state)
    counting = CountingState(state)
    end_block(counting, context(NOW + MONTH + 1))  # two locks end
    assert len(events_of(state, "lock_expired")) == 2
    assert counting.reads < 20

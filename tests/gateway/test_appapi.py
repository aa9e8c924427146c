"""The application API's own bookkeeping: the rate limit proportional to the lock, and replay refusal."""

from __future__ import annotations

from gateway.appapi import MIN_REQUESTS_PER_MINUTE, RateLimiter, ReplayGuard, requests_per_minute


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_allowance_grows_with_the_locked_amount_above_a_floor():
    assert requests_per_minute(0) == MIN_REQUESTS_PER_MINUTE
    assert requests_per_minute(1_000_000) == 1_000
    assert requests_per_minute(2_000_000) == 2 * requests_per_minute(1_000_000)
    assert requests_per_minute(50_000, uamio_per_request=100) == 500


def test_a_bucket_allows_its_allowance_then_asks_to_wait_and_refills_with_time():
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    assert all(limiter.take("amio1a", 12) == 0 for _ in range(12))
    wait = limiter.take("amio1a", 12)
    assert 4.9 < wait <= 5.0  # one token comes back every 60/12 seconds
    assert limiter.take("amio1b", 12) == 0  # another account has its own bucket
    clock.now += 5.0
    assert limiter.take("amio1a", 12) == 0
    assert limiter.take("amio1a", 12) > 0


def test_a_bigger_lock_allows_more_requests_in_the_same_minute():
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    small = sum(limiter.take("amio1small", requests_per_minute(0)) == 0 for _ in range(100))
    large = sum(limiter.take("amio1large", requests_per_minute(60_000)) == 0 for _ in range(100))
    assert small == MIN_REQUESTS_PER_MINUTE and large == 60


def test_a_signature_is_accepted_once_within_its_lifetime():
    clock = Clock()
    guard = ReplayGuard(ttl_seconds=120, clock=clock)
    assert guard.first_use(b"sig-1") and not guard.first_use(b"sig-1")
    assert guard.first_use(b"sig-2")
    clock.now += 121
    assert guard.first_use(b"sig-1")

"""locks types: params, the lock record and the messages.

Durations and times are whole seconds of block time. A lock's weight is
amount x remaining time (uamio-seconds); only investor locks have weight.
"""

from __future__ import annotations

from dataclasses import dataclass

from chain_modules.common.messages import ErrInvalidMessage, Msg, address_field, amount_field
from chain_modules.common.params import IntParams

DAY = 86_400
YEAR = 365 * DAY

KIND_INVESTOR = "investor"
KIND_API = "api"
KINDS = (KIND_INVESTOR, KIND_API)

# A message may not carry a duration beyond this (about 34,800 years), so that
# block time + duration always fits the 8-byte keys whatever the params say.
MAX_DURATION_FIELD = 2**40
MAX_LOCK_ID = 2**64 - 1

GAS_CREATE_LOCK = 10_000
GAS_WITHDRAW_LOCK = 8_000
GAS_BUY_API_ACCESS = 10_000


@dataclass(frozen=True, slots=True)
class LockParams(IntParams):
    MODULE = "locks"
    MINIMUM = 1
    MAXIMUM = MAX_DURATION_FIELD

    min_lock_seconds: int = 30 * DAY
    max_lock_seconds: int = 4 * YEAR
    api_access_rate: int = 10  # uamio per second of API access
    max_api_access_seconds: int = YEAR
    max_locks_per_account: int = 32

    def check(self) -> None:
        if self.min_lock_seconds > self.max_lock_seconds:
            raise ValueError(
                f"locks param 'min_lock_seconds' ({self.min_lock_seconds}) exceeds 'max_lock_seconds' ({self.max_lock_seconds})"
            )

    def api_access_price(self, duration: int) -> int:
        """Uamio that must be locked for ``duration`` seconds of API access: ceil(duration x rate).

        The rate is a whole number of uamio per second, so the product is
        exact and the ceiling never rounds anything.
        """
        return duration * self.api_access_rate


@dataclass(frozen=True, slots=True)
class Lock:
    """``amount`` uamio of ``owner`` held in the locks pool from ``start`` until at least ``end``."""

    id: int
    owner: bytes
    kind: str
    amount: int
    start: int
    end: int

    def to_list(self) -> list:
        return [self.owner, self.kind, self.amount, self.start, self.end]

    @classmethod
    def from_list(cls, lock_id: int, data: list) -> "Lock":
        owner, kind, amount, start, end = data
        return cls(lock_id, owner, kind, amount, start, end)

    def expired(self, now: int) -> bool:
        return now >= self.end

    def weight(self, now: int) -> int:
        """amount x remaining seconds; zero for API locks and once the lock has ended."""
        if self.kind != KIND_INVESTOR or now >= self.end:
            return 0
        return self.amount * (self.end - now)


def duration_field(body: dict, name: str) -> int:
    from chain_modules.locks.errors import ErrInvalidDuration

    value = body.get(name)
    if type(value) is not int:
        raise ErrInvalidMessage(f"field {name!r} must be an integer number of seconds")
    if not 0 < value <= MAX_DURATION_FIELD:
        raise ErrInvalidDuration(f"field {name!r} must be a positive number of seconds below 2^40, got {value}")
    return value


def lock_id_field(body: dict, name: str) -> int:
    value = body.get(name)
    if type(value) is not int or not 0 <= value <= MAX_LOCK_ID:
        raise ErrInvalidMessage(f"field {name!r} must be a lock id (an integer in [0, 2^64))")
    return value


@dataclass(frozen=True, slots=True)
class MsgCreateLock(Msg):
    """Lock ``amount`` uamio of ``owner`` (spendable or vesting) for ``duration`` seconds as an investor lock."""

    TYPE = "locks/create_lock"
    FIELDS = {"owner": address_field, "amount": amount_field, "duration": duration_field}
    SIGNER = "owner"
    GAS = GAS_CREATE_LOCK
    owner: bytes
    amount: int
    duration: int


@dataclass(frozen=True, slots=True)
class MsgWithdrawLock(Msg):
    """Return the tokens of lock ``lock_id`` to its owner once the lock has ended."""

    TYPE = "locks/withdraw_lock"
    FIELDS = {"owner": address_field, "lock_id": lock_id_field}
    SIGNER = "owner"
    GAS = GAS_WITHDRAW_LOCK
    owner: bytes
    lock_id: int


@dataclass(frozen=True, slots=True)
class MsgBuyApiAccess(Msg):
    """Lock ``amount`` uamio of ``owner`` to buy ``duration`` seconds of gateway API access."""

    TYPE = "locks/buy_api_access"
    FIELDS = {"owner": address_field, "amount": amount_field, "duration": duration_field}
    SIGNER = "owner"
    GAS = GAS_BUY_API_ACCESS
    owner: bytes
    amount: int
    duration: int


__all__ = [
    "DAY", "YEAR", "KIND_API", "KIND_INVESTOR", "Lock", "LockParams", "MsgBuyApiAccess", "MsgCreateLock",
    "MsgWithdrawLock", "ErrInvalidMessage",
]

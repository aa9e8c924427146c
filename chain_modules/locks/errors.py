"""locks errors (codespace "locks"). Codes are consensus: never renumber."""

from chain_modules.common.errors import ChainError


class LocksError(ChainError):
    codespace = "locks"


class ErrInvalidDuration(LocksError):
    code = 2
    description = "lock duration is outside the allowed range"


class ErrTooManyLocks(LocksError):
    code = 3
    description = "account holds the maximum number of locks"


class ErrUnknownLock(LocksError):
    code = 4
    description = "no such lock"


class ErrNotLockOwner(LocksError):
    code = 5
    description = "only the owner of a lock may withdraw it"


class ErrLockNotExpired(LocksError):
    code = 6
    description = "lock has not reached its end yet"


class ErrInsufficientAccessAmount(LocksError):
    code = 7
    description = "amount is below the price of the requested API access"

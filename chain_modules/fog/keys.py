"""State keys owned by fog. Integers in keys are 8-byte big-endian so that keys sort by value."""

PREFIX = b"fog/"  # every key below starts with it

PARAMS_KEY = b"fog/params"
LEDGER_KEY = b"fog/ledger"  # the supply counters (chain_modules.fog.types.Ledger)
EPOCH_KEY = b"fog/epoch"  # the open contribution epoch (OpenEpoch)
EPOCH_PREFIX = b"fog/epochs/"  # epoch index -> its closed record (ClosedEpoch)
PERIOD_KEY = b"fog/period"  # the open redemption period (OpenPeriod)
PERIOD_PREFIX = b"fog/periods/"  # period index -> its closed record (ClosedPeriod)
ACCOUNT_PREFIX = b"fog/account/"  # address -> FOG balance and what was credited in the current period
CONTRIBUTION_PREFIX = b"fog/contribution/"  # address -> points in its last epoch (Contribution)
LOCK_PREFIX = b"fog/lock/"  # owner + lock id -> the lock's share of the lockers' FOG (LockerShare)
REQUEST_PREFIX = b"fog/request/"  # period + sequence -> a redemption request (address, amount)
PROBE_DRAW_PREFIX = b"fog/probe_draw/"  # height + worker -> b"": a probe draw waiting for a later block's seed


def epoch_key(index: int) -> bytes:
    return EPOCH_PREFIX + index.to_bytes(8, "big")


def period_key(index: int) -> bytes:
    return PERIOD_PREFIX + index.to_bytes(8, "big")


def account_key(address: bytes) -> bytes:
    return ACCOUNT_PREFIX + address


def contribution_key(address: bytes) -> bytes:
    return CONTRIBUTION_PREFIX + address


def lock_key(owner: bytes, lock_id: int) -> bytes:
    return LOCK_PREFIX + owner + lock_id.to_bytes(8, "big")


def owner_locks_prefix(owner: bytes) -> bytes:
    return LOCK_PREFIX + owner


def request_key(period: int, sequence: int) -> bytes:
    return REQUEST_PREFIX + period.to_bytes(8, "big") + sequence.to_bytes(8, "big")


def probe_draw_key(height: int, worker: bytes) -> bytes:
    return PROBE_DRAW_PREFIX + height.to_bytes(8, "big") + worker

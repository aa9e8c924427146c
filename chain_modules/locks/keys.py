"""State keys owned by locks. Integers in keys are 8-byte big-endian so that keys sort by value."""

PREFIX = b"locks/"  # every key below starts with it

PARAMS_KEY = b"locks/params"
NEXT_ID_KEY = b"locks/next_id"
TOTAL_KEY = b"locks/total"
LOCK_PREFIX = b"locks/lock/"
BY_OWNER_PREFIX = b"locks/by_owner/"
ACCOUNT_PREFIX = b"locks/account/"
EXPIRY_QUEUE_PREFIX = b"locks/expiry/"
API_UNTIL_PREFIX = b"locks/api_until/"


def u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


def lock_key(lock_id: int) -> bytes:
    return LOCK_PREFIX + u64(lock_id)


def by_owner_key(owner: bytes, lock_id: int) -> bytes:
    return BY_OWNER_PREFIX + owner + u64(lock_id)


def account_key(owner: bytes) -> bytes:
    return ACCOUNT_PREFIX + owner


def expiry_queue_key(end: int, lock_id: int) -> bytes:
    return EXPIRY_QUEUE_PREFIX + u64(end) + u64(lock_id)


def api_until_key(owner: bytes) -> bytes:
    return API_UNTIL_PREFIX + owner

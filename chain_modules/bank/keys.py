"""State keys owned by bank."""

PREFIX = b"bank/"  # every key below starts with it

BALANCE_PREFIX = b"bank/bal/"
VESTING_PREFIX = b"bank/vest/"
SUPPLY_KEY = b"bank/supply"
DELEGATED_VESTING_PREFIX = b"bank/dvf/"


def balance_key(address: bytes) -> bytes:
    return BALANCE_PREFIX + address


def vesting_key(address: bytes) -> bytes:
    return VESTING_PREFIX + address


def delegated_vesting_key(address: bytes) -> bytes:
    return DELEGATED_VESTING_PREFIX + address

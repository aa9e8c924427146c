"""State keys owned by bank."""

BALANCE_PREFIX = b"bank/bal/"
VESTING_PREFIX = b"bank/vest/"
SUPPLY_KEY = b"bank/supply"


def balance_key(address: bytes) -> bytes:
    return BALANCE_PREFIX + address


def vesting_key(address: bytes) -> bytes:
    return VESTING_PREFIX + address

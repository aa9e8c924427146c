"""State keys owned by auth."""

ACCOUNT_PREFIX = b"auth/acct/"
PARAMS_KEY = b"auth/params"


def account_key(address: bytes) -> bytes:
    return ACCOUNT_PREFIX + address

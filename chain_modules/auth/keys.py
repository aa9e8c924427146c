"""State keys owned by auth."""

PREFIX = b"auth/"  # every key below starts with it

ACCOUNT_PREFIX = b"auth/acct/"
PARAMS_KEY = b"auth/params"


def account_key(address: bytes) -> bytes:
    return ACCOUNT_PREFIX + address

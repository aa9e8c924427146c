"""State keys owned by distribution."""

PREFIX = b"dist/"  # every key below starts with it

CURRENT_PREFIX = b"dist/current/"        # operator -> [period, current rewards]
HISTORICAL_PREFIX = b"dist/hist/"        # operator + period(8) -> [cumulative reward ratio, reference count]
STARTING_PREFIX = b"dist/start/"         # delegator + operator -> [previous period, stake]
COMMISSION_PREFIX = b"dist/commission/"  # operator -> accumulated commission
OUTSTANDING_PREFIX = b"dist/outstanding/"  # operator -> rewards allocated and not yet paid out
COMMUNITY_KEY = b"dist/community"
SLASH_EVENT_PREFIX = b"dist/slash/"      # operator + period(8) -> [tokens removed, tokens before]        # rounding remainders and rewards nobody could receive


def current_key(operator: bytes) -> bytes:
    return CURRENT_PREFIX + operator


def historical_key(operator: bytes, period: int) -> bytes:
    return HISTORICAL_PREFIX + operator + period.to_bytes(8, "big")


def starting_key(delegator: bytes, operator: bytes) -> bytes:
    return STARTING_PREFIX + delegator + operator


def commission_key(operator: bytes) -> bytes:
    return COMMISSION_PREFIX + operator


def outstanding_key(operator: bytes) -> bytes:
    return OUTSTANDING_PREFIX + operator


def slash_event_key(operator: bytes, period: int) -> bytes:
    return SLASH_EVENT_PREFIX + operator + period.to_bytes(8, "big")

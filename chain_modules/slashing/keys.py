"""State keys owned by slashing."""

PREFIX = b"slashing/"  # every key below starts with it

PARAMS_KEY = b"slashing/params"
SIGNING_PREFIX = b"slashing/info/"  # consensus address -> [start height, seen, missed, bitmap, missing since]

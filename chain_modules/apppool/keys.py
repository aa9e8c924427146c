"""State keys owned by apppool."""

PREFIX = b"apppool/"  # every key below starts with it

PARAMS_KEY = b"apppool/params"
APP_PREFIX = b"apppool/app/"  # module hash -> app record

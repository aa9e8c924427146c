"""What other modules and the router may use of auth."""

from chain_modules.auth.keys import account_key
from chain_modules.auth.state import get_account, get_params, set_account, set_params

__all__ = ["account_key", "get_account", "set_account", "get_params", "set_params"]

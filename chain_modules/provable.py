"""Which abci_query paths are provable, and the one state key each of them proves.

The query handler (abci_app/queries.py) reads and proves exactly this key,
and the wallet (client/wallet/proofs.py) computes it itself from the path it
asked for, so a node cannot answer one path with a valid proof of another
key (another account's balance, say). Pure: no state, no I/O.

  /bank/balance/<address>   bank.keys.balance_key(address)
  /bank/supply              bank.keys.SUPPLY_KEY
  /auth/account/<address>   auth.keys.account_key(address)
"""

from __future__ import annotations

from chain_modules.auth.api import account_key
from chain_modules.bank.api import SUPPLY_KEY, balance_key
from chain_modules.common.address import decode_address

PROVABLE_PATHS = ("/bank/balance/<address>", "/bank/supply", "/auth/account/<address>")


def query_path_parts(path: str) -> list[str]:
    """The path's segments, split the way the query handler splits them."""
    return path.strip("/").split("/")


def provable_key(path: str) -> bytes | None:
    """The state key that ``path`` reads and proves, or None when the path is not provable.

    Raises chain_modules.common.address.AddressError for a provable path whose address is invalid.
    """
    match query_path_parts(path):
        case ["bank", "balance", address]:
            return balance_key(decode_address(address))
        case ["bank", "supply"]:
            return SUPPLY_KEY
        case ["auth", "account", address]:
            return account_key(decode_address(address))
    return None

"""auth's manifest: tx params and accounts (the ante checks themselves run in abci_app/router.py)."""

from chain_modules.auth import keys
from chain_modules.auth.state import get_params, set_params
from chain_modules.auth.types import TxParams
from chain_modules.common.module import Module, Params, params_genesis
from chain_modules.common.query import Query, QueryContext


def _params_view(ctx: QueryContext) -> dict:
    return get_params(ctx.state).to_dict()


PARAMS = Params(TxParams, get_params, set_params)

MODULE = Module(
    name="auth",
    codespace="tx",
    prefix=b"auth/",
    queries=(
        Query("account/{address:address}", key=keys.account_key,
              doc="raw account value (msgpack [pubkey, sequence]; empty when new), provable"),
        Query("params", _params_view, doc="the tx params"),
    ),
    genesis=params_genesis("auth", b"auth/", PARAMS, keys.PARAMS_KEY),
    params=PARAMS,
)

"""apppool's manifest: the registry of job applications (WebAssembly modules by hash) and their verification.

apppool checks an application's resource classes against compute's, and compute reads apppool's records: to
keep the dependency one way (compute -> apppool), the app hands apppool the one function it needs from compute
when it builds the manifest (``make_module(known_classes=...)``), as a Cosmos keeper receives the keepers it
expects."""

from functools import partial

from chain_modules.apppool import views
from chain_modules.apppool.handlers import ClassNames, handle_register_app, handle_set_verified
from chain_modules.apppool.keys import PARAMS_KEY, PREFIX
from chain_modules.apppool.state import get_params, set_params
from chain_modules.apppool.types import AppPoolParams, MsgRegisterApp, MsgSetAppVerified
from chain_modules.common.module import Module, Params, params_genesis
from chain_modules.common.query import Query

PARAMS = Params(AppPoolParams, get_params, set_params)


def make_module(known_classes: ClassNames) -> Module:
    return Module(
        name="apppool",
        codespace="apppool",
        prefix=PREFIX,
        messages=(
            (MsgRegisterApp, partial(handle_register_app, known_classes=known_classes)),
            (MsgSetAppVerified, handle_set_verified),
        ),
        queries=(
            Query("params", views.params_query, doc="the apppool params"),
            Query("apps", views.apps_query, doc="registered applications by module hash (the first 200)"),
            Query("app/{module_hash:hash32}", views.app_query, doc="one application"),
        ),
        genesis=params_genesis("apppool", PREFIX, PARAMS, PARAMS_KEY, required=False),
        params=PARAMS,
    )

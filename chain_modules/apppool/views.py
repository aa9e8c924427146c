"""Query views of apppool: the registered applications."""

from __future__ import annotations

from chain_modules.apppool import state as st
from chain_modules.apppool.types import App
from chain_modules.common.events import bech32
from chain_modules.common.query import QueryContext, not_found
from chain_modules.common.state import StateRead

MAX_LIST = 200


def app_view(app: App) -> dict:
    return {
        "module_hash": app.module_hash.hex(),
        "publisher": bech32(app.publisher) if app.publisher else "",
        "name": app.name,
        "description": app.description,
        "module_size": app.module_size,
        "classes": list(app.classes),
        "verified": app.verified,
        "blocked": app.blocked,
        "registered_at": app.registered_at,
    }


def apps_view(state: StateRead) -> list[dict]:
    """The first MAX_LIST applications by module hash (the scan stops there)."""
    views = []
    for app in st.iter_apps(state):
        views.append(app_view(app))
        if len(views) >= MAX_LIST:
            break
    return views


def params_query(ctx: QueryContext) -> dict:
    return st.get_params(ctx.state).to_dict()


def apps_query(ctx: QueryContext) -> list[dict]:
    return apps_view(ctx.state)


def app_query(ctx: QueryContext, module_hash: bytes) -> dict:
    app = st.get_app(ctx.state, module_hash)
    if app is None:
        raise not_found(f"no application with module hash {module_hash.hex()}")
    return app_view(app)

"""REST routes for every chain query, generated from the module manifests.

Every ``Query`` a module declares in its ``module.py`` becomes ``GET /amino/<module>/v1/<path>``, its
``{name:kind}`` parameters path parameters of the same name. Nothing here lists the queries by hand: a
module that adds a query gets its endpoint, and tests/gateway/test_openapi.py checks that every query has one.

- A list value is paginated by key: ``?limit=N&after=KEY`` answers the items after the one whose key is KEY,
  and ``pagination.next_key`` is the key to ask for next (null on the last page).
- Each route documents its value's type (gateway/schemas.py); the answer is sent as it is, not re-validated
  against that model, so a field the model lacks never turns into a 500 (the schema tests catch it).
- ``?prove=true`` (provable queries only) checks the value with a Merkle proof against the app hash of a
  header the light client verified, and returns the value, the proof and that header.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from fastapi import APIRouter, Path, Query as QueryParam, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, create_model
from starlette.concurrency import run_in_threadpool

from abci_app.modules import MODULES
from chain_modules.common.query import Query
from gateway.errors import NOT_PROVABLE, GatewayError, bad_request, from_query
from gateway.render import decode_raw, decode_view
from gateway.schemas import RESULTS

PREFIX = "/amino"
VERSION = "v1"
MAX_PAGE = 200
DEFAULT_PAGE = 100
# the fields an item of a list is keyed by, in order of preference
ITEM_KEYS = ("id", "operator", "address", "worker", "module_hash", "epoch", "height", "name", "class_name")

# each parameter kind of chain_modules/common/query.py as an OpenAPI string pattern (the chain parses again)
KIND_PATTERNS = {
    "address": (r"^amio1[02-9ac-hj-np-z]{38}$", "a bech32 account address (amio1...)"),
    "uint64": (r"^[0-9]{1,20}$", "a decimal unsigned 64-bit integer"),
    "hash32": (r"^[0-9a-fA-F]{64}$", "32 bytes in hex"),
    "hex20": (r"^[0-9a-fA-F]{40}$", "20 bytes in hex"),
    "name": (r"^[a-z][a-z0-9_-]{0,63}$", "a lower-case name"),
    "text": (r"^[A-Za-z0-9_.:-]{1,128}$", "a name"),
}


class Pagination(BaseModel):
    next_key: str | None
    total: int


class ProofOp(BaseModel):
    type: str
    key: str
    data: str


class VerifiedHeaderModel(BaseModel):
    chain_id: str
    height: int
    time: str
    app_hash: str
    header_hash: str


class QueryAnswer(BaseModel):
    """A query's value at ``height``; with ``?prove=true`` also the proof and the header it was checked against."""

    height: int
    value: Any = None
    pagination: Pagination | None = None
    proof: ProofOp | None = None
    header: VerifiedHeaderModel | None = None


def answer_model(module: str, query: Query) -> type[QueryAnswer]:
    """``QueryAnswer`` with ``value`` typed as the query's value (gateway/schemas.py), named after the query."""
    words = []
    for segment in (module, *query.segments):
        if segment.startswith("{"):
            words += ["by", *segment[1:-1].partition(":")[0].split("_")]
        else:
            words += segment.replace("-", "_").split("_")
    name = "".join(word[:1].upper() + word[1:] for word in words)
    return create_model(f"{name}Answer", __base__=QueryAnswer, value=(RESULTS[f"/{module}/{query.path}"], ...))


def route_path(module: str, query: Query) -> str:
    segments = [segment if not segment.startswith("{") else "{" + segment[1:-1].partition(":")[0] + "}"
                for segment in query.segments]
    return "/".join([PREFIX, module, VERSION, *segments])


def chain_path(module: str, query: Query, params: dict[str, str]) -> str:
    segments = [segment if not segment.startswith("{") else params[segment[1:-1].partition(":")[0]]
                for segment in query.segments]
    return "/" + "/".join([module, *segments])


def item_key(item: Any, position: int) -> str:
    if isinstance(item, dict):
        for name in ITEM_KEYS:
            if name in item and isinstance(item[name], (str, int)):
                return str(item[name])
    return str(position)


def paginate(items: list, limit: int, after: str | None) -> tuple[list, Pagination]:
    keys = [item_key(item, position) for position, item in enumerate(items)]
    start = 0
    if after is not None:
        if after not in keys:
            raise bad_request(f"pagination key {after!r} is not in this list (use pagination.next_key of the last page)")
        start = keys.index(after) + 1
    page = items[start:start + limit]
    more = start + limit < len(items)
    return page, Pagination(next_key=keys[start + limit - 1] if more else None, total=len(items))


def _endpoint(module: str, query: Query, prover: Callable[[str], Any]) -> Callable:
    names = [segment[1:-1].partition(":") for segment in query.segments if segment.startswith("{")]
    provable = query.key is not None

    async def answer(request: Request, **kwargs: Any) -> QueryAnswer:
        prove = kwargs.pop("prove", False)
        limit = kwargs.pop("limit", DEFAULT_PAGE)
        after = kwargs.pop("after", None)
        path = chain_path(module, query, kwargs)
        rpc = request.app.state.rpc
        if prove:
            if not provable:
                raise GatewayError(400, f"{path} is not provable (only raw state queries are: GET /api marks them)",
                                   NOT_PROVABLE)
            proven = await run_in_threadpool(prover, path)
            return QueryAnswer(height=proven["height"], value=decode_raw(module, query.path, proven["value"]),
                               proof=proven["proof"], header=proven["header"])
        result = await rpc.query(path)
        if result["code"]:
            raise from_query(result["code"], result["codespace"], result["log"])
        value = decode_raw(module, query.path, result["value"]) if provable else decode_view(result["value"])
        pagination = None
        if isinstance(value, list):
            value, pagination = paginate(value, limit, after)
        return QueryAnswer(height=result["height"], value=value, pagination=pagination)

    async def endpoint(request: Request, **kwargs: Any) -> JSONResponse:
        return JSONResponse((await answer(request, **kwargs)).model_dump(mode="json"))

    parameters = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    for name, _, kind in names:
        pattern, description = KIND_PATTERNS[kind]
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str,
                                            default=Path(pattern=pattern, description=description)))
    parameters.append(inspect.Parameter("prove", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                                        default=QueryParam(False, description="return the value with its Merkle proof "
                                                           "and the verified header (provable queries only)")))
    parameters.append(inspect.Parameter("limit", inspect.Parameter.KEYWORD_ONLY, annotation=int,
                                        default=QueryParam(DEFAULT_PAGE, ge=1, le=MAX_PAGE,
                                                           description="page size, when the value is a list")))
    parameters.append(inspect.Parameter("after", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                                        default=QueryParam(None, max_length=128,
                                                           description="the key of the last item of the previous page")))
    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=JSONResponse)
    endpoint.__name__ = f"{module}_{query.path}".replace("/", "_").replace("{", "").replace("}", "").replace(":", "_")
    return endpoint


def query_router(prover: Callable[[str], Any]) -> APIRouter:
    """One GET route per query of every module, in manifest order."""
    router = APIRouter()
    for module in MODULES:
        for query in module.queries:
            doc = query.doc + (" (provable: ?prove=true)" if query.key is not None else "")
            router.add_api_route(route_path(module.name, query), _endpoint(module.name, query, prover),
                                 methods=["GET"], response_model=answer_model(module.name, query),
                                 summary=doc or query.path,
                                 tags=[module.name],
                                 openapi_extra={"x-chain-query": f"/{module.name}/{query.path}",
                                                "x-provable": query.key is not None})
    return router


def chain_queries() -> list[tuple[str, str]]:
    """(module, template) of every chain query, for the index and the checks."""
    return [(module.name, query.path) for module in MODULES for query in module.queries]

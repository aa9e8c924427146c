"""The OpenAPI document is generated from the routes and lists all of them, and every chain query has a route.

The gateway builds its query routes from the module manifests; a module that adds a query without the gateway
growing an endpoint, or a route missing from /openapi.json or /api, fails here."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from abci_app.modules import MODULES
from abci_app.queries import SIMULATE_PATH, query_index
from gateway.app import create_app
from gateway.queries import route_path


@pytest.fixture(scope="module")
def client():
    app = create_app("http://127.0.0.1:9", live=False, explorer=False)
    with TestClient(app) as test_client:
        yield test_client


def _api_routes(routes) -> list[APIRoute]:
    """Every APIRoute, those of included routers too (the gateway includes them without a prefix)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _api_routes(route.original_router.routes)
    return found


def _routes(app) -> set[tuple[str, str]]:
    return {(method, route.path) for route in _api_routes(app.routes) if route.include_in_schema
            for method in route.methods}


def test_every_chain_query_has_a_rest_route_under_its_module(client):
    schema = client.get("/openapi.json").json()
    chain_paths = {f"/{entry['path'].strip('/')}" for entry in query_index() if entry["path"] != "/app/status"}
    served = {operation["x-chain-query"].split("{")[0] + "" for operations in schema["paths"].values()
              for operation in operations.values() if "x-chain-query" in operation}
    expected = {f"/{module.name}/{query.path}".split("{")[0] for module in MODULES for query in module.queries}
    assert served == expected | {SIMULATE_PATH}  # the simulation is POST /txs/simulate (it takes a tx)
    assert len(chain_paths) == sum(len(module.queries) for module in MODULES) + 1
    for module in MODULES:
        for query in module.queries:
            path = route_path(module.name, query)
            assert path.startswith(f"/amino/{module.name}/v1/")
            operation = schema["paths"][path]["get"]
            assert operation["x-chain-query"] == f"/{module.name}/{query.path}"
            assert operation["x-provable"] is (query.key is not None)


def test_the_openapi_document_lists_exactly_the_routes(client):
    schema = client.get("/openapi.json").json()
    documented = {(method.upper(), path) for path, operations in schema["paths"].items() for method in operations}
    assert documented == _routes(client.app)
    assert {"/txs", "/txs/{tx_hash}", "/accounts/{address}/txs", "/blocks/{height}", "/api", "/status"} <= set(schema["paths"])


def test_the_api_index_lists_every_documented_endpoint(client):
    index = client.get("/api").json()
    listed = {(entry["method"], entry["path"]) for entry in index["endpoints"]}
    assert listed == _routes(client.app)
    provable = {entry["path"] for entry in index["endpoints"] if entry["provable"]}
    assert provable == {"/amino/bank/v1/balance/{address}", "/amino/bank/v1/supply", "/amino/auth/v1/account/{address}"}


def test_typed_path_parameters_refuse_malformed_input_before_asking_the_chain(client):
    for path in ("/amino/bank/v1/balance/not-an-address", "/amino/compute/v1/task/12x",
                 "/amino/apppool/v1/app/abcd", "/blocks/0", "/blocks/-3", "/amino/staking/v1/candidates?limit=0"):
        response = client.get(path)
        assert response.status_code == 400, path
        body = response.json()
        assert body["codespace"] == "gateway" and body["code"] == 3 and body["message"], path


def test_an_unreachable_node_is_a_502_with_a_json_error(client):
    response = client.get("/amino/bank/v1/supply")
    assert response.status_code == 502
    assert response.json()["codespace"] == "gateway" and "cannot reach CometBFT RPC" in response.json()["message"]


def test_an_unknown_route_is_a_json_404(client):
    response = client.get("/amino/bank/v2/supply")
    assert response.status_code == 404
    assert response.json() == {"code": 5, "codespace": "gateway", "message": "no such endpoint (GET /api lists them)"}


def test_a_bug_is_a_json_500_that_does_not_leak_its_text():
    app = create_app("http://127.0.0.1:9", live=False, explorer=False)

    @app.get("/boom", include_in_schema=False)
    async def boom():
        raise RuntimeError("secret detail")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"code": 1, "codespace": "gateway",
                               "message": "internal error in the gateway (its log has the details)"}

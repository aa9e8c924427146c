"""Every chain query route documents its value's type (gateway/schemas.py), and the documented schema is true:
it validates, with every field documented, the real answers of the app after the golden scenario (every
message type, every end-block path), fetched through the gateway's routes and RPC client in-process."""

from __future__ import annotations

import dataclasses
import re

import pytest
from fastapi.testclient import TestClient

from abci_app.modules import MODULES
from gateway.app import create_app
from gateway.rpc import ChainRpc
from gateway.schemas import RESULTS
from tests.gateway.inprocess import good_values, play, transport
from tests.gateway.schema_check import Undocumented, check


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    home = tmp_path_factory.mktemp("schemas")
    g = play(home / "db")
    app = create_app("http://in-process", home / "gateway", live=False, explorer=False)
    with TestClient(app) as client:
        app.state.rpc = ChainRpc("http://in-process", transport=transport(g))
        yield client, g
    g.driver.close()


def _fill(path: str, values: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "address" and ("/worker/" in path or "/tasks/worker/" in path):
            return values["worker"]
        if name == "address" and "/tasks/master/" in path:
            return values["master"]
        return values[name]

    return re.sub(r"\{(\w+)\}", value, path)


def test_every_query_of_every_manifest_has_a_documented_type():
    queries = {f"/{module.name}/{query.path}" for module in MODULES for query in module.queries}
    assert set(RESULTS) == queries


def test_the_params_models_have_exactly_the_fields_of_the_manifests_params():
    from gateway import schemas

    for module in MODULES:
        if module.params is None:
            continue
        model = RESULTS[f"/{module.name}/params"]
        fields = {field.name for field in dataclasses.fields(module.params.type)}
        assert set(model.model_fields) == fields, (module.name, set(model.model_fields) ^ fields)
    assert schemas.Shape.model_config["extra"] == "allow"  # a new field is passed on, never a 500


def test_every_route_documents_its_own_value_type(gateway):
    client, _g = gateway
    document = client.get("/openapi.json").json()
    names = set()
    for path, operations in document["paths"].items():
        operation = operations.get("get", {})
        if "x-chain-query" not in operation:
            continue
        reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        component = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
        assert component["properties"]["value"] != {}, path  # not Any
        assert {"height", "value", "pagination", "proof", "header"} == set(component["properties"]), path
        names.add(reference)
    assert len(names) == len(RESULTS)


def test_every_documented_schema_validates_the_real_answers_field_by_field(gateway):
    client, g = gateway
    document = client.get("/openapi.json").json()
    components = document["components"]["schemas"]
    values = good_values(g)
    checked = 0
    for path, operations in document["paths"].items():
        operation = operations.get("get", {})
        if "x-chain-query" not in operation:
            continue
        url = _fill(path, values)
        response = client.get(url, params={"limit": 200})
        assert response.status_code == 200, (url, response.text)
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        check(schema, response.json(), components, url)
        checked += 1
    assert checked == len(RESULTS)
    proven = client.get(f"/amino/bank/v1/balance/{values['address']}")
    assert isinstance(proven.json()["value"], int) and proven.json()["value"] > 0


def test_the_check_finds_an_undocumented_field_and_a_wrong_type(gateway):
    client, g = gateway
    document = client.get("/openapi.json").json()
    components = document["components"]["schemas"]
    path = "/amino/compute/v1/task/{task_id}"
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    answer = client.get(_fill(path, good_values(g))).json()
    check(schema, answer, components)
    with pytest.raises(Undocumented, match="undocumented"):
        check(schema, {**answer, "value": {**answer["value"], "new_field": 1}}, components)
    with pytest.raises(Undocumented, match="not of type integer"):
        check(schema, {**answer, "value": {**answer["value"], "escrow": "12"}}, components)
    with pytest.raises(Undocumented, match="participants"):
        check(schema, {**answer, "value": {**answer["value"], "participants": [{"worker": 1}]}}, components)

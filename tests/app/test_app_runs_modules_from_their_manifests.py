"""The app is assembled from the modules' manifests: routes, queries, genesis and the block lifecycle."""

from __future__ import annotations

import dataclasses

import plyvel
import pytest

import abci_app.app as app_module
from abci_app.modules import BEGIN_BLOCKERS, END_BLOCKERS, MODULES, ROUTES
from abci_app.queries import query_index
from chain_modules.common.encoding import decode
from chain_modules.common.events import Event
from chain_modules.common.messages import Msg, field_names
from chain_modules.provable import PROVABLE_PATHS
from tests.support import KEYS, send


def test_every_message_type_is_routed_once_to_the_module_that_declares_it():
    types = [route.message.TYPE for route in ROUTES]
    assert len(types) == len(set(types)) == sum(len(m.messages) for m in MODULES)
    for route in ROUTES:
        assert route.message.TYPE.split("/")[0] == route.module


def test_every_message_uses_the_one_vocabulary_and_names_every_field():
    for route in ROUTES:
        message = route.message
        assert issubclass(message, Msg), message.__name__
        assert set(message.FIELDS) == set(field_names(message)), message.__name__
        assert message.SIGNER in message.FIELDS and message.GAS > 0, message.__name__
        for name in ("from_body", "to_body", "gas", "signer"):
            assert name not in message.__dict__ or name == "gas", f"{message.__name__} hand-writes {name}"


def test_the_provable_paths_are_exactly_the_raw_queries_of_the_manifests():
    raw = sorted(entry["path"] for entry in query_index() if entry["provable"])
    assert raw == sorted(path.replace("<address>", "{address:address}") for path in PROVABLE_PATHS)


def test_every_module_has_its_own_prefix_and_every_committed_key_belongs_to_one(driver):
    driver.block([send(KEYS["alice"], KEYS["bob"].address, 5, sequence=0)])
    prefixes = [module.prefix for module in MODULES] + [b"app/"]
    for key, _value in driver.app.store.committed.iter_prefix(b""):
        owners = [prefix for prefix in prefixes if key.startswith(prefix)]
        assert len(owners) == 1, key


def test_a_query_path_of_every_module_answers(driver):
    for module in MODULES:
        params = [query for query in module.queries if "{" not in query.path and query.view is not None]
        for query in params:
            response = driver.query(f"/{module.name}/{query.path}")
            assert response.code == 0, (module.name, query.path, response.log)
            decode(response.value)


@dataclasses.dataclass(frozen=True)
class _Failing:
    name: str = "failing"

    @staticmethod
    def end_block(state, ctx, info):
        state.set(b"bank/bal/" + b"\x01" * 20, (10**6).to_bytes(8, "big"))
        state.emit(Event("should_not_appear", (("height", str(ctx.height)),)))
        raise ValueError("a bug in an end-block step")


def test_an_end_block_step_that_raises_leaves_no_write_and_no_event_and_the_chain_goes_on(driver, monkeypatch, caplog):
    monkeypatch.setattr(app_module, "END_BLOCKERS", END_BLOCKERS + (_Failing(),))
    results = driver.block([send(KEYS["alice"], KEYS["bob"].address, 5, sequence=0)])
    assert results[0].code == 0  # the block's txs stand
    assert driver.app.store.committed.get(b"bank/bal/" + b"\x01" * 20) is None
    assert all(event.type != "should_not_appear" for event in driver.last_response.events)
    assert "BUG: failing end_block failed" in caplog.text
    monkeypatch.setattr(app_module, "END_BLOCKERS", END_BLOCKERS)
    driver.block([])
    assert driver.app.store.last_height == driver.height


def test_a_failure_of_the_nodes_environment_in_a_step_halts_instead(driver, monkeypatch):
    class _Disk:
        name = "disk"

        @staticmethod
        def begin_block(state, ctx, info):
            raise plyvel.IOError("disk gone")

    monkeypatch.setattr(app_module, "BEGIN_BLOCKERS", (_Disk(),) + BEGIN_BLOCKERS)
    with pytest.raises(plyvel.IOError):
        driver.block([])

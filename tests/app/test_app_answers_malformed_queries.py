"""Every query path answers malformed parameters with a specific code and a clear log, never
code 1 ("internal error") and never a traceback in the app log (docs/architecture.md, "Queries")."""

import logging

import pytest

from abci_app.proto import abci
from chain_modules.common.query import ERR_HEIGHT_UNAVAILABLE, ERR_INVALID_ARGUMENT, ERR_NOT_FOUND, ERR_UNKNOWN_PATH
from tests.support import KEYS, AppDriver

ALICE = KEYS["alice"].bech32
ADDRESS, UINT, HEX20, HEX32, CLASS = "<address>", "<uint>", "<hex20>", "<hex32>", "<class>"

# every path with a parameter, and a well-formed value for it
PARAMETER_PATHS = [
    f"/bank/balance/{ADDRESS}",
    f"/bank/spendable/{ADDRESS}",
    f"/auth/account/{ADDRESS}",
    f"/staking/candidate/{ADDRESS}",
    f"/staking/delegations/{ADDRESS}",
    f"/distribution/rewards/{ADDRESS}",
    f"/distribution/commission/{ADDRESS}",
    f"/locks/list/{ADDRESS}",
    f"/locks/weight/{ADDRESS}",
    f"/locks/api_access/{ADDRESS}",
    f"/slashing/signing_info/{HEX20}",
    f"/compute/prices/{CLASS}",
    f"/compute/task/{UINT}",
    f"/compute/tasks/customer/{ADDRESS}",
    f"/compute/tasks/master/{ADDRESS}",
    f"/compute/tasks/worker/{ADDRESS}",
    f"/compute/worker/{ADDRESS}",
    f"/compute/workers/{ADDRESS}",
    f"/compute/master/{ADDRESS}",
    f"/apppool/app/{HEX32}",
]
FIXED_PATHS = [
    "/bank/supply", "/auth/params", "/app/status", "/staking/params", "/staking/candidates", "/staking/validators",
    "/staking/master_nodes", "/staking/bonds", "/distribution/community", "/locks/weight", "/locks/params",
    "/slashing/params", "/compute/params", "/compute/classes", "/apppool/params", "/apppool/apps",
]
WELL_FORMED = {ADDRESS: ALICE, UINT: "18446744073709551615", HEX20: "ab" * 20, HEX32: "AB" * 32, CLASS: "cpu"}

NOT_ASCII_DIGITS = ["²", "١٢", "١", "٣٤٥", "𝟙", "1²", "Ⅻ", "½"]
NOT_PLAIN_INTEGERS = ["1_000", " 12 ", "12 ", "+5", "-1", "0x10", "1e3", "1.0", "", "18446744073709551616", "9" * 30, "12\n"]
MALFORMED = {
    UINT: NOT_ASCII_DIGITS + NOT_PLAIN_INTEGERS,
    ADDRESS: [
        ALICE.upper(), ALICE[:-1], ALICE[:-1] + ("q" if ALICE[-1] != "q" else "p"), "amio1", "amio", "²", "١٢",
        " " + ALICE, ALICE + " ", "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a", "amio1" + "q" * 200, "\x00", "é",
    ],
    HEX20: ["ab" * 19, "ab" * 21, "zz" * 20, "٠" * 40, "²" * 40, " " + "ab" * 20, "ab " * 20, "ab" * 19 + "a", "0x" + "ab" * 19, ""],
    HEX32: ["ab" * 31, "g" * 64, "١" * 64, "ab" * 32 + "\n", " " + "ab" * 31 + " ", ""],
}


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    d = AppDriver(tmp_path_factory.mktemp("queries") / "db")
    d.block([])
    yield d
    d.close()


@pytest.fixture
def app_log(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def query(driver, path: str, height: int = 0, prove: bool = False):
    return driver.app.query(abci.RequestQuery(path=path, height=height, prove=prove))


def assert_clean_error(response, app_log, code: int) -> None:
    assert response.code == code, (response.code, response.log)
    assert response.codespace == "query"
    assert response.log and response.log != "internal error"
    assert "Traceback" not in app_log.text
    assert not [record for record in app_log.records if record.exc_info]


@pytest.mark.parametrize("template", PARAMETER_PATHS)
def test_every_parameter_path_exists_and_answers_a_well_formed_value(driver, template):
    kind = next(k for k in WELL_FORMED if k in template)
    response = query(driver, template.replace(kind, WELL_FORMED[kind]))
    assert response.code in (0, ERR_NOT_FOUND), response.log


@pytest.mark.parametrize("path", FIXED_PATHS)
def test_every_fixed_path_answers(driver, path):
    assert query(driver, path).code == 0


@pytest.mark.parametrize("template", [t for t in PARAMETER_PATHS if CLASS not in t])
def test_every_malformed_parameter_is_an_invalid_argument_without_a_traceback(driver, app_log, template):
    kind = next(k for k in MALFORMED if k in template)
    for bad in MALFORMED[kind]:
        path = template.replace(kind, bad)
        if "/" in bad or bad == "":
            continue  # a different path shape: covered by the unknown-path test
        assert_clean_error(query(driver, path), app_log, ERR_INVALID_ARGUMENT)


def test_any_resource_class_name_is_well_formed_and_an_unknown_one_is_not_found(driver, app_log):
    for name in ["²", "GPU", " cpu", "cpu\n", "x" * 1000, "é", "\x00"]:
        assert_clean_error(query(driver, f"/compute/prices/{name}"), app_log, ERR_NOT_FOUND)


def test_an_integer_too_long_for_int_conversion_is_refused_cleanly(driver, app_log):
    # int() refuses strings over 4300 digits with ValueError: the length check must come first
    assert_clean_error(query(driver, "/compute/task/" + "1" * 5000), app_log, ERR_INVALID_ARGUMENT)


def test_a_task_id_in_unicode_digits_is_refused_with_the_reason(driver, app_log):
    response = query(driver, "/compute/task/²")
    assert_clean_error(response, app_log, ERR_INVALID_ARGUMENT)
    assert "'²'" in response.log and "0-9" in response.log
    response = query(driver, "/compute/task/18446744073709551616")
    assert_clean_error(response, app_log, ERR_INVALID_ARGUMENT)
    assert "18446744073709551615" in response.log


def test_the_largest_task_id_is_well_formed_and_simply_not_found(driver, app_log):
    response = query(driver, "/compute/task/18446744073709551615")
    assert_clean_error(response, app_log, ERR_NOT_FOUND)
    assert_clean_error(query(driver, "/compute/task/0"), app_log, ERR_NOT_FOUND)


@pytest.mark.parametrize("path", [
    "", "/", "//", "/bank", "/bank/balance", f"/bank/balance/{ALICE}/extra", "/bank/nope", "/nope/²", "/compute",
    "/compute/nope", "/compute/task", "/compute/task/1/2", "/compute/tasks/owner/" + ALICE, "/compute/prices",
    "/staking/candidate", "/slashing/signing_info", "/apppool/app", "/²/²", "/\x00", "/bank/balance/" + ALICE + "/",
    "/locks/weight/a/b", "/app/status/x",
])
def test_an_unknown_path_is_code_2_without_a_traceback(driver, app_log, path):
    response = query(driver, path)
    if response.code == 0:
        # a trailing or doubled slash around a valid path is tolerated: it must still be a real answer
        assert path.strip("/") in (f"bank/balance/{ALICE}",), path
        return
    assert_clean_error(response, app_log, ERR_UNKNOWN_PATH)


@pytest.mark.parametrize("height", [-1, 7, 2**63 - 1])
def test_an_unavailable_height_is_code_4(driver, app_log, height):
    assert_clean_error(query(driver, "/bank/supply", height=height), app_log, ERR_HEIGHT_UNAVAILABLE)


def test_malformed_parameters_with_prove_are_refused_the_same_way(driver, app_log):
    for path in ["/bank/balance/²", "/auth/account/" + ALICE.upper(), "/bank/balance/" + ALICE[:-1]]:
        assert_clean_error(query(driver, path, prove=True), app_log, ERR_INVALID_ARGUMENT)


def test_a_real_bug_is_still_code_1_with_its_traceback_logged(driver, app_log, monkeypatch):
    import abci_app.app as app_module

    def broken(store, req):
        raise KeyError("a bug")

    monkeypatch.setattr(app_module, "handle_query", broken)
    response = query(driver, "/bank/supply")
    assert (response.code, response.log) == (1, "internal error")
    assert "Traceback" in app_log.text

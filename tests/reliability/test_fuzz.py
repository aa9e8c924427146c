"""Quick fuzzing of everything a stranger can send (tests/reliability/fuzz_targets.py), under hypothesis.

Each target asserts its own rules (no crash, no hang, registered codes only, no exception text in consensus
data, nodes agree, no 5xx); hypothesis explores and shrinks the bytes. Long mode: bench/fuzz.py.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.reliability.fuzz_targets import Reader, check_tx_result, make_target

QUICK = settings(max_examples=1000, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
fuzz_bytes = st.binary(max_size=400)


@pytest.fixture(scope="module", autouse=True)
def quiet_logs():
    """The app logs every rejected proposal and protocol error; thousands of lines would only slow the run."""
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


def _target(name: str):
    target, close = make_target(name)
    yield target
    close()


@pytest.fixture(scope="module")
def checktx():
    yield from _target("checktx")


@pytest.fixture(scope="module")
def message():
    yield from _target("message")


@pytest.fixture(scope="module")
def proposal():
    yield from _target("proposal")


@pytest.fixture(scope="module")
def query():
    yield from _target("query")


@pytest.fixture(scope="module")
def abci_socket():
    yield from _target("abci_socket")


@pytest.fixture(scope="module")
def masternode_http():
    yield from _target("masternode_http")


@pytest.fixture(scope="module")
def worker_job():
    yield from _target("worker_job")


@QUICK
@given(data=fuzz_bytes)
def test_checktx_answers_any_bytes_with_a_registered_code_and_leaves_committed_state_alone(checktx, data):
    checktx(data)


@QUICK
@given(data=fuzz_bytes)
def test_every_message_body_fails_with_a_registered_code_never_an_internal_error(message, data):
    message(data)


@settings(QUICK, max_examples=200)
@given(data=fuzz_bytes)
def test_a_fuzzed_proposal_is_judged_without_raising_and_executes_identically_on_two_nodes(proposal, data):
    proposal(data)


@QUICK
@given(data=fuzz_bytes)
def test_any_query_path_data_and_height_gets_a_known_query_code(query, data):
    query(data)


@settings(QUICK, max_examples=400)
@given(data=fuzz_bytes)
def test_the_abci_socket_answers_or_closes_on_any_frames_and_keeps_serving(abci_socket, data):
    abci_socket(data)


@settings(QUICK, max_examples=200)
@given(data=fuzz_bytes)
def test_the_master_node_api_never_answers_5xx(masternode_http, data):
    masternode_http(data)


@settings(QUICK, max_examples=400)
@given(data=fuzz_bytes)
def test_a_worker_runs_any_job_blob_to_a_known_status_within_its_fuel(worker_job, data):
    worker_job(data)


def test_the_checks_catch_an_unregistered_code_and_exception_text():
    """The targets' own rule must be able to fail: a code nobody registered, a leaked traceback."""
    with pytest.raises(AssertionError, match="unregistered"):
        check_tx_result(99, "nowhere", "x")
    with pytest.raises(AssertionError, match="exception text"):
        check_tx_result(0, "", 'Traceback (most recent call last): File "x"')
    assert check_tx_result(6, "tx", "signature does not match") == "tx/6"


def test_the_reader_turns_any_bytes_into_choices_and_runs_dry_as_zeros():
    reader = Reader(b"\x05\xff")
    assert reader.below(3) == 2 and reader.byte() == 255 and reader.byte() == 0 and reader.take(4) == b""

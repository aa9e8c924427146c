"""Decoding of every compute and apppool message: to_body/from_body round trips (also through the canonical
encoding) and the exact error for each kind of malformed body."""

from __future__ import annotations

import hashlib

import pytest

from chain_modules.apppool.errors import ErrInvalidName
from chain_modules.apppool.types import MsgRegisterApp, MsgSetAppVerified
from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.bank.errors import ErrInvalidAddress, ErrInvalidAmount
from chain_modules.common.encoding import decode, encode
from chain_modules.compute.types import (
    MsgAssignWorkers,
    MsgCancelTask,
    MsgCommitResult,
    MsgConfirmTask,
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgReleaseTask,
    MsgHandBackTask,
    MsgRevealResult,
    MsgSubmitTask,
    MsgTopUpDeposit,
    MsgUnregisterWorker,
    MsgWorkerOffline,
)
from tests.support import make_key

A = make_key("alice").address
B = make_key("bob").address
C = make_key("carol").address
H1 = hashlib.sha256(b"one").digest()
H2 = hashlib.sha256(b"two").digest()
MAX_U64 = 2**64 - 1

VALID = [
    MsgSubmitTask(A, H1, H2, 100, "small", 3, 1_000_000, 2_000, 600),
    MsgCancelTask(A, 7),
    MsgConfirmTask(A, 7),
    MsgAssignWorkers(A, 7, (B, C)),
    MsgReleaseTask(A, 7),
    MsgHandBackTask(B, 7),
    MsgCommitResult(B, 7, H1),
    MsgRevealResult(B, 7, H1, 5_000, H2),
    MsgRegisterWorker(B, A, 4, 1, 16_384, 102_400, 2, True, 1_000, H1, H1 + H2),
    MsgHeartbeat(B),
    MsgTopUpDeposit(B, 500),
    MsgUnregisterWorker(B),
    MsgWorkerOffline(B),
    MsgRegisterApp(A, H1, 1_000, "a job", "what it does", ("small", "gpu")),
    MsgSetAppVerified(A, H1, False),
]
BY_TYPE = {type(msg): msg for msg in VALID}


def ids(value) -> str:
    return type(value).__name__


def body_of(cls, **changes) -> dict:
    body = BY_TYPE[cls].to_body()
    body.update(changes)
    return body


# -- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("msg", VALID, ids=ids)
def test_body_round_trip(msg):
    assert type(msg).from_body(msg.to_body()) == msg


@pytest.mark.parametrize("msg", VALID, ids=ids)
def test_body_round_trip_through_the_canonical_encoding(msg):
    raw = encode(msg.to_body())
    assert type(msg).from_body(decode(raw)) == msg
    assert encode(type(msg).from_body(decode(raw)).to_body()) == raw


@pytest.mark.parametrize("msg", VALID, ids=ids)
def test_body_names_exactly_the_message_fields(msg):
    assert set(msg.to_body()) | type(msg).OPTIONAL == set(type(msg).__dataclass_fields__)


@pytest.mark.parametrize("msg", VALID, ids=ids)
def test_every_message_has_a_type_a_signer_and_gas(msg):
    assert "/" in msg.TYPE
    assert len(msg.signer) == 20
    assert msg.gas() > 0


def test_assign_gas_grows_with_the_number_of_workers():
    assert MsgAssignWorkers(A, 1, (B, C)).gas() > MsgAssignWorkers(A, 1, (B,)).gas()


@pytest.mark.parametrize("value", [0, MAX_U64])
def test_task_id_bounds_are_accepted(value):
    assert MsgCancelTask.from_body({"customer": A, "task_id": value}).task_id == value


def test_largest_accepted_values_of_submit_task():
    body = body_of(MsgSubmitTask, input_size=MAX_U64, replicas=255, max_fuel=MAX_U64, max_price=MAX_U64, timeout=2**40)
    assert MsgSubmitTask.from_body(body).timeout == 2**40


def test_sixteen_workers_may_be_assigned_at_once():
    workers = [make_key(f"w{i}").address for i in range(16)]
    assert len(MsgAssignWorkers.from_body({"master": A, "task_id": 1, "workers": workers}).workers) == 16


def test_register_app_with_no_classes_means_any_class():
    assert MsgRegisterApp.from_body(body_of(MsgRegisterApp, classes=[])).classes == ()


# -- malformed bodies: shape --------------------------------------------------------------------------


@pytest.mark.parametrize("msg", VALID, ids=ids)
@pytest.mark.parametrize("body", [None, [], "body", b"body", 7, ()])
def test_body_that_is_not_a_map_is_invalid(msg, body):
    with pytest.raises(ErrInvalidMessage):
        type(msg).from_body(body)


@pytest.mark.parametrize("msg", VALID, ids=ids)
def test_each_missing_field_is_invalid(msg):
    for name in msg.to_body():
        body = msg.to_body()
        del body[name]
        with pytest.raises(ErrInvalidMessage, match="exactly"):
            type(msg).from_body(body)


@pytest.mark.parametrize("msg", VALID, ids=ids)
def test_an_extra_field_is_invalid(msg):
    body = msg.to_body()
    body["memo"] = "hello"
    with pytest.raises(ErrInvalidMessage, match="exactly"):
        type(msg).from_body(body)


@pytest.mark.parametrize("msg", VALID, ids=ids)
def test_a_field_named_with_bytes_is_invalid(msg):
    body = msg.to_body()
    name = sorted(body)[0]
    body[name.encode()] = body.pop(name)
    with pytest.raises(ErrInvalidMessage):
        type(msg).from_body(body)


# -- malformed bodies: field by field ---------------------------------------------------------------

ADDRESS_FIELDS = [(cls, name) for cls in BY_TYPE for name in BY_TYPE[cls].to_body()
                  if name in ("customer", "master", "worker", "publisher", "authority")]
HASH_FIELDS = [(MsgSubmitTask, "app_hash"), (MsgSubmitTask, "input_hash"), (MsgCommitResult, "commitment"),
               (MsgRevealResult, "result_hash"), (MsgRevealResult, "salt"), (MsgRegisterApp, "module_hash"),
               (MsgSetAppVerified, "module_hash")]
UINT_FIELDS = [(MsgSubmitTask, "input_size", MAX_U64), (MsgSubmitTask, "replicas", 255),
               (MsgSubmitTask, "max_fuel", MAX_U64), (MsgSubmitTask, "max_price", MAX_U64),
               (MsgSubmitTask, "timeout", 2**40), (MsgCancelTask, "task_id", MAX_U64),
               (MsgConfirmTask, "task_id", MAX_U64), (MsgAssignWorkers, "task_id", MAX_U64),
               (MsgCommitResult, "task_id", MAX_U64), (MsgRevealResult, "task_id", MAX_U64),
               (MsgRevealResult, "fuel", MAX_U64), (MsgRegisterWorker, "cpu_cores", 2**32),
               (MsgRegisterWorker, "gpu", 2**32), (MsgRegisterWorker, "ram_mb", 2**40),
               (MsgRegisterWorker, "storage_mb", 2**40), (MsgRegisterWorker, "slots", 255),
               (MsgRegisterApp, "module_size", MAX_U64)]
BOOL_FIELDS = [(MsgRegisterWorker, "any_app"), (MsgSetAppVerified, "verified")]
AMOUNT_FIELDS = [(MsgRegisterWorker, "deposit"), (MsgTopUpDeposit, "amount")]


def field_id(value) -> str:
    return value.__name__ if isinstance(value, type) else str(value)


@pytest.mark.parametrize("cls, name", ADDRESS_FIELDS, ids=field_id)
@pytest.mark.parametrize("value", [b"", bytes(19), bytes(21), bytes(32), "amio1qqqq", None, 0, bytearray(20), [0] * 20])
def test_address_field_that_is_not_20_bytes_is_invalid(cls, name, value):
    with pytest.raises(ErrInvalidAddress):
        cls.from_body(body_of(cls, **{name: value}))


@pytest.mark.parametrize("cls, name", HASH_FIELDS, ids=field_id)
@pytest.mark.parametrize("value", [b"", bytes(20), bytes(31), bytes(33), bytes(64), H1.hex(), None, 0, [0] * 32])
def test_hash_field_that_is_not_32_bytes_is_invalid(cls, name, value):
    with pytest.raises(ErrInvalidMessage, match="32-byte hash"):
        cls.from_body(body_of(cls, **{name: value}))


@pytest.mark.parametrize("cls, name, maximum", UINT_FIELDS, ids=field_id)
def test_integer_field_out_of_range_or_of_another_type_is_invalid(cls, name, maximum):
    for value in (-1, maximum + 1, True, False, 1.0, "1", b"\x01", None, [1]):
        with pytest.raises(ErrInvalidMessage, match="must be an integer"):
            cls.from_body(body_of(cls, **{name: value}))


@pytest.mark.parametrize("cls, name", BOOL_FIELDS, ids=field_id)
@pytest.mark.parametrize("value", [0, 1, "true", None, b"\x01", 1.0])
def test_bool_field_given_anything_but_a_bool_is_invalid(cls, name, value):
    with pytest.raises(ErrInvalidMessage, match="true or false"):
        cls.from_body(body_of(cls, **{name: value}))


@pytest.mark.parametrize("cls, name", AMOUNT_FIELDS, ids=field_id)
@pytest.mark.parametrize("value", [0, -5, 2**63, True, "100", 1.5, None])
def test_amount_field_that_is_not_a_positive_integer_is_invalid(cls, name, value):
    with pytest.raises(ErrInvalidAmount):
        cls.from_body(body_of(cls, **{name: value}))


@pytest.mark.parametrize("value", ["", "Small", "9small", "x" * 17, "sm all", "småll", None, 3, b"small"])
def test_class_name_that_breaks_the_pattern_is_invalid(value):
    with pytest.raises(ErrInvalidMessage, match="resource class name"):
        MsgSubmitTask.from_body(body_of(MsgSubmitTask, class_name=value))


def test_class_name_with_a_trailing_newline_is_invalid():
    with pytest.raises(ErrInvalidMessage):
        MsgSubmitTask.from_body(body_of(MsgSubmitTask, class_name="small\n"))


@pytest.mark.parametrize("workers", [[], [B] * 17, (B, C), B, None, "workers"])
def test_workers_that_are_not_a_list_of_1_to_16_are_invalid(workers):
    with pytest.raises(ErrInvalidMessage, match="list of 1 to 16"):
        MsgAssignWorkers.from_body(body_of(MsgAssignWorkers, workers=workers))


@pytest.mark.parametrize("worker", [bytes(19), "amio1", None, 5])
def test_workers_list_with_a_bad_address_is_invalid(worker):
    with pytest.raises(ErrInvalidAddress):
        MsgAssignWorkers.from_body(body_of(MsgAssignWorkers, workers=[B, worker]))


@pytest.mark.parametrize("classes", [None, "small", ("small",), ["small"] * 2, ["a", "b", "c", "d", "e", "f", "g", "h", "i"],
                                     ["Small"], [""], [1]])
def test_app_classes_that_are_not_a_list_of_distinct_class_names_are_invalid(classes):
    with pytest.raises(ErrInvalidMessage):
        MsgRegisterApp.from_body(body_of(MsgRegisterApp, classes=classes))


@pytest.mark.parametrize("changes", [{"name": ""}, {"name": "n" * 65}, {"name": None}, {"name": b"job"},
                                     {"name": "line\nbreak"}, {"description": "d" * 281}, {"description": None},
                                     {"description": "\x00"}])
def test_app_text_fields_outside_their_limits_are_invalid(changes):
    with pytest.raises(ErrInvalidName):
        MsgRegisterApp.from_body(body_of(MsgRegisterApp, **changes))


def test_app_text_fields_at_their_limits_are_accepted():
    msg = MsgRegisterApp.from_body(body_of(MsgRegisterApp, name="n" * 64, description="d" * 280))
    assert len(msg.name) == 64 and len(msg.description) == 280

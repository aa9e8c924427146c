"""The holes of docs/security.md, each kept closed: sponsors must consent, fuel is capped by what a class runs
in time, pools are admission-only, commit-reveal cannot be copied or opened early, a lone worker's audit is not
known when it works, a short absence does not jail, an undecodable query path is answered."""

from __future__ import annotations

import hashlib
import logging

from abci_app.proto import abci
from abci_app.varint import encode_uvarint
from chain_modules.common.query import ERR_INVALID_ARGUMENT
from chain_modules.bank.types import MsgSend
from chain_modules.compute.errors import (
    ErrCommitmentMismatch,
    ErrInvalidAdmission,
    ErrInvalidFuel,
    ErrWrongState,
)
from chain_modules.compute.types import MsgCommitResult, MsgRegisterWorker, MsgRevealResult, MsgSubmitTask, commitment
from chain_modules.staking.errors import ErrNoSponsorConsent
from chain_modules.staking.types import MsgConsentSponsorship, MsgCreateMasterNode, MsgWithdrawSponsorship
from tests.app import golden_scenario as golden
from tests.reliability.fuzz_targets import SocketTarget
from tests.reliability.workload import ALICE, MASTERS, OPERATORS
from tests.security.support import Twin, assigned_task, salt_of
from tests.support import KEYS, make_key

AMIO = 1_000_000
RIGHT, WRONG = golden.RIGHT, golden.WRONG


def test_a_master_node_naming_a_sponsor_that_never_consented_is_refused(twin):
    """Hole 3 of docs/security.md: any account could make any super node answer for its master node."""
    dave = KEYS["dave"]
    msg = MsgCreateMasterNode(dave.address, "m", "http://127.0.0.1:9999", "x", OPERATORS[2].address, 2_000 * AMIO)
    twin.fails_cleanly(dave, msg, ErrNoSponsorConsent)


def test_a_sponsor_that_withdrew_its_consent_cannot_be_named(twin):
    """Hole 3: consent is withdrawable, and a withdrawn consent protects the sponsor at once."""
    dave, sponsor = KEYS["dave"], OPERATORS[1]
    assert twin.run(sponsor, MsgConsentSponsorship(sponsor.address, dave.address)).code == 0
    assert twin.run(sponsor, MsgWithdrawSponsorship(sponsor.address, dave.address)).code == 0
    msg = MsgCreateMasterNode(dave.address, "m", "http://127.0.0.1:9999", "x", sponsor.address, 2_000 * AMIO)
    twin.fails_cleanly(dave, msg, ErrNoSponsorConsent)


def test_max_fuel_beyond_what_the_class_runs_in_max_run_seconds_is_refused(tmp_path):
    """Hole 4: a job longer than the workers' time limit made honest workers miss their commit deadline."""
    state = golden.app_state()
    state["compute"]["params"]["max_run_seconds"] = 10
    twin = Twin(tmp_path, state)
    try:
        rate = next(c for c in twin.query("/compute/classes") if c["name"] == "small")["fuel_rate"]
        msg = MsgSubmitTask(ALICE.address, golden.APP, hashlib.sha256(b"long").digest(), 100, "small", 1,
                            rate * 10 + 1, 10**9, 600)
        twin.fails_cleanly(ALICE, msg, ErrInvalidFuel)
        assert twin.run(ALICE, MsgSubmitTask(ALICE.address, golden.APP, hashlib.sha256(b"ok").digest(), 100, "small",
                                             1, rate * 10, 10**9, 600)).code == 0
    finally:
        twin.close()


def test_a_worker_without_its_masters_admission_cannot_join_the_pool(twin):
    """Open worker pools: registration carries the master operator's signed admission."""
    worker = make_key("security/unadmitted")
    msg = MsgRegisterWorker(worker.address, MASTERS[0].address, 2, 0, 2_048, 2_048, 1, False, 150 * AMIO,
                            MASTERS[0].pubkey, bytes(64))
    assert twin.run(ALICE, MsgSend(ALICE.address, worker.address, 1_000 * AMIO)).code == 0
    twin.fails_cleanly(worker, msg, ErrInvalidAdmission)


def test_no_worker_reveals_before_every_member_of_its_round_committed(twin):
    """Copied reveals: a reveal made public before the others committed could be copied by them; reveals are
    accepted only once the round is whole and every member committed."""
    task_id, (first, second) = assigned_task(twin, replicas=2)
    first_commit = commitment(RIGHT, 4_000, salt_of(first, task_id), first.address)
    assert twin.run(first, MsgCommitResult(first.address, task_id, first_commit)).code == 0
    twin.fails_cleanly(first, MsgRevealResult(first.address, task_id, RIGHT, 4_000, salt_of(first, task_id)), ErrWrongState)


def test_a_copied_commitment_cannot_be_opened_by_the_copier(twin):
    """Commit-reveal: the commitment binds the worker's address, so a worker that copies another's commitment
    and then its reveal does not open it (and is slashed as a non-revealer)."""
    task_id, (first, second) = assigned_task(twin, replicas=2)
    honest = commitment(RIGHT, 4_000, salt_of(first, task_id), first.address)
    assert twin.run(first, MsgCommitResult(first.address, task_id, honest)).code == 0
    assert twin.run(second, MsgCommitResult(second.address, task_id, honest)).code == 0
    assert twin.query(f"/compute/task/{task_id}")["state"] == "revealing"
    assert twin.run(first, MsgRevealResult(first.address, task_id, RIGHT, 4_000, salt_of(first, task_id))).code == 0
    copied = MsgRevealResult(second.address, task_id, RIGHT, 4_000, salt_of(first, task_id))
    twin.fails_cleanly(second, copied, ErrCommitmentMismatch)


def test_a_lone_workers_audit_is_not_decided_when_it_is_assigned_or_in_its_commit_block(twin):
    """Audit known at allocation: a worker assigned alone knew nobody would check it. The audit of a
    single-replica task is drawn in a block after its worker's commit, with that block's seed."""
    task_id, (worker,) = assigned_task(twin, replicas=1)
    assert not twin.query(f"/compute/task/{task_id}")["audit_drawn"]
    sealed = commitment(RIGHT, 4_000, salt_of(worker, task_id), worker.address)
    assert twin.run(worker, MsgCommitResult(worker.address, task_id, sealed)).code == 0
    view = twin.query(f"/compute/task/{task_id}")
    assert not view["audit_drawn"] and view["draw_height"] > twin.a.driver.height - 1
    twin.blocks()
    assert twin.query(f"/compute/task/{task_id}")["audit_drawn"]


def test_a_short_absence_does_not_jail_a_validator(tmp_path):
    """A restart could jail: downtime needs min_downtime_seconds of continuous absence in block time, not only
    a share of missed blocks (ten missed one-second blocks out of a window of sixteen jail nobody)."""
    twin = Twin(tmp_path)
    try:
        twin.blocks(8)
        for node in (twin.a, twin.b):
            node.absent = {2}
        twin.blocks(12, seconds=1)
        for node in (twin.a, twin.b):
            node.absent = set()
        twin.blocks(5, seconds=1)
        assert not any(c["jailed"] for c in twin.query("/staking/candidates"))
    finally:
        twin.close()


def test_a_query_whose_path_is_not_utf8_is_answered_as_an_invalid_argument_not_a_dropped_connection():
    """An undecodable query stopped CometBFT's query connection (and the node): an RPC user's path=0xff arrives
    as a string protobuf refuses. The socket server answers it with code 3 and keeps the connection."""
    logging.disable(logging.CRITICAL)
    target = SocketTarget()
    try:
        path_tag = (abci.RequestQuery.DESCRIPTOR.fields_by_name["path"].number << 3) | 2
        inner = encode_uvarint(path_tag) + b"\x01\xff"  # RequestQuery.path = b"\xff", not UTF-8
        field = (abci.Request.DESCRIPTOR.fields_by_name["query"].number << 3) | 2
        frame = encode_uvarint(field) + encode_uvarint(len(inner)) + inner
        echo = abci.Request(echo=abci.RequestEcho(message="after")).SerializeToString()
        answer = target.exchange(encode_uvarint(len(frame)) + frame + encode_uvarint(len(echo)) + echo)
        responses = target._responses(answer)
        assert responses[0].query.code == ERR_INVALID_ARGUMENT
        assert responses[1].echo.message == "after"
        assert target.halts == 0
    finally:
        target.close()
        logging.disable(logging.NOTSET)

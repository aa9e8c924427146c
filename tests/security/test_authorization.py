"""Authorisation: a message acts only for its signer, and only the party a rule names may take each step."""

from __future__ import annotations

import hashlib

from chain_modules.apppool.errors import ErrNotAuthority
from chain_modules.apppool.types import MsgSetAppVerified
from chain_modules.auth.errors import ErrUnauthorized
from chain_modules.bank.types import MsgSend
from chain_modules.compute.errors import ErrNotCustomer, ErrNotParticipant, ErrNotTaskMaster
from chain_modules.compute.types import MsgAssignWorkers, MsgCancelTask, MsgCommitResult, MsgSubmitTask
from chain_modules.slashing.errors import ErrNotJailed
from chain_modules.slashing.types import MsgUnjail
from tests.app import golden_scenario as golden
from tests.reliability.workload import ALICE, BOB, MALLORY, MASTERS, OPERATORS, WORKERS
from tests.security.support import assigned_task, code_of
from tests.support import signed


def test_a_message_signed_by_someone_else_than_its_sender_is_refused(twin):
    """Hole: acting for another account. The router checks every message's signer field against the tx signer."""
    msg = MsgSend(ALICE.address, MALLORY.address, 1_000)
    sequence = twin.a.driver.sequence(MALLORY.address)
    for node in (twin.a, twin.b):
        node.pending.append((signed(MALLORY, [(msg.TYPE, msg.to_body())], sequence, fee=2_000, gas=100_000), msg.TYPE))
    twin.blocks()
    assert code_of(twin.a.last_results[0]) == (ErrUnauthorized.codespace, ErrUnauthorized.code)
    assert twin.a.driver.balance(MALLORY.address) == twin.b.driver.balance(MALLORY.address)


def test_only_the_app_pool_authority_verifies_an_app(twin):
    """Hole: anyone marking their own job code as verified, so that verified-only workers run it."""
    twin.fails_cleanly(MALLORY, MsgSetAppVerified(MALLORY.address, golden.UNVERIFIED_APP, True), ErrNotAuthority)


def test_only_the_customer_cancels_its_task(twin):
    """Hole: a stranger cancelling someone's task (refunding it before any work)."""
    task = MsgSubmitTask(ALICE.address, golden.APP, hashlib.sha256(b"auth").digest(), 100, "small", 1, 1_000_000,
                         10**9, 600)
    assert twin.run(ALICE, task).code == 0
    task_id = twin.query(f"/compute/tasks/customer/{ALICE.bech32}")[0]["id"]
    twin.fails_cleanly(BOB, MsgCancelTask(BOB.address, task_id), ErrNotCustomer)


def test_only_the_master_a_task_is_allocated_to_assigns_its_workers(twin):
    """Hole: another master (or anyone) naming the workers of a task, to put its own workers on it."""
    task_id, (worker,) = assigned_task(twin, replicas=1)
    view = twin.query(f"/compute/task/{task_id}")
    other = next(m for m in MASTERS if m.bech32 != view["master"])
    twin.fails_cleanly(other, MsgAssignWorkers(other.address, task_id, (WORKERS[4].address,)), ErrNotTaskMaster)


def test_a_worker_not_assigned_to_a_task_cannot_commit_to_it(twin):
    """Hole: a worker joining a task's vote uninvited (to sway the majority)."""
    task_id, (worker,) = assigned_task(twin, replicas=1)
    outsider = next(w for w in WORKERS if w is not worker)
    twin.fails_cleanly(outsider, MsgCommitResult(outsider.address, task_id, b"\x01" * 32), ErrNotParticipant)


def test_a_validator_that_is_not_jailed_cannot_unjail(twin):
    """Hole: resetting a validator's downtime record by unjailing without a jail."""
    twin.fails_cleanly(OPERATORS[0], MsgUnjail(OPERATORS[0].address), ErrNotJailed)

"""The audit of a single-replica task is drawn after its worker committed, with the seed of a later block.

A lone worker is assigned with target 1 and no audit decided, so it cannot tell whether its result will be
checked (docs/security.md, "Audit known at allocation"). When its commit completes the round, the task waits in
`committing` with the commit's height in the audit-draw index; the end of a later block draws with that block's
seed (unknown when the commit was included): audited, the master names one more worker; not audited, the
reveals start. Driven block by block through compute end_block with the compute invariants after every block.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from chain_modules.compute import invariants, keys
from chain_modules.compute import state as st
from chain_modules.compute.errors import ErrAlreadyCommitted, ErrWrongState
from tests.modules.compute.helpers import (
    MASTER_A,
    MASTER_B,
    PARAMS,
    RESULT,
    WORKERS,
    World,
    assign,
    check,
    commit,
    events_of,
    make_world,
    register,
    reveal,
    submit,
)

W0, W1, W2, W3, W4, W5 = WORKERS
ALWAYS = replace(PARAMS, audit_probability_bps=10_000)
NEVER = PARAMS  # audit_probability_bps=0


def block(world: World, seconds: int = 1) -> None:
    world.advance(seconds)
    check(world)


def allocated(world: World, **submit_args) -> int:
    task_id = submit(world, replicas=1, **submit_args)
    block(world)
    assert world.task(task_id).state == "allocated"
    return task_id


def pending_index(world: World) -> list[tuple[int, int]]:
    strip = len(keys.AUDIT_PENDING_PREFIX)
    return [(int.from_bytes(key[strip:strip + 8], "big"), int.from_bytes(key[strip + 8:], "big"))
            for key, _ in world.state.iter_prefix(keys.AUDIT_PENDING_PREFIX)]


def draw(seed: bytes, task_id: int, probability_bps: int) -> bool:
    """The documented rule: sha256(seed ‖ "audit" ‖ task id), first 8 bytes, mod 10,000, below the probability."""
    value = int.from_bytes(hashlib.sha256(seed + b"audit" + task_id.to_bytes(8, "big")).digest()[:8], "big")
    return value % 10_000 < probability_bps


# -- the lone worker is assigned and commits without knowing -------------------------------------------------


def test_a_single_replica_task_is_allocated_and_assigned_with_target_one_and_no_audit_even_at_probability_one():
    world = make_world(ALWAYS)
    task_id = allocated(world)
    task = world.task(task_id)
    assert (task.target, task.needed(), task.audit, task.audit_drawn) == (1, 1, False, False)
    assert events_of(world, "task_allocated")[0]["audit"] == "false"
    assign(world, task_id, [W0])
    task = world.task(task_id)
    assert (task.state, task.target, task.audit) == ("committing", 1, False)


def test_the_commit_that_completes_the_round_waits_for_the_draw_and_no_reveal_is_accepted_before_it():
    world = make_world(ALWAYS)
    task_id = allocated(world)
    assign(world, task_id, [W0])
    commit_height = world.height
    commit(world, task_id, W0)
    task = world.task(task_id)
    assert task.state == "committing" and task.draw_height == commit_height and not task.audit_drawn
    assert pending_index(world) == [(commit_height, task_id)]
    assert events_of(world, "task_audit_pending")[0]["draw_height"] == str(commit_height)
    with pytest.raises(ErrWrongState):
        reveal(world, task_id, W0)
    with pytest.raises(ErrAlreadyCommitted):
        commit(world, task_id, W0)
    block(world)  # the commit's own block ends: its seed was public before the commit was included, no draw
    task = world.task(task_id)
    assert task.state == "committing" and not task.audit_drawn and pending_index(world) == [(commit_height, task_id)]


def test_an_audited_task_asks_for_one_more_worker_who_joins_before_any_reveal():
    world = make_world(ALWAYS)
    task_id = allocated(world)
    assign(world, task_id, [W0])
    commit(world, task_id, W0)
    block(world)
    block(world)  # the next block draws with its own seed: audited
    task = world.task(task_id)
    assert task.state == "allocated" and task.audit and task.audit_drawn and task.draw_height == 0
    assert (task.target, task.needed(), task.reassignments, task.extra) == (2, 1, 0, 0)
    assert task.participant(W0.address).status == "committed"  # the lone worker committed before the audit was known
    (committed_step, committed_at), (drawn_step, drawn_at) = task.heights[-2:]
    assert (committed_step, drawn_step) == ("committed", "audited") and drawn_at == committed_at + 1
    assert st.get_master_stats(world.state, MASTER_A.address)["pending"] == 1
    assert pending_index(world) == []
    [drawn] = events_of(world, "task_audit_drawn")
    assert (drawn["audited"], drawn["draw_height"]) == ("true", str(committed_at))
    assert events_of(world, "task_needs_workers")[0]["needed"] == "1"

    assign(world, task_id, [W1])
    assert not world.task(task_id).participant(W1.address).late  # it joins before any reveal: it earns its credit
    commit(world, task_id, W1)
    task = world.task(task_id)
    assert task.state == "revealing" and pending_index(world) == []  # drawn once: the audit round reveals at once
    reveal(world, task_id, W0)
    reveal(world, task_id, W1)
    assert world.task(task_id).state == "delivered"
    assert world.worker(W0).completed == world.worker(W1).completed == 1


def test_an_unaudited_task_reveals_from_the_block_after_its_commit():
    world = make_world(NEVER)
    task_id = allocated(world)
    assign(world, task_id, [W0])
    commit(world, task_id, W0)
    block(world)
    assert world.task(task_id).state == "committing"
    block(world)
    task = world.task(task_id)
    assert task.state == "revealing" and task.audit_drawn and not task.audit and task.target == 1
    assert task.step_deadline == world.now - 1 + PARAMS.reveal_timeout_seconds  # from the drawing block's time
    assert events_of(world, "task_audit_drawn")[0]["audited"] == "false"
    assert events_of(world, "task_reveal_started")
    reveal(world, task_id, W0)
    task = world.task(task_id)
    assert task.state == "delivered" and task.result_hash == RESULT and world.worker(W0).completed == 1


# -- the seed ---------------------------------------------------------------------------------------------


def test_the_draw_uses_the_seed_of_a_block_after_the_commit_never_the_commits_own():
    world = make_world(replace(PARAMS, audit_probability_bps=5_000), workers=0)
    for worker in WORKERS[:4]:
        register(world, worker, MASTER_A, slots=8)
    ids = [submit(world, replicas=1, end_block=False) for _ in range(16)]
    block(world)
    while any(world.task(task_id).state != "committing" for task_id in ids):
        block(world)  # a pool of four promises room for two workers to at most three tasks at a time
        for index, task_id in enumerate(ids):
            if world.task(task_id).state == "allocated":
                assign(world, task_id, [WORKERS[index % 4]])
    commit_height = world.height
    for index, task_id in enumerate(ids):
        commit(world, task_id, WORKERS[index % 4])
    block(world)
    draw_height = world.height
    block(world)
    audited = {task_id: world.task(task_id).audit for task_id in ids}
    assert all(world.task(task_id).audit_drawn for task_id in ids)
    expected = {task_id: draw(draw_height.to_bytes(32, "big"), task_id, 5_000) for task_id in ids}
    own_block = {task_id: draw(commit_height.to_bytes(32, "big"), task_id, 5_000) for task_id in ids}
    assert audited == expected
    assert 0 < sum(audited.values()) < len(ids) and audited != own_block  # the comparison means something
    assert all(world.task(t).state == ("allocated" if audited[t] else "revealing") for t in ids)


def test_a_commit_in_a_later_block_is_drawn_in_a_later_block():
    world = make_world(NEVER)
    first, second = allocated(world), allocated(world)
    assign(world, first, [W0])
    assign(world, second, [W1])
    commit(world, first, W0)
    first_height = world.height
    block(world)
    commit(world, second, W1)  # included in the block whose end draws the first
    block(world)
    assert pending_index(world) == [(first_height + 1, second)]
    assert (world.task(first).state, world.task(second).state) == ("revealing", "committing")
    block(world)
    assert world.task(second).state == "revealing" and pending_index(world) == []


# -- deadlines, hand-backs and reallocation -----------------------------------------------------------------


def test_a_commit_in_the_block_of_its_commit_deadline_is_not_dropped_and_is_drawn_in_the_next_block():
    world = make_world(NEVER)
    task_id = allocated(world)
    assign(world, task_id, [W0])
    world.now = world.task(task_id).step_deadline  # the deadline's own block: the commit is still on time
    commit(world, task_id, W0)
    block(world)  # the deadline is due, but every member committed: nobody is dropped, no replacement round
    task = world.task(task_id)
    assert task.state == "committing" and task.reassignments == 0 and world.worker(W0).slashed == 0
    block(world)
    task = world.task(task_id)
    assert task.state == "revealing" and task.reassignments == 0 and task.participants[0].worker == W0.address


def test_a_lone_worker_that_hands_back_before_committing_is_replaced_without_a_draw():
    from chain_modules.compute import handlers
    from chain_modules.compute.types import MsgHandBackTask

    world = make_world(ALWAYS)
    task_id = allocated(world)
    assign(world, task_id, [W0])
    handlers.handle_hand_back_task(world.state, world.ctx(), MsgHandBackTask(W0.address, task_id))
    task = world.task(task_id)
    assert task.state == "allocated" and task.target == 1 and not task.audit_drawn and pending_index(world) == []
    block(world)
    assign(world, task_id, [W1])
    commit(world, task_id, W1)
    assert world.task(task_id).draw_height == world.height  # the replacement's commit waits for the draw
    block(world)
    block(world)
    task = world.task(task_id)
    assert task.state == "allocated" and task.audit and task.target == 2 and task.needed() == 1


def test_an_auditor_that_misses_its_commit_deadline_is_replaced_by_the_usual_path():
    world = make_world(ALWAYS)
    task_id = allocated(world)
    assign(world, task_id, [W0])
    commit(world, task_id, W0)
    block(world)
    block(world)
    assign(world, task_id, [W1])
    while world.task(task_id).state == "committing":
        block(world)
    task = world.task(task_id)
    assert task.state == "allocated" and task.reassignments == 1 and task.excluded_workers == (W1.address,)
    assert world.worker(W1).slashed == 1 and task.participant(W0.address).status == "committed"
    assign(world, task_id, [W2])
    commit(world, task_id, W2)
    assert world.task(task_id).state == "revealing"


def test_a_reallocated_audit_round_keeps_its_audit_and_is_not_drawn_again():
    world = make_world(ALWAYS, workers=6, masters=(MASTER_A, MASTER_B))  # room for two at either master
    task_id = allocated(world)
    first = world.task(task_id).master
    pool = [w for w in WORKERS if st.get_worker(world.state, w.address).master == first]
    assign(world, task_id, pool[:1])
    commit(world, task_id, pool[0])
    block(world)
    block(world)
    assert world.task(task_id).state == "allocated"
    while world.task(task_id).master == first:  # the master never names the auditor
        block(world)
    while world.task(task_id).state != "allocated":
        block(world)
    task = world.task(task_id)
    assert task.audit and task.audit_drawn and task.target == 2 and task.needed() == 2 and task.participants == ()
    other = [w for w in WORKERS if st.get_worker(world.state, w.address).master == task.master]
    assign(world, task_id, other[:2])
    for worker in other[:2]:
        commit(world, task_id, worker)
    assert world.task(task_id).state == "revealing"  # both seats in one round, the draw is not repeated


def test_a_replacement_of_a_missing_revealer_after_the_draw_reveals_without_a_second_draw():
    world = make_world(NEVER)
    task_id = allocated(world)
    assign(world, task_id, [W0])
    commit(world, task_id, W0)
    block(world)
    block(world)
    while world.task(task_id).state == "revealing":  # W0 never reveals
        block(world)
    task = world.task(task_id)
    assert task.state == "allocated" and task.audit_drawn and task.reassignments == 1
    assign(world, task_id, [W1])
    commit(world, task_id, W1)
    assert world.task(task_id).state == "revealing" and pending_index(world) == []


def test_a_task_waiting_for_its_draw_refunds_at_its_final_deadline_and_leaves_the_index():
    world = make_world(NEVER)
    task_id = submit(world, replicas=1, timeout=10)
    block(world)
    assign(world, task_id, [W0])
    world.now = world.task(task_id).deadline
    commit(world, task_id, W0)
    block(world)
    task = world.task(task_id)
    assert task.state == "refunded" and task.draw_height == 0 and pending_index(world) == []
    assert world.worker(W0).running == 0


# -- allocation, bounds and the index invariant --------------------------------------------------------------


def test_a_single_replica_task_goes_only_to_a_master_with_room_for_the_auditor_its_draw_may_ask_for():
    world = make_world(replace(PARAMS, audit_probability_bps=1), workers=0)
    register(world, W0, MASTER_A)
    task_id = submit(world, replicas=1)
    block(world)
    assert world.task(task_id).state == "submitted"  # one worker: an audit could not be staffed
    register(world, W1, MASTER_A)
    block(world)
    task = world.task(task_id)
    assert task.state == "allocated" and task.needed() == 1  # room for two, one reserved
    assert st.get_master_stats(world.state, MASTER_A.address)["pending"] == 1


def test_at_audit_probability_zero_a_single_replica_task_needs_room_for_one_worker():
    world = make_world(NEVER, workers=0)
    register(world, W0, MASTER_A)
    task_id = submit(world, replicas=1)
    block(world)
    assert world.task(task_id).state == "allocated"  # no draw can ask for an auditor


def test_draws_per_block_are_bounded_and_the_rest_wait_without_losing_their_round():
    world = make_world(replace(NEVER, max_deadlines_per_block=2), workers=0)
    for worker in WORKERS[:4]:
        register(world, worker, MASTER_A, slots=2)
    ids = [submit(world, replicas=1, end_block=False) for _ in range(3)]
    block(world)
    block(world)
    for task_id, worker in zip(ids, WORKERS):
        assign(world, task_id, [worker])
        commit(world, task_id, worker)
    block(world)
    block(world)
    assert [world.task(t).state for t in ids] == ["revealing", "revealing", "committing"]  # earliest first
    assert pending_index(world) == [(world.task(ids[2]).draw_height, ids[2])]
    block(world)
    assert world.task(ids[2]).state == "revealing" and pending_index(world) == []


def test_the_invariant_catches_a_stale_or_missing_audit_draw_entry():
    world = make_world(NEVER)
    task_id = allocated(world)
    assign(world, task_id, [W0])
    commit(world, task_id, W0)
    invariants.check(world.state)
    height = world.task(task_id).draw_height
    world.state.delete(keys.audit_pending_key(height, task_id))
    with pytest.raises(AssertionError, match="audit-draw index"):
        invariants.check(world.state)
    world.state.set(keys.audit_pending_key(height, task_id), b"")
    world.state.set(keys.audit_pending_key(height, task_id + 1), b"")
    with pytest.raises(AssertionError, match="audit-draw index"):
        invariants.check(world.state)

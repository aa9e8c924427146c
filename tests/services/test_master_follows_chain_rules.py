"""The master node chooses workers by the chain's own rules (chain_modules.compute.rules, through compute.api).

pick_workers must name exactly the workers handle_assign_workers accepts, and rank them by the reputation the
chain computes and shows (rounded down), not by a look-alike formula.
"""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as strategies

from abci_app.store import Overlay
from chain_modules.common.errors import ChainError
from chain_modules.compute import handlers, views
from chain_modules.compute import state as st
from chain_modules.compute.errors import ErrWorkerNotEligible
from chain_modules.compute.types import ALLOCATED, MsgAssignWorkers, Participant, Task, Worker
from masternode.node import pick_workers
from tests.modules.compute.helpers import MASTER_A, MASTER_B, PARAMS, WORKERS, make_world

CLASS = PARAMS.classes[1]  # "big": 8 cores, 16 GiB


def worker_view(address: str, completed: int, failed: int, running: int) -> dict:
    return {"address": address, "master": "m", "online": True, "running": running, "slots": 4, "deposit": 10**6,
            "any_app": True, "cpu_cores": 8, "gpu": 0, "ram_mb": 16_384, "storage_mb": 1_024,
            "completed": completed, "failed": failed}


def test_workers_the_chain_ranks_equal_are_ordered_by_fewest_running_tasks() -> None:
    # 2501/5001 of successes is 5000.99... bps: the chain rounds it down to 5000, the newcomer's figure
    newcomer = worker_view("a-newcomer", completed=0, failed=0, running=0)
    veteran = worker_view("b-veteran", completed=2_500, failed=2_499, running=1)
    task = {"master": "m", "participants": [], "excluded_workers": [], "needed": 1}

    chosen = pick_workers(task, [veteran, newcomer], CLASS.to_dict(), min_deposit=1_000, verified=True)

    assert [w["address"] for w in chosen] == ["a-newcomer"]


# every fact's value that lets the chain accept the worker, and values that each make it refuse
GOOD = {"pool": MASTER_A, "online": True, "slots": 2, "running": 1, "cpu_cores": 8, "ram_mb": 16_384,
        "storage_mb": 1_024, "deposit": PARAMS.worker_min_deposit, "any_app": True, "verified": True,
        "excluded": False, "assigned": False}
BAD = {"pool": [MASTER_B], "online": [False], "slots": [1], "running": [2, 3], "cpu_cores": [1, 7], "ram_mb": [16_383],
       "storage_mb": [1_023], "deposit": [PARAMS.worker_min_deposit - 1, 0], "any_app": [False], "verified": [False],
       "excluded": [True], "assigned": [True]}


@strategies.composite
def facts(draw) -> dict:
    """A worker and task that break none, one, two or three of the rules (any_app and verified only together)."""
    fact = dict(GOOD)
    for name in draw(strategies.sets(strategies.sampled_from(sorted(BAD)), max_size=3)):
        fact[name] = draw(strategies.sampled_from(BAD[name]))
    return fact


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts())
def test_the_master_names_a_worker_exactly_when_the_chain_accepts_it(fact: dict) -> None:
    world = make_world(workers=0, verified=fact["verified"])
    state = world.state
    candidate, partner = WORKERS[0], WORKERS[1]
    worker = Worker(candidate.address, fact["pool"].address, fact["cpu_cores"], 0, fact["ram_mb"], fact["storage_mb"],
                    fact["slots"], fact["any_app"], fact["deposit"], running=fact["running"], online=fact["online"],
                    last_heartbeat=world.now)
    st.set_worker(state, PARAMS, worker, None, PARAMS.heartbeat_timeout_seconds)
    participants = (Participant(partner.address, "committed", b"c" * 32),) if fact["assigned"] else ()
    if fact["assigned"]:  # the candidate already takes part, next to a partner: the round needs one more
        participants = (Participant(candidate.address),) + participants
    task = Task(1, WORKERS[5].address, hashlib.sha256(b"the job module").digest(), b"\0" * 32, 10, CLASS.name,
                len(participants) + 1, 1_000, 1_000, 10, 10_000, world.now + 100, state=ALLOCATED,
                master=MASTER_A.address, participants=participants, target=len(participants) + 1,
                excluded_workers=(candidate.address,) if fact["excluded"] else ())
    st.set_task(state, task, None)
    st.bump_master(state, MASTER_A.address, pending=1)

    task_view = views.task_view(state, task)
    chosen = pick_workers(task_view, [views.worker_view(worker, world.now)], CLASS.to_dict(),
                          PARAMS.worker_min_deposit, fact["verified"])
    try:
        handlers.handle_assign_workers(Overlay(state), world.ctx(), MsgAssignWorkers(MASTER_A.address, 1, (candidate.address,)))
        accepted = True
    except ErrWorkerNotEligible:
        accepted = False
    except ChainError as exc:  # no other refusal is expected from this arrangement
        raise AssertionError(f"unexpected refusal {exc!r}") from None

    assert (len(chosen) == 1) == accepted, fact

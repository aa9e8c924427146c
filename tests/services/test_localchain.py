"""The in-process chain the service tests run against is the real app: its rules, codes and blocks.

A service's tx is checked and executed by the real handlers in a block of its own; a refusal carries the
module's registered code; queries are answered by the real query table.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chain_modules.compute.errors import ErrNotParticipant, ErrWorkerNotEligible
from chain_modules.compute.types import MsgAssignWorkers, MsgCommitResult
from client.chain import ChainError
from tests.services.localchain import LocalChain, sha
from tests.support import make_key

MASTER = make_key("localchain-master")
OTHER_MASTER = make_key("localchain-other-master")
WORKER = make_key("localchain-worker")
STRANGER = make_key("localchain-stranger")


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[LocalChain]:
    chain = LocalChain(tmp_path / "chain")
    chain.register_master(MASTER)
    chain.register_worker(WORKER, MASTER)
    yield chain
    chain.close()


def test_a_services_tx_is_executed_in_a_block_of_its_own_by_the_real_handlers(chain: LocalChain) -> None:
    task_id = chain.submit(sha(b"module"), sha(b"input"), master=MASTER)
    height = chain.height

    result = chain.client(MASTER).send([MsgAssignWorkers(MASTER.address, task_id, (WORKER.address,))])

    assert chain.height == height + 1 and result.height == height + 1 and result.code == 0
    assert [event["attributes"]["task_id"] for event in result.events if event["type"] == "task_assigned"] == [str(task_id)]
    assert chain.get_task(task_id).state == "committing" and chain.get_worker(WORKER).running == 1


def test_the_chain_refuses_with_the_modules_own_codes_and_records_the_attempt(chain: LocalChain) -> None:
    task_id = chain.submit(sha(b"module"), sha(b"input"), master=MASTER)
    chain.register_master(OTHER_MASTER)
    theirs = make_key("localchain-worker-of-the-other-master")
    chain.register_worker(theirs, OTHER_MASTER)
    client = chain.client(MASTER)

    with pytest.raises(ChainError) as refused:
        client.send([MsgAssignWorkers(MASTER.address, task_id, (theirs.address,))])
    assert (refused.value.codespace, refused.value.code) == ("compute", ErrWorkerNotEligible.code)
    assert "another master node's pool" in refused.value.log

    client.send([MsgAssignWorkers(MASTER.address, task_id, (WORKER.address,))])  # the refusal left the sequence right
    assert chain.get_task(task_id).state == "committing"
    chain.fund(STRANGER)
    with pytest.raises(ChainError) as not_assigned:
        chain.client(STRANGER).send([MsgCommitResult(STRANGER.address, task_id, b"c" * 32)])
    assert (not_assigned.value.codespace, not_assigned.value.code) == ("compute", ErrNotParticipant.code)

    assert [type(m) for attempt in chain.attempts for m in attempt.msgs] == [MsgAssignWorkers, MsgAssignWorkers,
                                                                             MsgCommitResult]
    assert [type(m) for m in chain.sent_msgs()] == [MsgAssignWorkers]


def test_queries_are_answered_by_the_real_query_table(chain: LocalChain) -> None:
    client = chain.client(WORKER)

    assert client.query(f"/compute/worker/{WORKER.bech32}")["master"] == MASTER.bech32
    assert client.query_or_none(f"/compute/worker/{STRANGER.bech32}") is None
    with pytest.raises(ChainError, match="unknown query path"):
        client.query("/compute/nothing")
    assert chain.queries == [f"/compute/worker/{WORKER.bech32}", f"/compute/worker/{STRANGER.bech32}", "/compute/nothing"]

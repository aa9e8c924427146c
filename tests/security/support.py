"""Helpers of the security regression suite: a plain node, and twin nodes that tell whether a failed tx
changed anything beyond its fee and sequence."""

from __future__ import annotations

import hashlib
from pathlib import Path

from chain_modules.bank.types import MsgSend
from chain_modules.common.errors import INTERNAL_ERROR_CODE, registered_errors
from chain_modules.compute.types import MsgAssignWorkers, MsgHeartbeat, MsgSubmitTask
from tests.app import golden_scenario as golden
from tests.reliability.workload import ALICE, BOB, MASTERS, WORKERS, Workload
from tests.support import signed

REGISTERED = {(error.codespace, error.code) for error in registered_errors()}
U64_MAX = 2**64 - 1


def code_of(result) -> tuple[str, int]:
    return (result.codespace, result.code)


def assert_registered_failure(result, error=None) -> None:
    """A failure with a registered code (the given error's, if any), never an internal error."""
    assert result.code not in (0, INTERNAL_ERROR_CODE), f"{result.codespace}/{result.code}: {result.log}"
    assert code_of(result) in REGISTERED, f"unregistered {result.codespace}/{result.code}"
    if error is not None:
        assert code_of(result) == (error.codespace, error.code), f"{result.codespace}/{result.code}: {result.log}"


class Twin:
    """Two identical nodes on the golden network (five super nodes, two masters, five workers, apps).

    ``fails_cleanly`` sends a tx on node A and, with the same signer, sequence, fee and gas, a send that must
    fail for lack of funds on node B: equal app hashes afterwards prove that A's tx changed nothing but its
    fee and sequence (a failed message writes nothing)."""

    def __init__(self, path: Path, app_state: dict | None = None) -> None:
        self.a = Workload(path / "a", 0, app_state)
        self.b = Workload(path / "b", 0, app_state)
        self.a.setup()
        self.b.setup()

    def close(self) -> None:
        self.a.driver.close()
        self.b.driver.close()

    def blocks(self, count: int = 1, **options) -> None:
        for _ in range(count):
            self.a.block(**options)
            self.b.block(**options)
            assert self.a.driver.last_app_hash == self.b.driver.last_app_hash

    def heartbeat(self) -> None:
        """Every worker posts a heartbeat in the next block (online workers are what masters have capacity from)."""
        for node in (self.a, self.b):
            for worker in WORKERS:
                node.tx(worker, MsgHeartbeat(worker.address))

    def run(self, key, *msgs, gas: int | None = None):
        """``msgs`` in one tx of ``key`` on both nodes; the result (identical on both)."""
        for node in (self.a, self.b):
            node.tx(key, *msgs)
        self.blocks()
        assert [code_of(r) for r in self.a.last_results] == [code_of(r) for r in self.b.last_results]
        return self.a.last_results[-1]

    def query(self, path: str):
        return self.a.query(path)

    def fails_cleanly(self, key, msg, error=None):
        gas = 60_000 + msg.gas()
        fee = gas // 100 + 1
        sequence = self.a.driver.sequence(key.address)
        other = BOB if key is not BOB else ALICE
        reference = MsgSend(key.address, other.address, 10**18)
        self.a.pending.append((signed(key, [(msg.TYPE, msg.to_body())], sequence, fee=fee, gas=gas), msg.TYPE))
        self.b.pending.append((signed(key, [(reference.TYPE, reference.to_body())], sequence, fee=fee, gas=gas), "ref"))
        self.a.block()
        self.b.block()
        result, reference_result = self.a.last_results[0], self.b.last_results[0]
        assert_registered_failure(result, error)
        assert code_of(reference_result) == ("bank", 2), reference_result
        assert self.a.driver.last_app_hash == self.b.driver.last_app_hash, \
            f"the failed {msg.TYPE} changed state beyond its fee and sequence ({result.codespace}/{result.code})"
        return result


def salt_of(worker, task_id: int) -> bytes:
    return hashlib.sha256(b"salt" + worker.address + task_id.to_bytes(8, "big")).digest()


def assigned_task(twin: Twin, replicas: int) -> tuple[int, list]:
    """A task of ``replicas`` submitted by alice, allocated and assigned: (task id, its workers)."""
    twin.blocks(8)  # the first epoch elects the master nodes
    twin.heartbeat()
    twin.blocks()
    task = MsgSubmitTask(ALICE.address, golden.APP, hashlib.sha256(b"holes").digest(), 100, "small", replicas,
                         1_000_000, 10**9, 600)
    assert twin.run(ALICE, task).code == 0
    twin.blocks()
    view = twin.query(f"/compute/tasks/customer/{ALICE.bech32}")[0]
    assert view["state"] == "allocated", view
    master = next(m for m in MASTERS if m.bech32 == view["master"])
    pool = [w for w in WORKERS if w.bech32 in {v["address"] for v in twin.query(f"/compute/workers/{master.bech32}")}]
    chosen = pool[:replicas]
    assert twin.run(master, MsgAssignWorkers(master.address, view["id"], tuple(w.address for w in chosen))).code == 0
    return view["id"], chosen

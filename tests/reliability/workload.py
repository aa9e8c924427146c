"""A seeded random workload through the real app (FinalizeBlock + Commit, no CometBFT), for determinism checks.

The workload starts from the golden scenario's genesis (tests/app/golden_scenario.py: five super nodes, two
master nodes, five workers, short epochs and deadlines) and then, block after block, picks actions at random
from a menu that covers every message type of every module: transfers, staking, sponsorship, master nodes, the
app pool, locks and API access, the whole task lifecycle (submit, allocate, assign, commit, reveal with honest
and lying workers, hand back, release, cancel, confirm, deadlines), rewards and commission, unjailing, FOG
redemption, plus txs that fail (overspends, wrong signers, random message bodies, garbage bytes). Validators
are sometimes absent (downtime jailing) and one double-signs (evidence), so every begin- and end-block path
runs: elections, unbondings, price epochs, FOG epochs and redemption periods, lock expiries, task deadlines.

The choice of actions depends only on the workload seed and on what the app answers to queries, so two
processes that execute the same workload must reach the same app hash at every height; if the app were
nondeterministic, the hashes (and then the workloads) would differ. The runner
(tests/reliability/determinism.py) runs it under several PYTHONHASHSEED values and compares.

Run one workload and print its app hashes as JSON:
    python -m tests.reliability.workload --seed 1 --blocks 30 --db /tmp/w
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter
from pathlib import Path

from abci_app.proto import abci
from chain_modules.apppool.types import MsgRegisterApp, MsgSetAppVerified
from chain_modules.bank.types import MsgMultiSend, MsgSend, Output
from chain_modules.common.encoding import decode
from chain_modules.compute.types import (
    MsgAssignWorkers,
    MsgCancelTask,
    MsgCommitResult,
    MsgConfirmTask,
    MsgHandBackTask,
    MsgHeartbeat,
    MsgWorkerOffline,
    MsgRegisterWorker,
    MsgReleaseTask,
    MsgRevealResult,
    MsgSubmitTask,
    MsgTopUpDeposit,
    MsgUnregisterWorker,
    commitment,
)
from chain_modules.distribution.types import MsgWithdrawCommission, MsgWithdrawRewards
from chain_modules.fog.types import MsgRedeem
from chain_modules.gov.types import MsgDeposit, MsgSubmitProposal, MsgVote
from chain_modules.locks.types import MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from chain_modules.slashing.types import MsgUnjail
from chain_modules.staking.types import (
    MsgConsentSponsorship,
    MsgCreateMasterNode,
    MsgDelegate,
    MsgEditMasterNode,
    MsgEditSuperNode,
    MsgRedelegate,
    MsgUndelegate,
    MsgWithdrawSponsorship,
)
from tests.app import golden_scenario as golden
from tests.support import KEYS, AppDriver, admission, create_super_node_msg, signed, timestamp

AMIO = golden.AMIO
OPERATORS, CONSENSUS, MASTERS, WORKERS = golden.OPERATORS, golden.CONSENSUS, golden.MASTERS, golden.WORKERS
ALICE, BOB, CAROL, FOUNDATION, MALLORY = golden.ALICE, golden.BOB, golden.CAROL, golden.FOUNDATION, golden.MALLORY
HOLDERS = [ALICE, BOB, CAROL, KEYS["dave"], MALLORY]
APPS = [golden.APP, golden.UNVERIFIED_APP]
RESULTS = [golden.RIGHT, golden.WRONG]


def consensus_address(key) -> bytes:
    return hashlib.sha256(key.pubkey).digest()[:20]


class Workload:
    """One seeded workload on a fresh database under ``path``; ``hashes`` holds the app hash after every block."""

    def __init__(self, path: Path, seed: int, app_state: dict | None = None) -> None:
        self.rng = random.Random(seed)
        self.offline_rng = random.Random(seed + 1_000_003)  # its own draws: the main sequence stays as it was
        self.driver = AppDriver(path, app_state=app_state or golden.app_state(), vote_extensions_enable_height=1,
                                consensus_keys=CONSENSUS)
        self.last_results: list = []
        self.check_invariants = True  # every module's invariants after every block, as the Cosmos SDK simulator does
        self.hashes: dict[int, str] = {}
        self.pending: list[tuple[bytes, str]] = []
        self.queued: Counter = Counter()  # txs queued in the open block, by signer address
        self.attempted: Counter = Counter()  # message type -> txs sent
        self.succeeded: Counter = Counter()  # message type -> txs that executed with code 0
        self.codes: Counter = Counter()  # (codespace, code) of every tx result
        self.block_events: Counter = Counter()  # event types of begin/end block steps
        self.salts: dict[tuple[bytes, int], tuple[bytes, int, bytes]] = {}
        self.absent: set[int] = set()
        self.double_signed = False
        self.unregistered: set[bytes] = set()

    # -- plumbing -------------------------------------------------------------------------------

    def query(self, path: str):
        response = self.driver.query(path)
        return decode(response.value) if response.code == 0 else None

    def tx(self, key, *msgs, fee_bonus: int = 0) -> None:
        sequence = self.driver.sequence(key.address) + self.queued[key.address]
        self.queued[key.address] += 1
        gas = 60_000 + sum(msg.gas() for msg in msgs)
        raw = signed(key, [(msg.TYPE, msg.to_body()) for msg in msgs], sequence, fee=gas // 100 + 1 + fee_bonus, gas=gas)
        self.pending.append((raw, "+".join(msg.TYPE for msg in msgs)))

    def validators(self) -> list[tuple[bytes, int]]:
        by_key = {c.pubkey.hex(): consensus_address(c) for c in CONSENSUS}
        return sorted((by_key[v["consensus_pubkey"]], v["power"]) for v in self.query("/staking/validators") or [])

    def block(self, seconds: int = 5, misbehavior: list | None = None) -> None:
        missing = {consensus_address(CONSENSUS[i]) for i in self.absent}
        validators = self.validators()
        txs, self.pending = self.pending, []
        self.queued.clear()
        results = self.driver.block([raw for raw, _kind in txs], seconds=seconds,
                                    signers=[v for v in validators if v[0] not in missing], misbehavior=misbehavior,
                                    absent=[v for v in validators if v[0] in missing])
        self.last_results = results
        for (_raw, kind), result in zip(txs, results):
            self.attempted[kind] += 1
            self.codes[(result.codespace, result.code)] += 1
            if result.code == 0:
                self.succeeded[kind] += 1
        for event in self.driver.last_response.events:
            self.block_events[event.type] += 1
        self.hashes[self.driver.height] = self.driver.last_app_hash.hex()
        if self.check_invariants:
            check_invariants(self.driver.app.store.committed, self.driver.height)

    # -- the run --------------------------------------------------------------------------------

    def run(self, blocks: int) -> dict[int, str]:
        self.setup()
        while self.driver.height < blocks:
            self.random_block()
        return self.hashes

    def setup(self) -> None:
        """The golden scenario's first blocks: actors funded, a fifth super node, apps, locks, masters, workers."""
        everyone = [*OPERATORS[4:], *MASTERS, *WORKERS, CAROL, MALLORY, KEYS["dave"]]
        self.tx(ALICE, MsgMultiSend(ALICE.address, tuple(Output(k.address, 30_000 * AMIO) for k in everyone)))
        self.tx(ALICE, MsgSend(ALICE.address, BOB.address, 1_000 * AMIO))
        self.block()
        self.tx(OPERATORS[4], create_super_node_msg(OPERATORS[4].address, CONSENSUS[4], "node4", 700, 200, 20_000 * AMIO))
        self.tx(FOUNDATION, MsgRegisterApp(FOUNDATION.address, golden.APP, 1_000, "golden", "", ("small",)),
                MsgSetAppVerified(FOUNDATION.address, golden.APP, True))
        self.tx(MALLORY, MsgRegisterApp(MALLORY.address, golden.UNVERIFIED_APP, 500, "unverified", "", ()))
        for master in MASTERS:
            self.tx(OPERATORS[0], MsgConsentSponsorship(OPERATORS[0].address, master.address))
        self.block()
        for index, master in enumerate(MASTERS):
            self.tx(master, MsgCreateMasterNode(master.address, f"master{index}", f"http://127.0.0.1:{9000 + index}",
                                                "local", OPERATORS[0].address, (2_000 + index) * AMIO))
        self.block()
        for index, worker in enumerate(WORKERS):
            master = MASTERS[index % 2]
            self.tx(worker, MsgRegisterWorker(worker.address, master.address, 2, 0, 2_048, 2_048, 2, index == 4,
                                              150 * AMIO, *admission(master, worker.address)))
        self.block()

    def random_block(self) -> None:
        rng = self.rng
        height = self.driver.height
        if height % 2 == 0:
            for worker in WORKERS:
                if worker.address not in self.unregistered and rng.random() < 0.9:
                    self.tx(worker, MsgHeartbeat(worker.address))
                elif worker.address not in self.unregistered and self.offline_rng.random() < 0.3:
                    self.tx(worker, MsgWorkerOffline(worker.address))  # stopping gracefully; the next heartbeat returns
        self.task_steps()
        for _ in range(rng.randint(1, 6)):
            action = rng.choice(ACTIONS)
            action(self)
        # downtime: a validator stops signing for a while, and comes back
        if height == 30 or (not self.absent and rng.random() < 0.02):
            self.absent = {rng.randrange(4)}
        elif self.absent and height > 60 and rng.random() < 0.08:
            self.absent = set()
        misbehavior = None
        if not self.double_signed and height > 150 and rng.random() < 0.05:
            misbehavior = self.evidence()
        seconds = rng.choice((5, 5, 5, 5, 10, 30)) if rng.random() > 0.01 else 86_400
        self.block(seconds=seconds, misbehavior=misbehavior)

    def evidence(self) -> list | None:
        validators = dict(self.validators())
        target = consensus_address(CONSENSUS[self.rng.randrange(5)])
        if target not in validators:
            return None
        self.double_signed = True
        return [abci.Misbehavior(type=1, validator=abci.Validator(address=target, power=validators[target]),
                                 height=self.driver.height - 1, time=timestamp(self.driver.time - 5), total_voting_power=1)]

    def open_tasks(self) -> list[dict]:
        tasks = []
        for customer in (ALICE, BOB):
            tasks += self.query(f"/compute/tasks/customer/{customer.bech32}") or []
        return sorted(tasks, key=lambda task: task["id"])

    def task_steps(self) -> None:
        """Masters assign, workers commit and reveal (mostly honestly), customers confirm: the lifecycle moves."""
        rng = self.rng
        masters = {m.bech32: m for m in MASTERS}
        workers = {w.bech32: w for w in WORKERS}
        for task in self.open_tasks():
            task_id = task["id"]
            if task["state"] == "allocated" and task["needed"] and rng.random() < 0.85:
                master = masters.get(task["master"])
                if master is None:
                    continue
                if rng.random() < 0.05:
                    self.tx(master, MsgReleaseTask(master.address, task_id))
                    continue
                taken = {p["worker"] for p in task["participants"]}
                pool = [w for w in (self.query(f"/compute/workers/{master.bech32}") or [])
                        if w["online"] and w["address"] not in taken and w["address"] in workers]
                rng.shuffle(pool)
                chosen = tuple(workers[w["address"]].address for w in pool[:task["needed"]])
                if chosen:
                    self.tx(master, MsgAssignWorkers(master.address, task_id, chosen))
            elif task["state"] == "committing":
                for participant in task["participants"]:
                    worker = workers.get(participant["worker"])
                    if worker is None or participant["status"] != "assigned" or rng.random() < 0.1:
                        continue
                    if rng.random() < 0.05:
                        self.tx(worker, MsgHandBackTask(worker.address, task_id))
                        continue
                    result = RESULTS[1] if rng.random() < 0.1 else RESULTS[0]
                    fuel = rng.choice((3_000, 4_000))
                    salt = hashlib.sha256(b"salt" + worker.address + task_id.to_bytes(8, "big")).digest()
                    self.salts[(worker.address, task_id)] = (result, fuel, salt)
                    self.tx(worker, MsgCommitResult(worker.address, task_id, commitment(result, fuel, salt, worker.address)))
            elif task["state"] == "revealing":
                for participant in task["participants"]:
                    worker = workers.get(participant["worker"])
                    secret = self.salts.get((worker.address, task_id)) if worker else None
                    if secret is None or participant["status"] != "committed" or rng.random() < 0.05:
                        continue
                    self.tx(worker, MsgRevealResult(worker.address, task_id, *secret))
            elif task["state"] == "delivered" and rng.random() < 0.6:
                customer = ALICE if task["customer"] == ALICE.bech32 else BOB
                self.tx(customer, MsgConfirmTask(customer.address, task_id))

    # -- the menu ---------------------------------------------------------------------------------

    def holder(self):
        return self.rng.choice(HOLDERS)

    def amount(self, small: int = 1_000 * AMIO) -> int:
        return self.rng.randint(1, small)

    def do_send(self) -> None:
        sender = self.holder()
        amount = self.amount() if self.rng.random() < 0.9 else 10**15
        self.tx(sender, MsgSend(sender.address, self.holder().address, amount))

    def do_multi_send(self) -> None:
        sender = self.holder()
        outputs = tuple(Output(self.rng.choice(HOLDERS + WORKERS).address, self.amount(100 * AMIO))
                        for _ in range(self.rng.randint(1, 4)))
        self.tx(sender, MsgMultiSend(sender.address, outputs))

    def do_delegate(self) -> None:
        holder = self.holder()
        self.tx(holder, MsgDelegate(holder.address, self.rng.choice(OPERATORS).address, self.amount(5_000 * AMIO)))

    def _delegation(self):
        holder = self.holder()
        view = self.query(f"/staking/delegations/{holder.bech32}") or {"delegations": []}
        if not view["delegations"]:
            return None, None
        return holder, self.rng.choice(view["delegations"])

    def do_undelegate(self) -> None:
        holder, delegation = self._delegation()
        if holder is not None and delegation["tokens"] > 0:
            operator = next(op for op in OPERATORS if op.bech32 == delegation["candidate"])
            self.tx(holder, MsgUndelegate(holder.address, operator.address, self.rng.randint(1, delegation["tokens"])))

    def do_redelegate(self) -> None:
        holder, delegation = self._delegation()
        if holder is not None and delegation["tokens"] > 0:
            source = next(op for op in OPERATORS if op.bech32 == delegation["candidate"])
            destination = self.rng.choice(OPERATORS)
            self.tx(holder, MsgRedelegate(holder.address, source.address, destination.address,
                                          self.rng.randint(1, delegation["tokens"])))

    def do_edit_super_node(self) -> None:
        operator = self.rng.choice(OPERATORS)
        self.tx(operator, MsgEditSuperNode(operator.address, f"node-{self.rng.randrange(100)}", self.rng.randint(400, 800)))

    def do_create_super_node(self) -> None:
        """A candidate whose consensus key is already taken, or an operator registering twice: always refused."""
        operator = self.rng.choice(OPERATORS)
        self.tx(operator, create_super_node_msg(operator.address, self.rng.choice(CONSENSUS), "again", 500, 100, 1_000 * AMIO))

    def do_unjail(self) -> None:
        for operator in OPERATORS:
            candidate = self.query(f"/staking/candidate/{operator.bech32}")
            if candidate and candidate["jailed"] and self.rng.random() < 0.5:
                self.tx(operator, MsgUnjail(operator.address))

    def do_sponsorship(self) -> None:
        master = self.rng.choice(MASTERS)
        operator = self.rng.choice(OPERATORS)
        if self.rng.random() < 0.3:
            sponsor = self.query(f"/staking/sponsor_consent/{master.bech32}")
            operator = next((op for op in OPERATORS if op.bech32 == sponsor), operator)
            self.tx(operator, MsgWithdrawSponsorship(operator.address, master.address))
        else:
            self.tx(operator, MsgConsentSponsorship(operator.address, master.address))

    def do_edit_master_node(self) -> None:
        master = self.rng.choice(MASTERS)
        self.tx(master, MsgEditMasterNode(master.address, f"http://127.0.0.1:{9000 + self.rng.randrange(100)}", "local"))

    def do_create_master_node(self) -> None:
        key = self.rng.choice([MALLORY, KEYS["dave"], *MASTERS])
        self.tx(key, MsgCreateMasterNode(key.address, "m", "http://127.0.0.1:9999", "x", OPERATORS[1].address, 1_000 * AMIO))

    def do_app(self) -> None:
        module_hash = hashlib.sha256(b"app %d" % self.rng.randrange(5)).digest()
        publisher = self.holder()
        self.tx(publisher, MsgRegisterApp(publisher.address, module_hash, 100, "app", "", ("small",)))
        self.tx(FOUNDATION, MsgSetAppVerified(FOUNDATION.address, module_hash, self.rng.random() < 0.7))

    def do_lock(self) -> None:
        owner = self.holder()
        self.tx(owner, MsgCreateLock(owner.address, self.amount(2_000 * AMIO), self.rng.randint(60, 600)))

    def do_withdraw_lock(self) -> None:
        owner = self.holder()
        view = self.query(f"/locks/list/{owner.bech32}") or {}
        locks = view.get("locks", []) if isinstance(view, dict) else []
        lock_id = self.rng.choice(locks)["id"] if locks else self.rng.randint(1, 20)
        self.tx(owner, MsgWithdrawLock(owner.address, lock_id))

    def do_api_access(self) -> None:
        owner = self.holder()
        self.tx(owner, MsgBuyApiAccess(owner.address, self.amount(100 * AMIO), self.rng.randint(60, 600)))

    def do_submit(self) -> None:
        customer = self.rng.choice((ALICE, BOB))
        replicas = self.rng.choice((1, 1, 2, 2, 3))
        self.tx(customer, MsgSubmitTask(customer.address, self.rng.choice(APPS + [golden.APP] * 3),
                                        hashlib.sha256(b"input %d" % self.rng.randrange(10**6)).digest(), 100, "small",
                                        replicas, 1_000_000, 10**9, self.rng.choice((120, 600))))

    def do_cancel(self) -> None:
        tasks = [task for task in self.open_tasks() if task["state"] == "submitted"]
        if tasks:
            task = self.rng.choice(tasks)
            customer = ALICE if task["customer"] == ALICE.bech32 else BOB
            self.tx(customer, MsgCancelTask(customer.address, task["id"]))

    def do_worker_money(self) -> None:
        worker = self.rng.choice(WORKERS)
        if worker.address in self.unregistered:
            return
        if self.driver.height > 60 and not self.unregistered and self.rng.random() < 0.2:
            self.unregistered.add(worker.address)
            self.tx(worker, MsgUnregisterWorker(worker.address))
        else:
            self.tx(worker, MsgTopUpDeposit(worker.address, self.amount(10 * AMIO)))

    def do_rewards(self) -> None:
        if self.rng.random() < 0.5:
            holder = self.holder()
            self.tx(holder, MsgWithdrawRewards(holder.address))
        else:
            operator = self.rng.choice(OPERATORS)
            self.tx(operator, MsgWithdrawCommission(operator.address))

    def do_redeem(self) -> None:
        key = self.rng.choice([*WORKERS, *MASTERS, CAROL, ALICE])
        view = self.query(f"/fog/balance/{key.bech32}")
        redeemable = view["redeemable"] if view else 0
        self.tx(key, MsgRedeem(key.address, self.rng.randint(1, redeemable) if redeemable else 1))

    def do_gov(self) -> None:
        """A proposal (a param change or a text), a deposit on one, or a vote by a super node or a holder."""
        choice = self.rng.randrange(3)
        proposals = self.query("/gov/proposals") or {}
        ids = [p["id"] for p in proposals.get("proposals", [])] if isinstance(proposals, dict) else []
        proposal_id = self.rng.choice(ids) if ids else self.rng.randint(1, 5)
        if choice == 0:
            proposer = self.rng.choice((ALICE, BOB))
            if self.rng.random() < 0.5:
                kind, content = "param_change", {"changes": [{"module": "compute",
                                                              "params": {"price_step_bps": self.rng.randint(1, 900)}}]}
            else:
                kind, content = "text", {}
            self.tx(proposer, MsgSubmitProposal(proposer.address, kind, content, "workload", "",
                                                self.rng.choice((250, 1_000)) * AMIO, self.rng.random() < 0.2))
        elif choice == 1:
            depositor = self.holder()
            self.tx(depositor, MsgDeposit(depositor.address, proposal_id, self.amount(500 * AMIO)))
        else:
            voter = self.rng.choice([*OPERATORS[:4], ALICE, BOB])
            self.tx(voter, MsgVote(voter.address, proposal_id,
                                   self.rng.choice(("yes", "yes", "no", "abstain", "no_with_veto"))))

    def do_failures(self) -> None:
        """Txs that must fail the same way everywhere: a wrong signer, a random body, garbage bytes."""
        choice = self.rng.randrange(3)
        mallory = MALLORY
        if choice == 0:
            self.tx(mallory, MsgSend(ALICE.address, mallory.address, 1))  # signed by mallory for alice: unauthorized
        elif choice == 1:
            sequence = self.driver.sequence(mallory.address) + self.queued[mallory.address]
            self.queued[mallory.address] += 1
            msg_type = self.rng.choice(sorted(self.driver.app.router.routes))
            body = {"amount": self.rng.choice((0, -1, 2**64 - 1, "1", None)), "x": b"\x00" * self.rng.randrange(40)}
            self.pending.append((signed(mallory, [(msg_type, body)], sequence, fee=2_000, gas=200_000), msg_type))
        else:
            self.pending.append((self.rng.randbytes(self.rng.randrange(1, 200)), "garbage"))


ACTIONS = [
    Workload.do_send, Workload.do_send, Workload.do_multi_send, Workload.do_delegate, Workload.do_undelegate,
    Workload.do_redelegate, Workload.do_edit_super_node, Workload.do_create_super_node, Workload.do_unjail,
    Workload.do_sponsorship, Workload.do_edit_master_node, Workload.do_create_master_node, Workload.do_app,
    Workload.do_lock, Workload.do_withdraw_lock, Workload.do_api_access, Workload.do_submit, Workload.do_submit,
    Workload.do_submit, Workload.do_cancel, Workload.do_worker_money, Workload.do_rewards, Workload.do_redeem,
    Workload.do_failures, Workload.do_gov, Workload.do_gov,
]


def check_invariants(state, height: int) -> None:
    """Every module's invariants on ``state``; AssertionError naming the module and height on a violation."""
    from abci_app.modules import MODULES

    for module in MODULES:
        for invariant in module.invariants:
            try:
                invariant(state)
            except Exception as error:
                raise AssertionError(f"{module.name} invariant {invariant.__name__} broken after block {height}: "
                                     f"{error}") from error


def run_workload(path: Path, seed: int, blocks: int) -> dict:
    """Run one workload, every module's invariants checked after every block; return its app hashes by height
    and coverage counts."""
    workload = Workload(path, seed)
    try:
        hashes = workload.run(blocks)
        return {
            "hashes": {str(height): value for height, value in sorted(hashes.items())},
            "attempted": dict(sorted(workload.attempted.items())),
            "succeeded": dict(sorted(workload.succeeded.items())),
            "codes": {f"{space}/{code}": count for (space, code), count in sorted(workload.codes.items())},
            "block_events": dict(sorted(workload.block_events.items())),
        }
    finally:
        workload.driver.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="workload seed (the same in every process compared)")
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--db", type=Path, required=True, help="a fresh directory for the database")
    args = parser.parse_args(argv)
    json.dump(run_workload(args.db, args.seed, args.blocks), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

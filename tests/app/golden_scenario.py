"""A fixed scenario of a few hundred blocks that sends every message type and walks every end-block path, driven
through the real app (FinalizeBlock + Commit, no CometBFT). tests/app/test_golden_app_hash.py pins the app hash
it reaches at fixed heights: a refactor that changes any of them changed consensus.

What it covers: transfers and multi-sends (vesting genesis accounts included); super nodes created, edited,
delegated to, undelegated from and redelegated between, unbonding and redelegation maturing; epoch elections with
the power cap; fee rewards and commission withdrawn; downtime jailing and unjailing; double-sign evidence;
investor locks and API access; an app pool with verified and unverified apps; sponsorship consent and
withdrawal; master nodes created, edited, elected; workers registered, heartbeating, topped up and
unregistered (deposit release); price epochs; tasks settled by confirmation and by the confirm deadline, with a
minority liar, with a missed commit and a replacement, single replicas audited and not (drawn in the block after
their worker's commit), cancelled, released, reallocated after a missed assign deadline (master penalty), and
refunded at the final deadline. Vote extensions are on from height 1: every block after the first carries the
seed record of its last commit's signers (abci_app/seed.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from abci_app import seed as block_seed
from abci_app.proto import abci
from chain_modules.apppool.types import AppPoolParams, MsgRegisterApp, MsgSetAppVerified
from chain_modules.bank.types import MsgMultiSend, MsgSend, Output
from chain_modules.common.encoding import decode
from chain_modules.compute.types import (
    ComputeParams,
    MsgAssignWorkers,
    MsgCancelTask,
    MsgCommitResult,
    MsgConfirmTask,
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgReleaseTask,
    MsgRevealResult,
    MsgSubmitTask,
    MsgTopUpDeposit,
    MsgUnregisterWorker,
    commitment,
)
from chain_modules.distribution.types import MsgWithdrawCommission, MsgWithdrawRewards
from chain_modules.fog.types import FogParams, MsgRedeem
from chain_modules.gov.types import MsgDeposit, MsgSubmitProposal, MsgVote
from chain_modules.locks.types import LockParams, MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from chain_modules.slashing.types import MsgUnjail, SlashingParams
from chain_modules.staking.types import (
    MsgConsentSponsorship,
    MsgCreateMasterNode,
    MsgDelegate,
    MsgEditMasterNode,
    MsgEditSuperNode,
    MsgRedelegate,
    MsgUndelegate,
    MsgWithdrawSponsorship,
    StakingParams,
)
from genesis.build import GenesisValidator, SuperNodeSpec, build_app_state
from tests.support import (
    BUCKET_NAMES, IEO_NAMES, KEYS, AppDriver, admission, create_super_node_msg, make_key, signed, timestamp,
)

AMIO = 1_000_000
DAY = 86_400
OPERATORS = [make_key(f"golden/operator-{i}") for i in range(5)]
CONSENSUS = [make_key(f"golden/consensus-{i}") for i in range(5)]
MASTERS = [make_key(f"golden/master-{i}") for i in range(2)]
WORKERS = [make_key(f"golden/worker-{i}") for i in range(5)]
ALICE, BOB, CAROL, FOUNDATION, MALLORY = KEYS["alice"], KEYS["bob"], KEYS["carol"], KEYS["foundation"], KEYS["mallory"]
APP = hashlib.sha256(b"golden verified app").digest()
UNVERIFIED_APP = hashlib.sha256(b"golden unverified app").digest()
RIGHT = hashlib.sha256(b"the right output").digest()
WRONG = hashlib.sha256(b"a wrong output").digest()

STAKING = StakingParams(epoch_blocks=10, max_super_nodes=4, unbonding_seconds=100, min_super_self_bond=1_000 * AMIO,
                        min_master_bond=1_000 * AMIO, max_master_nodes=2)
SLASHING = SlashingParams(signed_blocks_window=16, min_signed_bps=5_000, downtime_jail_seconds=60,
                          slash_fraction_downtime_bps=100, slash_fraction_double_sign_bps=500, min_downtime_seconds=30)
COMPUTE = ComputeParams(heartbeat_timeout_seconds=30, assign_timeout_seconds=20, commit_timeout_seconds=20,
                        reveal_timeout_seconds=20, confirm_timeout_seconds=20, min_task_seconds=10, max_task_seconds=3_600,
                        price_epoch_blocks=20, worker_min_deposit=100 * AMIO, worker_unbonding_seconds=60,
                        audit_probability_bps=3_000)
LOCKS = LockParams(min_lock_seconds=60, max_lock_seconds=10 * DAY)
FOG = FogParams(epoch_seconds=60, windows_per_epoch=3, probation_results=2, redemption_period_seconds=300)


def app_state() -> dict:
    recipients = {"ieo": [KEYS[n].bech32 for n in IEO_NAMES]}
    recipients.update({allocation: [KEYS[name].bech32] for allocation, name in BUCKET_NAMES.items()})
    recipients["infrastructure"] = [op.bech32 for op in OPERATORS[:4]]
    nodes = [SuperNodeSpec(OPERATORS[i].bech32, GenesisValidator(f"node{i}", CONSENSUS[i].pubkey, 0), (1_000_000 - 1_000 * i) * AMIO,
                           500, 100) for i in range(4)]
    state = build_app_state(recipients, staking_params=STAKING, super_nodes=nodes, slashing_params=SLASHING,
                            compute_params=COMPUTE, apppool_params=AppPoolParams((FOUNDATION.address,)))
    state["locks"]["params"] = LOCKS.to_dict()
    state["fog"] = {"params": FOG.to_dict()}
    return state


def consensus_address(key) -> bytes:
    return hashlib.sha256(key.pubkey).digest()[:20]


@dataclass
class Golden:
    """Sends txs with each key's next sequence, signs every block with the current validator set (less the absent
    ones), checks every tx's code, and records the app hash after every block."""

    driver: AppDriver
    sequences: dict = field(default_factory=dict)
    pending: list = field(default_factory=list)
    hashes: dict = field(default_factory=dict)
    salts: dict = field(default_factory=dict)
    live_workers: list = field(default_factory=list)  # they heartbeat every fourth block

    def tx(self, key, *msgs, code: int = 0) -> None:
        sequence = self.sequences.get(key.address, 0)
        self.sequences[key.address] = sequence + 1
        gas = 60_000 + sum(msg.gas() for msg in msgs)
        raw = signed(key, [(msg.TYPE, msg.to_body()) for msg in msgs], sequence, fee=gas // 100 + 1, gas=gas)
        self.pending.append((raw, code, msgs[0].TYPE))

    def validators(self) -> dict[bytes, int]:
        by_key = {c.pubkey.hex(): consensus_address(c) for c in CONSENSUS}
        return {by_key[v["consensus_pubkey"]]: v["power"] for v in decode(self.driver.query("/staking/validators").value)}

    def block(self, seconds: int = 5, absent: tuple = (), misbehavior: list | None = None) -> None:
        if self.driver.height % 4 == 0:
            for worker in self.live_workers:
                self.tx(worker, MsgHeartbeat(worker.address))
        missing = {consensus_address(CONSENSUS[i]) for i in absent}
        validators = sorted(self.validators().items())
        txs, self.pending = self.pending, []
        results = self.driver.block([raw for raw, _code, _type in txs], seconds=seconds,
                                    signers=[v for v in validators if v[0] not in missing], misbehavior=misbehavior,
                                    absent=[v for v in validators if v[0] in missing])
        for (raw, code, kind), result in zip(txs, results):
            assert result.code == code, f"height {self.driver.height}: {kind} gave {result.codespace} {result.code}: {result.log}"
        self.hashes[self.driver.height] = self.driver.last_app_hash.hex()

    def blocks(self, count: int, seconds: int = 5, absent: tuple = ()) -> None:
        for _ in range(count):
            self.block(seconds, absent)

    def task(self, task_id: int) -> dict:
        return decode(self.driver.query(f"/compute/task/{task_id}").value)

    def commit(self, worker, task_id: int, result: bytes = RIGHT, fuel: int = 4_000) -> None:
        salt = hashlib.sha256(b"salt" + worker.address + task_id.to_bytes(8, "big")).digest()
        self.salts[(worker.address, task_id)] = (result, fuel, salt)
        self.tx(worker, MsgCommitResult(worker.address, task_id, commitment(result, fuel, salt, worker.address)))

    def reveal(self, worker, task_id: int) -> None:
        result, fuel, salt = self.salts[(worker.address, task_id)]
        self.tx(worker, MsgRevealResult(worker.address, task_id, result, fuel, salt))

    def submit(self, replicas: int = 2, app: bytes = APP, timeout: int = 600) -> int:
        task_id = self.next_task
        self.next_task += 1
        self.tx(ALICE, MsgSubmitTask(ALICE.address, app, hashlib.sha256(b"input %d" % task_id).digest(), 100, "small",
                                     replicas, 1_000_000, 10**9, timeout))
        return task_id

    def assign(self, task_id: int, workers: list) -> None:
        task = self.task(task_id)
        master = next(m for m in MASTERS if m.bech32 == task["master"])
        self.tx(master, MsgAssignWorkers(master.address, task_id, tuple(w.address for w in workers)))

    next_task: int = 1


def run(path: Path) -> dict[int, str]:
    """Play the scenario in a fresh database under ``path``; return the app hash after every block."""
    g = Golden(AppDriver(path, app_state=app_state(), vote_extensions_enable_height=1, consensus_keys=CONSENSUS))
    try:
        _play(g)
        return g.hashes
    finally:
        g.driver.close()


def _play(g: Golden) -> None:
    everyone = [*OPERATORS[4:], *MASTERS, *WORKERS, CAROL, MALLORY]
    # -- bank: a send, a multi-send funding the new actors, and a failing send (fee and sequence kept) --------
    g.tx(ALICE, MsgSend(ALICE.address, BOB.address, 1_000 * AMIO))
    g.tx(ALICE, MsgMultiSend(ALICE.address, tuple(Output(k.address, 30_000 * AMIO) for k in everyone)))
    g.tx(BOB, MsgSend(BOB.address, ALICE.address, 10**15), code=2)
    g.block()

    # -- staking: a fifth candidate, votes, an edit; app pool; locks; sponsorship -----------------------------
    g.tx(OPERATORS[4], create_super_node_msg(OPERATORS[4].address, CONSENSUS[4], "node4", 700, 200, 20_000 * AMIO))
    g.tx(ALICE, MsgDelegate(ALICE.address, OPERATORS[0].address, 200_000 * AMIO))
    g.tx(BOB, MsgDelegate(BOB.address, OPERATORS[1].address, 500 * AMIO))
    g.tx(FOUNDATION, MsgRegisterApp(FOUNDATION.address, APP, 1_000, "golden", "the golden job", ("small",)),
         MsgSetAppVerified(FOUNDATION.address, APP, True))
    g.tx(MALLORY, MsgRegisterApp(MALLORY.address, UNVERIFIED_APP, 500, "unverified", "", ()))
    g.tx(CAROL, MsgCreateLock(CAROL.address, 5_000 * AMIO, 120), MsgBuyApiAccess(CAROL.address, 1_000, 60))
    for master in MASTERS:
        g.tx(OPERATORS[0], MsgConsentSponsorship(OPERATORS[0].address, master.address))
    g.block()
    for index, master in enumerate(MASTERS):
        g.tx(master, MsgCreateMasterNode(master.address, f"master{index}", f"http://127.0.0.1:{9000 + index}", "local",
                                         OPERATORS[0].address, (2_000 + index) * AMIO))
    g.block()
    g.tx(MASTERS[1], MsgEditMasterNode(MASTERS[1].address, "http://127.0.0.1:9101", "elsewhere"))
    for worker in WORKERS[:4]:
        g.tx(worker, MsgRegisterWorker(worker.address, MASTERS[0].address, 2, 0, 2_048, 2_048, 1, False, 150 * AMIO,
                                       *admission(MASTERS[0], worker.address)))
    g.tx(WORKERS[4], MsgRegisterWorker(WORKERS[4].address, MASTERS[1].address, 2, 0, 2_048, 2_048, 1, False, 150 * AMIO,
                                       *admission(MASTERS[1], WORKERS[4].address)))
    g.block()
    g.live_workers = list(WORKERS)
    g.blocks(8)  # to the first epoch: masters elected
    assert decode(g.driver.query("/staking/validators").value), "the validator set is empty"

    # -- tasks --------------------------------------------------------------------------------------------
    workers = WORKERS[:4]
    settled = g.submit(replicas=2)
    g.blocks(2)  # submitted, then allocated in the next block
    g.assign(settled, workers[:2])
    g.block()
    for worker in workers[:2]:
        g.commit(worker, settled)
    g.block()
    for worker in workers[:2]:
        g.reveal(worker, settled)
    g.block()
    g.tx(ALICE, MsgConfirmTask(ALICE.address, settled))
    g.block()

    liar = g.submit(replicas=3)
    g.blocks(2)
    g.assign(liar, workers[:3])
    g.block()
    g.commit(workers[0], liar)
    g.commit(workers[1], liar, result=WRONG)
    g.commit(workers[2], liar)
    g.block()
    for worker in workers[:3]:
        g.reveal(worker, liar)
    g.block()
    g.blocks(6)  # auto-confirmed at the confirm deadline
    g.tx(workers[1], MsgTopUpDeposit(workers[1].address, 50 * AMIO))

    late = g.submit(replicas=2)
    g.blocks(2)
    g.assign(late, workers[2:4])
    g.block()
    g.commit(workers[2], late)  # workers[3] misses the commit deadline and is replaced
    g.blocks(6)
    g.assign(late, [workers[0]])
    g.block()
    g.commit(workers[0], late)
    g.block()
    g.reveal(workers[0], late)
    g.reveal(workers[2], late)
    g.block()
    g.tx(ALICE, MsgConfirmTask(ALICE.address, late))
    g.block()

    outcomes = set()
    while len(outcomes) < 2 and g.next_task < 12:  # single replicas until one is audited and one is not: the audit
        task_id = g.submit(replicas=1)  # is drawn with the seed of the block after the lone worker's commit
        g.blocks(2)
        g.assign(task_id, workers[:1])
        g.block()
        g.commit(workers[0], task_id)
        g.block()  # the commit's block: the task waits for its draw
        g.block()  # drawn: audited (the master names an auditor) or not (the reveals start)
        outcomes.add(g.task(task_id)["audit"])
        if g.task(task_id)["audit"]:
            g.assign(task_id, workers[1:2])
            g.block()
            g.commit(workers[1], task_id)
            g.block()
        for worker in workers[:g.task(task_id)["target"]]:
            g.reveal(worker, task_id)
        g.block()
        g.tx(ALICE, MsgConfirmTask(ALICE.address, task_id))
        g.block()

    cancelled = g.submit(replicas=1)
    g.block()
    g.tx(ALICE, MsgCancelTask(ALICE.address, cancelled))
    released = g.submit(replicas=1)
    g.blocks(2)
    master = next(m for m in MASTERS if m.bech32 == g.task(released)["master"])
    g.tx(master, MsgReleaseTask(master.address, released))
    g.block()
    ignored = g.submit(replicas=1, timeout=120)  # its masters never assign: penalties, then the final deadline
    g.blocks(30)
    unverified = g.submit(replicas=1, app=UNVERIFIED_APP, timeout=60)  # no any-app worker: refunded at its deadline
    g.blocks(15)
    assert g.task(ignored)["state"] == "refunded" and g.task(unverified)["state"] == "refunded"

    # -- distribution, unbonding, redelegation, sponsorship withdrawal, worker leaving ----------------------
    g.tx(ALICE, MsgWithdrawRewards(ALICE.address))
    g.tx(OPERATORS[0], MsgWithdrawCommission(OPERATORS[0].address))
    g.tx(ALICE, MsgUndelegate(ALICE.address, OPERATORS[0].address, 50_000 * AMIO))
    g.tx(BOB, MsgRedelegate(BOB.address, OPERATORS[1].address, OPERATORS[2].address, 200 * AMIO))
    g.tx(OPERATORS[0], MsgWithdrawSponsorship(OPERATORS[0].address, MASTERS[1].address))
    g.tx(WORKERS[4], MsgUnregisterWorker(WORKERS[4].address))
    g.live_workers.remove(WORKERS[4])
    g.blocks(25)  # unbonding, redelegation and the deposit release mature

    # -- downtime: node3 stops signing, is jailed (node4 takes its seat), comes back and unjails -------------
    g.blocks(30, absent=(3,))
    assert decode(g.driver.query(f"/staking/candidate/{OPERATORS[3].bech32}").value)["jailed"]
    g.blocks(14)
    g.tx(OPERATORS[3], MsgUnjail(OPERATORS[3].address))
    g.blocks(12)

    # -- FOG: a worker and a locker redeem half of what they may; the day below closes the period and pays --------
    for key in (WORKERS[0], CAROL):
        redeemable = decode(g.driver.query(f"/fog/balance/{key.bech32}").value)["redeemable"]
        g.tx(key, MsgRedeem(key.address, max(1, redeemable // 2)))
    g.block()

    # -- a day later: commission edit, lock withdrawal; then double-sign evidence against node2 ----------------
    g.block(seconds=DAY)
    g.tx(OPERATORS[1], MsgEditSuperNode(OPERATORS[1].address, "node1-renamed", 600))
    g.tx(CAROL, MsgWithdrawLock(CAROL.address, 1))
    g.blocks(3)
    evidence = abci.Misbehavior(type=1, validator=abci.Validator(address=consensus_address(CONSENSUS[2]), power=g.validators()[
        consensus_address(CONSENSUS[2])]), height=g.driver.height - 1, time=timestamp(g.driver.time - 5), total_voting_power=1)
    g.block(misbehavior=[evidence])
    g.blocks(30)

    # -- governance (default params: 1,000 AMIO, two-day periods): a param change passes by the validators' and a
    # delegator's votes while stake moves; an under-deposited proposal expires and its deposits are burned -----
    g.tx(ALICE, MsgSubmitProposal(ALICE.address, "param_change", {"changes": [
        {"module": "compute", "params": {"price_step_bps": 900}}]}, "faster price steps", "", 1_000 * AMIO, False))
    g.tx(BOB, MsgSubmitProposal(BOB.address, "text", {}, "a signal", "", 250 * AMIO, False))
    g.block()
    g.tx(CAROL, MsgDeposit(CAROL.address, 2, 100 * AMIO))
    for operator, option in ((OPERATORS[0], "yes"), (OPERATORS[1], "no"), (OPERATORS[3], "yes")):
        g.tx(operator, MsgVote(operator.address, 1, option))
    g.tx(BOB, MsgVote(BOB.address, 1, "abstain"))
    g.tx(ALICE, MsgVote(ALICE.address, 1, "no_with_veto"))
    g.block()
    g.tx(ALICE, MsgVote(ALICE.address, 1, "yes"), MsgDelegate(ALICE.address, OPERATORS[1].address, 10_000 * AMIO))
    g.block()
    g.block(seconds=DAY)
    g.block(seconds=DAY)
    g.blocks(3)

    _check_coverage(g, settled, liar, late, cancelled, released, ignored, unverified)


def _check_coverage(g: Golden, settled, liar, late, cancelled, released, ignored, unverified) -> None:
    """The paths the scenario claims to walk were walked: if a rule change makes it skip one, this fails
    rather than the golden hashes silently pinning a thinner scenario."""
    def query(path: str):
        return decode(g.driver.query(path).value)

    tasks = {task_id: g.task(task_id) for task_id in range(1, g.next_task)}
    assert tasks[settled]["state"] == tasks[liar]["state"] == tasks[late]["state"] == "settled"
    assert query(f"/compute/worker/{WORKERS[1].bech32}")["slashed"] >= 1  # the liar
    assert tasks[late]["reassignments"] == 1
    drawn = [task for task in tasks.values() if task["audit_drawn"]]
    assert any(task["audit"] for task in drawn) and not all(task["audit"] for task in drawn)
    assert all(task["state"] == "settled" for task in drawn)
    assert tasks[cancelled]["state"] == "cancelled" and tasks[released]["reallocations"] == 1
    assert tasks[ignored]["state"] == tasks[unverified]["state"] == "refunded"
    master = query(f"/compute/master/{MASTERS[0].bech32}")
    assert master["penalties"] >= 1 and master["released"] >= 1
    candidates = {op: query(f"/staking/candidate/{op.bech32}") for op in OPERATORS}
    assert candidates[OPERATORS[2]]["status"] == "tombstoned"
    assert candidates[OPERATORS[3]]["status"] == "validator" and candidates[OPERATORS[4]]["status"] == "validator"
    # node4, elected after genesis, signs the seed records: the app learnt its consensus key from the election
    assert consensus_address(CONSENSUS[4]) in [address for address, _sig in block_seed.decode_record(g.driver.last_record).entries]
    assert query(f"/staking/delegations/{ALICE.bech32}")["unbondings"] == []
    prices = [entry["price"] for entry in query("/compute/prices/small")]
    assert len(set(prices)) > 1
    # FOG: epochs closed with emission, a worker and a locker redeemed and were paid at the period's rate
    assert query("/fog/epoch/1")["emission"] > 0 and query("/fog/epoch/1")["locker_emission"] > 0
    for key in (WORKERS[0], CAROL):
        assert query(f"/fog/balance/{key.bech32}")["redeemed"] > 0
    # governance: the param change passed and applies; the under-deposited proposal expired
    assert query("/gov/proposal/1")["status"] == "passed" and query("/compute/params")["price_step_bps"] == 900
    assert query("/gov/proposal/2")["status"] == "expired"
    assert query("/fog/redemption")["last_close"] is not None and query("/fog/supply")["burned"] > 0
    # and every module's invariants hold on the final state
    from abci_app.modules import MODULES

    for module in MODULES:
        for invariant in module.invariants:
            invariant(g.driver.app.store.committed)

"""The fault campaign: random faults from a seed on a real 4-validator localnet under a steady load, and the checks
that a chain must pass after each of them (bench/chaos.py runs it; tests/reliability/test_chaos.py runs its quick
mode).

Faults, on one victim node at a time (never node 0, which the load's and the compute services' clients use):
``kill-app``, ``kill-cometbft``, ``kill-both`` (SIGKILL), ``pause`` (SIGSTOP of both processes for 5-30 s, then
SIGCONT), ``restart`` (SIGTERM, then start), ``crash-before-commit`` and ``crash-after-commit`` (the app is
restarted with a fail point of abci_app/failpoints.py and exits inside Commit a few blocks later). With 3 of
the 4 validators (75% of the power) up, the chain must keep committing during each fault.

After each fault: the victim runs again and catches up (timed: until its height reaches the height the others
had when it came back), the chain committed blocks during the fault, and every node has the same app hash at
every height since the last check. At the end: every transaction the load saw committed is in every node's
block store at the same height, with the same result.
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field

from nacl.signing import SigningKey

from abci_app.codec import SignDoc, sign_tx
from abci_app.failpoints import ENV as FAIL_POINT_ENV
from chain_modules.bank.types import MsgSend
from chain_modules.common.address import address_from_pubkey, decode_address
from client.rpc import CometRpc, RpcError
from client.wallet.keyring import open_keyring
from client.wallet.tx import get_params, get_sequence
from localnet.launcher import Localnet
from tests.e2e.helpers import app_hashes, poll_until

FAULTS = ("kill-app", "kill-cometbft", "kill-both", "pause", "restart", "crash-before-commit", "crash-after-commit")
SENDERS = ("carol", "dave", "heidi")  # IEO keys no other part of a campaign uses


@dataclass
class FaultRecord:
    number: int
    kind: str
    victim: int
    started_height: int
    blocks_during: int = 0  # blocks the others committed while the victim was down or paused
    catch_up_seconds: float = 0.0
    survived: bool = False
    note: str = ""


@dataclass
class CampaignReport:
    seed: int
    faults: list[FaultRecord] = field(default_factory=list)
    committed_txs: int = 0
    lost_txs: int = 0
    unindexed_txs: int = 0  # in the node's blocks, missing from its tx index (see Campaign.check_committed)
    heights_checked: int = 0
    app_hash_splits: int = 0
    final_height: int = 0
    tasks_settled: int = 0
    tasks_failed: int = 0

    @property
    def survived(self) -> int:
        return sum(1 for f in self.faults if f.survived)

    @property
    def worst_catch_up(self) -> float:
        return max((f.catch_up_seconds for f in self.faults), default=0.0)


class TransferLoad(threading.Thread):
    """Steady transfers from one sender, each to a node that is up; records every tx it saw committed."""

    def __init__(self, net: Localnet, down: set[int], sender: str, committed: dict[bytes, int],
                 pause_seconds: float = 0.1) -> None:
        super().__init__(daemon=True, name=f"transfer-load-{sender}")
        self.net, self.down, self.sender, self.pause_seconds = net, down, sender, pause_seconds
        keyring = open_keyring(net.wallet_home, "test")
        self.key, self.address = keyring.signing_key(sender), keyring.show(sender).address
        self.recipients = [address_from_pubkey(bytes(SigningKey(hashlib.sha256(b"chaos%d" % i).digest()).verify_key))
                           for i in range(8)]
        self.committed = committed  # tx hash -> height seen committed (shared by the load's threads)
        self.stop_event = threading.Event()
        self.rng = random.Random(sender)

    def _live_rpc(self) -> CometRpc:
        choices = [i for i in range(self.net.nodes) if i not in self.down]
        return CometRpc(self.net.rpc_url(self.rng.choice(choices)), timeout=5)

    def run(self) -> None:
        with CometRpc(self.net.rpc_url(0), timeout=10) as rpc:
            params = get_params(rpc)
        fee = params.min_fee(30_000)
        n = 0
        while not self.stop_event.is_set():
            n += 1
            try:
                with CometRpc(self.net.rpc_url(0), timeout=5) as rpc:
                    sequence = get_sequence(rpc, self.address)
                doc = SignDoc(self.net.chain_id, sequence, fee, 30_000, f"chaos {self.sender} {n}",
                              ((MsgSend.TYPE, MsgSend(decode_address(self.address),
                                                      decode_address(self.rng.choice(self.recipients)), 1_000 + n).to_body()),))
                with self._live_rpc() as rpc:
                    result = rpc.broadcast_tx_sync(sign_tx(doc, self.key))
                if int(result["code"]) != 0:
                    continue  # e.g. a sequence that moved meanwhile: the next round reads it again
                digest = bytes.fromhex(result["hash"])
                with CometRpc(self.net.rpc_url(0), timeout=5) as rpc:
                    committed = rpc.wait_for_tx(digest, timeout=30)
                if int(committed["tx_result"].get("code", 0)) == 0:
                    self.committed[digest] = int(committed["height"])
            except (RpcError, OSError, TimeoutError, ValueError, KeyError):
                pass  # the node it talked to was killed or paused under it: not committed as far as we know
            self.stop_event.wait(self.pause_seconds)


def _signal_node(net: Localnet, index: int, sig: int) -> None:
    for process in ("cometbft", "app"):
        pid = net._pid(index, process)
        if pid is not None:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


def _height(net: Localnet, index: int) -> int | None:
    try:
        with CometRpc(net.rpc_url(index), timeout=3) as rpc:
            return rpc.latest_height()
    except (RpcError, OSError, TimeoutError, ValueError, KeyError):
        return None


class Campaign:
    """Run ``faults`` random faults from ``seed`` on ``net`` (a running localnet) under a transfer load."""

    def __init__(self, net: Localnet, seed: int, log=print, kinds: tuple[str, ...] = FAULTS,
                 max_pause_seconds: int = 30, catch_up_limit: float = 180.0) -> None:
        self.net, self.seed, self.log, self.kinds = net, seed, log, kinds
        self.rng = random.Random(seed)
        self.max_pause_seconds = max_pause_seconds
        self.catch_up_limit = catch_up_limit
        self.down: set[int] = set()
        self.report = CampaignReport(seed)
        self.checked_up_to = 0

    def run(self, faults: int, min_blocks: int = 0) -> CampaignReport:
        """``faults`` random faults (and more until ``min_blocks`` blocks passed)."""
        start_height = _height(self.net, 0) or 0

        def next_fault(number: int) -> str | None:
            more = number <= faults or (_height(self.net, 0) or 0) - start_height < min_blocks
            return self.rng.choice(self.kinds) if more else None

        return self._campaign(next_fault)

    def run_sequence(self, kinds: tuple[str, ...]) -> CampaignReport:
        """One fault of each of ``kinds``, in order, on random victims."""
        return self._campaign(lambda number: kinds[number - 1] if number <= len(kinds) else None)

    def _campaign(self, next_fault) -> CampaignReport:
        committed: dict[bytes, int] = {}
        loads = [TransferLoad(self.net, self.down, sender, committed) for sender in SENDERS]
        for load in loads:
            load.start()
        try:
            number = 1
            while (kind := next_fault(number)) is not None:
                record = self.inject(number, kind, self.rng.randrange(1, self.net.nodes))
                self.report.faults.append(record)
                self.check_app_hashes()
                number += 1
                time.sleep(self.rng.uniform(1, 4))  # a few blocks between faults
        finally:
            for load in loads:
                load.stop_event.set()
            for load in loads:
                load.join(60)
        self.report.committed_txs = len(committed)
        self.report.lost_txs = self.check_committed(committed)
        self.check_app_hashes()
        self.report.final_height = _height(self.net, 0) or 0
        return self.report

    def inject(self, number: int, kind: str, victim: int) -> FaultRecord:
        net = self.net
        before = _height(net, 0) or 0
        record = FaultRecord(number, kind, victim, before)
        self.log(f"fault {number}: {kind} on node{victim} at height {before}")
        self.down.add(victim)
        try:
            if kind == "pause":
                _signal_node(net, victim, signal.SIGSTOP)
                time.sleep(self.rng.uniform(5, self.max_pause_seconds))
                _signal_node(net, victim, signal.SIGCONT)
            elif kind in ("kill-app", "kill-cometbft", "kill-both"):
                processes = {"kill-app": ["app"], "kill-cometbft": ["cometbft"], "kill-both": ["cometbft", "app"]}[kind]
                for process in processes:
                    net.stop_process(victim, process, hard=True)
                time.sleep(self.rng.uniform(1, 5))
                # a cometbft whose app died exits too; whatever is left is stopped, then the node starts again
                net.stop_node(victim, hard=True)
                net.start_node(victim)
            elif kind == "restart":
                net.stop_node(victim)
                time.sleep(self.rng.uniform(1, 3))
                net.start_node(victim)
            elif kind in ("crash-before-commit", "crash-after-commit"):
                point = kind.removeprefix("crash-")
                net.stop_node(victim)
                target = (_height(net, 0) or before) + 3
                net.start_app(victim, env={FAIL_POINT_ENV: f"{point}:{target}"})
                net.start_cometbft(victim)
                crashed = poll_until(lambda: not net.is_running(victim, "app"), 120)
                log_text = (net.node_dir(victim) / "app.log").read_text(errors="replace")
                if crashed and f"fail point {point} reached" in log_text:
                    record.note = f"app exited inside Commit at height >= {target}"
                else:
                    record.note = "fail point not reached"
                net.stop_node(victim, hard=True)
                net.start_node(victim)
            else:
                raise ValueError(f"unknown fault {kind!r}")
        finally:
            self.down.discard(victim)
        during = (_height(net, 0) or 0) - before
        record.blocks_during = during
        # catch-up: until the victim reaches the height the others had when it came back
        target = _height(net, 0) or 0
        came_back = time.monotonic()
        caught_up = poll_until(lambda: (_height(net, victim) or 0) >= target, self.catch_up_limit, poll=0.25)
        record.catch_up_seconds = time.monotonic() - came_back
        # the chain goes on: two more blocks within a minute (a fault of a second or two may see none, when the
        # victim was the round's proposer and the others waited out timeout_propose)
        going_on = poll_until(lambda: (_height(net, 0) or 0) >= target + 2, 60, poll=0.25)
        record.survived = bool(caught_up) and bool(going_on) and record.note != "fail point not reached"
        self.log(f"  {during} blocks during the fault; node{victim} caught up to {target} in "
                 f"{record.catch_up_seconds:.1f}s{'' if caught_up else ' (NOT caught up)'} {record.note}")
        return record

    def check_app_hashes(self) -> None:
        """Every node's app hash at every height from the last check to the lowest node's height is the same."""
        heights = [_height(self.net, i) for i in range(self.net.nodes)]
        if any(h is None for h in heights):
            return
        top = min(heights) - 1  # the app hash of block H is in header H+1: compare committed headers only
        low = self.checked_up_to + 1
        if top < low:
            return
        seen: list[dict[int, str]] = []
        for index in range(self.net.nodes):
            with CometRpc(self.net.rpc_url(index), timeout=10) as rpc:
                seen.append(app_hashes(rpc, low, top))
        for height in range(low, top + 1):
            if len({headers.get(height) for headers in seen}) != 1:
                self.report.app_hash_splits += 1
                self.log(f"  APP HASH SPLIT at height {height}: {[h.get(height) for h in seen]}")
        self.report.heights_checked += top - low + 1
        self.checked_up_to = top

    def check_committed(self, committed: dict[bytes, int]) -> int:
        """How many txs the load saw committed are missing from a node's block store, or failed there.

        A tx its node's tx index does not know is looked up in the block of its height: CometBFT indexes a block
        after committing it, so a cometbft killed in between never indexes that block (the ledger has it; only
        ``tx`` by hash does not find it). Those are counted as ``unindexed``, not lost."""
        lost = 0
        for index in range(self.net.nodes):
            with CometRpc(self.net.rpc_url(index), timeout=10) as rpc:
                for digest, height in committed.items():
                    try:
                        found = rpc.tx(digest)
                    except RpcError:
                        found = None
                    if found is not None and int(found["height"]) == height and found["tx_result"].get("code", 0) == 0:
                        continue
                    if found is None and self._in_block(rpc, digest, height):
                        self.report.unindexed_txs += 1
                        self.log(f"  node{index}: tx {digest.hex()} is in block {height} but not in the tx index")
                        continue
                    lost += 1
                    self.log(f"  LOST on node{index}: tx {digest.hex()} committed at {height}")
        return lost

    @staticmethod
    def _in_block(rpc: CometRpc, digest: bytes, height: int) -> bool:
        """Whether block ``height`` of this node holds the tx with hash ``digest``, with result code 0."""
        block = rpc.call("block", height=str(height))
        txs = [base64.b64decode(raw) for raw in block["block"]["data"]["txs"] or []]
        hashes = [hashlib.sha256(raw).digest() for raw in txs]
        if digest not in hashes:
            return False
        results = rpc.call("block_results", height=str(height))["txs_results"] or []
        return int(results[hashes.index(digest)].get("code", 0)) == 0


def format_report(report: CampaignReport) -> str:
    kinds: dict[str, int] = {}
    for fault in report.faults:
        kinds[fault.kind] = kinds.get(fault.kind, 0) + 1
    lines = [
        f"seed: {report.seed}",
        f"faults injected: {len(report.faults)} ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})",
        f"faults survived: {report.survived}",
        f"worst catch-up: {report.worst_catch_up:.1f} s (goal: at most 60 s)",
        f"blocks: {report.final_height}; heights checked on every node: {report.heights_checked}; "
        f"app hash splits: {report.app_hash_splits}",
        f"transactions seen committed: {report.committed_txs}; lost: {report.lost_txs} (goal: 0); "
        f"in the blocks but not in a killed node's tx index: {report.unindexed_txs}",
    ]
    if report.tasks_settled or report.tasks_failed:
        lines.append(f"compute tasks settled: {report.tasks_settled}; not settled: {report.tasks_failed}")
    return "\n".join(lines)

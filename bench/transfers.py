"""Transfer benchmark of Amino chain: localnet throughput and latency, kvstore baseline, app-only costs.

Run from the repository root (after scripts/setup.sh):

    .venv/bin/python bench/transfers.py                      # everything, ~4-6 minutes on 2 cores
    .venv/bin/python bench/transfers.py --duration 15 --accounts 8
    .venv/bin/python bench/transfers.py --skip-localnet --skip-kvstore   # app-only figures (phase 3)
    .venv/bin/python bench/transfers.py --big-accounts 200000 --profile  # smaller big store, plus a cProfile
    .venv/bin/python bench/transfers.py --tiny                # every phase in ~30 s: checks it still works
    .venv/bin/python bench/transfers.py --tiny --skip-localnet --skip-kvstore   # app phases only, a few seconds

Phases and what each figure means (see also bench/README.md):

1. Amino localnet (4 validators on loopback, fresh temp dir, base port 28656, below the ephemeral port range, so it never clashes with
   a developer localnet on 26656). Bank sends from funded accounts are signed offline *before* the
   measured loop (each account its own sequences 0..N-1), then one worker thread per account sends
   them with broadcast_tx_sync to "its" node (account i -> node i % 4, which keeps each account's
   sequences in order: one request in flight per account) for --duration seconds. The accounts are
   the IEO dev accounts alice..heidi of the localnet keyring, plus (--accounts > 8, default 32) fresh
   accounts funded from them by multi-sends at setup. Why 32: an account keeps one broadcast in
   flight, and under load a broadcast_tx_sync round trip to an Amino node takes ~5-18 ms (the
   single-threaded app also runs every gossiped CheckTx and the blocks; the report prints the p50),
   so 8 accounts offer at most ~500 tx/s, less than the chain commits even on 2 cores.
   Runs (each followed by a drain, so the next starts on an empty mempool):
   - saturating, closed loop: every worker sends its next tx as soon as the previous broadcast
     returns, but keeps at most --max-pending/accounts of its txs accepted-but-uncommitted (default
     2000 in total). This is the maximum *sustained* throughput: the chain always has work, the
     mempool stays bounded, blocks stay regular;
   - saturating, unbounded: the same without the bound (literally as fast as possible). On a small
     machine the mempool then grows without limit, blocks grow to thousands of txs and seconds
     long, and throughput drops (overload behaviour, e.g. recheck of the whole mempool after each
     block); its throughput figure is noisy, since it rests on a handful of huge blocks;
   - fixed-rate run: open-loop pacing at half the closed-loop committed throughput (or --rate),
     where the latency p50/p99 are the figures to quote.
   A watcher polls node0's /block_results and /block: a block is "committed" when node0 serves its
   results (so it has been agreed AND executed); every tx is matched by hash (sha256 of the tx bytes).
   - committed tx/s: our successful txs in blocks committed during the load window, divided by the
     time between the first and the last of those blocks (steady state, start-up block excluded);
   - accepted tx/s: txs accepted by CheckTx (broadcast_tx_sync code 0) per second = offered load;
   - latency: commit time of the tx's block minus the moment its broadcast_tx_sync was sent
     (p50/p99/max over txs accepted in the window; txs still uncommitted after the drain are counted);
   - CPU: CPU seconds used by the app processes, cometbft processes and this client during the window.
2. The same on CometBFT's built-in kvstore app (cometbft node --proxy_app kvstore, same node
   configs/ports scheme/timeout_commit, base port + 100), with "key=value" txs of the same byte size
   as the Amino txs, at the same offered loads (the same two saturating runs, and Amino's fixed
   rate). Ratios are
   Amino/kvstore: the kvstore run is the ceiling CometBFT (and this load generator) reach on this
   machine, so tx/s ratio < 1 and latency ratio > 1 is the price of the app.
3. Without CometBFT:
   (a) CheckTx/s through the real ABCI socket: `python -m abci_app` on a unix socket, chain
       initialised over the socket (InitChain + FinalizeBlock(1) + Commit, default allocation table,
       IEO recipients = the bench senders), then N pre-signed CheckTx requests written pipelined with a
       Flush at the end; time from the first byte written to the Flush response. The same txs through
       AminoApp.check_tx in-process show the socket + protobuf share.
   (b) FinalizeBlock + Commit of a block of --block-txs transfers (distinct senders, random funded
       recipients) on a store holding 10,000 and --big-accounts funded accounts. The store is built by
       the same state functions InitChain uses (chain_modules.bank.genesis.init_genesis,
       auth set_params, AppStore.compute_app_hash, AppStore.commit at height 1): the 10k store from the
       project's genesis (genesis.build.build_app_state) with a one-allocation table in place of the
       default one, validated with parse_app_state(enforce_default_table=False); stores above
       --records-above (100,000) accounts from GenesisAccount records directly (the JSON/bech32 round
       trip of 1M addresses would only slow the setup). Blocks: h2 "cold" (first tx of every sender: creates auth accounts, signatures not
       verified), h3 "sigs unverified" (fresh txs never seen by CheckTx), h4 "sigs verified by CheckTx"
       (check_tx on every tx first, which fills the Router's SignatureCache).
       Figures: transfers/s = txs / (FinalizeBlock + Commit wall time); app-hash = time inside
       store.compute_app_hash and its share of the block time; per-tx cost ratio big store / 10k.

Every figure is measured at run time. Every phase cleans its processes up in try/finally and every
wait is bounded in time. Progress goes to stderr, the report to stdout; the exit status is 1 when a
phase failed. --tiny runs every phase with tiny counts and 2-second localnet runs (TINY below), so that
tests/bench/test_bench_tiny.py can check the benchmark still runs and prints its figures.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import dataclasses
import hashlib
import http.client
import io
import itertools
import json
import math
import os
import platform
import pstats
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from nacl.signing import SigningKey  # noqa: E402

from abci_app.app import CHAIN_ID_KEY, AminoApp  # noqa: E402
from abci_app.proto import abci  # noqa: E402
from abci_app.router import verify_signature  # noqa: E402
from abci_app.codec import decode_tx  # noqa: E402
from abci_app.server import decode_uvarint, encode_uvarint  # noqa: E402
from abci_app.store import META_BLOCK_TIME, AppStore, Overlay  # noqa: E402
from chain_modules.auth import api as auth_api  # noqa: E402
from chain_modules.auth.types import TxParams  # noqa: E402
from chain_modules.bank.genesis import GenesisAccount, init_genesis as bank_init_genesis  # noqa: E402
from chain_modules.bank.types import GAS_SEND, MAX_MULTI_SEND_OUTPUTS, MsgMultiSend, MsgSend, Output  # noqa: E402
from chain_modules.common.address import address_bytes_from_pubkey, encode_address  # noqa: E402
from chain_modules.common.amount import TOTAL_SUPPLY_UAMIO  # noqa: E402
from client.rpc import CometRpc  # noqa: E402
from client.wallet.keyring import open_keyring  # noqa: E402
from client.wallet.tx import broadcast, build_doc, get_params, get_sequence, sign  # noqa: E402
from chain_modules.bank.allocation import DEFAULT_ALLOCATIONS, split_evenly  # noqa: E402
from abci_app.genesis import parse_app_state  # noqa: E402
from genesis.build import build_app_state  # noqa: E402
from localnet.launcher import IEO_ACCOUNTS, Localnet, cometbft_binary  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}x"


def process_cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return (sum(fields[:8]) - idle) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return 0.0


def client_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def ensure_ports_free(ports: list[int]) -> None:
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise SystemExit(f"port {port} is in use; pass another --base-port") from None


# ----------------------------------------------------------------------------- JSON-RPC over keep-alive HTTP


class RawRpc:
    """A minimal keep-alive JSON-RPC client (http.client): low client CPU per request."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.port = port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def post(self, body: bytes) -> dict:
        self.conn.request("POST", "/", body, {"Content-Type": "application/json"})
        return json.loads(self.conn.getresponse().read())

    def get(self, path: str) -> dict:
        self.conn.request("GET", path)
        return json.loads(self.conn.getresponse().read())

    def close(self) -> None:
        self.conn.close()


def broadcast_body(tx: bytes) -> bytes:
    return (
        b'{"jsonrpc":"2.0","id":1,"method":"broadcast_tx_sync","params":{"tx":"'
        + base64.b64encode(tx)
        + b'"}}'
    )


# ----------------------------------------------------------------------------- load generation


@dataclass
class WorkItem:
    tx_hash: bytes
    body: bytes


class LoadWorker(threading.Thread):
    """Sends its items in order to one node: as fast as possible (rate None) or at a global open-loop schedule."""

    def __init__(
        self,
        index: int,
        workers: int,
        port: int,
        items: Iterable[WorkItem],
        start: float,
        end: float,
        rate: float | None,
        stop_on_reject: bool,
        committed: dict | None = None,
        max_pending: int = 0,
    ) -> None:
        super().__init__(daemon=True, name=f"load-{index}")
        self.committed, self.max_pending = committed, max_pending
        self._committed_upto = 0  # index into self.sent: everything before it is committed
        self.index, self.workers, self.port, self.items = index, workers, port, items
        self.start_at, self.end_at, self.rate, self.stop_on_reject = start, end, rate, stop_on_reject
        self.sent: list[tuple[bytes, float]] = []
        self.round_trips: list[float] = []
        self.rejected = 0
        self.errors = 0
        self.mempool_full_retries = 0
        self.exhausted = False
        self.late = 0
        self.first_problem: str | None = None

    def _note(self, problem: str) -> None:
        if self.first_problem is None:
            self.first_problem = problem[:300]

    def run(self) -> None:
        rpc = RawRpc(self.port, timeout=10)
        try:
            delay = self.start_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            for j, item in enumerate(self.items):
                if self.rate:
                    target = self.start_at + (j * self.workers + self.index) / self.rate
                    delay = target - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    elif delay < -0.05:
                        self.late += 1
                if self.max_pending and not self._wait_for_room():
                    return
                if time.monotonic() >= self.end_at:
                    return
                if not self._send(rpc, item):
                    return
            self.exhausted = True
        finally:
            rpc.close()

    def _wait_for_room(self) -> bool:
        """Closed loop: wait until fewer than max_pending of this worker's accepted txs are uncommitted."""
        while True:
            while self._committed_upto < len(self.sent) and self.sent[self._committed_upto][0] in self.committed:
                self._committed_upto += 1
            if len(self.sent) - self._committed_upto < self.max_pending:
                return True
            if time.monotonic() >= self.end_at:
                return False
            time.sleep(0.005)

    def _send(self, rpc: RawRpc, item: WorkItem) -> bool:
        """Broadcast one tx (retrying while the mempool is full); False when the worker must stop."""
        first_sent: float | None = None
        while time.monotonic() < self.end_at:
            sent_at = time.monotonic()
            try:
                reply = rpc.post(item.body)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self.errors += 1
                self._note(f"transport: {exc!r}")
                first_sent = first_sent or sent_at
                rpc.reconnect()
                time.sleep(0.05)
                continue
            self.round_trips.append(time.monotonic() - sent_at)
            error = reply.get("error")
            if error:
                text = f"{error.get('message', '')} {error.get('data', '')}"
                if "mempool is full" in text:
                    self.mempool_full_retries += 1
                    time.sleep(0.02)
                    continue
                if "already exists in cache" in text and first_sent is not None:
                    self.sent.append((item.tx_hash, first_sent))  # a retried send had got in
                    return True
                self.errors += 1
                self._note(text)
                return not self.stop_on_reject
            result = reply["result"]
            if int(result.get("code", 0)) != 0:
                self.rejected += 1
                self._note(f"CheckTx code {result.get('code')}: {result.get('log', '')}")
                return not self.stop_on_reject
            self.sent.append((item.tx_hash, first_sent or sent_at))
            return True
        return False


@dataclass
class SeenBlock:
    height: int
    seen: float
    hashes: list[bytes]
    codes: list[int]


class BlockWatcher(threading.Thread):
    """Follows one node: a block counts as committed when its /block_results are served."""

    def __init__(self, port: int, after_height: int, poll: float = 0.02) -> None:
        super().__init__(daemon=True, name="block-watcher")
        self.port = port
        self.next_height = after_height + 1
        self.poll = poll
        self.blocks: list[SeenBlock] = []
        self.committed: dict[bytes, tuple[float, int]] = {}
        self.stop_event = threading.Event()
        self.problem: str | None = None

    def run(self) -> None:
        rpc = RawRpc(self.port, timeout=30)
        try:
            while not self.stop_event.is_set():
                try:
                    results = rpc.get(f"/block_results?height={self.next_height}")
                    if results.get("error") or "result" not in results:
                        self.stop_event.wait(self.poll)
                        continue
                    seen = time.monotonic()
                    block = rpc.get(f"/block?height={self.next_height}")["result"]
                except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                    self.problem = repr(exc)
                    rpc.reconnect()
                    self.stop_event.wait(0.1)
                    continue
                txs = block["block"]["data"].get("txs") or []
                hashes = [hashlib.sha256(base64.b64decode(t)).digest() for t in txs]
                codes = [int(r.get("code", 0)) for r in (results["result"].get("txs_results") or [])]
                if len(codes) != len(hashes):
                    codes = (codes + [0] * len(hashes))[: len(hashes)]
                self.blocks.append(SeenBlock(self.next_height, seen, hashes, codes))
                for tx_hash, code in zip(hashes, codes):
                    self.committed.setdefault(tx_hash, (seen, code))
                self.next_height += 1
        finally:
            rpc.close()


def latest_height(port: int) -> int:
    rpc = RawRpc(port, timeout=5)
    try:
        return int(rpc.get("/status")["result"]["sync_info"]["latest_block_height"])
    finally:
        rpc.close()


def mempool_size(port: int) -> int:
    rpc = RawRpc(port, timeout=5)
    try:
        return int(rpc.get("/num_unconfirmed_txs")["result"]["n_txs"])
    finally:
        rpc.close()


def wait_for_height(ports: list[int], height: int, timeout: float, alive=None) -> None:
    deadline = time.monotonic() + timeout
    for port in ports:
        while True:
            try:
                if latest_height(port) >= height:
                    break
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                pass
            if alive is not None:
                alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"node with RPC port {port} did not reach height {height} within {timeout:.0f}s")
            time.sleep(0.2)


@dataclass
class RunResult:
    label: str
    rate: float | None
    duration: float
    accepted: int = 0
    accepted_tps: float = 0.0
    committed_window: int = 0
    committed_tps: float | None = None
    committed_with_drain_tps: float | None = None
    blocks_in_window: int = 0
    mean_block_interval: float | None = None
    mean_block_txs: float | None = None
    max_block_txs: int = 0
    failed_in_blocks: int = 0
    uncommitted: int = 0
    p50: float | None = None
    p99: float | None = None
    rtt_p50: float | None = None
    pmax: float | None = None
    rejected: int = 0
    errors: int = 0
    mempool_full_retries: int = 0
    exhausted_workers: int = 0
    late_sends: int = 0
    first_problem: str | None = None
    cpu: dict[str, float] = field(default_factory=dict)
    drain_seconds: float = 0.0
    max_pending: int = 0


def run_load(
    label: str,
    ports: list[int],
    worker_items: list,
    worker_nodes: list[int],
    rate: float | None,
    duration: float,
    cpu_pids: dict[str, list[int]],
    stop_on_reject: bool,
    drain_timeout: float,
    max_pending: int = 0,
) -> RunResult:
    """One measured run: start the watcher, let the workers send for ``duration``, drain, compute figures."""
    say(f"{label}: {'saturating (as fast as possible)' if rate is None else f'offered {rate:,.1f} tx/s'} for {duration:.0f}s")
    watcher = BlockWatcher(ports[0], latest_height(ports[0]))
    watcher.start()
    start = time.monotonic() + 0.3
    end = start + duration
    workers = [
        LoadWorker(
            i,
            len(worker_items),
            ports[worker_nodes[i]],
            items,
            start,
            end,
            rate,
            stop_on_reject,
            watcher.committed,
            math.ceil(max_pending / len(worker_items)) if max_pending else 0,
        )
        for i, items in enumerate(worker_items)
    ]
    cpu_before = {group: sum(process_cpu_seconds(p) for p in pids) for group, pids in cpu_pids.items()}
    client_before = client_cpu_seconds()
    machine_before = machine_busy_seconds()
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=max(0.0, end + 15 - time.monotonic()))
        load_end = time.monotonic()
        cpu_after = {group: sum(process_cpu_seconds(p) for p in pids) for group, pids in cpu_pids.items()}
        client_after = client_cpu_seconds()
        machine_after = machine_busy_seconds()
        sent: dict[bytes, float] = {}
        for worker in workers:
            sent.update(worker.sent)
        # drain: until every accepted tx is committed, or every mempool is empty, or the timeout
        drain_deadline = time.monotonic() + drain_timeout
        empty_since: float | None = None
        while time.monotonic() < drain_deadline:
            if all(h in watcher.committed for h in sent):
                break
            try:
                empty = all(mempool_size(port) == 0 for port in ports)
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                empty = False
            if empty:
                empty_since = empty_since or time.monotonic()
                if time.monotonic() - empty_since > 3.0:
                    break
            else:
                empty_since = None
            time.sleep(0.25)
        drain_seconds = time.monotonic() - load_end
    finally:
        watcher.stop_event.set()
        watcher.join(timeout=35)
        for worker in workers:
            worker.join(timeout=1)  # they are bounded by ``end``; daemon threads in any case

    result = RunResult(label, rate, duration, drain_seconds=drain_seconds, max_pending=max_pending)
    result.accepted = len(sent)
    result.accepted_tps = len(sent) / duration
    ours = set(sent)
    window = [b for b in watcher.blocks if start <= b.seen <= end]
    result.blocks_in_window = len(window)

    def our_ok(block: SeenBlock) -> int:
        return sum(1 for h, code in zip(block.hashes, block.codes) if code == 0 and h in ours)

    result.committed_window = sum(our_ok(b) for b in window)
    if len(window) >= 2:
        span = window[-1].seen - window[0].seen
        result.committed_tps = sum(our_ok(b) for b in window[1:]) / span if span > 0 else None
        result.mean_block_interval = span / (len(window) - 1)
    elif window:
        result.committed_tps = result.committed_window / duration
    if window:
        counts = [len(b.hashes) for b in window]
        result.mean_block_txs = sum(counts) / len(counts)
        result.max_block_txs = max(counts)
    result.failed_in_blocks = sum(
        1 for b in watcher.blocks for h, code in zip(b.hashes, b.codes) if code != 0 and h in ours
    )
    ok_seen = [watcher.committed[h][0] for h in sent if h in watcher.committed and watcher.committed[h][1] == 0]
    if ok_seen and max(ok_seen) > start:
        result.committed_with_drain_tps = len(ok_seen) / (max(ok_seen) - start)
    latencies = []
    for tx_hash, sent_at in sent.items():
        seen = watcher.committed.get(tx_hash)
        if seen is None:
            result.uncommitted += 1
        else:
            latencies.append(seen[0] - sent_at)
    result.p50, result.p99 = percentile(latencies, 50), percentile(latencies, 99)
    result.pmax = max(latencies) if latencies else None
    result.rtt_p50 = percentile([rtt for w in workers for rtt in w.round_trips], 50)
    result.rejected = sum(w.rejected for w in workers)
    result.errors = sum(w.errors for w in workers)
    result.mempool_full_retries = sum(w.mempool_full_retries for w in workers)
    result.exhausted_workers = sum(1 for w in workers if w.exhausted)
    result.late_sends = sum(w.late for w in workers)
    result.first_problem = next((w.first_problem for w in workers if w.first_problem), None) or (
        f"watcher: {watcher.problem}" if watcher.problem else None
    )
    wall = load_end - start
    result.cpu = {group: (cpu_after[group] - cpu_before[group]) / wall for group in cpu_pids}
    result.cpu["client"] = (client_after - client_before) / wall
    result.cpu["other"] = max(0.0, (machine_after - machine_before) / wall - sum(result.cpu.values()))
    say(
        f"{label}: accepted {result.accepted_tps:,.1f} tx/s, committed {fmt_rate(result.committed_tps)} tx/s, "
        f"p50 {fmt_ms(result.p50)}, p99 {fmt_ms(result.p99)}, uncommitted {result.uncommitted}, "
        f"rejected {result.rejected}, errors {result.errors}, drain {drain_seconds:.1f}s"
    )
    return result


# ----------------------------------------------------------------------------- phase 1: Amino localnet


def saturating_runs(args) -> list[tuple[str, str, int]]:
    """(result key, label, max pending): the closed-loop run (bounded backlog), then the unbounded flood."""
    runs = []
    if args.max_pending:
        runs.append(("sat", f"saturating, <={args.max_pending} pending", args.max_pending))
    runs.append(("flood", "saturating, unbounded backlog", 0))
    return runs


def amino_items(chain_id: str, params: TxParams, key: SigningKey, sink: bytes, first_sequence: int, count: int) -> list[WorkItem]:
    sender = address_bytes_from_pubkey(bytes(key.verify_key))
    items = []
    for sequence in range(first_sequence, first_sequence + count):
        doc = build_doc(chain_id, sequence, [("bank/send", MsgSend(sender, sink, 1).to_body(), GAS_SEND)], params)
        tx = sign(doc, key)
        items.append(WorkItem(hashlib.sha256(tx).digest(), broadcast_body(tx)))
    return items


def fund_extra_senders(net: Localnet, params: TxParams, funders: list[SigningKey], extra: list[SigningKey]) -> None:
    """Setup, not measured: each IEO account multi-sends 1,000 AMIO to its share of the extra senders."""
    say(f"amino: funding {len(extra)} extra senders from the IEO accounts (multi-send, not measured)")
    with CometRpc(net.rpc_url(0), timeout=10) as rpc:
        pending = []
        for index, funder in enumerate(funders):
            mine = extra[index :: len(funders)]
            sender = address_bytes_from_pubkey(bytes(funder.verify_key))
            sequence = get_sequence(rpc, encode_address(sender))
            for chunk_start in range(0, len(mine), MAX_MULTI_SEND_OUTPUTS):
                chunk = mine[chunk_start : chunk_start + MAX_MULTI_SEND_OUTPUTS]
                outputs = tuple(Output(address_bytes_from_pubkey(bytes(k.verify_key)), 1_000 * 10**6) for k in chunk)
                msg = MsgMultiSend(sender, outputs)
                doc = build_doc(net.chain_id, sequence, [(MsgMultiSend.TYPE, msg.to_body(), msg.gas())], params)
                sequence += 1
                result = broadcast(rpc, sign(doc, funder), wait=False)
                if result.check_code:
                    raise RuntimeError(f"funding multi-send rejected: {result.check_log}")
                pending.append(result.tx_hash)
        # wait on the funded balances (works with any tx indexer setting)
        deadline = time.monotonic() + 30
        for key in extra:
            address = encode_address(address_bytes_from_pubkey(bytes(key.verify_key)))
            while not rpc.abci_query(f"/bank/balance/{address}").value:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"funding multi-sends ({len(pending)}) not committed within 30s")
                time.sleep(0.2)


def node_pids(net: Localnet, process: str) -> list[int]:
    pids = []
    for index in range(net.nodes):
        try:
            pids.append(int((net.node_dir(index) / f"{process}.pid").read_text().strip()))
        except (OSError, ValueError):
            pass
    return pids


def phase_amino_localnet(args, tmp: Path) -> dict:
    net = Localnet(tmp / "amino-localnet", nodes=4, base_port=args.base_port, timeout_commit=args.timeout_commit)
    ports = [net.rpc_port(i) for i in range(4)]
    ensure_ports_free([p for i in range(4) for p in (net.p2p_port(i), net.rpc_port(i), net.metrics_port(i))])
    out: dict = {}
    try:
        say(f"amino localnet: starting 4 nodes under {net.home} (base port {args.base_port})")
        started = time.monotonic()
        net.up(wait_height=2, timeout=120)
        out["startup_s"] = time.monotonic() - started
        keyring = open_keyring(net.wallet_home, "test")
        names = IEO_ACCOUNTS[: args.accounts]
        keys = [keyring.signing_key(name) for name in names]
        with CometRpc(net.rpc_url(0), timeout=10) as rpc:
            params = get_params(rpc)
        if args.accounts > len(IEO_ACCOUNTS):
            extra = bench_keys("localnet-senders", args.accounts - len(IEO_ACCOUNTS))
            fund_extra_senders(net, params, keys, extra)
            keys += extra
        addresses = [encode_address(address_bytes_from_pubkey(bytes(k.verify_key))) for k in keys]
        sink = hashlib.sha256(b"amino-bench/sink").digest()[:20]
        cpu_pids = {"apps": node_pids(net, "app"), "cometbft": node_pids(net, "cometbft")}
        worker_nodes = [i % 4 for i in range(len(keys))]

        def presign(total: int) -> list[list[WorkItem]]:
            per_account = max(1, math.ceil(total / len(keys)))
            with CometRpc(net.rpc_url(0), timeout=10) as rpc:
                sequences = [get_sequence(rpc, a) for a in addresses]
            began = time.monotonic()
            items = [amino_items(net.chain_id, params, k, sink, s, per_account) for k, s in zip(keys, sequences)]
            say(f"amino: pre-signed {per_account * len(keys):,} txs in {time.monotonic() - began:.1f}s (not measured)")
            return items

        sat_items = presign(int(args.max_rate * args.duration))
        tx_size = len(base64.b64decode(sat_items[0][0].body.split(b'"tx":"')[1].split(b'"')[0]))
        out["tx_size"] = tx_size
        for key, label, max_pending in saturating_runs(args):
            items = sat_items if key == "sat" or not args.max_pending else presign(int(args.max_rate * args.duration))
            out[key] = run_load(
                f"amino {label}", ports, items, worker_nodes, None, args.duration, cpu_pids, True, args.drain_timeout, max_pending
            )
        base = out["sat"] if "sat" in out else out["flood"]
        rate = args.rate or ((base.committed_tps or 0) / 2)
        out["fixed_rate"] = rate
        if rate > 0:
            fixed_items = presign(int(rate * args.duration * 1.2) + 2 * len(keys))
            out["fixed"] = run_load(
                "amino fixed rate", ports, fixed_items, worker_nodes, rate, args.duration, cpu_pids, True, args.drain_timeout
            )
        splits = net.app_hash_splits()
        out["app_hash_split"] = bool(splits)
        out["final_height"] = latest_height(ports[0])
    finally:
        say("amino localnet: stopping")
        net.down()
    return out


# ----------------------------------------------------------------------------- phase 2: kvstore localnet


def kvstore_items(worker: int, run_tag: str, size: int):
    """Unique 'key=value' txs of ``size`` bytes, built on the fly (no signing: a few microseconds each)."""
    for j in itertools.count():
        key = f"bench{run_tag}w{worker:02d}n{j:09d}".encode()
        tx = key + b"=" + (b"v" * max(1, size - len(key) - 1))
        yield WorkItem(hashlib.sha256(tx).digest(), broadcast_body(tx))


def phase_kvstore_localnet(args, tmp: Path, tx_size: int, fixed_rate: float | None) -> dict:
    base_port = args.kvstore_base_port if args.kvstore_base_port else args.base_port + 100
    net = Localnet(tmp / "kvstore-localnet", nodes=4, base_port=base_port, timeout_commit=args.timeout_commit)
    ports = [net.rpc_port(i) for i in range(4)]
    ensure_ports_free([p for i in range(4) for p in (net.p2p_port(i), net.rpc_port(i), net.metrics_port(i))])
    out: dict = {"tx_size": tx_size}
    children: list[subprocess.Popen] = []
    app_children: list[subprocess.Popen] = []
    logs = []
    try:
        say(f"kvstore localnet: starting 4 cometbft nodes with --proxy_app kvstore under {net.home} (base port {base_port})")
        net.init()  # node homes, configs (same configure_node edits) and a 4-validator genesis; no app processes
        started = time.monotonic()
        binary = str(cometbft_binary())
        for index in range(4):
            home = net.node_dir(index) / "cometbft"
            log = open(net.node_dir(index) / "cometbft.log", "ab")
            logs.append(log)
            if args.kvstore_transport == "socket":
                # the same kvstore, but out of process behind CometBFT's ABCI socket client, like Amino
                socket_path = net.node_dir(index) / "app.sock"
                app_children.append(
                    subprocess.Popen(
                        [str(abci_cli_binary()), "kvstore", "--address", f"unix://{socket_path}"],
                        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                    )
                )
                deadline = time.monotonic() + 30
                while not socket_path.exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
                argv = [binary, "node", "--home", str(home)]
            else:
                argv = [binary, "node", "--home", str(home), "--proxy_app", "kvstore"]
            children.append(
                subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            )

        def alive() -> None:
            for index, child in enumerate(children):
                if child.poll() is not None:
                    raise RuntimeError(f"kvstore node{index} exited; see {net.node_dir(index)}/cometbft.log")

        wait_for_height(ports, 2, 120, alive)
        out["startup_s"] = time.monotonic() - started
        cpu_pids = {"apps": [c.pid for c in app_children], "cometbft": [c.pid for c in children]}
        workers = args.accounts
        worker_nodes = [i % 4 for i in range(workers)]
        for key, label, max_pending in saturating_runs(args):
            items = [kvstore_items(w, key, tx_size) for w in range(workers)]
            out[key] = run_load(
                f"kvstore {label}", ports, items, worker_nodes, None, args.duration, cpu_pids, False, args.drain_timeout, max_pending
            )
        if fixed_rate:
            fixed_items = [kvstore_items(w, "f", tx_size) for w in range(workers)]
            out["fixed"] = run_load(
                "kvstore fixed rate", ports, fixed_items, worker_nodes, fixed_rate, args.duration, cpu_pids, False, args.drain_timeout
            )
    finally:
        say("kvstore localnet: stopping")
        for child in children + app_children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)
        for log in logs:
            log.close()
    return out


# ----------------------------------------------------------------------------- phase 3a: CheckTx over the socket


def frame(request) -> bytes:
    payload = request.SerializeToString()
    return encode_uvarint(len(payload)) + payload


class AbciConnection:
    """A blocking ABCI socket client: write framed requests, read framed responses."""

    def __init__(self, path: Path, timeout: float = 60.0) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buf = bytearray()

    def read_response(self):
        while True:
            header = decode_uvarint(self.buf, 0)
            if header is not None:
                length, start = header
                if len(self.buf) >= start + length:
                    response = abci.Response.FromString(bytes(self.buf[start : start + length]))
                    del self.buf[: start + length]
                    return response
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("the app closed the ABCI connection")
            self.buf += chunk

    def call(self, **request):
        self.sock.sendall(frame(abci.Request(**request)) + frame(abci.Request(flush=abci.RequestFlush())))
        response = self.read_response()
        flush = self.read_response()
        if response.WhichOneof("value") == "exception" or flush.WhichOneof("value") != "flush":
            raise RuntimeError(f"ABCI call failed: {response}")
        return response

    def close(self) -> None:
        self.sock.close()


def bench_keys(tag: str, count: int) -> list[SigningKey]:
    return [SigningKey(hashlib.sha256(f"amino-bench/{tag}/{i}".encode()).digest()) for i in range(count)]


def random_address(rng: random.Random) -> bytes:
    return rng.randbytes(20)


def phase_checktx_socket(args, tmp: Path) -> dict:
    home = tmp / "checktx"
    home.mkdir()
    sock_path = home / "app.sock"
    chain_id = "amino-bench-checktx"
    senders = bench_keys("checktx", args.checktx_senders)
    rng = random.Random(7)
    recipients = {"ieo": [encode_address(address_bytes_from_pubkey(bytes(k.verify_key))) for k in senders]}
    for allocation in ("early_investors", "infrastructure", "team", "foundation", "community"):
        recipients[allocation] = [encode_address(random_address(rng))]
    app_state = build_app_state(recipients)
    genesis_seconds = int(time.time())
    params = TxParams.from_dict(app_state["auth"]["params"])

    per_sender = math.ceil(args.checktx_count / len(senders))
    sink = random_address(rng)
    began = time.monotonic()
    txs: list[bytes] = []
    for sequence in range(per_sender):  # interleaved: every sender's sequences stay in order
        for key in senders:
            if len(txs) >= args.checktx_count:
                break
            sender = address_bytes_from_pubkey(bytes(key.verify_key))
            doc = build_doc(chain_id, sequence, [("bank/send", MsgSend(sender, sink, 1).to_body(), GAS_SEND)], params)
            txs.append(sign(doc, key))
    say(f"checktx: pre-signed {len(txs):,} txs from {len(senders)} senders in {time.monotonic() - began:.1f}s (not measured)")
    payload = b"".join(frame(abci.Request(check_tx=abci.RequestCheckTx(tx=tx, type=abci.CheckTxType.NEW))) for tx in txs)
    payload += frame(abci.Request(flush=abci.RequestFlush()))

    out: dict = {"count": len(txs), "tx_size": len(txs[0])}
    log = open(home / "app.log", "ab")
    child = subprocess.Popen(
        [sys.executable, "-m", "abci_app", "--db", str(home / "db"), "--address", f"unix://{sock_path}", "--log-level", "WARNING"],
        cwd=str(REPO_ROOT),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not sock_path.exists():
            if child.poll() is not None:
                raise RuntimeError(f"python -m abci_app exited at start; see {home / 'app.log'}")
            if time.monotonic() > deadline:
                raise RuntimeError("python -m abci_app did not open its socket within 30s")
            time.sleep(0.05)
        conn = AbciConnection(sock_path, timeout=max(60.0, args.checktx_count / 200))
        try:
            init = abci.RequestInitChain(chain_id=chain_id, app_state_bytes=json.dumps(app_state).encode(), initial_height=1)
            init.time.seconds = genesis_seconds
            conn.call(init_chain=init)
            block = abci.RequestFinalizeBlock(height=1, hash=bytes(32), proposer_address=bytes(20))
            block.time.seconds = genesis_seconds + 1
            conn.call(finalize_block=block)
            conn.call(commit=abci.RequestCommit())
            out["verify_rate"] = measure_verify_rate(args.verify_count)  # the floor, just before the figure it divides
            say(f"checktx: chain initialised over the socket; streaming {len(txs):,} pipelined CheckTx requests")

            codes: dict[int, int] = {}
            done = threading.Event()
            finished_at: list[float] = []
            failure: list[BaseException] = []

            def reader() -> None:
                try:
                    for _ in range(len(txs)):
                        response = conn.read_response()
                        code = response.check_tx.code if response.WhichOneof("value") == "check_tx" else -1
                        codes[code] = codes.get(code, 0) + 1
                    if conn.read_response().WhichOneof("value") != "flush":
                        raise RuntimeError("the last response is not the Flush")
                    finished_at.append(time.perf_counter())
                except BaseException as exc:  # noqa: BLE001 - reported below
                    failure.append(exc)
                finally:
                    done.set()

            thread = threading.Thread(target=reader, daemon=True)
            started = time.perf_counter()
            thread.start()
            conn.sock.sendall(payload)
            done.wait(timeout=max(60.0, args.checktx_count / 100))
            if failure:
                raise RuntimeError(f"CheckTx stream failed: {failure[0]!r}")
            if not finished_at:
                raise RuntimeError("CheckTx stream did not finish in time")
            elapsed = finished_at[0] - started
            out["socket_s"] = elapsed
            out["socket_tps"] = len(txs) / elapsed
            out["codes"] = codes
        finally:
            conn.close()
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=5)
        log.close()

    # The same txs through AminoApp.check_tx in this process (fresh SignatureCache, same committed state).
    app = AminoApp(home / "db")
    try:
        requests = [abci.RequestCheckTx(tx=tx, type=abci.CheckTxType.NEW) for tx in txs]
        started = time.perf_counter()
        ok = sum(1 for request in requests if app.check_tx(request).code == 0)
        elapsed = time.perf_counter() - started
        out["inproc_tps"] = len(txs) / elapsed
        out["inproc_ok"] = ok
        # the same again as RECHECK (signatures cached, state reset as after a Commit)
        app.check_state = Overlay(app.store.committed)
        started = time.perf_counter()
        for request in requests:
            request.type = abci.CheckTxType.RECHECK
            app.check_tx(request)
        out["recheck_tps"] = len(txs) / (time.perf_counter() - started)
    finally:
        app.close()
    say(f"checktx: socket {out['socket_tps']:,.0f}/s, in-process {out['inproc_tps']:,.0f}/s")
    return out


# ----------------------------------------------------------------------------- the floor: bare ed25519 verification


def measure_verify_rate(count: int) -> float:
    """Bare ed25519 verifications per second on one core (pynacl, a transfer-sized message): the floor of every
    app-only target, which the issue states as a multiple of this rate measured in the same run."""
    key = bench_keys("verify-rate", 1)[0]
    message = bytes(range(200))
    signed = key.sign(message)
    verify_key = key.verify_key
    signature, body = signed.signature, signed.message
    verify_key.verify(body, signature)  # warm up
    best = 0.0
    for _ in range(3):  # best of three: the machine is shared, the floor is the least disturbed run
        began = time.perf_counter()
        for _ in range(count):
            verify_key.verify(body, signature)
        best = max(best, count / (time.perf_counter() - began))
    return best


class StageTimer:
    """Wall time inside chosen callables, by stage name, while patched in (``restore`` puts the originals back).

    Stages may nest (LevelDB reads happen inside the ante step and the handlers); the report says which
    contain which. Calls from the verification threads are counted under a lock. The wrapper costs well
    under a microsecond per call, included in the figures.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()
        self._patched: list[tuple[object, str, object]] = []

    def timed(self, function, stage: str):
        seconds, calls, lock, clock = self.seconds, self.calls, self._lock, time.perf_counter
        seconds.setdefault(stage, 0.0)
        calls.setdefault(stage, 0)

        def timed_call(*args, **kwargs):
            began = clock()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = clock() - began
                with lock:
                    seconds[stage] += elapsed
                    calls[stage] += 1

        return timed_call

    def patch(self, owner: object, attribute: str, stage: str) -> None:
        """Time ``owner.attribute`` (a module, class or instance attribute) under ``stage``."""
        self._patched.append((owner, attribute, vars(owner).get(attribute, _NOT_SET)))
        setattr(owner, attribute, self.timed(getattr(owner, attribute), stage))

    def restore(self) -> None:
        for owner, attribute, before in reversed(self._patched):
            if before is _NOT_SET:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, before)
        self._patched.clear()


_NOT_SET = object()


# ----------------------------------------------------------------------------- phase 3b: FinalizeBlock + Commit


GENESIS_SECONDS = 1_700_000_000


def bench_app_state(addresses: list[bytes], amounts: list[int]) -> dict:
    """The project's own genesis (genesis.build.build_app_state: every module's section, as InitChain parses it)
    with one allocation in place of the default table: every account funded, nothing vesting, so that the
    senders of the 10k store hold plain balances like those of the big one."""
    placeholders = {name: [encode_address(hashlib.sha256(name.encode()).digest()[:20])]
                    for name, _share, _schedule in DEFAULT_ALLOCATIONS}
    app_state = build_app_state(placeholders)
    app_state["bank"]["allocations"] = [{
        "name": "bench",
        "share_bps": 10_000,
        "schedule": {"kind": "none"},
        "recipients": [{"address": encode_address(a), "amount": m} for a, m in zip(addresses, amounts)],
    }]
    return app_state


def build_store(db: Path, chain_id: str, sender_addresses: list[bytes], total_accounts: int, via_app_state: bool) -> tuple[list[bytes], float]:
    """Commit height 1 with ``total_accounts`` funded accounts (the senders first); return the addresses and setup time."""
    began = time.monotonic()
    fillers = total_accounts - len(sender_addresses)
    addresses = sender_addresses + [hashlib.sha256(b"amino-bench/filler/%d" % i).digest()[:20] for i in range(fillers)]
    amounts = split_evenly(TOTAL_SUPPLY_UAMIO, total_accounts)
    if via_app_state:
        genesis = parse_app_state(bench_app_state(addresses, amounts), GENESIS_SECONDS, enforce_default_table=False)
        accounts, tx_params = genesis.accounts, genesis["auth"].params
    else:
        accounts, tx_params = [GenesisAccount(a, m) for a, m in zip(addresses, amounts)], TxParams()
    store = AppStore(db)
    try:
        state = Overlay(store.committed)
        state.set(CHAIN_ID_KEY, chain_id.encode())
        auth_api.set_params(state, tx_params)
        bank_init_genesis(state, accounts, TOTAL_SUPPLY_UAMIO)
        app_hash = store.compute_app_hash(state.writes)
        store.commit(1, state.writes, app_hash, {META_BLOCK_TIME: (GENESIS_SECONDS * 10**9).to_bytes(8, "big")})
    finally:
        store.close()
    return addresses, time.monotonic() - began


@dataclass
class BlockFigures:
    label: str
    txs: int
    ok: int
    finalize_s: float
    commit_s: float
    hash_s: float
    checktx_s: float | None = None
    encode_s: float = 0.0  # ResponseFinalizeBlock.SerializeToString, as the socket server does (not in block_s)

    @property
    def block_s(self) -> float:
        return self.finalize_s + self.commit_s

    @property
    def tps(self) -> float:
        return self.txs / self.block_s


# Stages of one block, in the order the report prints them; "inside" names the stage that contains it.
STAGES = (
    ("preverify", "decode + ed25519 pre-check of the block (on the verification threads)", None),
    ("decode", "decode (tx envelope and sign doc, canonical check)", "preverify"),
    ("verify", "ed25519 verification (CPU time summed over threads)", "preverify"),
    ("ante", "ante step (checks, fee, sequence, tx event)", None),
    ("handlers", "message handlers (bank send)", None),
    ("state_reads", "LevelDB state reads", "ante + handlers"),
    ("events", "events into the response (protobuf)", None),
    ("app_hash", "Merkle update / app hash", None),
    ("node_reads", "LevelDB tree-node reads", "app hash"),
    ("commit", "Commit (LevelDB batch, synced)", None),
)


def patch_stages(app: AminoApp, stages: StageTimer) -> None:
    """Time the stages of STAGES inside ``app`` until ``stages.restore()``."""
    import abci_app.app as app_module
    import abci_app.router as router_module
    from abci_app.store import CommittedState

    stages.patch(app.router, "preverify", "preverify")
    stages.patch(router_module, "decode_tx", "decode")
    stages.patch(router_module, "verify_signature", "verify")
    stages.patch(app.router, "ante", "ante")
    stages.patch(CommittedState, "get", "state_reads")
    stages.patch(app_module, "_fill_events", "events")
    stages.patch(app.store, "compute_app_hash", "app_hash")
    stages.patch(app.store.tree, "_read_node", "node_reads")
    stages.patch(app.store, "commit", "commit")
    routes = app.router.routes
    stages._patched.append((app.router, "routes", routes))
    app.router.routes = {name: dataclasses.replace(route, handler=stages.timed(route.handler, "handlers")) for name, route in routes.items()}


def phase_finalize(args, tmp: Path, accounts: int, profile: bool) -> dict:
    label = f"{accounts:,} accounts"
    db = tmp / f"store-{accounts}"
    chain_id = "amino-bench-blocks"
    keys = bench_keys("blocks", args.block_txs)
    senders = [address_bytes_from_pubkey(bytes(k.verify_key)) for k in keys]
    via_app_state = accounts <= args.records_above
    say(f"blocks [{label}]: building the store ({'parse_app_state' if via_app_state else 'GenesisAccount records'}, init_genesis, app hash, commit)")
    addresses, setup_s = build_store(db, chain_id, senders, accounts, via_app_state)
    out: dict = {"accounts": accounts, "setup_s": setup_s, "via_app_state": via_app_state, "blocks": []}
    rng = random.Random(accounts)
    params = TxParams()

    def make_block(sequence: int) -> list[bytes]:
        txs = []
        for key, sender in zip(keys, senders):
            recipient = addresses[rng.randrange(len(addresses))]
            doc = build_doc(chain_id, sequence, [("bank/send", MsgSend(sender, recipient, 1_000).to_body(), GAS_SEND)], params)
            txs.append(sign(doc, key))
        return txs

    app = AminoApp(db)
    hash_time = [0.0]
    original_hash = app.store.compute_app_hash

    def timed_hash(writes):
        began = time.perf_counter()
        try:
            return original_hash(writes)
        finally:
            hash_time[0] += time.perf_counter() - began

    app.store.compute_app_hash = timed_hash  # instance attribute: measures the app-hash share of FinalizeBlock
    try:
        def run_block(name: str, height: int, txs: list[bytes], precheck: bool, profiler: cProfile.Profile | None = None,
                      stages: StageTimer | None = None) -> BlockFigures:
            checktx_s = None
            if precheck:
                began = time.perf_counter()
                bad = sum(1 for tx in txs if app.check_tx(abci.RequestCheckTx(tx=tx)).code != 0)
                checktx_s = time.perf_counter() - began
                if bad:
                    raise RuntimeError(f"{bad} txs failed CheckTx before block {height}")
            request = abci.RequestFinalizeBlock(txs=txs, height=height, hash=hashlib.sha256(b"%d" % height).digest(), proposer_address=bytes(20))
            request.time.seconds = GENESIS_SECONDS + 5 * height
            hash_time[0] = 0.0
            if profiler:
                profiler.enable()
            if stages:
                patch_stages(app, stages)
            try:
                began = time.perf_counter()
                response = app.finalize_block(request)
                finalized = time.perf_counter()
                app.commit(abci.RequestCommit())
                committed = time.perf_counter()
            finally:
                if stages:
                    stages.restore()
            if profiler:
                profiler.disable()
            encode_began = time.perf_counter()
            response.SerializeToString()
            encode_s = time.perf_counter() - encode_began
            ok = sum(1 for r in response.tx_results if r.code == 0)
            figures = BlockFigures(name, len(txs), ok, finalized - began, committed - finalized, hash_time[0], checktx_s, encode_s)
            say(
                f"blocks [{label}] h{height} {name}: {figures.tps:,.0f} transfers/s "
                f"(finalize {figures.finalize_s * 1000:.0f} ms, commit {figures.commit_s * 1000:.0f} ms, "
                f"app hash {figures.hash_s * 1000:.0f} ms), ok {ok}/{len(txs)}"
            )
            return figures

        blocks = [make_block(s) for s in range(3)]
        out["blocks"].append(run_block("cold, sigs unverified", 2, blocks[0], False))
        out["blocks"].append(run_block("sigs unverified", 3, blocks[1], False))
        out["blocks"].append(run_block("sigs verified by CheckTx", 4, blocks[2], True))
        began = time.perf_counter()
        for raw in blocks[1]:
            verify_signature(decode_tx(raw))
        out["verify_only_s"] = time.perf_counter() - began
        out["verify_rate"] = measure_verify_rate(args.verify_count)  # the floor, measured beside this store's blocks
        stages = StageTimer()
        out["breakdown"] = (run_block("timed by stage, sigs unverified", 5, make_block(3), False, stages=stages), stages)
        if profile:
            profiler = cProfile.Profile()
            run_block("profiled, sigs unverified", 6, make_block(4), False, profiler)
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("tottime").print_stats(22)
            stats.sort_stats("cumulative").print_stats(18)
            out["profile"] = text.getvalue()
    finally:
        app.close()
        shutil.rmtree(db, ignore_errors=True)
    return out


# ----------------------------------------------------------------------------- report


def abci_cli_binary() -> Path:
    """CometBFT's abci-cli (its kvstore as a socket app), built like cometbft at the pinned version."""
    tools = REPO_ROOT / ".tools" / "bin"
    binary = tools / "abci-cli"
    if not binary.exists():
        version = next(
            line.split("=", 1)[1].strip()
            for line in (REPO_ROOT / "scripts" / "versions.env").read_text().splitlines()
            if line.startswith("COMETBFT_VERSION=")
        )
        say(f"building abci-cli {version} with go install")
        subprocess.run(
            ["go", "install", f"github.com/cometbft/cometbft/abci/cmd/abci-cli@{version}"],
            check=True, env=dict(os.environ, GOBIN=str(tools)),
        )
    return binary


def cometbft_version() -> str:
    try:
        return subprocess.run([str(cometbft_binary()), "version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001 - informational only
        return "unknown"


def print_run_table(amino: dict, kv: dict | None) -> None:
    rows = []
    titles = (
        ("sat", "saturating, closed loop: as fast as possible with <= --max-pending txs uncommitted"),
        ("flood", "saturating, unbounded: as fast as possible, the backlog may grow"),
        ("fixed", "fixed offered rate"),
    )
    for key, title in titles:
        a, k = amino.get(key), (kv or {}).get(key)
        if a is None and k is None:
            continue
        rate = (a or k).rate
        rows.append((f"{title}" + ("" if rate is None else f": {rate:,.1f} tx/s"), a, k))
    print(f"{'':44}{'Amino':>14}{'kvstore':>14}{'Amino/kvstore':>15}")
    for title, a, k in rows:
        print(title)

        def line(name: str, getter, formatter, ratio: bool = True) -> None:
            av = getter(a) if a else None
            kv_ = getter(k) if k else None
            shown = ["n/a" if v is None else formatter(v) for v in (av, kv_)]
            print(
                f"  {name:42}{shown[0]:>14}{shown[1]:>14}"
                f"{(fmt_ratio(av, kv_) if ratio else ''):>15}"
            )

        line("accepted by CheckTx (offered), tx/s", lambda r: r.accepted_tps, fmt_rate)
        line("committed, tx/s (steady state)", lambda r: r.committed_tps, fmt_rate)
        line("  cross-check: all accepted / time to last", lambda r: r.committed_with_drain_tps, fmt_rate)
        line("latency p50 (broadcast -> committed)", lambda r: r.p50, fmt_ms)
        line("latency p99", lambda r: r.p99, fmt_ms)
        line("latency max", lambda r: r.pmax, fmt_ms)
        line("broadcast_tx_sync round trip p50", lambda r: r.rtt_p50, fmt_ms)
        line("blocks in window / mean interval", lambda r: f"{r.blocks_in_window} / {fmt_ms(r.mean_block_interval)}", str, False)
        line("mean / max txs per block", lambda r: f"{r.mean_block_txs or 0:.0f} / {r.max_block_txs}", str, False)
        line("accepted but not committed after drain", lambda r: r.uncommitted, str, False)
        line("failed in block / CheckTx-rejected", lambda r: f"{r.failed_in_blocks} / {r.rejected}", str, False)
        line("RPC errors / mempool-full retries", lambda r: f"{r.errors} / {r.mempool_full_retries}", str, False)
        line("CPU cores used: apps", lambda r: r.cpu.get("apps", 0.0), lambda v: f"{v:.2f}", False)
        line("CPU cores used: cometbft", lambda r: r.cpu.get("cometbft", 0.0), lambda v: f"{v:.2f}", False)
        line("CPU cores used: load client", lambda r: r.cpu.get("client", 0.0), lambda v: f"{v:.2f}", False)
        line("CPU cores used: other processes, irq", lambda r: r.cpu.get("other", 0.0), lambda v: f"{v:.2f}", False)
        for label, r in (("Amino", a), ("kvstore", k)):
            if r is None:
                continue
            notes = []
            if r.max_pending and r.max_block_txs >= 0.8 * r.max_pending:
                notes.append(f"blocks reached {r.max_block_txs} txs, near --max-pending {r.max_pending}: the bound may limit this figure")
            if r.exhausted_workers:
                notes.append(f"{r.exhausted_workers} workers ran out of pre-built txs (raise --max-rate)")
            if r.late_sends:
                notes.append(f"{r.late_sends} sends >50 ms behind schedule (client could not keep the rate)")
            if r.first_problem:
                notes.append(f"first problem: {r.first_problem}")
            for note in notes:
                print(f"    note ({label}): {note}")


def print_report(args, results: dict, started: float) -> None:
    print()
    print("=" * 88)
    print("Amino chain transfer benchmark")
    print("=" * 88)
    print(
        f"machine: {os.cpu_count()} cores (usable by this process: {len(os.sched_getaffinity(0))}), "
        f"{platform.machine()}, Python {platform.python_version()}, cometbft {cometbft_version()}"
    )
    print(f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}; total bench time {time.monotonic() - started:.0f}s")
    print(
        f"settings: {'TINY mode (checks the phases run; figures mean little), ' if args.tiny else ''}"
        f"duration {args.duration:.0f}s per run, {args.accounts} accounts/workers, timeout_commit {args.timeout_commit}, "
        f"4 validators on loopback, everything (nodes + apps + load client) on this machine"
    )

    amino, kv = results.get("amino"), results.get("kvstore")
    if amino or kv:
        print()
        print("-- 1/2. Localnet: broadcast_tx_sync over the 4 nodes' RPC, commit seen on node0 --")
        size = (amino or kv or {}).get("tx_size")
        print(f"tx size: {size} bytes (Amino bank send; kvstore 'key=value' padded to the same size)")
        if kv:
            how = ("CometBFT's built-in kvstore (in-process, no ABCI socket)" if args.kvstore_transport == "builtin"
                   else "kvstore as a socket app (abci-cli kvstore behind CometBFT's ABCI socket client, like Amino)")
            print(f"kvstore baseline: {how}")
        if amino:
            print(
                f"Amino localnet start-up {amino.get('startup_s', 0):.1f}s; app-hash split between nodes: "
                f"{'YES' if amino.get('app_hash_split') else 'no'}; final height {amino.get('final_height')}"
            )
        print_run_table(amino or {}, kv)
        print(
            "  (saturating rows: each chain is offered all it accepts, so their latencies are queueing time and\n"
            "   not comparable between the chains; compare latencies on the fixed-rate rows)"
        )
        if amino and amino.get("fixed") is not None:
            f = amino["fixed"]
            basis = "--rate" if args.rate else "half the closed-loop saturating throughput"
            print(f"=> at {basis} ({f.rate:,.1f} tx/s): Amino p50 {fmt_ms(f.p50)}, p99 {fmt_ms(f.p99)}")
            k = (kv or {}).get("fixed")
            if k is not None:
                print(f"   kvstore at the same rate: p50 {fmt_ms(k.p50)}, p99 {fmt_ms(k.p99)}")
            s, ks = amino.get("sat"), (kv or {}).get("sat")
            if s is not None and ks is not None:
                print(
                    f"=> max sustained committed tx/s (closed loop): Amino {fmt_rate(s.committed_tps)}, "
                    f"kvstore {fmt_rate(ks.committed_tps)}, Amino/kvstore {fmt_ratio(s.committed_tps, ks.committed_tps)}"
                )

    if results.get("verify_rate"):
        print()
        print(f"-- 3. The floor: bare ed25519 verification on one core: {results['verify_rate']:,.0f}/s "
              f"({1e6 / results['verify_rate']:.0f} us each) at the start; every app-only target is a multiple of this rate,")
        print("   measured again beside each phase (a shared machine's load changes): each ratio uses its phase's rate --")
    check = results.get("checktx")
    if check:
        print()
        print("-- 3a. CheckTx without CometBFT --")
        print(
            f"{check['count']:,} pre-signed sends ({check['tx_size']} B) from {args.checktx_senders} senders, "
            f"pipelined over the unix socket to `python -m abci_app`, Flush at the end"
        )
        print(f"  bare ed25519 verifications/s just before: {check['verify_rate']:>10,.0f}")
        print(f"  CheckTx/s through the ABCI socket:        {check['socket_tps']:>10,.0f}   ({check['socket_s']:.2f}s; result codes {check['codes']})")
        print(f"  CheckTx/s in-process (AminoApp.check_tx): {check['inproc_tps']:>10,.0f}   (ok {check['inproc_ok']:,}); socket/in-process {check['socket_tps'] / check['inproc_tps']:.2f}")
        print(f"  ReCheckTx/s in-process (sigs cached):     {check['recheck_tps']:>10,.0f}")
        print(f"  per CheckTx: {1e6 / check['inproc_tps']:.0f} us in the app, "
              f"{1e6 / check['socket_tps'] - 1e6 / check['inproc_tps']:.0f} us socket I/O + protobuf decode/encode + framing")

    finals = results.get("finalize") or []
    if finals:
        print()
        print(f"-- 3b. FinalizeBlock + Commit of a {args.block_txs:,}-transfer block (AminoApp in-process, LevelDB in a temp dir) --")
        for entry in finals:
            how = "custom allocation table via parse_app_state(enforce_default_table=False)" if entry["via_app_state"] else "GenesisAccount records -> init_genesis"
            print(f"store with {entry['accounts']:,} funded accounts (setup {entry['setup_s']:.1f}s: {how})")
            print(f"  {'block':34}{'transfers/s':>12}{'finalize':>10}{'commit':>9}{'app hash':>10}{'hash share':>11}{'ok':>7}")
            for b in entry["blocks"]:
                print(
                    f"  {b.label:34}{b.tps:>12,.0f}{b.finalize_s * 1000:>8.0f}ms{b.commit_s * 1000:>7.0f}ms"
                    f"{b.hash_s * 1000:>8.0f}ms{100 * b.hash_s / b.block_s:>10.1f}%{b.ok:>7}"
                )
                if b.checktx_s is not None:
                    print(f"  {'':4}(CheckTx of those txs beforehand, not in the block time: {b.checktx_s * 1000:.0f} ms = {b.txs / b.checktx_s:,.0f}/s)")
            print(f"  ed25519 verification alone of {args.block_txs:,} txs: {entry['verify_only_s'] * 1000:.0f} ms "
                  f"(decode + verify); bare verifications beside these blocks: {entry['verify_rate']:,.0f}/s")
        if len(finals) == 2:
            small, big = finals
            print(f"per-transaction cost ratio, {big['accounts']:,} vs {small['accounts']:,} accounts:")
            for sb, bb in zip(small["blocks"], big["blocks"]):
                print(f"  {sb.label:34}{bb.block_s / sb.block_s:>6.2f}x  ({1e6 * sb.block_s / sb.txs:.0f} us -> {1e6 * bb.block_s / bb.txs:.0f} us per tx)")
        for entry in finals:
            if entry.get("breakdown"):
                print_breakdown(entry, entry.get("verify_rate"))
        for entry in finals:
            if entry.get("profile"):
                print()
                print(f"cProfile of one FinalizeBlock+Commit ({entry['accounts']:,} accounts, sigs unverified):")
                print(entry["profile"])
    print_targets(results)
    skipped = [name for name in ("localnet", "kvstore", "app") if getattr(args, f"skip_{name}")]
    if skipped:
        print()
        print(f"skipped: {', '.join(skipped)}")
    for name, error in results.get("errors", {}).items():
        print(f"PHASE FAILED: {name}: {error}")
    print("=" * 88)


def print_breakdown(entry: dict, verify_rate: float | None) -> None:
    """Where the microseconds of one block go, per transaction (the block of STAGES timed by StageTimer)."""
    figures, stages = entry["breakdown"]
    per_tx = 1e6 / figures.txs
    print()
    print(f"where the time goes, per transaction ({entry['accounts']:,} accounts, {figures.txs:,}-transfer block, "
          f"sigs unverified, wall time; {figures.tps:,.0f} transfers/s with the timers in):")
    top_level = 0.0
    for stage, title, inside in STAGES:
        seconds = stages.seconds.get(stage, 0.0)
        if inside is None and stage != "commit":
            top_level += seconds
        where = f"   (inside {inside})" if inside else ""
        print(f"  {title:62}{seconds * per_tx:>8.1f} us  {stages.calls.get(stage, 0) / figures.txs:>5.2f} calls/tx{where}")
    other = figures.finalize_s - top_level
    print(f"  {'rest of FinalizeBlock (block steps, overlays, tx results)':62}{other * per_tx:>8.1f} us")
    print(f"  {'response protobuf encoding (SerializeToString, socket server)':62}{figures.encode_s * per_tx:>8.1f} us")
    total = figures.block_s + figures.encode_s
    line = f"  {'total':62}{total * per_tx:>8.1f} us"
    if verify_rate:
        line += f"  = {total * verify_rate / figures.txs:.1f} ed25519 verifications"
    print(line)


def print_targets(results: dict) -> None:
    """Every target of issue 15 that this bench measures: the figure, the ratio it is stated in, and the goal."""
    rows: list[tuple[str, str, str, str]] = []
    amino, kv = results.get("amino") or {}, results.get("kvstore") or {}

    def ratio_row(name: str, figure: str, value: float | None, goal: float, at_least: bool) -> None:
        if value is None:
            rows.append((name, figure, "n/a", ""))
            return
        met = value >= goal if at_least else value <= goal
        rows.append((name, figure, f"{value:.2f}x", f"{'>=' if at_least else '<='} {goal}x: {'met' if met else 'NOT met'}"))

    s, ks = amino.get("sat"), kv.get("sat")
    if s is not None and ks is not None:
        ratio_row("committed tx/s, Amino / kvstore (closed loop)", f"{fmt_rate(s.committed_tps)} / {fmt_rate(ks.committed_tps)}",
                  s.committed_tps / ks.committed_tps if s.committed_tps and ks.committed_tps else None, 0.7, True)
    f, kf = amino.get("fixed"), kv.get("fixed")
    if f is not None and kf is not None:
        ratio_row("broadcast_tx_sync round trip, Amino / kvstore (fixed rate)", f"{fmt_ms(f.rtt_p50)} / {fmt_ms(kf.rtt_p50)}",
                  f.rtt_p50 / kf.rtt_p50 if f.rtt_p50 and kf.rtt_p50 else None, 3.0, False)
    if f is not None:
        for name, value, goal in (("p50", f.p50, 1.5), ("p99", f.p99, 3.0)):
            met = value is not None and value <= goal
            rows.append((f"latency {name} broadcast -> commit at half load", fmt_ms(value), "", f"<= {goal} s: {'met' if met else 'NOT met'}"))
    check = results.get("checktx")
    if check:
        ratio_row("CheckTx/s through the socket / ed25519 verify rate", f"{check['socket_tps']:,.0f}/s",
                  check["socket_tps"] / check["verify_rate"], 0.7, True)
    finals = results.get("finalize") or []
    for entry in finals:
        by_label = {b.label: b for b in entry["blocks"]}
        for label, goal in (("sigs unverified", 0.5), ("sigs verified by CheckTx", 1.5)):
            b = by_label.get(label)
            if b is not None:
                ratio_row(f"block execution, {label} / verify rate ({entry['accounts']:,} acc.)", f"{b.tps:,.0f}/s",
                          b.tps / entry["verify_rate"], goal, True)
    if len(finals) == 2:
        small, big = finals
        for sb, bb in zip(small["blocks"], big["blocks"]):
            if sb.label in ("sigs unverified", "sigs verified by CheckTx"):
                ratio_row(f"per-tx cost {big['accounts']:,} / {small['accounts']:,} accounts, {sb.label}",
                          f"{1e6 * sb.block_s / sb.txs:.0f} -> {1e6 * bb.block_s / bb.txs:.0f} us", bb.block_s / sb.block_s, 1.25, False)
    if finals:
        big = finals[-1]
        for b in big["blocks"]:
            if b.label in ("sigs unverified", "sigs verified by CheckTx"):
                share = b.hash_s / b.block_s
                rows.append((f"app-hash share of block time, {b.label} ({big['accounts']:,} acc.)", f"{100 * share:.1f}%", "",
                             f"< 10%: {'met' if share < 0.10 else 'NOT met'}"))
    if not rows:
        return
    print()
    print("-- Targets of issue 15, measured in this run (compute-task targets: bench/tasks.py) --")
    for name, figure, ratio, goal in rows:
        print(f"  {name:66}{figure:>22}{ratio:>9}   {goal}")


# ----------------------------------------------------------------------------- main

# --tiny: every phase, for seconds (the two localnets run ~15 s each on 2 cores), on stores small enough that the
# two ways of building one (parse_app_state, GenesisAccount records) both run
TINY = {
    "duration": 2.0, "accounts": 4, "max_rate": 200.0, "max_pending": 200, "drain_timeout": 15.0,
    "timeout_commit": "300ms", "small_accounts": 1_000, "big_accounts": 2_000, "records_above": 1_500,
    "block_txs": 200, "checktx_count": 500, "checktx_senders": 20, "verify_count": 500,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per localnet run (default 20)")
    parser.add_argument(
        "--accounts",
        type=int,
        default=32,
        help="sending accounts = load worker threads (default 32: the 8 IEO dev accounts + 24 funded from them at setup)",
    )
    parser.add_argument("--skip-localnet", action="store_true", help="skip phase 1 (Amino localnet)")
    parser.add_argument("--skip-kvstore", action="store_true", help="skip phase 2 (kvstore localnet)")
    parser.add_argument("--skip-app", action="store_true", help="skip phase 3 (CheckTx socket, FinalizeBlock)")
    parser.add_argument("--big-accounts", type=int, default=1_000_000, help="funded accounts of the big store (default 1,000,000)")
    parser.add_argument("--small-accounts", type=int, default=10_000, help="funded accounts of the small store (default 10,000)")
    parser.add_argument("--block-txs", type=int, default=5_000, help="transfers per block in phase 3b (default 5,000)")
    parser.add_argument("--checktx-count", type=int, default=20_000, help="CheckTx requests in phase 3a (default 20,000)")
    parser.add_argument("--checktx-senders", type=int, default=200, help="distinct senders in phase 3a (default 200)")
    parser.add_argument("--base-port", type=int, default=28656, help="Amino localnet base port; kvstore uses +100 (default 28656)")
    parser.add_argument("--kvstore-base-port", type=int, default=0, help="kvstore localnet base port (default: --base-port + 100)")
    parser.add_argument(
        "--records-above", type=int, default=100_000,
        help="stores with more accounts are written from GenesisAccount records, not through parse_app_state (default 100,000)",
    )
    parser.add_argument(
        "--tiny", action="store_true",
        help="a run of seconds that checks every phase still works (its figures mean little): "
        + ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in TINY.items()) + "; explicit options win",
    )
    parser.add_argument("--timeout-commit", default="500ms", help="consensus timeout_commit of both localnets (default 500ms)")
    parser.add_argument("--rate", type=float, default=None, help="fixed offered rate in tx/s (default: half the measured Amino saturating throughput)")
    parser.add_argument("--max-rate", type=float, default=1500.0, help="Amino txs pre-signed for the saturating run = max-rate x duration (default 1500)")
    parser.add_argument("--drain-timeout", type=float, default=45.0, help="max seconds to wait for accepted txs to commit after a run")
    parser.add_argument(
        "--max-pending",
        type=int,
        default=2000,
        help="closed-loop saturating run: at most this many accepted txs not yet committed (default 2000; 0 = skip that run)",
    )
    parser.add_argument(
        "--kvstore-transport", choices=["builtin", "socket"], default="builtin",
        help="baseline: CometBFT's built-in kvstore (default), or the same kvstore as a socket app (abci-cli kvstore), "
        "which isolates the cost of CometBFT's ABCI socket client",
    )
    parser.add_argument("--verify-count", type=int, default=5_000, help="bare ed25519 verifications timed for the floor (default 5,000, best of 3)")
    parser.add_argument("--profile", action="store_true", help="also cProfile one FinalizeBlock+Commit per store size and print it")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, databases) for inspection")
    if parser.parse_known_args()[0].tiny:  # the tiny values become the defaults, so explicit options still win
        parser.set_defaults(**TINY)
    args = parser.parse_args()
    if not 1 <= args.accounts <= 400:
        parser.error("--accounts must be 1..400")
    if args.block_txs > args.small_accounts or args.block_txs > args.big_accounts:
        parser.error("--block-txs must not exceed the account counts (one sender per tx)")

    def on_term(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="amino-bench-"))
    say(f"work dir {tmp}; {os.cpu_count()} cores")
    results: dict = {"errors": {}}
    try:
        tx_size = None
        fixed_rate = args.rate
        if not args.skip_localnet:
            try:
                results["amino"] = phase_amino_localnet(args, tmp)
                tx_size = results["amino"].get("tx_size")
                fixed_rate = results["amino"].get("fixed_rate") or fixed_rate
            except Exception as exc:  # noqa: BLE001 - reported, the other phases still run
                results["errors"]["amino localnet"] = repr(exc)
                say(f"amino localnet failed: {exc!r}")
        if not args.skip_kvstore:
            if tx_size is None:  # no Amino run: size of a typical signed send on the localnet chain id
                key = bench_keys("size", 1)[0]
                sender = address_bytes_from_pubkey(bytes(key.verify_key))
                doc = build_doc("amino-localnet", 0, [("bank/send", MsgSend(sender, bytes(20), 1).to_body(), GAS_SEND)], TxParams())
                tx_size = len(sign(doc, key))
            try:
                results["kvstore"] = phase_kvstore_localnet(args, tmp, tx_size, fixed_rate)
            except Exception as exc:  # noqa: BLE001 - reported, the other phases still run
                results["errors"]["kvstore localnet"] = repr(exc)
                say(f"kvstore localnet failed: {exc!r}")
        if not args.skip_app:
            results["verify_rate"] = measure_verify_rate(args.verify_count)
            say(f"ed25519: {results['verify_rate']:,.0f} verifications/s on one core")
            try:
                results["checktx"] = phase_checktx_socket(args, tmp)
            except Exception as exc:  # noqa: BLE001 - reported, the other phases still run
                results["errors"]["checktx socket"] = repr(exc)
                say(f"checktx failed: {exc!r}")
            results["finalize"] = []
            for accounts in (args.small_accounts, args.big_accounts):
                try:
                    results["finalize"].append(phase_finalize(args, tmp, accounts, args.profile))
                except Exception as exc:  # noqa: BLE001 - reported, the other phases still run
                    results["errors"][f"finalize {accounts}"] = repr(exc)
                    say(f"finalize [{accounts}] failed: {exc!r}")
    except KeyboardInterrupt:
        say("interrupted; cleaning up")
        results["errors"]["interrupted"] = "by the user or a signal"
    finally:
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print_report(args, results, started)
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""FOG epoch close and settlement cost with many workers and lockers: it must not grow with their number.

Run from the repository root:  .venv/bin/python bench/fog_epoch.py [--workers 100000] [--lockers 10000] [--tiny]

Two stores are built on LevelDB in a temp dir (AppStore: the app's own database, Merkle tree and commit; no
CometBFT, no transactions): one with --small-workers (1,000) and --small-lockers (100), one with --workers
(100,000) and --lockers (10,000). Each holds an open contribution epoch in which every worker has proven a
class and earned availability under one of 100 active master nodes (so the masters hold routing points too),
and every locker holds an investor lock; the records are written with chain_modules/fog/state.py and the
epoch's totals with the same integrals logic.py keeps, and fog's invariants are checked on the result. For each
store it prints, as the median of --repeats runs:
  - the end block that closes the epoch (fog's end_block: the emission and the lockers' ninth as two records),
    alone and as a block (end block + app hash + LevelDB commit);
  - one settlement: a worker's heartbeat in the next epoch (its share of the closed epoch and its master's,
    both taken lazily: points x remaining / points_remaining), and one lock's settlement (amount x seconds x
    the epoch's rate), each as a block;
and the ratio large/small. Work proportional to the workers or lockers would show a ratio near 100; lazy
settlement keeps it near 1 (what remains is the larger store: LevelDB reads and a deeper Merkle path).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from abci_app.store import AppStore, Overlay  # noqa: E402
from chain_modules.common.context import BlockContext, BlockInfo  # noqa: E402
from chain_modules.compute import state as compute_state  # noqa: E402
from chain_modules.compute.types import ComputeParams  # noqa: E402
from chain_modules.fog import invariants, logic  # noqa: E402
from chain_modules.fog import state as st  # noqa: E402
from chain_modules.fog.api import FogHooks  # noqa: E402
from chain_modules.fog.module import end_block  # noqa: E402
from chain_modules.fog.types import BPS, Contribution, FogParams, LockerShare, OpenEpoch  # noqa: E402
from chain_modules.staking import state as staking_state  # noqa: E402

GENESIS = 1_800_000_000
MASTERS = 100
HOOKS = FogHooks()
PARAMS = FogParams()  # one-hour epochs, 1,000 FOG per epoch, 6 windows


def address(tag: str) -> bytes:
    return hashlib.sha256(b"bench-fog/" + tag.encode()).digest()[:20]


class Store:
    """An AppStore holding an open epoch with ``workers`` earners (and their masters) and ``lockers`` locks."""

    def __init__(self, path: Path, workers: int, lockers: int) -> None:
        self.store = AppStore(path)
        self.workers = [address(f"worker-{i}") for i in range(workers)]
        self.masters = [address(f"master-{i}") for i in range(MASTERS)]
        self.lockers = [address(f"locker-{i}") for i in range(lockers)]
        self.height = 0
        self.time = GENESIS
        state = Overlay(self.store.committed)
        st.set_params(state, PARAMS)
        compute_state.set_params(state, ComputeParams())
        logic.start(state, GENESIS)
        for master in self.masters:
            staking_state.set_active_master(state, master, True)
        # every worker: "small" proven (weight 1), past probation, two counted windows, its master's routing share
        weight, windows = 1, 2
        points = windows * PARAMS.availability_points * weight
        routing = points * PARAMS.routing_bps // BPS
        for index, worker in enumerate(self.workers):
            st.set_contribution(state, worker, Contribution(
                epoch=0, points=points, availability=points, windows=windows, last_window=windows - 1,
                routing_master=self.masters[index % MASTERS], routing_given=routing, proven_weight=weight,
                verified_results=PARAMS.probation_results))
        master_routing = {master: 0 for master in self.masters}
        for index in range(workers):
            master_routing[self.masters[index % MASTERS]] += routing
        for master, amount in master_routing.items():
            st.set_contribution(state, master, Contribution(epoch=0, points=amount, routing=amount))
        # every locker: one investor lock from genesis; the epoch's integral runs from there
        locked = 0
        for index, locker in enumerate(self.lockers):
            amount = 1_000_000 * (1 + index % 50)
            st.set_share(state, locker, 1, LockerShare(amount, GENESIS, 0))
            locked += amount
        total = points * workers + sum(master_routing.values())
        st.set_open_epoch(state, OpenEpoch(0, GENESIS, total, locked, 0, GENESIS))
        invariants.check_points(state)
        invariants.check_supply(state)
        self.commit(state)

    def ctx(self) -> BlockContext:
        return BlockContext("amino-bench", self.height + 1, self.time * 1_000_000_000, hooks=(HOOKS,))

    def commit(self, state: Overlay) -> None:
        self.height += 1
        app_hash = self.store.compute_app_hash(state.writes)
        self.store.commit(self.height, state.writes, app_hash)

    def timed_block(self, step) -> tuple[float, float]:
        """Run ``step(state, ctx)`` as a block: (its own time, the block's with app hash and commit)."""
        state = Overlay(self.store.committed)
        ctx = self.ctx()
        started = time.perf_counter()
        step(state, ctx)
        stepped = time.perf_counter()
        self.commit(state)
        return stepped - started, time.perf_counter() - started

    def close(self) -> None:
        self.store.close()


def measure(store: Store, repeats: int) -> dict[str, float]:
    figures: dict[str, list[float]] = {}

    def note(name: str, seconds: float) -> None:
        figures.setdefault(name, []).append(seconds)

    # the close, repeated on throwaway layers over the same committed state, then once for real
    store.time = GENESIS + PARAMS.epoch_seconds
    for _ in range(repeats):
        state = Overlay(store.store.committed)
        started = time.perf_counter()
        end_block(state, store.ctx(), BlockInfo())
        note("epoch-close end block (fog)", time.perf_counter() - started)
        assert st.get_closed_epoch(state, 0) is not None
    _alone, block = store.timed_block(lambda state, ctx: end_block(state, ctx, BlockInfo()))
    note("epoch-close block (+ app hash, commit)", block)
    closed = st.get_closed_epoch(store.store.committed, 0)
    assert closed.emission == PARAMS.emission_per_epoch and closed.locker_emission > 0

    # settlements in the next epoch, each its own block, on workers and lockers spread over the store
    for round_ in range(repeats):
        store.time += 5
        index = (round_ * 7_919) % len(store.workers)
        worker, master = store.workers[index], store.masters[index % MASTERS]
        _alone, block = store.timed_block(lambda state, ctx: HOOKS.after_heartbeat(state, ctx, worker, master))
        note("one settlement: a heartbeat (worker + master)", block)
        assert st.get_account(store.store.committed, worker).balance > 0
        store.time += 5
        locker = store.lockers[(round_ * 7_919) % len(store.lockers)]
        _alone, block = store.timed_block(lambda state, ctx: logic.settle_share(state, locker, 1))
        note("one settlement: a lock", block)
        assert st.get_account(store.store.committed, locker).balance > 0
    return {name: statistics.median(values) for name, values in figures.items()}


# --tiny: both stores and every measured block in a few seconds (the ratio then says little)
TINY = {"workers": 2_000, "lockers": 200, "small_workers": 200, "small_lockers": 20, "repeats": 3}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--lockers", type=int, default=10_000)
    parser.add_argument("--small-workers", type=int, default=1_000)
    parser.add_argument("--small-lockers", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--tiny", action="store_true",
                        help="a run of a few seconds that checks the benchmark still works: "
                        + ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in TINY.items())
                        + "; explicit options win")
    if parser.parse_known_args()[0].tiny:  # the tiny values become the defaults, so explicit options still win
        parser.set_defaults(**TINY)
    args = parser.parse_args()
    if min(args.workers, args.small_workers) < MASTERS or min(args.lockers, args.small_lockers, args.repeats) < 1:
        parser.error(f"workers must be at least {MASTERS} (one per master node); lockers and repeats at least 1")
    with tempfile.TemporaryDirectory(prefix="amino-bench-fog-") as tmp:
        started = time.perf_counter()
        small = Store(Path(tmp) / "small", args.small_workers, args.small_lockers)
        small_setup = time.perf_counter() - started
        large = Store(Path(tmp) / "large", args.workers, args.lockers)
        large_setup = time.perf_counter() - started - small_setup
        small_figures = measure(small, args.repeats)
        large_figures = measure(large, args.repeats)
        small.close()
        large.close()
    print(f"FOG epoch close and settlement with {args.small_workers:,} workers / {args.small_lockers:,} lockers vs "
          f"{args.workers:,} workers / {args.lockers:,} lockers ({MASTERS} master nodes; median of {args.repeats}; "
          f"setup {small_setup:.1f}s + {large_setup:.1f}s)")
    print(f"  {'':46}{args.small_workers:>10,}w{args.workers:>11,}w{'ratio':>8}")
    for name in small_figures:
        a, b = small_figures[name], large_figures[name]
        print(f"  {name:46}{a * 1000:>9.2f}ms{b * 1000:>10.2f}ms{b / a:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Governance tally cost with many voters and delegations: the end of a voting period must not walk them.

Run from the repository root:  .venv/bin/python bench/gov_tally.py [--voters 10000] [--delegations 50000] [--tiny]

A store is built on LevelDB in a temp dir (AppStore: the app's own database, Merkle tree and commit; no
CometBFT, no transactions) with --candidates super nodes and --voters accounts holding --delegations
delegations between them (spread evenly), written with staking's state functions. A proposal enters its voting
period; then every voter votes (gov's handler, --votes-per-block votes per committed block), with the
super nodes voting first so that every later vote also takes shares away from an inherited vote. The bench
prints, as the median of --repeats runs where it says so:
  - one vote (its handler alone, and as a block with app hash and commit);
  - one delegation change during voting (staking's handler with gov's hook);
  - every block from the end of the voting period until the proposal is decided: the largest gov end block
    alone and as a block. The tally is kept current as votes and stake change (chain_modules/gov/tally.py), so
    the end reads it in O(1);
  - for comparison, a recount that walks every vote and every voter's delegations (what the Cosmos SDK's tally
    does at the end), which also checks that the running tally is exact.
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
from chain_modules.bank.state import set_balance, set_supply  # noqa: E402
from chain_modules.common.context import BlockContext  # noqa: E402
from chain_modules.gov import invariants, logic, tally  # noqa: E402
from chain_modules.gov import state as gov_state  # noqa: E402
from chain_modules.gov.api import GovHooks  # noqa: E402
from chain_modules.gov.handlers import handle_submit_proposal, handle_vote  # noqa: E402
from chain_modules.gov.types import OPTIONS, PASSED, REJECTED, VETOED, GovParams, MsgSubmitProposal, MsgVote  # noqa: E402
from chain_modules.staking import state as staking_state  # noqa: E402
from chain_modules.staking.api import BONDED_POOL  # noqa: E402
from chain_modules.staking.handlers import handle_delegate  # noqa: E402
from chain_modules.staking.types import Candidate, MsgDelegate, StakingParams  # noqa: E402

GENESIS = 1_800_000_000
HOOKS = GovHooks()
PARAMS = GovParams(min_deposit=1_000, expedited_min_deposit=1_000, voting_period_seconds=3_600,
                   expedited_voting_period_seconds=3_600)
STAKE = 1_000_000  # uamio per delegation
EACH = 10**12


def address(tag: str) -> bytes:
    return hashlib.sha256(b"bench-gov/" + tag.encode()).digest()[:20]


def no_table() -> dict:
    return {}


class Store:
    def __init__(self, path: Path, candidates: int, voters: int, delegations: int) -> None:
        self.store = AppStore(path)
        self.height = 0
        self.time = GENESIS
        self.candidates = [address(f"candidate-{i}") for i in range(candidates)]
        self.voters = [address(f"voter-{i}") for i in range(voters)]
        state = Overlay(self.store.committed)
        staking_state.set_params(state, StakingParams())
        gov_state.set_params(state, PARAMS)
        bonded = 0
        shares: dict[bytes, list[int]] = {c: [0, 0] for c in self.candidates}
        for operator in self.candidates:  # each super node's self-bond
            staking_state.set_delegation_shares(state, operator, operator, 100 * STAKE)
            shares[operator] = [100 * STAKE, 100 * STAKE]
        for index in range(delegations):  # voter i delegates to candidates i, i+1, ... (mod candidates)
            voter = self.voters[index % voters]
            operator = self.candidates[(index % voters + index // voters) % candidates]
            staking_state.set_delegation_shares(state, voter, operator, STAKE)
            shares[operator][0] += STAKE
            shares[operator][1] += STAKE
        for number, operator in enumerate(self.candidates):
            tokens, count = shares[operator]
            staking_state.set_candidate(state, Candidate(operator, hashlib.sha256(operator).digest(), f"sn{number}",
                                                         500, 100, GENESIS, tokens=tokens, shares=count), None)
            bonded += tokens
        for voter in self.voters + self.candidates:
            set_balance(state, voter, EACH)
        set_balance(state, BONDED_POOL, bonded)
        set_supply(state, bonded + EACH * (voters + candidates))
        self.commit(state)

    def ctx(self) -> BlockContext:
        return BlockContext("amino-bench", self.height + 1, self.time * 1_000_000_000, hooks=(HOOKS,))

    def commit(self, state: Overlay) -> None:
        self.height += 1
        self.time += 5
        self.store.commit(self.height, state.writes, self.store.compute_app_hash(state.writes))

    def timed_block(self, step) -> tuple[float, float]:
        state = Overlay(self.store.committed)
        ctx = self.ctx()
        started = time.perf_counter()
        step(state, ctx)
        stepped = time.perf_counter()
        self.commit(state)
        return stepped - started, time.perf_counter() - started

    def close(self) -> None:
        self.store.close()


def run(store: Store, votes_per_block: int, repeats: int) -> dict[str, float]:
    figures: dict[str, list[float]] = {}

    def note(name: str, seconds: float) -> None:
        figures.setdefault(name, []).append(seconds)

    submitter = store.candidates[0]
    store.timed_block(lambda state, ctx: handle_submit_proposal(
        state, ctx, MsgSubmitProposal(submitter, "text", {}, "bench", "", 1_000, False), no_table))
    proposal = gov_state.get_proposal(store.store.committed, 1)
    assert proposal.status == "voting_period"

    voters = store.candidates + store.voters
    option = {voter: OPTIONS[index % 3] for index, voter in enumerate(voters)}  # yes, no, abstain in turn
    measured = set(voters[len(store.candidates) + (i * 7_919) % len(store.voters)] for i in range(repeats))
    batch: list[bytes] = []

    def flush() -> None:
        def step(state, ctx) -> None:
            for voter in batch:
                handle_vote(state, ctx, MsgVote(voter, 1, option[voter]))
        if batch:
            store.timed_block(step)
            batch.clear()

    for voter in voters:
        if voter in measured:
            continue
        batch.append(voter)
        if len(batch) >= votes_per_block:
            flush()
    flush()
    for voter in sorted(measured):  # one vote as one block, after everyone else voted
        alone, block = store.timed_block(lambda state, ctx: handle_vote(state, ctx, MsgVote(voter, 1, "no_with_veto")))
        note("one vote: the handler", alone)
        note("one vote: as a block (+ app hash, commit)", block)
    for index in range(repeats):  # a voter's delegation grows during voting: gov's hook follows it
        voter = store.voters[(index * 104_729) % len(store.voters)]
        operator = store.candidates[index % len(store.candidates)]
        alone, _block = store.timed_block(lambda state, ctx: handle_delegate(state, ctx, MsgDelegate(voter, operator, STAKE)))
        note("one delegation change during voting (with gov's hook)", alone)

    started = time.perf_counter()
    recounted = tally.recount(store.store.committed, 1)
    note("recount walking every vote and delegation (for comparison)", time.perf_counter() - started)
    assert gov_state.get_tally(store.store.committed, 1) == recounted, "the running tally differs from a recount"
    invariants.check_deposits(store.store.committed)

    store.time = proposal.voting_end
    largest_alone = largest_block = 0.0
    blocks = 0
    while gov_state.get_proposal(store.store.committed, 1).status == "voting_period":
        alone, block = store.timed_block(lambda state, ctx: logic.end_block(state, ctx, no_table))
        largest_alone, largest_block = max(largest_alone, alone), max(largest_block, block)
        blocks += 1
    note("largest per-block time while the tally ends: end block", largest_alone)
    note("largest per-block time while the tally ends: as a block", largest_block)
    result = gov_state.get_proposal(store.store.committed, 1)
    assert result.status in (PASSED, REJECTED, VETOED) and blocks == 1
    store.outcome = (result.status, list(result.final_tally))
    return {name: statistics.median(values) for name, values in figures.items()}


TINY = {"voters": 200, "delegations": 1_000, "candidates": 20, "votes_per_block": 100, "repeats": 3}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=10_000)
    parser.add_argument("--delegations", type=int, default=50_000)
    parser.add_argument("--candidates", type=int, default=100)
    parser.add_argument("--votes-per-block", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--tiny", action="store_true",
                        help="a run of a few seconds that checks the benchmark still works: "
                        + ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in TINY.items())
                        + "; explicit options win")
    if parser.parse_known_args()[0].tiny:
        parser.set_defaults(**TINY)
    args = parser.parse_args()
    if args.voters < 1 or args.candidates < 1 or args.repeats < 1 or args.repeats > args.voters:
        parser.error("voters, candidates and repeats must be at least 1, and repeats at most voters")
    if not args.voters <= args.delegations <= args.voters * min(args.candidates, PARAMS.max_vote_delegations):
        parser.error(f"delegations must be between voters and voters x min(candidates, {PARAMS.max_vote_delegations})")
    with tempfile.TemporaryDirectory(prefix="amino-bench-gov-") as tmp:
        started = time.perf_counter()
        store = Store(Path(tmp) / "db", args.candidates, args.voters, args.delegations)
        setup = time.perf_counter() - started
        started = time.perf_counter()
        figures = run(store, args.votes_per_block, args.repeats)
        voting = time.perf_counter() - started
        store.close()
    print(f"gov tally with {args.voters:,} voters and {args.delegations:,} delegations on {args.candidates:,} super "
          f"nodes (median of {args.repeats}; setup {setup:.1f}s, voting {voting:.1f}s)")
    for name, seconds in figures.items():
        print(f"  {name:62}{seconds * 1000:>10.2f}ms")
    status, final = store.outcome
    print(f"  result: {status}, tally {dict(zip(OPTIONS, final))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

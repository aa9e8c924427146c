"""Fee distribution cost with many delegators: the per-block work must not grow with their number.

Run from the repository root:  .venv/bin/python bench/rewards.py [--delegators 10000] [--tiny]

Two chains are built in-process (AminoApp on LevelDB in a temp dir, no CometBFT), one with
--small-delegators (1,000) and one with --delegators (10,000), all delegating to the same two super nodes.
For each, it prints the FinalizeBlock+Commit time of
  - an empty block whose last commit is signed by both validators (fees of the previous block are
    allocated: commission + F1 current rewards),
  - a block with one reward withdrawal (one delegator's F1 interval closed and reopened),
  - a block with one fee-paying transfer,
and the ratio large/small. Work proportional to the delegators would show a ratio near 10; F1 keeps
it near 1 (what remains is the larger store: a deeper Merkle path and LevelDB).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402
from nacl.signing import SigningKey  # noqa: E402

from abci_app.app import AminoApp  # noqa: E402
from abci_app.codec import SignDoc, sign_tx  # noqa: E402
from abci_app.proto import abci  # noqa: E402
from chain_modules.bank.types import MsgSend  # noqa: E402
from chain_modules.common.address import address_bytes_from_pubkey, encode_address  # noqa: E402
from chain_modules.distribution.types import MsgWithdrawRewards  # noqa: E402
from chain_modules.staking.types import MsgDelegate, StakingParams  # noqa: E402
from genesis.build import GenesisValidator, SuperNodeSpec, build_app_state  # noqa: E402

CHAIN_ID = "amino-bench"
GENESIS = 1_800_000_000
AMIO = 1_000_000


def key(tag: str) -> SigningKey:
    return SigningKey(hashlib.sha256(b"bench-rewards/" + tag.encode()).digest())


def address(signing_key: SigningKey) -> bytes:
    return address_bytes_from_pubkey(bytes(signing_key.verify_key))


def tx(signing_key: SigningKey, msg, sequence: int) -> bytes:
    doc = SignDoc(CHAIN_ID, sequence, 2_000, 200_000, "", ((msg.TYPE, msg.to_body()),))
    return sign_tx(doc, signing_key)


class Chain:
    def __init__(self, path: Path, delegators: int) -> None:
        self.delegators = [key(f"delegator{i}") for i in range(delegators)]
        self.operators = [key(f"operator{i}") for i in range(2)]
        self.consensus = [key(f"consensus{i}") for i in range(2)]
        buckets = {name: [encode_address(address(key(name)))] for name in ("early_investors", "team", "foundation", "community")}
        recipients = {"ieo": [encode_address(address(k)) for k in self.delegators], **buckets,
                      "infrastructure": [encode_address(address(k)) for k in self.operators]}
        nodes = [SuperNodeSpec(encode_address(address(self.operators[i])),
                               GenesisValidator(f"node{i}", bytes(self.consensus[i].verify_key), 0), 1_000_000 * AMIO) for i in range(2)]
        app_state = build_app_state(recipients, staking_params=StakingParams(epoch_blocks=1_000_000, max_super_nodes=2,
                                                                             min_super_self_bond=1_000 * AMIO), super_nodes=nodes)
        self.app = AminoApp(path)
        self.app.init_chain(abci.RequestInitChain(time=Timestamp(seconds=GENESIS), chain_id=CHAIN_ID,
                                                  app_state_bytes=json.dumps(app_state).encode()))
        self.height = 0
        self.time = GENESIS
        self.votes = [abci.VoteInfo(validator=abci.Validator(address=hashlib.sha256(bytes(c.verify_key)).digest()[:20], power=1_000_000),
                                    block_id_flag=2) for c in self.consensus]
        self.block([])
        txs = [tx(k, MsgDelegate(address(k), address(self.operators[i % 2]), 10 * AMIO), 0) for i, k in enumerate(self.delegators)]
        for start in range(0, len(txs), 5_000):
            results = self.block(txs[start:start + 5_000])
            assert all(r.code == 0 for r in results), [r.log for r in results if r.code][:3]

    def block(self, txs: list[bytes]):
        self.height += 1
        self.time += 5
        response = self.app.finalize_block(abci.RequestFinalizeBlock(
            txs=txs, height=self.height, time=Timestamp(seconds=self.time),
            decided_last_commit=abci.CommitInfo(votes=self.votes)))
        self.app.commit(abci.RequestCommit())
        return response.tx_results

    def timed(self, txs: list[bytes]) -> float:
        started = time.perf_counter()
        results = self.block(txs)
        elapsed = time.perf_counter() - started
        assert all(r.code == 0 for r in results), [r.log for r in results]
        return elapsed


def measure(chain: Chain, repeats: int) -> dict[str, float]:
    figures: dict[str, list[float]] = {"empty block, fees allocated": [], "one reward withdrawal": [], "one fee-paying transfer": []}
    payer = chain.delegators[0]
    sequence = 1
    for round_ in range(repeats):
        figures["one fee-paying transfer"].append(chain.timed([tx(payer, MsgSend(address(payer), address(chain.operators[0]), 1), sequence)]))
        sequence += 1
        figures["empty block, fees allocated"].append(chain.timed([]))
        withdrawer = chain.delegators[(round_ * 7919) % len(chain.delegators)]
        withdrawer_sequence = sequence if withdrawer is payer else 1
        figures["one reward withdrawal"].append(chain.timed([tx(withdrawer, MsgWithdrawRewards(address(withdrawer)), withdrawer_sequence)]))
        if withdrawer is payer:
            sequence += 1
        else:
            chain.delegators.remove(withdrawer)  # each withdraws once (its sequence is now 2)
    return {name: statistics.median(values) for name, values in figures.items()}


# --tiny: both chains and every measured block, in about a second (the ratio then says little)
TINY = {"delegators": 200, "small_delegators": 20, "repeats": 3}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delegators", type=int, default=10_000)
    parser.add_argument("--small-delegators", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--tiny", action="store_true",
                        help="a run of a second that checks the benchmark still works: "
                        + ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in TINY.items())
                        + "; explicit options win")
    if parser.parse_known_args()[0].tiny:  # the tiny values become the defaults, so explicit options still win
        parser.set_defaults(**TINY)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amino-bench-rewards-") as tmp:
        started = time.perf_counter()
        small = Chain(Path(tmp) / "small", args.small_delegators)
        large = Chain(Path(tmp) / "large", args.delegators)
        setup = time.perf_counter() - started
        small_figures = measure(small, args.repeats)
        large_figures = measure(large, args.repeats)
        small.app.close()
        large.app.close()
    print(f"Fee distribution with {args.small_delegators:,} vs {args.delegators:,} delegators "
          f"(2 validators, median of {args.repeats} blocks; setup {setup:.1f}s)")
    print(f"  {'FinalizeBlock + Commit':32}{args.small_delegators:>12,}{args.delegators:>12,}{'ratio':>8}")
    for name in small_figures:
        a, b = small_figures[name], large_figures[name]
        print(f"  {name:32}{a * 1000:>10.2f}ms{b * 1000:>10.2f}ms{b / a:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

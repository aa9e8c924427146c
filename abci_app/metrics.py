"""Prometheus metrics of the app process (not consensus data: nothing here feeds back into state).

Served on 127.0.0.1 only, at the port given by --metrics-port (the localnet
uses base+10*I+3 for node I; CometBFT's own metrics are on base+10*I+2).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

HEIGHT = Gauge("amino_height", "Last committed block height")
BLOCK_TXS = Counter("amino_block_txs_total", "Transactions executed in blocks, by result", ["result"])
CHECK_TXS = Counter("amino_check_txs_total", "CheckTx calls, by result", ["result"])
FINALIZE_SECONDS = Histogram(
    "amino_finalize_block_seconds", "FinalizeBlock duration", buckets=(0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 5)
)
APP_HASH_SECONDS = Histogram(
    "amino_app_hash_seconds", "Time to compute the app hash of a block", buckets=(0.0005, 0.002, 0.01, 0.05, 0.1, 0.25, 0.5, 1)
)
COMMIT_SECONDS = Histogram(
    "amino_commit_seconds", "Commit (LevelDB batch write) duration", buckets=(0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1)
)
STEP_FAILURES = Counter("amino_block_step_failures_total", "Begin/end-block steps that raised (a bug), by module and step",
                        ["module", "step"])


def serve_metrics(port: int) -> None:
    start_http_server(port, addr="127.0.0.1")

"""Run the Amino ABCI app: python -m abci_app --db DIR --address unix:///path/app.sock"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from abci_app.server import run
from abci_app.upgrades import RELEASE_MODULES_ENV, load_release_modules


def main() -> None:
    if not __debug__:
        # asserts guard invariants in block execution; without them nodes could diverge silently
        raise SystemExit("do not run the app with python -O or PYTHONOPTIMIZE")
    parser = argparse.ArgumentParser(prog="python -m abci_app", description=__doc__)
    parser.add_argument("--db", required=True, type=Path, help="LevelDB directory of the app state")
    parser.add_argument("--address", required=True, help="unix:///path or tcp://127.0.0.1:port")
    parser.add_argument("--metrics-port", type=int, default=None, help="serve Prometheus metrics on 127.0.0.1:PORT")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args()
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    plans = load_release_modules()
    if plans:
        logging.getLogger("abci_app").info("upgrade plans known from %s: %s", RELEASE_MODULES_ENV, ", ".join(plans))
    run(args.db, args.address, args.metrics_port)


if __name__ == "__main__":
    main()

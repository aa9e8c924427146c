#!/usr/bin/env bash
# Install what is missing, then run the whole test suite: unit, property, app-level and the
# end-to-end tests that start a real 4-validator CometBFT localnet on 127.0.0.1.
# Extra arguments go to pytest (e.g. -m "not e2e" for the fast part only).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider "$@"

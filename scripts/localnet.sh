#!/usr/bin/env bash
# Install what is missing, then start the 4-validator localnet on 127.0.0.1 and print how to use it.
# Extra arguments go to 'amino localnet up' (e.g. --base-port 27656).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/amino" localnet up "$@"

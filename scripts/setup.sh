#!/usr/bin/env bash
# Install what is missing, idempotently: the Python venv with pinned deps, the pinned
# CometBFT binary (built from the Go module proxy), and the ABCI protobuf classes
# generated from that CometBFT module's own .proto files. Safe to run repeatedly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
source "$ROOT/scripts/versions.env"
VENV="$ROOT/.venv"
TOOLS="$ROOT/.tools/bin"
GEN="$ROOT/build/gen"
PY="${PYTHON:-python3}"

say() { printf '[setup] %s\n' "$*" >&2; }

# 1. Python venv with the pinned dependencies (reinstalled when pyproject.toml changes)
if [ ! -x "$VENV/bin/python" ]; then
  say "creating venv in .venv"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.amino-installed"
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Python dependencies (pinned in pyproject.toml)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test,build]"
  echo "$want" > "$stamp"
fi

# 2. CometBFT, pinned in scripts/versions.env
have=""
if [ -x "$TOOLS/cometbft" ]; then have="$("$TOOLS/cometbft" version 2>/dev/null || true)"; fi
if [ "$have" != "${COMETBFT_VERSION#v}" ]; then
  command -v go >/dev/null || { say "Go is required to build CometBFT"; exit 1; }
  say "building cometbft $COMETBFT_VERSION with go install (cached by Go after the first time)"
  mkdir -p "$TOOLS"
  GOBIN="$TOOLS" GOFLAGS="-mod=mod" go install "github.com/cometbft/cometbft/cmd/cometbft@$COMETBFT_VERSION"
fi

# 2b. CometBFT's abci-cli at the same pin (the byzantine-proposer tests drive the app with it)
if [ ! -x "$TOOLS/abci-cli" ] || [ "$(cat "$TOOLS/.abci-cli-version" 2>/dev/null)" != "$COMETBFT_VERSION" ]; then
  command -v go >/dev/null || { say "Go is required to build abci-cli"; exit 1; }
  say "building abci-cli $COMETBFT_VERSION with go install"
  mkdir -p "$TOOLS"
  GOBIN="$TOOLS" GOFLAGS="-mod=mod" go install "github.com/cometbft/cometbft/abci/cmd/abci-cli@$COMETBFT_VERSION"
  echo "$COMETBFT_VERSION" > "$TOOLS/.abci-cli-version"
fi

# 3. ABCI protobuf classes from the pinned module's .proto files
MODCACHE="$(go env GOMODCACHE)"
COMET_SRC="$MODCACHE/github.com/cometbft/cometbft@$COMETBFT_VERSION"
GOGO_SRC="$MODCACHE/github.com/cosmos/gogoproto@$GOGOPROTO_VERSION"
if [ ! -d "$COMET_SRC/proto" ] || [ ! -d "$GOGO_SRC" ]; then
  say "fetching the CometBFT module sources into the Go module cache"
  tmp="$(mktemp -d)"
  (cd "$tmp" && go mod init amino-setup >/dev/null 2>&1 && \
     go mod download "github.com/cometbft/cometbft@$COMETBFT_VERSION" "github.com/cosmos/gogoproto@$GOGOPROTO_VERSION")
  rm -rf "$tmp"
fi
gen_stamp="$GEN/.stamp"
gen_want="$COMETBFT_VERSION $GOGOPROTO_VERSION $(sha256sum "$ROOT/scripts/setup.sh" | cut -d' ' -f1)"
if [ ! -f "$gen_stamp" ] || [ "$(cat "$gen_stamp")" != "$gen_want" ]; then
  say "generating ABCI protobuf classes into build/gen"
  rm -rf "$GEN" && mkdir -p "$GEN"
  GRPC_PROTO="$("$VENV/bin/python" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')"
  (cd "$COMET_SRC/proto" && "$VENV/bin/python" -m grpc_tools.protoc \
      -I "$COMET_SRC/proto" -I "$GOGO_SRC" -I "$GRPC_PROTO" --python_out="$GEN" \
      tendermint/abci/types.proto tendermint/types/*.proto tendermint/crypto/*.proto \
      tendermint/version/types.proto gogoproto/gogo.proto)
  echo "$gen_want" > "$gen_stamp"
fi
# 4. Chromium for the explorer's browser tests (tests/e2e/test_gateway.py drive it with Playwright's
#    Python package; Playwright's own browser downloads are not used). Debian's package, when missing.
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    say "installing chromium (apt-get) for the explorer's browser tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    say "chromium is missing (the explorer's browser tests need it): install Debian's chromium package"
  fi
fi
site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$GEN" > "$site/amino-generated-protos.pth"
"$VENV/bin/python" -c 'from abci_app.proto import abci' || { say "generated protobuf classes do not import"; exit 1; }
say "ready: $("$TOOLS/cometbft" version | sed 's/^/cometbft /'), $("$VENV/bin/python" --version)"

"""The ABCI protobuf classes, generated at setup time from the pinned CometBFT module's .proto files.

scripts/setup.sh runs grpcio-tools' protoc into build/gen and puts that
folder on the venv's path. Nothing generated is committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

_GENERATED = Path(__file__).resolve().parent.parent / "build" / "gen"
if _GENERATED.is_dir() and str(_GENERATED) not in sys.path:
    sys.path.append(str(_GENERATED))

try:
    from tendermint.abci import types_pb2 as abci  # noqa: E402
    from tendermint.crypto import keys_pb2 as crypto_keys  # noqa: E402
    from tendermint.crypto import proof_pb2 as crypto_proof  # noqa: E402
    from tendermint.types import canonical_pb2 as canonical  # noqa: E402
except ImportError as exc:  # pragma: no cover - only without setup
    raise ImportError(
        "ABCI protobuf classes are missing: run scripts/setup.sh (it generates them into build/gen)"
    ) from exc

__all__ = ["abci", "canonical", "crypto_keys", "crypto_proof"]

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import abci_app.proto  # noqa: E402,F401  (puts build/gen on the path)

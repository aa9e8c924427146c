"""amino: the command line of Amino chain, a thin layer over the client library (client/) and the services.

main.py wires the command groups; each topic module (keys, bank, staking, locks, compute, task, ...) holds
its commands as module-level functions, imported only when one of them runs (cli/lazy.py). Every tx command
signs and broadcasts through cli.tx.send_tx, which builds, simulates, signs and broadcasts with the client
library's functions (client.wallet.tx: build_doc, simulate, sign, broadcast).
"""

# The package version, as pyproject.toml says (tests/cli/test_config_version_completion.py checks they agree);
# a constant so that 'amino version' does not scan the installed distributions.
__version__ = "0.1.0"

# httpx's package __init__ imports httpx's own command line (httpx._main), which imports rich and pygments:
# about 0.1-0.15 s of CPU in every command that talks to a node (bench/cli_startup.py). amino never runs
# httpx's command line, so unless httpx is already loaded it finds this placeholder instead.
import sys as _sys
import types as _types

if "httpx" not in _sys.modules and "httpx._main" not in _sys.modules:
    _placeholder = _types.ModuleType("httpx._main")

    def _no_httpx_cli() -> None:
        raise SystemExit("the httpx command line is not available inside amino")

    _placeholder.main = _no_httpx_cli
    _sys.modules["httpx._main"] = _placeholder

"""amino: the command line of Amino chain, a thin layer over the client library (client/) and the services.

main.py wires the command groups; each topic module (keys, bank, staking, locks, compute, task, ...) holds
its commands as module-level functions, imported only when one of them runs (cli/lazy.py). Every tx command
signs and broadcasts through cli.tx.send_tx, which builds, simulates, signs and broadcasts with the client
library's functions (client.wallet.tx: build_doc, simulate, sign, broadcast).
"""

# The package version, as pyproject.toml says (tests/cli/test_config_version_completion.py checks they agree);
# a constant so that 'amino version' does not scan the installed distributions.
__version__ = "0.1.0"

"""The chain's modules, in one ordered list, and the block lifecycle order: the one place that says both.

The router, the query table, genesis (parse, init, export) and FinalizeBlock all loop over ``MODULES``.
Adding a module is: write its package with a ``module.py`` manifest, and add it here
(docs/adding-a-module.md). Order matters and is consensus:

- ``MODULES``: genesis sections are parsed and initialised in this order (bank before staking: the genesis
  super nodes bond from their bank balances), and queries and messages are listed in it.
- ``BEGIN_BLOCKERS``: before the block's txs. Fees of the last block go out before liveness is judged.
- ``END_BLOCKERS``: after the block's txs. compute first (its allocations read the master node set that the
  staking election may change after it), then staking (unbondings, elections: the validator updates), then
  locks (expiries), then fog (closing an epoch counts the locks expired in this block), then gov (ending
  proposals: a passed param change applies from the next block on, after every module ran with the old ones).
- ``HOOKS``: the hook objects of modules that follow other modules' changes (stake, compute work, locks), in
  the order they run.
"""

from __future__ import annotations

from abci_app.router import Route
from chain_modules.apppool.module import make_module as make_apppool
from chain_modules.auth.module import MODULE as AUTH
from chain_modules.bank.module import MODULE as BANK
from chain_modules.common.module import Module
from chain_modules.compute.module import MODULE as COMPUTE
from chain_modules.compute.module import class_names
from chain_modules.distribution.module import MODULE as DISTRIBUTION
from chain_modules.fog.module import MODULE as FOG
from chain_modules.gov.module import make_module as make_gov
from chain_modules.locks.module import MODULE as LOCKS
from chain_modules.slashing.module import MODULE as SLASHING
from chain_modules.staking.module import MODULE as STAKING

APPPOOL = make_apppool(known_classes=class_names)

# gov changes every module's params through their manifests: it gets them from this list when a proposal runs
GOV = make_gov(param_table=lambda: {module.name: module.params for module in MODULES if module.params is not None})

MODULES: tuple[Module, ...] = (AUTH, BANK, STAKING, DISTRIBUTION, SLASHING, LOCKS, APPPOOL, COMPUTE, FOG, GOV)

BEGIN_BLOCKERS: tuple[Module, ...] = (DISTRIBUTION, SLASHING)
END_BLOCKERS: tuple[Module, ...] = (COMPUTE, STAKING, LOCKS, FOG, GOV)
HOOKS: tuple = tuple(module.hooks for module in MODULES if module.hooks is not None)


def _check() -> None:
    names = [module.name for module in MODULES]
    assert len(set(names)) == len(names), "two modules share a name"
    prefixes = [module.prefix for module in MODULES]
    assert all(prefixes) and not any(a != b and b.startswith(a) for a in prefixes for b in prefixes), \
        "every module needs its own key prefix, none inside another's"
    for steps, hook in ((BEGIN_BLOCKERS, "begin_block"), (END_BLOCKERS, "end_block")):
        assert all(getattr(module, hook) is not None and module in MODULES for module in steps), hook
        missing = [m.name for m in MODULES if getattr(m, hook) is not None and m not in steps]
        assert not missing, f"{missing} have a {hook} step that no order lists"


_check()

# message type -> (module, message class, handler), for the router
ROUTES: list[Route] = [Route(module.name, message, handler) for module in MODULES for message, handler in module.messages]

"""Upgrade plans that this build knows: the governance module schedules a plan (a name and a height); at that
height every node runs the plan's migration at the start of the block, or stops if its build does not know it.

A release that carries a plan registers its migration here under the plan's name. A node that reaches the
planned height with a build that does not know the plan halts before executing the block, with
``UPGRADE NEEDED`` and the plan in its log, and halts again on every restart (CometBFT replays the block) until
the operator installs a build that knows the plan (docs/modules/gov.md, "Upgrade plans"; docs/operations.md).
"""

from __future__ import annotations

import importlib
import os
from typing import Callable

from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateWrite

Migration = Callable[[StateWrite, BlockContext], None]

# plan name -> the migration this build applies at the planned height (deterministic, like any block step)
UPGRADES: dict[str, Migration] = {}


RELEASE_MODULES_ENV = "AMINO_UPGRADE_MODULES"


def load_release_modules(names: str | None = None) -> list[str]:
    """Import the plan modules a release ships beside this build (comma-separated module names, by default from
    $AMINO_UPGRADE_MODULES) and add their ``UPGRADES`` to this build's. The app does this once at start; point it
    only at the release's own plan module. Returns the plan names added."""
    names = os.environ.get(RELEASE_MODULES_ENV, "") if names is None else names
    added = []
    for name in filter(None, (part.strip() for part in names.split(","))):
        plans = getattr(importlib.import_module(name), "UPGRADES", None)
        if not isinstance(plans, dict) or not all(isinstance(k, str) and callable(v) for k, v in plans.items()):
            raise SystemExit(f"upgrade module {name!r} must define UPGRADES: a dict of plan name -> migration")
        clash = sorted(set(plans) & set(UPGRADES))
        if clash:
            raise SystemExit(f"upgrade module {name!r} registers plan {clash[0]!r} a second time")
        UPGRADES.update(plans)
        added.extend(sorted(plans))
    return added


class UpgradeNeeded(RuntimeError):
    """The chain reached an upgrade plan's height and this build does not know the plan."""


def apply_plan(state: StateWrite, ctx: BlockContext, plan: tuple[str, int, int] | None) -> str | None:
    """At the plan's height: run its migration and return its name, or raise UpgradeNeeded. Otherwise None."""
    if plan is None or plan[1] != ctx.height:
        return None
    name, height, proposal_id = plan
    migration = UPGRADES.get(name)
    if migration is None:
        raise UpgradeNeeded(f"UPGRADE NEEDED: upgrade plan {name!r} (gov proposal {proposal_id}) is scheduled at height "
                            f"{height} and this build does not know it; stop this node, install the release that "
                            f"carries plan {name!r} and start it again")
    migration(state, ctx)
    return name

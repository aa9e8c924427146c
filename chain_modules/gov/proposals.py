"""What each kind of proposal asks, checked against the chain (at submission and again when it passes), and
what it does when it passes.

Param changes reach every module's params through the manifest: the app hands gov a function that returns
``{module name: chain_modules.common.module.Params}`` (``make_module(param_table=...)``), so gov never imports the
modules it changes. A change is the module's current params with the proposed names replaced, and it must pass
that module's own ``from_dict`` validation. Changes that would need a state migration are refused with the
reason (``MIGRATION_RULES``); there are no migrations on this chain yet.
"""

from __future__ import annotations

from typing import Any, Callable

from chain_modules.apppool import api as apppool_api
from chain_modules.bank import api as bank_api
from chain_modules.common.context import BlockContext
from chain_modules.common.encoding import EncodingError, encode
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.distribution import api as distribution_api
from chain_modules.gov import state as st
from chain_modules.gov.errors import (
    ErrInsufficientCommunityPool,
    ErrInvalidParamChange,
    ErrInvalidUpgradeHeight,
    ErrParamNeedsMigration,
    ErrUnknownApp,
)
from chain_modules.gov.events import event_community_spent, event_params_changed, event_upgrade_scheduled
from chain_modules.gov.types import APP_POOL, COMMUNITY_SPEND, MAX_PARAM_BYTES, PARAM_CHANGE, UPGRADE, Proposal

ParamTable = Callable[[], dict[str, Any]]  # module name -> chain_modules.common.module.Params

GOV_POOL = bank_api.module_address("gov")  # holds the deposits; named as the authority of app pool decisions


def _compute_reason(old: dict, new: dict) -> str | None:
    if new["heartbeat_timeout_seconds"] != old["heartbeat_timeout_seconds"]:
        return ("compute.heartbeat_timeout_seconds cannot change: the heartbeat expiry queue's keys hold "
                "last_heartbeat + the timeout at the time they were written, and no migration rewrites them")
    old_classes = {c["name"]: c for c in old["classes"]}
    new_classes = {c["name"]: c for c in new["classes"]}
    removed = sorted(set(old_classes) - set(new_classes))
    if removed:
        return (f"compute class {removed[0]!r} cannot be removed: open tasks and the capacity counters of the class "
                "would remain, and no migration moves them")
    added = sorted(set(new_classes) - set(old_classes))
    if added:
        return (f"compute class {added[0]!r} cannot be added: the workers that fit it are not in its capacity "
                "counters, and no migration counts them")
    for name, old_class in old_classes.items():
        new_class = new_classes[name]
        changed = sorted(key for key in old_class if key != "price" and old_class[key] != new_class[key])
        if changed:
            return (f"compute class {name!r}: {changed[0]} cannot change (the registered workers that fit the class "
                    "and the deadlines of its open tasks were computed with it); only its genesis price may")
    return None


def _fog_reason(old: dict, new: dict) -> str | None:
    for name in ("epoch_seconds", "windows_per_epoch"):
        if new[name] != old[name]:
            return (f"fog.{name} cannot change: the open epoch's heartbeat windows were counted with it, and no "
                    "migration recounts them")
    return None


def _staking_reason(old: dict, new: dict) -> str | None:
    if new["power_reduction"] != old["power_reduction"]:
        return ("staking.power_reduction cannot change: slashes of past infractions convert the validator power "
                "of that time back to stake with it")
    return None


# module name -> (old params dict, new params dict) -> why the change needs a migration, or None
MIGRATION_RULES: dict[str, Callable[[dict, dict], str | None]] = {
    "compute": _compute_reason,
    "fog": _fog_reason,
    "staking": _staking_reason,
}


def resolve_param_changes(state: StateRead, table: dict[str, Any], changes: list[dict]) -> list[tuple[str, Any, list[str]]]:
    """The new params object of every module a param change names, validated by the module itself.

    Raises: ErrInvalidParamChange, ErrParamNeedsMigration
    """
    resolved = []
    for change in changes:
        module, proposed = change["module"], change["params"]
        params = table.get(module)
        if params is None:
            raise ErrInvalidParamChange(f"module {module!r} has no params; modules with params: {sorted(table)}")
        old = params.get(state).to_dict()
        unknown = sorted(set(proposed) - set(old))
        if unknown:
            raise ErrInvalidParamChange(f"{module} has no param {unknown[0]!r}")
        try:
            if len(encode(proposed)) > MAX_PARAM_BYTES:
                raise ErrInvalidParamChange(f"the {module} params of the change exceed {MAX_PARAM_BYTES} bytes")
            new = params.type.from_dict({**old, **proposed})
        except (ValueError, TypeError, KeyError, EncodingError) as exc:
            raise ErrInvalidParamChange(f"{module}: {exc}") from None
        rule = MIGRATION_RULES.get(module)
        reason = rule(old, new.to_dict()) if rule is not None else None
        if reason is not None:
            raise ErrParamNeedsMigration(reason)
        resolved.append((module, new, sorted(proposed)))
    return resolved


def check(state: StateRead, ctx: BlockContext, table: ParamTable, kind: str, content: dict) -> None:
    """Whether the chain can do what the proposal asks now.

    Raises: ErrInvalidParamChange, ErrParamNeedsMigration, ErrUnknownApp, ErrInsufficientCommunityPool,
    ErrInvalidUpgradeHeight
    """
    if kind == PARAM_CHANGE:
        resolve_param_changes(state, table(), content["changes"])
    elif kind == APP_POOL:
        if apppool_api.get_app(state, content["module_hash"]) is None:
            raise ErrUnknownApp(f"no application with module hash {content['module_hash'].hex()}; register it first")
    elif kind == COMMUNITY_SPEND:
        pool = distribution_api.community_pool(state)
        if content["amount"] > pool:
            raise ErrInsufficientCommunityPool(f"the community pool holds {pool}uamio, the proposal asks {content['amount']}uamio")
    elif kind == UPGRADE:
        if content["height"] <= ctx.height:
            raise ErrInvalidUpgradeHeight(f"upgrade height {content['height']} is not above the current height {ctx.height}")


def execute(state: StateWrite, ctx: BlockContext, table: ParamTable, proposal: Proposal) -> None:
    """Do what a passed proposal asks: checks first (raising a gov ChainError leaves state unchanged), then writes.

    Raises: as ``check``
    """
    kind, content = proposal.kind, proposal.content
    check(state, ctx, table, kind, content)
    if kind == PARAM_CHANGE:
        modules = table()
        for module, new, names in resolve_param_changes(state, modules, content["changes"]):
            modules[module].set(state, new)
            state.emit(event_params_changed(proposal.id, module, names))
    elif kind == APP_POOL:
        action = content["action"]
        apppool_api.set_app_status(state, content["module_hash"], verified=action == "verify",
                                   blocked=action == "block", authority=GOV_POOL)
    elif kind == COMMUNITY_SPEND:
        distribution_api.spend_community(state, content["recipient"], content["amount"])
        state.emit(event_community_spent(proposal.id, content["recipient"], content["amount"]))
    elif kind == UPGRADE:
        st.set_upgrade_plan(state, content["name"], content["height"], proposal.id)
        state.emit(event_upgrade_scheduled(proposal.id, content["name"], content["height"]))

"""Parse and validate the app_state of a genesis file into what the modules initialise from.

The same code runs in `amino genesis validate` and in InitChain, so a file
that validates is exactly a file the chain accepts. Every error names the
field it is about, as a path like ``app_state.bank.allocations[2].share_bps``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from chain_modules.auth.types import TxParams
from chain_modules.bank.genesis import GenesisAccount
from chain_modules.bank.types import VestingSchedule
from chain_modules.common.address import AddressError, decode_address
from chain_modules.common.amount import TOTAL_SUPPLY_UAMIO
from chain_modules.apppool.types import AppPoolParams
from chain_modules.compute.types import ComputeParams
from chain_modules.locks.types import LockParams
from chain_modules.slashing.types import SlashingParams
from chain_modules.staking.genesis import GenesisSuperNode
from chain_modules.staking.types import BPS as STAKING_BPS, StakingParams, is_valid_consensus_key
from genesis.allocation import BPS, DEFAULT_ALLOCATIONS, allocation_amount


class GenesisError(ValueError):
    """A genesis file problem; the message starts with the path of the offending field."""


@dataclass(frozen=True)
class AppGenesis:
    tx_params: TxParams
    accounts: list[GenesisAccount]
    total_supply: int
    staking_params: StakingParams
    super_nodes: list[GenesisSuperNode]
    slashing_params: SlashingParams
    locks_params: LockParams
    compute_params: ComputeParams
    apppool_params: AppPoolParams


def _int(value: object, path: str, minimum: int = 0) -> int:
    if type(value) is not int or value < minimum:
        raise GenesisError(f"{path}: must be an integer >= {minimum}, got {value!r}")
    return value


def _map(value: object, path: str, fields: set[str], optional: set[str] = frozenset()) -> dict:
    if not isinstance(value, dict):
        raise GenesisError(f"{path}: must be an object")
    missing = sorted(fields - set(value))
    if missing:
        raise GenesisError(f"{path}.{missing[0]}: is required")
    unknown = sorted(set(value) - fields - optional)
    if unknown:
        raise GenesisError(f"{path}.{unknown[0]}: unknown field")
    return value


def _schedule(raw: object, path: str, amount: int, genesis_time: int) -> VestingSchedule | None:
    spec = _map(raw, path, {"kind"}, {"periods", "duration"})
    kind = spec["kind"]
    if kind == "none":
        return None
    if kind == "linear":
        duration = _int(spec.get("duration"), f"{path}.duration", 1)
        return VestingSchedule("linear", amount, genesis_time, genesis_time + duration)
    if kind == "periodic":
        periods = spec.get("periods")
        if not isinstance(periods, list) or not periods:
            raise GenesisError(f"{path}.periods: must be a non-empty list of [offset_seconds, bps]")
        total_bps = 0
        last_offset = -1
        steps: list[tuple[int, int]] = []
        paid = 0
        for index, period in enumerate(periods):
            ppath = f"{path}.periods[{index}]"
            if not (isinstance(period, list) and len(period) == 2):
                raise GenesisError(f"{ppath}: must be [offset_seconds, bps]")
            offset = _int(period[0], f"{ppath}[0]")
            bps = _int(period[1], f"{ppath}[1]", 1)
            if offset <= last_offset:
                raise GenesisError(f"{ppath}[0]: offsets must increase")
            last_offset = offset
            total_bps += bps
            part = amount - paid if index == len(periods) - 1 else amount * bps // BPS
            paid += part
            steps.append((genesis_time + offset, part))
        if total_bps != BPS:
            raise GenesisError(f"{path}.periods: fractions add up to {total_bps} bps, expected {BPS}")
        return VestingSchedule("periodic", amount, genesis_time, 0, tuple(steps))
    raise GenesisError(f"{path}.kind: must be 'none', 'linear' or 'periodic', got {kind!r}")


def parse_app_state(app_state: object, genesis_time: int, enforce_default_table: bool = True) -> AppGenesis:
    """Validate ``app_state`` and expand the allocation table into accounts and vesting schedules.

    With ``enforce_default_table`` the allocation names, shares and schedules
    must be the ones of DESIGN.md section 6 (a chain may only choose the
    recipients); tests pass False to try other tables.
    """
    root = _map(app_state, "app_state", {"auth", "bank", "staking", "slashing", "locks"}, {"compute", "apppool"})
    tx_params = _params(_map(root["auth"], "app_state.auth", {"params"})["params"], TxParams, "app_state.auth.params")

    bank = _map(root["bank"], "app_state.bank", {"total_supply", "allocations"})
    total_supply = _int(bank["total_supply"], "app_state.bank.total_supply", 1)
    if total_supply != TOTAL_SUPPLY_UAMIO:
        raise GenesisError(f"app_state.bank.total_supply: must be {TOTAL_SUPPLY_UAMIO} uamio (1,000,000,000 AMIO)")
    allocations = bank["allocations"]
    if not isinstance(allocations, list) or not allocations:
        raise GenesisError("app_state.bank.allocations: must be a non-empty list")

    accounts: list[GenesisAccount] = []
    seen_addresses: dict[bytes, str] = {}
    seen_names: set[str] = set()
    share_total = 0
    for a_index, allocation in enumerate(allocations):
        apath = f"app_state.bank.allocations[{a_index}]"
        allocation = _map(allocation, apath, {"name", "share_bps", "schedule", "recipients"})
        name = allocation["name"]
        if not isinstance(name, str) or not name or name in seen_names:
            raise GenesisError(f"{apath}.name: must be a unique non-empty string")
        seen_names.add(name)
        share = _int(allocation["share_bps"], f"{apath}.share_bps", 1)
        share_total += share
        expected = allocation_amount(share, total_supply)
        recipients = allocation["recipients"]
        if not isinstance(recipients, list) or not recipients:
            raise GenesisError(f"{apath}.recipients: must be a non-empty list")
        subtotal = 0
        for r_index, recipient in enumerate(recipients):
            rpath = f"{apath}.recipients[{r_index}]"
            recipient = _map(recipient, rpath, {"address", "amount"})
            try:
                address = decode_address(recipient["address"])
            except AddressError as exc:
                raise GenesisError(f"{rpath}.address: {exc}") from None
            if address in seen_addresses:
                raise GenesisError(f"{rpath}.address: already receives the {seen_addresses[address]} allocation")
            seen_addresses[address] = name
            amount = _int(recipient["amount"], f"{rpath}.amount", 1)
            subtotal += amount
            accounts.append(GenesisAccount(address, amount, _schedule(allocation["schedule"], f"{apath}.schedule", amount, genesis_time)))
        if subtotal != expected:
            raise GenesisError(f"{apath}.recipients: amounts add up to {subtotal} uamio, the {share} bps share is {expected}")
    if share_total != BPS:
        raise GenesisError(f"app_state.bank.allocations: shares add up to {share_total} bps, expected {BPS}")
    if enforce_default_table:
        table = [(a["name"], a["share_bps"], a["schedule"]) for a in allocations]
        if table != DEFAULT_ALLOCATIONS:
            for a_index, (got, want) in enumerate(zip(table, DEFAULT_ALLOCATIONS)):
                if got != want:
                    raise GenesisError(
                        f"app_state.bank.allocations[{a_index}]: expected {want[0]!r} with {want[1]} bps and schedule {want[2]}"
                    )
            raise GenesisError(f"app_state.bank.allocations: expected {len(DEFAULT_ALLOCATIONS)} allocations")
    staking_params, super_nodes = _parse_staking(root["staking"], {a.address: a for a in accounts})
    slashing_params = _params(_map(root["slashing"], "app_state.slashing", {"params"})["params"], SlashingParams, "app_state.slashing.params")
    locks_params = _params(_map(root["locks"], "app_state.locks", {"params"})["params"], LockParams, "app_state.locks.params")
    compute_params = ComputeParams()
    if "compute" in root:
        compute_params = _params(_map(root["compute"], "app_state.compute", {"params"})["params"], ComputeParams, "app_state.compute.params")
    apppool_params = AppPoolParams()
    if "apppool" in root:
        apppool_params = _params(_map(root["apppool"], "app_state.apppool", {"params"})["params"], AppPoolParams, "app_state.apppool.params")
    return AppGenesis(tx_params, accounts, total_supply, staking_params, super_nodes, slashing_params, locks_params,
                      compute_params, apppool_params)


def _params(raw: object, cls, path: str):
    """A module's params from genesis, with the error prefixed by the field path."""
    if not isinstance(raw, dict):
        raise GenesisError(f"{path}: must be an object")
    try:
        return cls.from_dict(raw)
    except (TypeError, ValueError) as exc:
        raise GenesisError(f"{path}: {exc}") from None


def _parse_staking(raw: object, accounts: dict) -> tuple[StakingParams, list[GenesisSuperNode]]:
    staking = _map(raw, "app_state.staking", {"params", "super_nodes"})
    params = _params(staking["params"], StakingParams, "app_state.staking.params")
    nodes = staking["super_nodes"]
    if not isinstance(nodes, list):
        raise GenesisError("app_state.staking.super_nodes: must be a list")
    parsed: list[GenesisSuperNode] = []
    seen_operators: set[bytes] = set()
    seen_keys: set[bytes] = set()
    for index, node in enumerate(nodes):
        path = f"app_state.staking.super_nodes[{index}]"
        node = _map(node, path, {"operator", "consensus_pubkey", "moniker", "commission_bps", "max_change_bps", "self_bond"})
        try:
            operator = decode_address(node["operator"])
        except AddressError as exc:
            raise GenesisError(f"{path}.operator: {exc}") from None
        if operator in seen_operators:
            raise GenesisError(f"{path}.operator: appears twice")
        seen_operators.add(operator)
        try:
            pubkey = base64.b64decode(node["consensus_pubkey"], validate=True) if isinstance(node["consensus_pubkey"], str) else b""
        except ValueError:
            pubkey = b""
        if not is_valid_consensus_key(pubkey):
            raise GenesisError(f"{path}.consensus_pubkey: must be the base64 of a valid ed25519 key "
                               "(32 bytes, a point of prime order, not small order)")
        if pubkey in seen_keys:
            raise GenesisError(f"{path}.consensus_pubkey: used twice")
        seen_keys.add(pubkey)
        moniker = node["moniker"]
        if not isinstance(moniker, str) or not 1 <= len(moniker) <= 64:
            raise GenesisError(f"{path}.moniker: must be 1 to 64 characters")
        commission = _int(node["commission_bps"], f"{path}.commission_bps")
        max_change = _int(node["max_change_bps"], f"{path}.max_change_bps")
        if commission > STAKING_BPS or max_change > STAKING_BPS:
            raise GenesisError(f"{path}.commission_bps: rates must be at most {STAKING_BPS} bps")
        self_bond = _int(node["self_bond"], f"{path}.self_bond", params.min_super_self_bond)
        account = accounts.get(operator)
        if account is None or account.amount < self_bond:
            raise GenesisError(f"{path}.self_bond: the operator's genesis balance cannot cover {self_bond} uamio")
        parsed.append(GenesisSuperNode(operator, pubkey, moniker, commission, max_change, self_bond))
    return params, parsed

"""bank genesis: balances and vesting schedules, and the total supply they must add up to.

A fresh genesis gives the allocation table (DESIGN.md section 6): each allocation's share of the supply, its
vesting schedule relative to the genesis time, and its recipients. An exported genesis gives the state itself
(chain_modules/common/genesis.py, "Exported state").
"""

from __future__ import annotations

from dataclasses import dataclass

from chain_modules.bank.allocation import BPS, DEFAULT_ALLOCATIONS, allocation_amount
from chain_modules.bank.keys import PREFIX
from chain_modules.bank.state import get_supply, set_balance, set_supply, set_vesting
from chain_modules.bank.types import VestingSchedule
from chain_modules.common.address import AddressError, decode_address
from chain_modules.common.amount import TOTAL_SUPPLY_UAMIO
from chain_modules.common.context import BlockContext
from chain_modules.common.genesis import GenesisError, export_state, import_state, parse_state, require_int, require_map
from chain_modules.common.module import Genesis, GenesisContext, Section
from chain_modules.common.state import StateRead, StateWrite


@dataclass(frozen=True, slots=True)
class GenesisAccount:
    address: bytes
    amount: int
    vesting: VestingSchedule | None = None


@dataclass(frozen=True, slots=True)
class BankGenesis:
    accounts: tuple[GenesisAccount, ...]
    total_supply: int


def init_genesis(state: StateWrite, accounts: list[GenesisAccount] | tuple[GenesisAccount, ...], total_supply: int) -> None:
    """Write genesis balances and schedules; the amounts must add up to ``total_supply`` exactly."""
    merged: dict[bytes, GenesisAccount] = {}
    for account in accounts:
        if account.address in merged:
            raise ValueError(f"genesis account {account.address.hex()} appears twice")
        merged[account.address] = account
    total = sum(account.amount for account in accounts)
    if total != total_supply:
        raise ValueError(f"genesis balances add up to {total}, total supply is {total_supply}")
    for address in sorted(merged):
        account = merged[address]
        set_balance(state, address, account.amount)
        if account.vesting is not None:
            set_vesting(state, address, account.vesting)
    set_supply(state, total_supply)


def _schedule(raw: object, path: str, amount: int, genesis_time: int) -> VestingSchedule | None:
    spec = require_map(raw, path, {"kind"}, {"periods", "duration"})
    kind = spec["kind"]
    if kind == "none":
        return None
    if kind == "linear":
        duration = require_int(spec.get("duration"), f"{path}.duration", 1)
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
            offset = require_int(period[0], f"{ppath}[0]")
            bps = require_int(period[1], f"{ppath}[1]", 1)
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


def _accounts(allocations: object, total_supply: int, ctx: GenesisContext) -> tuple[GenesisAccount, ...]:
    """Expand the allocation table into accounts and vesting schedules.

    With ``ctx.enforce_default_table`` the allocation names, shares and schedules must be the ones of DESIGN.md
    section 6 (a chain may only choose the recipients); tests pass False to try other tables."""
    if not isinstance(allocations, list) or not allocations:
        raise GenesisError("app_state.bank.allocations: must be a non-empty list")
    accounts: list[GenesisAccount] = []
    seen_addresses: dict[bytes, str] = {}
    seen_names: set[str] = set()
    share_total = 0
    for a_index, allocation in enumerate(allocations):
        apath = f"app_state.bank.allocations[{a_index}]"
        allocation = require_map(allocation, apath, {"name", "share_bps", "schedule", "recipients"})
        name = allocation["name"]
        if not isinstance(name, str) or not name or name in seen_names:
            raise GenesisError(f"{apath}.name: must be a unique non-empty string")
        seen_names.add(name)
        share = require_int(allocation["share_bps"], f"{apath}.share_bps", 1)
        share_total += share
        expected = allocation_amount(share, total_supply)
        recipients = allocation["recipients"]
        if not isinstance(recipients, list) or not recipients:
            raise GenesisError(f"{apath}.recipients: must be a non-empty list")
        subtotal = 0
        for r_index, recipient in enumerate(recipients):
            rpath = f"{apath}.recipients[{r_index}]"
            recipient = require_map(recipient, rpath, {"address", "amount"})
            try:
                address = decode_address(recipient["address"])
            except AddressError as exc:
                raise GenesisError(f"{rpath}.address: {exc}") from None
            if address in seen_addresses:
                raise GenesisError(f"{rpath}.address: already receives the {seen_addresses[address]} allocation")
            seen_addresses[address] = name
            amount = require_int(recipient["amount"], f"{rpath}.amount", 1)
            subtotal += amount
            accounts.append(GenesisAccount(address, amount, _schedule(allocation["schedule"], f"{apath}.schedule", amount,
                                                                      ctx.genesis_time)))
        if subtotal != expected:
            raise GenesisError(f"{apath}.recipients: amounts add up to {subtotal} uamio, the {share} bps share is {expected}")
    if share_total != BPS:
        raise GenesisError(f"app_state.bank.allocations: shares add up to {share_total} bps, expected {BPS}")
    if ctx.enforce_default_table:
        table = [(a["name"], a["share_bps"], a["schedule"]) for a in allocations]
        if table != DEFAULT_ALLOCATIONS:
            for a_index, (got, want) in enumerate(zip(table, DEFAULT_ALLOCATIONS)):
                if got != want:
                    raise GenesisError(
                        f"app_state.bank.allocations[{a_index}]: expected {want[0]!r} with {want[1]} bps and schedule {want[2]}"
                    )
            raise GenesisError(f"app_state.bank.allocations: expected {len(DEFAULT_ALLOCATIONS)} allocations")
    return tuple(accounts)


def parse_genesis(raw: object, ctx: GenesisContext) -> Section:
    bank = require_map(raw, "app_state.bank", {"total_supply"}, {"allocations", "state"})
    total_supply = require_int(bank["total_supply"], "app_state.bank.total_supply", 1)
    if total_supply != TOTAL_SUPPLY_UAMIO:
        raise GenesisError(f"app_state.bank.total_supply: must be {TOTAL_SUPPLY_UAMIO} uamio (1,000,000,000 AMIO)")
    if "allocations" not in bank and "state" not in bank:
        raise GenesisError("app_state.bank.allocations: is required")
    if "allocations" in bank and "state" in bank:
        raise GenesisError("app_state.bank: give either allocations (a new chain) or state (an exported one)")
    if "state" in bank:
        return Section(state=parse_state(bank["state"], "app_state.bank.state", PREFIX),
                       extra=BankGenesis((), total_supply))
    return Section(extra=BankGenesis(_accounts(bank["allocations"], total_supply, ctx), total_supply))


def _init(state: StateWrite, block: BlockContext, section: Section) -> None:
    if section.state:
        import_state(state, section.state)
    else:
        init_genesis(state, section.extra.accounts, section.extra.total_supply)


def _export(state: StateRead) -> dict:
    return {"total_supply": get_supply(state), "state": export_state(state, PREFIX)}


GENESIS = Genesis(default=lambda: {"total_supply": TOTAL_SUPPLY_UAMIO, "allocations": []}, parse=parse_genesis,
                  init=_init, export=_export)

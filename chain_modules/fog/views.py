"""Query views of fog. Pending FOG is computed by running the settlement on a scratch layer (nothing is
written), so a query shows exactly what the next transaction would credit."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.context import BlockContext
from chain_modules.common.events import bech32
from chain_modules.common.query import QueryContext, not_found
from chain_modules.common.state import Scratch
from chain_modules.compute import api as compute_api
from chain_modules.fog import logic
from chain_modules.fog import state as st
from chain_modules.fog.types import BPS


def params_view(ctx: QueryContext) -> dict:
    return st.get_params(ctx.state).to_dict()


def _contribution_view(ctx: QueryContext, record, address: bytes = b"") -> dict:
    params = st.get_params(ctx.state)
    epoch = st.get_open_epoch(ctx.state)
    current = record is not None and record.epoch == epoch.index
    loyalty, probation = logic.factors(params, record) if current else (BPS, BPS)
    worker = compute_api.get_worker(ctx.state, address) if address else None
    return {
        # routing is a master node's share and takes no factors; availability and work are a worker's
        "kind": "worker" if worker is not None else ("master" if record is not None and record.routing else "account"),
        "epoch": epoch.index,
        "points": record.points if current else 0,
        "availability": record.availability if current else 0,
        "work": record.work if current else 0,
        "routing": record.routing if current else 0,
        "windows": record.windows if current else 0,
        "windows_per_epoch": params.windows_per_epoch,
        "verified_fuel": record.fuel if current else 0,
        "forfeited": record.forfeited if current else "",
        # the epoch's liveness probe (docs/modules/fog.md): its state, its task, and the availability held for it
        "probe": record.probe if current else "",
        "probe_task": record.probe_task if current else 0,
        "held": record.held if current else 0,
        "capacity_weight": logic.capacity_weight(ctx.state, params, record, address) if record and address else 0,
        "loyalty_bps": loyalty,
        "probation_bps": probation,
        "streak": record.streak if current else 0,
        "proven_weight": record.proven_weight if record else 0,
        "verified_results": record.verified_results if record else 0,
        "probation_results": params.probation_results,
        "epoch_points": epoch.points,
        "epoch_emission": params.emission_per_epoch,
        "epoch_ends": epoch.start + params.epoch_seconds,
    }


def contribution_view(ctx: QueryContext, address: bytes) -> dict:
    """This epoch's points of an earner and their parts (after settling an earlier epoch, on a scratch layer)."""
    scratch = Scratch(ctx.state)
    block = BlockContext("query", ctx.height, ctx.time * 1_000_000_000)
    record = logic.touch(scratch, block, address) if st.get_contribution(ctx.state, address) else None
    return _contribution_view(QueryContext(scratch, ctx.height, ctx.time), record, address)


def balance_view(ctx: QueryContext, address: bytes) -> dict:
    scratch = Scratch(ctx.state)
    before = st.get_account(ctx.state, address).balance
    logic.settle_account(scratch, BlockContext("query", ctx.height, ctx.time * 1_000_000_000), address)
    account = st.get_account(scratch, address)
    record = st.get_contribution(scratch, address)
    return {
        "address": bech32(address),
        "balance": before,
        "unsettled": account.balance - before,  # earned in closed epochs, credited at the next transaction
        "redeemable": logic.redeemable(scratch, address),
        "earned": account.earned,
        "redeemed": account.redeemed,
        "contribution_total": record.total if record else 0,
        "history": [{"epoch": epoch, "amount": amount} for epoch, amount in (record.history if record else ())],
        "requested": account.requested,  # in redemption requests not paid yet
    }


def epoch_view(ctx: QueryContext) -> dict:
    params = st.get_params(ctx.state)
    epoch = st.get_open_epoch(ctx.state)
    return {"epoch": epoch.index, "start": epoch.start, "ends": epoch.start + params.epoch_seconds,
            "points": epoch.points, "locked": epoch.locked, "emission": params.emission_per_epoch,
            "closed": False}


def closed_epoch_view(ctx: QueryContext, epoch: int) -> dict:
    record = st.get_closed_epoch(ctx.state, epoch)
    if record is None:
        current = st.get_open_epoch(ctx.state).index
        if epoch == current:
            return epoch_view(ctx)
        raise not_found(f"no epoch {epoch} (the open epoch is {current})")
    return {"epoch": epoch, "start": record.start, "end": record.end, "emission": record.emission,
            "points": record.points, "unsettled": record.remaining, "locker_emission": record.locker_emission,
            "locked_seconds": str(record.locked_seconds), "closed": True}


def redemption_view(ctx: QueryContext) -> dict:
    params = st.get_params(ctx.state)
    period = st.get_open_period(ctx.state)
    ledger = st.get_ledger(ctx.state)
    last = st.get_closed_period(ctx.state, period.index - 1) if period.index else None
    return {
        "period": period.index,
        "start": period.start,
        "ends": period.start + params.redemption_period_seconds,
        "requested": period.requested,
        "requests": period.requests,
        "revenue_pool": bank_api.get_balance(ctx.state, compute_api.REVENUE_POOL),
        "supply": ledger.supply,
        "last_close": None if last is None else {
            "period": period.index - 1, "pool": last.pool, "supply": last.supply, "requested": last.requested,
            "payout": last.payout, "uamio_per_fog": _decimal(last.pool * 10**12 // last.supply) if last.supply else "0",
        },
    }


def _decimal(micros: int) -> str:
    """An integer count of millionths as a decimal with 6 places."""
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def supply_view(ctx: QueryContext) -> dict:
    ledger = st.get_ledger(ctx.state)
    return {"minted": ledger.minted, "burned": ledger.burned, "supply": ledger.supply, "settled": ledger.settled,
            "unsettled_providers": ledger.provider_unsettled, "unsettled_lockers": ledger.locker_unsettled,
            "requested": ledger.requested}

"""What the explorer pages show, gathered from the chain through the gateway's RPC client.

Off-chain presentation code: it may round and scale (charts), but every number it shows comes from a query,
a block or the tx index.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from typing import Any

from chain_modules.bank.api import FEE_COLLECTOR
from chain_modules.common.address import encode_address
from chain_modules.compute.api import DEPOSITS, ESCROW, REVENUE_POOL
from chain_modules.distribution.api import DISTRIBUTION_POOL
from chain_modules.fog.api import REDEMPTION
from chain_modules.locks.api import LOCKS_POOL
from chain_modules.staking.api import BONDED_POOL, UNBONDING_POOL
from gateway.errors import GatewayError
from gateway.render import decode_view, tx_view
from gateway.rpc import ChainRpc, RpcFailure

UAMIO = 1_000_000
MODULE_ACCOUNTS = {
    "fee collector": FEE_COLLECTOR, "distribution": DISTRIBUTION_POOL, "unbonding": UNBONDING_POOL,
    "task escrow": ESCROW, "worker deposits": DEPOSITS, "revenue pool": REVENUE_POOL, "FOG redemption": REDEMPTION,
}
RECENT_BLOCKS = 40
UPTIME_WINDOW = 50


async def query(rpc: ChainRpc, path: str) -> Any:
    """The decoded view at ``path``, or None when the chain says not found."""
    result = await rpc.query(path)
    if result["code"] == 5:
        return None
    if result["code"]:
        raise GatewayError(400, result["log"], result["code"], result["codespace"] or "query")
    return decode_view(result["value"])


async def raw_uint(rpc: ChainRpc, path: str) -> int:
    result = await rpc.query(path)
    return int.from_bytes(result["value"], "big") if result["value"] else 0


def parse_time(text: str) -> float:
    """RFC 3339 with nanoseconds, as CometBFT writes it, to unix seconds (for display and rates only)."""
    main, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(main + "+00:00").timestamp() + (float("0." + fraction[:9]) if fraction else 0.0)


def short_time(text: str) -> str:
    return text[:19].replace("T", " ") if text else ""


def consensus_address(pubkey_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(pubkey_hex)).digest()[:20].hex().upper() if pubkey_hex else ""


async def recent_blocks(rpc: ChainRpc, latest: int, count: int = RECENT_BLOCKS) -> list[dict]:
    """Block metas of the last ``count`` blocks, newest first."""
    metas: list[dict] = []
    high = latest
    while high >= 1 and len(metas) < count:
        low = max(1, high - 19, high - (count - len(metas)) + 1)
        metas += await rpc.blockchain(low, high)
        high = low - 1
    return [{"height": int(m["header"]["height"]), "time": m["header"]["time"], "hash": m["block_id"]["hash"],
             "proposer": m["header"]["proposer_address"], "num_txs": int(m.get("num_txs", 0))} for m in metas]


def block_rates(blocks: list[dict]) -> dict:
    """Average block time and tx/s over ``blocks`` (newest first), and per-block tx/s for the chart."""
    if len(blocks) < 2:
        return {"block_time": None, "tps": None, "series": []}
    times = [parse_time(b["time"]) for b in blocks]
    span = times[0] - times[-1]
    series = []
    for newer, older, block in zip(times, times[1:], blocks):
        gap = max(newer - older, 0.001)
        series.append({"height": block["height"], "tps": block["num_txs"] / gap, "txs": block["num_txs"]})
    total_txs = sum(b["num_txs"] for b in blocks[:-1])
    return {"block_time": span / (len(blocks) - 1), "tps": total_txs / span if span > 0 else 0.0,
            "series": list(reversed(series))}


async def supply_split(rpc: ChainRpc, genesis_bank: dict) -> dict:
    """The AMIO supply split into circulating, vesting, bonded, locked and module accounts (uamio)."""
    supply = await raw_uint(rpc, "/bank/supply")
    bonded = await raw_uint(rpc, f"/bank/balance/{encode_address(BONDED_POOL)}")
    locked = await raw_uint(rpc, f"/bank/balance/{encode_address(LOCKS_POOL)}")
    modules = {name: await raw_uint(rpc, f"/bank/balance/{encode_address(address)}")
               for name, address in MODULE_ACCOUNTS.items()}
    vesting = 0
    for address in vesting_accounts(genesis_bank):
        view = await query(rpc, f"/bank/spendable/{address}")
        vesting += view["locked"] if view else 0
    module_total = sum(modules.values())
    circulating = supply - bonded - locked - module_total - vesting
    parts = [("circulating", circulating), ("vesting", vesting), ("bonded", bonded), ("locked", locked),
             ("module accounts", module_total)]
    return {"supply": supply, "parts": parts, "modules": modules}


def vesting_accounts(genesis_bank: dict) -> list[str]:
    addresses = []
    for allocation in genesis_bank.get("allocations") or []:
        if (allocation.get("schedule") or {}).get("kind", "none") == "none":
            continue
        addresses += [recipient["address"] for recipient in allocation.get("recipients") or []]
    return sorted(set(addresses))


async def genesis_bank(rpc: ChainRpc) -> dict:
    cached = rpc.cache.get(("genesis_bank", ""))
    if cached is None:
        genesis = (await rpc.call("genesis"))["genesis"]
        cached = (genesis.get("app_state") or {}).get("bank") or {}
        rpc.cache.put(("genesis_bank", ""), cached)
    return cached


async def search_txs(rpc: ChainRpc, query_text: str, limit: int = 20, order: str = "desc") -> list[dict]:
    try:
        result = await rpc.call("tx_search", query=query_text, prove=False, page="1", per_page=str(limit),
                                order_by=order)
    except RpcFailure:
        return []
    return [tx_view(item) for item in result.get("txs") or []]


async def block_events_heights(rpc: ChainRpc, query_text: str, limit: int = 50) -> list[int]:
    """Heights of blocks whose FinalizeBlock events match ``query_text`` (CometBFT's block index)."""
    try:
        result = await rpc.call("block_search", query=query_text, page="1", per_page=str(limit), order_by="asc")
    except RpcFailure:
        return []
    return [int(item["block"]["header"]["height"]) for item in result.get("blocks") or []]


async def uptime_grid(rpc: ChainRpc, latest: int, validators: list[dict], window: int = UPTIME_WINDOW) -> dict:
    """For every super node, whether it signed each of the last ``window`` commits (oldest first)."""
    heights = list(range(max(2, latest - window + 1), latest + 1))
    blocks = await asyncio.gather(*(rpc.block(height) for height in heights))
    grid: dict[str, list[dict]] = {v["consensus_address"]: [] for v in validators}
    for height, block in zip(heights, blocks):
        signatures = (block["block"].get("last_commit") or {}).get("signatures") or []
        signed = {sig.get("validator_address"): sig.get("block_id_flag") == 2 for sig in signatures}
        for address in grid:
            grid[address].append({"height": height - 1, "signed": signed.get(address, False),
                                  "in_set": address in signed})
    return grid


def bar_chart(values: list[float], labels: list[str], width: int = 600, height: int = 120) -> dict:
    """Rectangles for an SVG bar chart of ``values`` (non-negative), scaled to the largest."""
    top = max(values) if values and max(values) > 0 else 1.0
    slot = width / max(len(values), 1)
    bars = [{"x": round(i * slot + 1, 2), "w": round(max(slot - 2, 1), 2),
             "h": round(value / top * (height - 16), 2), "y": round(height - value / top * (height - 16), 2),
             "label": label, "value": value} for i, (value, label) in enumerate(zip(values, labels))]
    return {"width": width, "height": height, "bars": bars, "top": top}


def line_chart(values: list[float], labels: list[str], width: int = 600, height: int = 140) -> dict:
    """Points for an SVG polyline of ``values``, scaled between their minimum and maximum."""
    if not values:
        return {"width": width, "height": height, "points": "", "dots": [], "low": 0, "high": 0}
    low, high = min(values), max(values)
    spread = high - low
    step = width / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return height / 2 if spread == 0 else height - 8 - (value - low) / spread * (height - 16)

    dots = [{"x": round(i * step, 2), "y": round(y(v), 2), "value": v,
             "label": label} for i, (v, label) in enumerate(zip(values, labels))]
    return {"width": width, "height": height, "points": " ".join(f"{d['x']},{d['y']}" for d in dots), "dots": dots,
            "low": low, "high": high}


TALLY_OPTIONS = ("yes", "no", "abstain", "no_with_veto")


def tally_bars(tally: dict | None, total_power: int, params: dict | None) -> dict:
    """A proposal's tally for the explorer: each option's share of the votes cast, the turnout (votes cast over
    the voting power) next to the quorum, and yes over the non-abstaining votes next to the threshold."""
    tally = tally or {}
    values = [(option, int(tally.get(option, 0))) for option in TALLY_OPTIONS]
    cast = sum(value for _, value in values)
    deciding = cast - int(tally.get("abstain", 0))
    params = params or {}
    return {
        "parts": [{"option": option, "value": value, "share": value / cast if cast else 0.0} for option, value in values],
        "cast": cast,
        "total_power": total_power,
        "turnout": cast / total_power if total_power else None,
        "quorum": params.get("quorum_bps", 0) / 10_000 if params else None,
        "yes_share": int(tally.get("yes", 0)) / deciding if deciding else None,
        "threshold": params.get("threshold_bps", 0) / 10_000 if params else None,
    }

"""The web explorer, server-rendered with Jinja2: no CDN, no client-side framework, works offline.

Pages read the chain through the gateway's RPC client (gateway/explorer_data.py). The one script
(static/live.js, ours) listens to the gateway's /live server-sent events to update the height and the
newest blocks without polling. Routes live under /explorer/ except the dashboard at /.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from pathlib import Path as FilePath

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from chain_modules.common.address import AddressError, decode_address
from gateway import explorer_data as data
from gateway.errors import GatewayError, handle_gateway_error
from gateway.history import _block
from gateway.render import decode_raw, tx_view
from gateway.render import events as render_events

HERE = FilePath(__file__).parent
_HASH = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
NAV = [("/", "Dashboard"), ("/explorer/blocks", "Blocks"), ("/explorer/supernodes", "Super nodes"),
       ("/explorer/masternodes", "Master nodes"), ("/explorer/workers", "Workers"), ("/explorer/tasks", "Tasks"),
       ("/explorer/apps", "Apps"), ("/explorer/classes", "Resources"), ("/explorer/governance", "Governance"),
       ("/api", "API")]


def amio(uamio: int | None) -> str:
    """uamio as AMIO with up to 6 decimals and thousands separators."""
    if uamio is None:
        return "-"
    whole, fraction = divmod(int(uamio), data.UAMIO)
    text = f"{whole:,}"
    if fraction:
        text += "." + f"{fraction:06d}".rstrip("0")
    return text + " AMIO"


def unix(seconds: int | None) -> str:
    """Unix seconds (block time) as a UTC date and time."""
    if not seconds:
        return "-"
    return datetime.fromtimestamp(int(seconds), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def share(value: float | None) -> str:
    """A fraction 0..1 as a percentage; "-" when there is none (no votes cast, no voting power)."""
    return "-" if value is None else f"{100 * value:.2f}%"


def bps(value: int | None) -> str:
    return "-" if value is None else f"{value / 100:.2f}%"


def short(text: str, keep: int = 10) -> str:
    text = str(text or "")
    return text if len(text) <= 2 * keep + 1 else f"{text[:keep]}…{text[-6:]}"


ENVIRONMENT = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                          trim_blocks=True, lstrip_blocks=True)
ENVIRONMENT.filters.update(amio=amio, short=short, bps=bps, time=data.short_time, unix=unix, share=share)
ENVIRONMENT.globals.update(percent=percent, nav=NAV)


def render(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    html = ENVIRONMENT.get_template(template).render(request=request, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code)


async def _common(request: Request) -> dict:
    status = await request.app.state.rpc.status()
    return {"chain_id": status["node_info"]["network"], "height": int(status["sync_info"]["latest_block_height"])}


async def _by_id(rpc, what: str, text: str, path: str) -> dict:
    """The record at ``path`` + ``text`` for a detail page: 400 when ``text`` is not a number, 404 when none."""
    if _DIGITS.fullmatch(text) is None:
        raise GatewayError(400, f"{text!r} is not a {what} id", 3)
    found = await data.query(rpc, f"{path}{text}")
    if found is None:
        raise GatewayError(404, f"no {what} with id {text}", 5)
    return found


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(GatewayError)
    async def explorer_or_json_error(request: Request, exc: GatewayError):
        if request.url.path == "/" or request.url.path.startswith("/explorer"):
            return render(request, "error.html", status_code=exc.status, error=exc, chain_id="", height="")
        return await handle_gateway_error(request, exc)

    def page(path: str):
        return app.get(path, response_class=HTMLResponse, include_in_schema=False)

    @page("/")
    async def dashboard(request: Request):
        rpc = request.app.state.rpc
        common = await _common(request)
        blocks = await data.recent_blocks(rpc, common["height"])
        rates = data.block_rates(blocks)
        chart = data.bar_chart([point["tps"] for point in rates["series"]],
                               [str(point["height"]) for point in rates["series"]])
        supply = await data.supply_split(rpc, await data.genesis_bank(rpc))
        fog_supply = await data.query(rpc, "/fog/supply")
        redemption = await data.query(rpc, "/fog/redemption")
        validators = await data.query(rpc, "/staking/validators")
        try:
            proposals = await data.query(rpc, "/gov/proposals") or []
        except GatewayError:
            proposals = None  # no gov module on this chain
        return render(request, "dashboard.html", **common, blocks=blocks[:10], rates=rates, chart=chart,
                      supply=supply, fog_supply=fog_supply, redemption=redemption, validators=validators,
                      proposals=proposals)

    @page("/explorer/blocks")
    async def blocks_page(request: Request, before: int | None = None):
        common = await _common(request)
        high = min(before - 1, common["height"]) if before and before > 1 else common["height"]
        blocks = await data.recent_blocks(request.app.state.rpc, high, 20)
        older = blocks[-1]["height"] if blocks and blocks[-1]["height"] > 1 else None
        return render(request, "blocks.html", **common, blocks=blocks, older=older)

    @page("/explorer/block/{height}")
    async def block_page(request: Request, height: str):
        common = await _common(request)
        if _DIGITS.fullmatch(height) is None or int(height) < 1:
            raise GatewayError(400, f"{height!r} is not a block height", 3)
        if int(height) > common["height"]:
            raise GatewayError(404, f"no block at height {height} yet (latest is {common['height']})", 5)
        block = await _block(request, int(height))
        validators = await data.query(request.app.state.rpc, "/staking/candidates") or []
        names = {data.consensus_address(v["consensus_pubkey"]): v for v in validators}
        return render(request, "block.html", **common, block=block, names=names)

    @page("/explorer/tx/{tx_hash}")
    async def tx_page(request: Request, tx_hash: str):
        common = await _common(request)
        if _HASH.fullmatch(tx_hash) is None:
            raise GatewayError(400, f"{tx_hash!r} is not a tx hash (64 hex digits)", 3)
        tx = tx_view(await request.app.state.rpc.tx(bytes.fromhex(tx_hash)))
        return render(request, "tx.html", **common, tx=tx)

    @page("/explorer/account/{address}")
    async def account_page(request: Request, address: str):
        common = await _common(request)
        try:
            decode_address(address)
        except (AddressError, ValueError) as exc:
            raise GatewayError(400, f"{address!r} is not an address: {exc}", 3) from None
        rpc = request.app.state.rpc
        paths = {"spendable": f"/bank/spendable/{address}", "delegations": f"/staking/delegations/{address}",
                 "rewards": f"/distribution/rewards/{address}", "locks": f"/locks/list/{address}",
                 "api_access": f"/locks/api_access/{address}", "fog": f"/fog/balance/{address}",
                 "worker": f"/compute/worker/{address}", "candidate": f"/staking/candidate/{address}"}
        values = await asyncio.gather(*(data.query(rpc, path) for path in paths.values()))
        account = dict(zip(paths, values))
        raw = await rpc.query(f"/auth/account/{address}")
        sequence = 0
        if raw["value"]:
            sequence = decode_raw("auth", "account/{address:address}", raw["value"])["sequence"]
        vesting = None
        for allocation in (await data.genesis_bank(rpc)).get("allocations") or []:
            for recipient in allocation.get("recipients") or []:
                if recipient["address"] == address:
                    vesting = {"allocation": allocation["name"], "amount": recipient["amount"],
                               "schedule": allocation.get("schedule") or {}}
        txs = await data.search_txs(rpc, f"tx.fee_payer='{address}'")
        tasks = await data.query(rpc, f"/compute/tasks/customer/{address}") or []
        return render(request, "account.html", **common, address=address, account=account, sequence=sequence,
                      vesting=vesting, txs=txs, tasks=tasks)

    @page("/explorer/supernodes")
    async def supernodes_page(request: Request):
        common = await _common(request)
        rpc = request.app.state.rpc
        candidates = await data.query(rpc, "/staking/candidates") or []
        for candidate in candidates:
            candidate["consensus_address"] = data.consensus_address(candidate["consensus_pubkey"])
        missed = await data.query(rpc, "/slashing/missed_blocks") or {}
        grid = await data.uptime_grid(rpc, common["height"], candidates)
        return render(request, "supernodes.html", **common, candidates=candidates, missed=missed, grid=grid)

    @page("/explorer/masternodes")
    async def masternodes_page(request: Request):
        common = await _common(request)
        rpc = request.app.state.rpc
        masters = await data.query(rpc, "/staking/master_nodes") or []
        stats = await asyncio.gather(*(data.query(rpc, f"/compute/master/{m['operator']}") for m in masters))
        return render(request, "masternodes.html", **common, masters=list(zip(masters, stats)))

    @page("/explorer/workers")
    async def workers_page(request: Request):
        common = await _common(request)
        rpc = request.app.state.rpc
        masters = await data.query(rpc, "/staking/master_nodes") or []
        workers = []
        for master in masters:
            workers += await data.query(rpc, f"/compute/workers/{master['operator']}") or []
        fog = await asyncio.gather(*(data.query(rpc, f"/fog/balance/{w['address']}") for w in workers))
        return render(request, "workers.html", **common, workers=list(zip(workers, fog)))

    @page("/explorer/tasks")
    async def tasks_page(request: Request):
        common = await _common(request)
        rpc = request.app.state.rpc
        submitted = await data.search_txs(rpc, "task.step='submitted'", limit=30)
        ids = []
        for tx in submitted:
            for event in tx["events"]:
                if event["type"] == "task" and event["attributes"].get("step") == "submitted":
                    ids.append(int(event["attributes"]["id"]))
        tasks = [t for t in await asyncio.gather(*(data.query(rpc, f"/compute/task/{i}") for i in ids)) if t]
        return render(request, "tasks.html", **common, tasks=tasks)

    @page("/explorer/task/{task_id}")
    async def task_page(request: Request, task_id: str):
        common = await _common(request)
        rpc = request.app.state.rpc
        task = await _by_id(rpc, "task", task_id, "/compute/task/")
        txs = await data.search_txs(rpc, f"task.id={task_id}", limit=50, order="asc")
        steps = []
        for tx in txs:
            for event in tx["events"]:
                if event["type"] == "task" and event["attributes"].get("id") == task_id:
                    steps.append({"step": event["attributes"]["step"], "state": event["attributes"]["state"],
                                  "height": tx["height"], "tx": tx["hash"]})
        for height in await data.block_events_heights(rpc, f"task.id={task_id}"):
            results = await rpc.block_results(height)
            for event in render_events(results.get("finalize_block_events")):
                if event["type"] == "task" and event["attributes"].get("id") == task_id:
                    steps.append({"step": event["attributes"]["step"], "state": event["attributes"]["state"],
                                  "height": height, "tx": None})
        steps.sort(key=lambda step: step["height"])
        return render(request, "task.html", **common, task=task, steps=steps)

    @page("/explorer/apps")
    async def apps_page(request: Request):
        common = await _common(request)
        apps = await data.query(request.app.state.rpc, "/apppool/apps") or []
        return render(request, "apps.html", **common, apps=apps)

    @page("/explorer/classes")
    async def classes_page(request: Request):
        common = await _common(request)
        rpc = request.app.state.rpc
        classes = await data.query(rpc, "/compute/classes") or []
        forecasts = getattr(request.app.state, "forecaster", None)
        forecast = await forecasts(rpc, classes) if forecasts else {}
        charts = []
        for resource in classes:
            history = await data.query(rpc, f"/compute/prices/{resource['name']}") or []
            labels = [str(point["epoch"]) for point in history]
            ahead = forecast[resource["name"]].price if resource["name"] in forecast and history else []
            last_epoch = history[-1]["epoch"] if history else 0
            # one scale for the recorded prices and the forecast: the forecast is the dashed tail
            price = data.line_chart([point["price"] for point in history] + list(ahead),
                                    labels + [f"{last_epoch + i + 1} (forecast)" for i in range(len(ahead))], 420, 120)
            recorded = dict(price, dots=price["dots"][:len(history)],
                            points=" ".join(f"{d['x']},{d['y']}" for d in price["dots"][:len(history)]))
            tail = price["dots"][max(len(history) - 1, 0):]
            charts.append({
                "name": resource["name"],
                "price": recorded,
                "price_forecast": {"points": " ".join(f"{d['x']},{d['y']}" for d in tail)} if ahead else None,
                "utilisation": data.bar_chart([point["utilisation_bps"] / 100 for point in history], labels, 420, 120),
                "epochs": len(history),
            })
        return render(request, "classes.html", **common, classes=classes, charts=charts, forecast=forecast)

    @page("/explorer/governance")
    async def governance_page(request: Request):
        common = await _common(request)
        rpc = request.app.state.rpc
        try:
            proposals = await data.query(rpc, "/gov/proposals")
        except GatewayError as exc:
            if exc.code != 2:  # 2: the chain has no gov module
                raise
            return render(request, "governance.html", **common, proposals=None, params=None)
        params = await data.query(rpc, "/gov/params") or {}
        proposals = list(reversed(proposals or []))  # newest first
        voting = [p["id"] for p in proposals if p["status"] == "voting_period"]
        running = dict(zip(voting, await asyncio.gather(*(data.query(rpc, f"/gov/tally/{i}") for i in voting))))
        rows = []
        for proposal in proposals:
            tally = running.get(proposal["id"]) or {"tally": proposal["tally"], "total_power": proposal["total_power"]}
            rows.append({"p": proposal, "bars": data.tally_bars(tally["tally"], tally["total_power"], params)})
        return render(request, "governance.html", **common, proposals=rows, params=params)

    @page("/explorer/proposal/{proposal_id}")
    async def proposal_page(request: Request, proposal_id: str):
        common = await _common(request)
        rpc = request.app.state.rpc
        proposal = await _by_id(rpc, "proposal", proposal_id, "/gov/proposal/")
        params = await data.query(rpc, "/gov/params") or {}
        tally, votes, deposits = await asyncio.gather(data.query(rpc, f"/gov/tally/{proposal_id}"),
                                                      data.query(rpc, f"/gov/votes/{proposal_id}"),
                                                      data.query(rpc, f"/gov/deposits/{proposal_id}"))
        bars = data.tally_bars(tally["tally"], tally["total_power"], params)
        needed = params.get("expedited_min_deposit" if proposal["expedited"] else "min_deposit", 0)
        return render(request, "proposal.html", **common, p=proposal, bars=bars, tally=tally, votes=votes or [],
                      deposits=deposits or [], needed=needed, params=params)

    @page("/explorer/search")
    async def search_page(request: Request, q: str = ""):
        text = q.strip()
        rpc = request.app.state.rpc
        common = await _common(request)
        choices = []
        if _HASH.fullmatch(text):
            return RedirectResponse(f"/explorer/tx/{text.upper()}", status_code=303)
        if text.startswith("amio1"):
            try:
                decode_address(text)
            except (AddressError, ValueError):
                return render(request, "search.html", status_code=404, **common, q=text, choices=[])
            return RedirectResponse(f"/explorer/account/{text}", status_code=303)
        task_text = text.removeprefix("task").removeprefix(":").removeprefix("#").strip()
        if _DIGITS.fullmatch(task_text) and task_text != text:
            return RedirectResponse(f"/explorer/task/{int(task_text)}", status_code=303)
        if _DIGITS.fullmatch(text):
            number = int(text)
            if 1 <= number <= common["height"]:
                choices.append((f"/explorer/block/{number}", f"Block {number}"))
            if await data.query(rpc, f"/compute/task/{number}") is not None:
                choices.append((f"/explorer/task/{number}", f"Task {number}"))
            if len(choices) == 1:
                return RedirectResponse(choices[0][0], status_code=303)
        return render(request, "search.html", status_code=200 if choices else 404, **common, q=text, choices=choices)

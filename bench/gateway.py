"""Gateway load benchmark: 50 concurrent clients against the REST gateway over a real localnet.

Run from the repository root (after scripts/setup.sh):

    .venv/bin/python bench/gateway.py                   # 50 clients for 20 s per phase
    .venv/bin/python bench/gateway.py --clients 100 --duration 30
    .venv/bin/python bench/gateway.py --tiny            # 50 clients for 3 s: checks it still works

It starts a 4-validator localnet (validators only) on --base-port in a temporary directory, sends a few
transfers, starts the gateway the way the localnet does (a uvicorn process, base+94), then:

1. immutable data: each old block and tx is fetched once cold and then again (the gateway caches committed
   blocks, block results and txs); the report prints cold vs cached latency;
2. load: --clients concurrent clients (asyncio streams, one kept-alive connection each: see ``load``), each
   sending its next request as soon as the last one returned, round robin over the main endpoints (status, an
   old block, a tx by hash, a balance, the candidates list, a tx search) for --duration seconds. Figures:
   requests/s overall, p50/p99 latency per endpoint, and errors (any non-2xx answer counts); then each
   endpoint alone for half as long, and a constant FastAPI route served by uvicorn as the gateway is, in the
   same run: each endpoint's requests/s is printed as a ratio of that ceiling;
3. the forecast of the 'small' class with its backtest against the naive last value (on a fresh localnet the
   recorded history is short: the figures are there to show the wiring, not the model).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chain_modules.bank.types import MsgSend  # noqa: E402
from chain_modules.common.address import decode_address  # noqa: E402
from client.rpc import CometRpc  # noqa: E402
from client.wallet import tx as wallet_tx  # noqa: E402
from client.wallet.keyring import open_keyring  # noqa: E402
from gateway.rpc_pool import _read_chunked  # noqa: E402
from localnet.gateway import LocalnetGateway  # noqa: E402
from localnet.launcher import Localnet  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def setup(net: Localnet, transfers: int) -> list[dict]:
    keyring = open_keyring(net.wallet_home, "test")
    rpc = CometRpc(net.rpc_url(0))
    alice, bob = keyring.show("alice").address, keyring.show("bob").address
    results = []
    for n in range(transfers):
        result = wallet_tx.sign_and_broadcast(rpc, net.chain_id, alice,
                                              [MsgSend(decode_address(alice), decode_address(bob), 1_000 + n)],
                                              keyring.signing_key("alice"))
        assert result.code == 0, result
        results.append(result.to_dict())
    rpc.close()
    return results


async def cold_and_cached(url: str, paths: list[str]) -> tuple[float, float]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        cold, warm = [], []
        for path in paths:
            started = time.perf_counter()
            assert (await client.get(path)).status_code == 200, path
            cold.append(time.perf_counter() - started)
        for path in paths:
            started = time.perf_counter()
            assert (await client.get(path)).status_code == 200, path
            warm.append(time.perf_counter() - started)
    return statistics.median(cold), statistics.median(warm)


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One GET on a kept-alive connection: its status (the body is read and dropped)."""
    writer.write(request)
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    status = int(head[9:12])
    if "transfer-encoding: chunked" in head:
        await _read_chunked(reader)
    else:
        length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
        await reader.readexactly(length)
    return status


async def load(url: str, endpoints: list[tuple[str, str]], clients: int, duration: float) -> dict:
    """``clients`` concurrent clients, each on its own kept-alive HTTP/1.1 connection (asyncio streams), sending
    its next request as soon as the last one returned, round robin over ``endpoints``.

    Not httpx: one shared httpx.AsyncClient drives a constant FastAPI route at ~80 requests/s with 50
    concurrent requests on this machine (its connection pool is the bottleneck), while these connections drive
    it at ~1,800/s; with httpx the bench measured httpx.
    """
    parts = urlsplit(url)
    latencies: dict[str, list[float]] = {name: [] for name, _path in endpoints}
    errors: dict[str, int] = {name: 0 for name, _path in endpoints}
    requests = [(name, f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()) for name, path in endpoints]
    stop = time.monotonic() + duration

    async def client_loop(index: int) -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        n = index
        try:
            while time.monotonic() < stop:
                name, request = requests[n % len(requests)]
                n += 1
                started = time.perf_counter()
                try:
                    ok = await asyncio.wait_for(_get(reader, writer, request), 60) < 300
                except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
                    ok = False
                    writer.close()
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                latencies[name].append(time.perf_counter() - started)
                errors[name] += 0 if ok else 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(client_loop(i) for i in range(clients)))
    elapsed = time.monotonic() - started
    total = sum(len(v) for v in latencies.values())
    return {"elapsed": elapsed, "total": total, "latencies": latencies, "errors": errors}


STATIC_APP = """
import sys
import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/static")
async def static() -> dict:
    return {"ok": True}


uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def start_static(port: int) -> subprocess.Popen:
    """A FastAPI app with one constant route, served by uvicorn as the gateway is: the ceiling of this machine,
    this server and this client, against which the gateway's figures are ratios."""
    process = subprocess.Popen([sys.executable, "-c", STATIC_APP, str(port)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/static", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the static baseline server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--transfers", type=int, default=6)
    parser.add_argument("--base-port", type=int, default=30656)
    parser.add_argument("--tiny", action="store_true", help="3 s of load, to check the benchmark still works")
    args = parser.parse_args()
    if args.tiny:
        args.duration = 3.0

    with tempfile.TemporaryDirectory(prefix="amino-bench-gateway-") as home:
        net = Localnet(Path(home), nodes=4, base_port=args.base_port, timeout_commit="300ms")
        gateway = LocalnetGateway(net)
        try:
            net.up(wait_height=2, timeout=120)
            txs = setup(net, args.transfers)
            gateway.start()
            heights = sorted({tx["height"] for tx in txs})
            old_blocks = [f"/blocks/{h}" for h in range(1, max(heights) + 1)]
            tx_paths = [f"/txs/{tx['tx_hash']}" for tx in txs]
            cold, warm = asyncio.run(cold_and_cached(gateway.url, old_blocks + tx_paths))
            bob = open_keyring(net.wallet_home, "test").show("bob").address
            endpoints = [
                ("status", "/status"),
                ("old block", f"/blocks/{heights[0]}"),
                ("tx by hash", tx_paths[0]),
                ("balance", f"/amino/bank/v1/balance/{bob}"),
                ("candidates", "/amino/staking/v1/candidates"),
                ("tx search", f"/txs?events=transfer.recipient='{bob}'&limit=5"),
            ]
            result = asyncio.run(load(gateway.url, endpoints, args.clients, args.duration))
            # each endpoint alone, then the static route, with the same clients: req/s and the ratio to static
            alone = {name: asyncio.run(load(gateway.url, [(name, path)], args.clients, args.duration / 2))
                     for name, path in endpoints}
            static = start_static(args.base_port + 93)
            try:
                baseline = asyncio.run(load(f"http://127.0.0.1:{args.base_port + 93}", [("static", "/static")],
                                            args.clients, args.duration / 2))
            finally:
                static.terminate()
                static.wait(timeout=10)
            forecast = httpx.get(f"{gateway.url}/forecast/small", params={"horizon": 3}, timeout=30).json()
        finally:
            gateway.stop()
            net.down()

    print(f"gateway benchmark: {args.clients} concurrent clients, {result['elapsed']:.1f} s of load, "
          "4 validators on loopback")
    print(f"immutable data (old blocks and txs): cold p50 {cold * 1000:.2f} ms, cached p50 {warm * 1000:.2f} ms")
    print(f"throughput: {result['total'] / result['elapsed']:.1f} requests/s ({result['total']} requests, "
          f"{sum(result['errors'].values())} errors)")
    print(f"{'endpoint':<12} {'requests':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}")
    for name, values in result["latencies"].items():
        print(f"{name:<12} {len(values):>9} {percentile(values, 0.5) * 1000:>9.2f} {percentile(values, 0.99) * 1000:>9.2f} "
              f"{result['errors'][name]:>7}")
    static_rate = baseline["total"] / baseline["elapsed"]
    print(f"\neach endpoint alone ({args.duration / 2:.0f} s each), against a constant FastAPI route on the same "
          f"server, clients and machine ({static_rate:.0f} requests/s, p50 "
          f"{percentile(baseline['latencies']['static'], 0.5) * 1000:.2f} ms):")
    print(f"{'endpoint':<12} {'req/s':>9} {'vs static':>10} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}")
    for name, run in alone.items():
        rate = run["total"] / run["elapsed"]
        values = run["latencies"][name]
        print(f"{name:<12} {rate:>9.1f} {rate / static_rate:>9.2f}x {percentile(values, 0.5) * 1000:>9.2f} "
              f"{percentile(values, 0.99) * 1000:>9.2f} {run['errors'][name]:>7}")
    if "backtest_price" not in forecast:
        print(f"forecast small: the gateway answered {forecast}")
        return 1
    backtest = forecast["backtest_price"]
    print(f"forecast small: next prices {forecast['price']}, utilisation {forecast['utilisation']}% "
          f"from {forecast['epochs']} epochs")
    if backtest["points"]:
        print(f"backtest price over {backtest['points']} epochs: model MAE {backtest['model_mae']:.2f}, "
              f"naive last value MAE {backtest['naive_mae']:.2f}")
    else:
        print("backtest price: not enough recorded epochs yet")
    failed = sum(result["errors"].values()) + sum(sum(run["errors"].values()) for run in alone.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

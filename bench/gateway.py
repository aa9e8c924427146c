"""Gateway load benchmark: 50 concurrent clients against the REST gateway over a real localnet.

Run from the repository root (after scripts/setup.sh):

    .venv/bin/python bench/gateway.py                   # 50 clients for 20 s per phase
    .venv/bin/python bench/gateway.py --clients 100 --duration 30
    .venv/bin/python bench/gateway.py --tiny            # 50 clients for 3 s: checks it still works

It starts a 4-validator localnet (validators only) on --base-port in a temporary directory, sends a few
transfers, starts the gateway the way the localnet does (a uvicorn process, base+94), then:

1. immutable data: each old block and tx is fetched once cold and then again (the gateway caches committed
   blocks, block results and txs); the report prints cold vs cached latency;
2. load: --clients concurrent clients (asyncio + httpx), each sending its next request as soon as the last one
   returned, round robin over the main endpoints (status, an old block, a tx by hash, a balance, the
   candidates list, a tx search) for --duration seconds. Figures: requests/s overall, p50/p99 latency per
   endpoint, and errors (any non-2xx answer counts);
3. the forecast of the 'small' class with its backtest against the naive last value (on a fresh localnet the
   recorded history is short: the figures are there to show the wiring, not the model).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chain_modules.bank.types import MsgSend  # noqa: E402
from chain_modules.common.address import decode_address  # noqa: E402
from client.rpc import CometRpc  # noqa: E402
from client.wallet import tx as wallet_tx  # noqa: E402
from client.wallet.keyring import open_keyring  # noqa: E402
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


async def load(url: str, endpoints: list[tuple[str, str]], clients: int, duration: float) -> dict:
    latencies: dict[str, list[float]] = {name: [] for name, _path in endpoints}
    errors: dict[str, int] = {name: 0 for name, _path in endpoints}
    stop = time.monotonic() + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client_loop(index: int, http: httpx.AsyncClient) -> None:
        n = index
        while time.monotonic() < stop:
            name, path = endpoints[n % len(endpoints)]
            n += 1
            started = time.perf_counter()
            try:
                response = await http.get(path)
                ok = response.status_code < 300
            except httpx.HTTPError:
                ok = False
            latencies[name].append(time.perf_counter() - started)
            errors[name] += 0 if ok else 1

    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        started = time.monotonic()
        await asyncio.gather(*(client_loop(i, http) for i in range(clients)))
        elapsed = time.monotonic() - started
    total = sum(len(v) for v in latencies.values())
    return {"elapsed": elapsed, "total": total, "latencies": latencies, "errors": errors}


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
    backtest = forecast["backtest_price"]
    print(f"forecast small: next prices {forecast['price']}, utilisation {forecast['utilisation']}% "
          f"from {forecast['epochs']} epochs")
    if backtest["points"]:
        print(f"backtest price over {backtest['points']} epochs: model MAE {backtest['model_mae']:.2f}, "
              f"naive last value MAE {backtest['naive_mae']:.2f}")
    else:
        print("backtest price: not enough recorded epochs yet")
    return 1 if sum(result["errors"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())

"""The worker's local HTTP endpoint (127.0.0.1 by default): what the live display shows, as JSON, the pause and
resume switches, and Prometheus metrics.

``amino worker status|pause|resume`` talk to it; the running worker writes the URL it listens on to
``<home>/amino-worker.url`` (with ``status_port = 0``, the default, the port is any free one, so several workers
on one machine never collide).

GET  /v1/status   the worker's status (Worker.status_view)
POST /v1/pause    go offline on chain and take no new job; the jobs held are finished or handed back
POST /v1/resume   heartbeat (back online) and take jobs again
GET  /metrics     Prometheus text format
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

URL_FILE = "amino-worker.url"


class WorkerCollector:
    """Reads the worker's status at each scrape: no counter to keep in step with the worker's own."""

    def __init__(self, node) -> None:
        self.node = node

    def collect(self):
        status = self.node.status
        yield GaugeMetricFamily("amino_worker_online", "1 when the chain has this worker online", value=int(status.online))
        yield GaugeMetricFamily("amino_worker_paused", "1 while the worker is paused or stopping",
                                value=int(self.node.paused.is_set() or self.node.leaving.is_set()))
        yield GaugeMetricFamily("amino_worker_deposit_uamio", "the worker's deposit on chain", value=status.deposit)
        yield GaugeMetricFamily("amino_worker_slots", "tasks the chain may give the worker at once", value=status.slots)
        yield GaugeMetricFamily("amino_worker_jobs_in_threads", "jobs being computed in job threads",
                                value=len(self.node.running))
        chain = CounterMetricFamily("amino_worker_chain_results", "the worker's results as the chain counts them",
                                    labels=["kind"])
        for kind in ("completed", "failed", "slashed"):
            chain.add_metric([kind], getattr(status, kind))
        yield chain
        yield CounterMetricFamily("amino_worker_results_closed", "jobs this process saw to their end",
                                  value=status.results)
        yield GaugeMetricFamily("amino_worker_last_fuel", "fuel used by the last job run", value=status.last_fuel)


def create_app(node) -> FastAPI:
    app = FastAPI(title="Amino worker", description="The worker's local status endpoint.")
    registry = CollectorRegistry()
    registry.register(WorkerCollector(node))

    @app.get("/v1/status")
    def status() -> dict:
        return node.status_view()

    @app.post("/v1/pause")
    def pause():
        return _switch(node.pause)

    @app.post("/v1/resume")
    def resume():
        return _switch(node.resume)

    def _switch(action):
        try:
            action()
        except Exception as exc:  # the chain refused or is unreachable: say so, the worker keeps running
            return JSONResponse({"detail": f"{type(exc).__name__}: {exc}"}, status_code=503)
        return node.status_view()

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


class StatusServer:
    """uvicorn serving create_app(node) in a daemon thread; ``url`` once started."""

    def __init__(self, node, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(create_app(node), host=host, port=port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="worker-status", daemon=True)
        self.host = host
        self.url = ""

    def start(self, timeout: float = 10.0) -> str:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.server.should_exit = True
                raise RuntimeError(f"the worker's status endpoint did not start on {self.host} (port in use?)")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://{self.host}:{port}"
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def write_url(home: Path, url: str) -> Path:
    path = Path(home) / URL_FILE
    path.write_text(url + "\n")
    return path


def read_url(home: Path) -> str | None:
    try:
        return (Path(home) / URL_FILE).read_text().strip() or None
    except OSError:
        return None

"""The gateway application: REST over CometBFT RPC, the API index, live blocks and the explorer."""

from __future__ import annotations

import contextlib
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from gateway import errors
from gateway.appapi import AppAccess
from gateway.appapi import router as app_router
from gateway.forecast import explorer_forecasts
from gateway.forecast import router as forecast_router
from gateway.history import router as history_router
from gateway.live import LiveBlocks
from gateway.proofs import Prover
from gateway.queries import query_router
from gateway.rpc import ChainRpc

DEFAULT_RPC = "http://127.0.0.1:26657"
DEFAULT_HOME = Path.home() / ".amino" / "gateway"


class Endpoint(BaseModel):
    method: str
    path: str
    summary: str
    chain_query: str | None = None
    provable: bool = False


class ApiIndex(BaseModel):
    endpoints: list[Endpoint]
    openapi: str


def api_index(app: FastAPI) -> ApiIndex:
    schema = app.openapi()
    endpoints = []
    for path, operations in sorted(schema["paths"].items()):
        for method, operation in sorted(operations.items()):
            endpoints.append(Endpoint(method=method.upper(), path=path, summary=operation.get("summary", ""),
                                      chain_query=operation.get("x-chain-query"),
                                      provable=bool(operation.get("x-provable", False))))
    return ApiIndex(endpoints=endpoints, openapi="/openapi.json")


def create_app(rpc_url: str = DEFAULT_RPC, home: Path = DEFAULT_HOME, live: bool = True, explorer: bool = True,
               app_access: AppAccess | None = None) -> FastAPI:
    """The gateway over the CometBFT RPC at ``rpc_url``; ``home`` keeps its trusted header for ``?prove=true``."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.rpc = ChainRpc(rpc_url)
        app.state.live = LiveBlocks(rpc_url)
        if live:
            app.state.live.start()
        try:
            yield
        finally:
            await app.state.live.stop()
            await app.state.rpc.close()

    app = FastAPI(title="Amino chain gateway", version="1", lifespan=lifespan,
                  description="REST over the chain's queries and txs (docs/gateway.md). Errors are JSON "
                              "{code, codespace, message}.")
    app.state.rpc_url = rpc_url
    app.state.app_access = app_access or AppAccess()
    errors.install(app)
    app.include_router(query_router(Prover(rpc_url, home)))
    app.include_router(history_router)
    app.include_router(app_router)
    app.include_router(forecast_router)
    app.state.forecaster = explorer_forecasts

    @app.get("/api", response_model=ApiIndex, tags=["index"], summary="every endpoint of this gateway")
    async def index() -> ApiIndex:
        return api_index(app)

    @app.get("/live", tags=["index"], summary="server-sent events: one 'block' event per new block",
             response_class=StreamingResponse)
    async def live_stream(request: Request) -> StreamingResponse:
        return StreamingResponse(request.app.state.live.stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    if explorer:
        from gateway.explorer import install as install_explorer

        install_explorer(app)
    return app

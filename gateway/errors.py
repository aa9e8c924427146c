"""Errors the gateway answers with: JSON ``{"code", "codespace", "message"}`` and an HTTP status.

Chain errors keep the chain's code and codespace (abci_query and CheckTx results); errors the gateway finds
itself (a malformed parameter, an unknown route, a body too large) use the codespace ``gateway``.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

GATEWAY = "gateway"

# the gateway's own codes (codespace "gateway")
INTERNAL = 1
INVALID_ARGUMENT = 3
NOT_FOUND = 5
NOT_PROVABLE = 6
BODY_TOO_LARGE = 7
UPSTREAM_UNAVAILABLE = 8
FORBIDDEN = 9
RATE_LIMITED = 10
UNAUTHORIZED = 11

# abci_query codes (chain_modules/common/query.py) -> HTTP status
QUERY_STATUS = {2: 404, 3: 400, 4: 400, 5: 404}


class GatewayError(Exception):
    """An answer other than 2xx, with the code and codespace the client can act on."""

    def __init__(self, status: int, message: str, code: int, codespace: str = GATEWAY,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.headers = headers or {}
        self.status = status
        self.message = message
        self.code = code
        self.codespace = codespace

    def body(self) -> dict:
        return {"code": self.code, "codespace": self.codespace, "message": self.message}


def bad_request(message: str) -> GatewayError:
    return GatewayError(400, message, INVALID_ARGUMENT)


def not_found(message: str) -> GatewayError:
    return GatewayError(404, message, NOT_FOUND)


def from_query(code: int, codespace: str, log: str) -> GatewayError:
    """A refused abci_query, keeping the chain's code and codespace."""
    return GatewayError(QUERY_STATUS.get(code, 400), log or f"query failed with code {code}", code, codespace or "query")


def upstream(message: str) -> GatewayError:
    return GatewayError(502, message, UPSTREAM_UNAVAILABLE)


def _json(error: GatewayError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def handle_gateway_error(_request: Request, exc: GatewayError) -> JSONResponse:
    return _json(exc)


async def handle_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "request"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return _json(bad_request("; ".join(problems) or "invalid request"))


async def handle_http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {404: NOT_FOUND, 413: BODY_TOO_LARGE, 403: FORBIDDEN, 401: UNAUTHORIZED, 429: RATE_LIMITED}.get(
        exc.status_code, INVALID_ARGUMENT)
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    if exc.status_code == 404 and message == "Not Found":
        message = "no such endpoint (GET /api lists them)"
    return _json(GatewayError(exc.status_code, message, code))


async def handle_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    """A bug: logged with its traceback, answered without leaking its text."""
    logging.getLogger("gateway").error("unexpected error", exc_info=exc)
    return _json(GatewayError(500, "internal error in the gateway (its log has the details)", INTERNAL))


def install(app) -> None:
    app.add_exception_handler(Exception, handle_unexpected)
    app.add_exception_handler(GatewayError, handle_gateway_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)

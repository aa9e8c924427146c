"""Run the gateway with uvicorn (``amino gateway start``)."""

from __future__ import annotations

import socket
from pathlib import Path

import uvicorn

from gateway.app import create_app

DEFAULT_LISTEN = "127.0.0.1:1317"


class ListenError(ValueError):
    """The --listen value is not host:port, or the port is taken."""


def parse_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ListenError(f"--listen must be host:port (such as {DEFAULT_LISTEN}), not {listen!r}")
    return host, int(port)


def serve(rpc_url: str, listen: str, home: Path) -> None:
    host, port = parse_listen(listen)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    uvicorn.run(create_app(rpc_url, home), host=host, port=port, log_level="warning", access_log=False)

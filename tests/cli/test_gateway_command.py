"""`amino gateway start`: a mistake in --listen, or a port that is taken, is one readable line and exit 1."""

from __future__ import annotations

import socket
import subprocess
import sys


def _amino(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", "--node", "http://127.0.0.1:9", *args],
                          capture_output=True, text=True, timeout=60)


def test_a_malformed_listen_address_is_one_line():
    result = _amino("gateway", "start", "--listen", "nope")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["Error: --listen must be host:port (such as 127.0.0.1:1317), not 'nope'"]
    assert "Traceback" not in result.stderr


def test_a_port_that_is_taken_is_one_line():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = _amino("gateway", "start", "--listen", f"127.0.0.1:{port}")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: cannot listen on 127.0.0.1:{port}:"), lines

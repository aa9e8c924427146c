"""`amino localnet up` starts the gateway beside the validators and prints its URL; `localnet down` stops it."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest

from tests.e2e.conftest import E2E_BASE_PORT, _ports_free
from tests.e2e.helpers import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def _amino(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, timeout=timeout)


def test_localnet_up_starts_the_gateway_and_prints_its_url_and_down_stops_it(tmp_path):
    wait_until(lambda: _ports_free(E2E_BASE_PORT, 4), 30, f"ports from {E2E_BASE_PORT} to be free")
    home = str(tmp_path / "net")
    try:
        up = _amino("localnet", "up", "--localnet-home", home, "--base-port", str(E2E_BASE_PORT), "--no-services")
        assert up.returncode == 0, up.stdout + up.stderr
        match = re.search(r"Explorer:\s+(http://127\.0\.0\.1:(\d+))/\s+REST: \1/api", up.stdout)
        assert match, up.stdout
        url, port = match.group(1), int(match.group(2))
        assert port == E2E_BASE_PORT + 94
        assert httpx.get(f"{url}/status", timeout=10).json()["height"] >= 1
        page = httpx.get(f"{url}/", timeout=30)
        assert page.status_code == 200 and "Amino" in page.text and "/static/live.js" in page.text
        assert httpx.get(f"{url}/api", timeout=10).json()["endpoints"]
    finally:
        down = _amino("localnet", "down", "--localnet-home", home)
    assert down.returncode == 0, down.stdout + down.stderr
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/status", timeout=3)

"""CometRpc verifies TLS for an https node and skips loading the CA bundle only for plain http (no TLS there),
and follows no redirect, so a plain-http node cannot lead it to an unverified https one."""

from __future__ import annotations

import ssl

import httpx

from client.rpc import CometRpc


def _context(rpc: CometRpc) -> ssl.SSLContext:
    return rpc._client._transport._pool._ssl_context


def test_https_nodes_are_verified_and_plain_http_loads_no_ca_bundle():
    secure = CometRpc("https://rpc.example.org:443")
    assert _context(secure).verify_mode == ssl.CERT_REQUIRED and _context(secure).check_hostname
    plain = CometRpc("tcp://127.0.0.1:26657")
    assert plain.url.startswith("http://") and _context(plain).verify_mode == ssl.CERT_NONE
    assert plain._client.follow_redirects is False and secure._client.follow_redirects is False


def test_a_redirect_from_a_plain_http_node_is_not_followed(monkeypatch):
    plain = CometRpc("http://127.0.0.1:26657")
    seen = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://elsewhere.example/"})

    plain._client._transport = httpx.MockTransport(handle)
    response = plain._client.post("/", json={})
    assert response.status_code == 302 and seen == ["http://127.0.0.1:26657/"]

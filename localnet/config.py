"""Edits of CometBFT's generated config.toml for a loopback-only localnet node."""

from __future__ import annotations

import re
from pathlib import Path


def set_toml_value(text: str, section: str, key: str, literal: str) -> str:
    """Replace ``key = ...`` inside ``[section]`` ("" for the top level) with ``key = literal``."""
    lines = text.splitlines(keepends=True)
    current = ""
    for index, line in enumerate(lines):
        header = re.match(r"^\[([^\]]+)\]\s*$", line)
        if header:
            current = header.group(1)
            continue
        if current == section and re.match(rf"^{re.escape(key)}\s*=", line):
            lines[index] = f"{key} = {literal}\n"
            return "".join(lines)
    raise KeyError(f"config.toml has no key {key!r} in section [{section}]")


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def configure_node(
    config_path: Path,
    moniker: str,
    abci_socket: Path,
    p2p_port: int,
    rpc_port: int,
    metrics_port: int,
    persistent_peers: list[str],
    timeout_commit: str = "500ms",
) -> None:
    text = config_path.read_text()
    edits = [
        ("", "proxy_app", quote(f"unix://{abci_socket}")),
        ("", "moniker", quote(moniker)),
        ("", "abci", quote("socket")),
        ("", "log_level", quote("info")),
        ("rpc", "laddr", quote(f"tcp://127.0.0.1:{rpc_port}")),
        ("rpc", "max_open_connections", "2000"),
        ("rpc", "timeout_broadcast_tx_commit", quote("30s")),
        ("rpc", "pprof_laddr", quote("")),
        ("p2p", "laddr", quote(f"tcp://127.0.0.1:{p2p_port}")),
        ("p2p", "external_address", quote(f"127.0.0.1:{p2p_port}")),
        ("p2p", "persistent_peers", quote(",".join(persistent_peers))),
        ("p2p", "addr_book_strict", "false"),
        ("p2p", "allow_duplicate_ip", "true"),
        ("p2p", "pex", "false"),
        ("p2p", "flush_throttle_timeout", quote("10ms")),
        ("mempool", "size", "20000"),
        ("mempool", "cache_size", "100000"),
        ("consensus", "timeout_propose", quote("2s")),
        ("consensus", "timeout_commit", quote(timeout_commit)),
        ("consensus", "peer_gossip_sleep_duration", quote("20ms")),
        ("instrumentation", "prometheus", "true"),
        ("instrumentation", "prometheus_listen_addr", quote(f"127.0.0.1:{metrics_port}")),
    ]
    for section, key, literal in edits:
        text = set_toml_value(text, section, key, literal)
    config_path.write_text(text)

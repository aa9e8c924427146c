"""Edits of CometBFT's generated config.toml for a loopback-only localnet node, through a TOML library (tomlkit
keeps CometBFT's comments and layout); a key CometBFT's template does not have is an error, never added."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit


def set_toml_value(document: tomlkit.TOMLDocument, section: str, key: str, value: Any) -> None:
    """Set ``key`` inside ``[section]`` ("" for the top level) to ``value``; KeyError when the key is not there."""
    table = document if not section else document.get(section)
    if table is None or key not in table:
        raise KeyError(f"config.toml has no key {key!r} in section [{section}]")
    table[key] = value


def configure_node(
    config_path: Path,
    moniker: str,
    abci_socket: Path,
    p2p_port: int,
    rpc_port: int,
    metrics_port: int,
    persistent_peers: list[str],
    timeout_commit: str = "500ms",
    p2p_host: str = "127.0.0.1",
    allow_duplicate_ip: bool = True,
) -> None:
    """Point the node at its app's socket and its peers. RPC and metrics listen on 127.0.0.1; p2p on ``p2p_host``
    (the localnet's loopback, or a machine's own address for a network of several hosts, genesis/testnet.py)."""
    document = tomlkit.parse(config_path.read_text())
    edits = [
        ("", "proxy_app", f"unix://{abci_socket}"),
        ("", "moniker", moniker),
        ("", "abci", "socket"),
        ("", "log_level", "info"),
        ("rpc", "laddr", f"tcp://127.0.0.1:{rpc_port}"),
        ("rpc", "max_open_connections", 2000),
        ("rpc", "timeout_broadcast_tx_commit", "30s"),
        ("rpc", "pprof_laddr", ""),
        ("p2p", "laddr", f"tcp://{p2p_host}:{p2p_port}"),
        ("p2p", "external_address", f"{p2p_host}:{p2p_port}"),
        ("p2p", "persistent_peers", ",".join(persistent_peers)),
        ("p2p", "addr_book_strict", False),
        ("p2p", "allow_duplicate_ip", allow_duplicate_ip),
        ("p2p", "pex", False),
        ("p2p", "flush_throttle_timeout", "10ms"),
        ("mempool", "size", 20000),
        ("mempool", "cache_size", 100000),
        ("consensus", "timeout_propose", "2s"),
        ("consensus", "timeout_commit", timeout_commit),
        ("consensus", "peer_gossip_sleep_duration", "20ms"),
        ("instrumentation", "prometheus", True),
        ("instrumentation", "prometheus_listen_addr", f"127.0.0.1:{metrics_port}"),
    ]
    for section, key, value in edits:
        set_toml_value(document, section, key, value)
    config_path.write_text(tomlkit.dumps(document))

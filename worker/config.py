"""Worker configuration: a flat TOML file, defaults for what it leaves out, command-line overrides on top.

Every key is checked for type and range, and an error names the key and where
the value came from (the file, or "overrides"). Unknown keys are errors: a
misspelt ``max_fule`` silently falling back to a default is how a worker ends
up accepting jobs it cannot run. A relative ``home`` is taken relative to the
config file's directory.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_HOME = Path(os.environ.get("AMINO_HOME", Path.home() / ".amino"))

# wasm32 linear memory cannot grow past 4 GiB.
WASM32_MAX_MEMORY_MB = 4096


class ConfigError(ValueError):
    """The worker configuration is invalid; the message names the key and its source."""


@dataclass(frozen=True)
class WorkerConfig:
    key_name: str = "worker"
    master_url: str = "http://127.0.0.1:8700"
    rpc_url: str = "http://127.0.0.1:26657"
    chain_id: str = "amino-localnet"
    home: Path = DEFAULT_HOME
    slots: int = 1
    # Capabilities announced on chain.
    cpu_cores: int = 1
    gpu: int = 0
    ram_mb: int = 1024
    storage_mb: int = 1024
    # Limits on the jobs this worker accepts and runs.
    max_fuel: int = 10_000_000_000
    max_memory_mb: int = 4096  # the largest class memory this worker accepts (the class sets the limit)
    wall_timeout_seconds: float = 60.0
    max_blob_bytes: int = 64 * 1024 * 1024
    any_app: bool = False
    heartbeat_seconds: float = 20.0
    # BOINC-like limits (worker.limits): local run windows ("08:00-18:00,22:00-06:00"; "" = always), work only
    # while the machine's other load is below idle_load_percent of its cores, a cap on the results awaiting upload
    run_windows: str = ""
    idle_only: bool = False
    idle_load_percent: int = 25
    max_cache_mb: int = 0
    # the local status endpoint (amino worker status|pause|resume, /metrics); port 0: any free port
    status_host: str = "127.0.0.1"
    status_port: int = 0
    # on stop: how long to keep finishing, committing and revealing the jobs it holds after going offline
    stop_grace_seconds: float = 120.0
    poll_seconds: float = 2.0
    earnings_seconds: float = 30.0  # how often the FOG it earns is read for the status display
    lie: bool = False
    deposit: int = 100_000_000


# key -> (kind, minimum, maximum); kind is str, url, path, int, seconds or bool.
_SCHEMA: dict[str, tuple[str, float | None, float | None]] = {
    "key_name": ("str", None, None),
    "master_url": ("url", None, None),
    "rpc_url": ("url", None, None),
    "chain_id": ("str", None, None),
    "home": ("path", None, None),
    "slots": ("int", 1, 16),
    "cpu_cores": ("int", 1, 4096),
    "gpu": ("int", 0, 1024),
    "ram_mb": ("int", 1, None),
    "storage_mb": ("int", 1, None),
    "max_fuel": ("int", 1, 2**63 - 1),
    "max_memory_mb": ("int", 1, WASM32_MAX_MEMORY_MB),
    "wall_timeout_seconds": ("seconds", None, None),
    "max_blob_bytes": ("int", 1, None),
    "any_app": ("bool", None, None),
    "heartbeat_seconds": ("seconds", None, None),
    "stop_grace_seconds": ("seconds", None, None),
    "run_windows": ("windows", None, None),
    "idle_only": ("bool", None, None),
    "idle_load_percent": ("int", 1, 100),
    "max_cache_mb": ("int", 0, None),
    "status_host": ("str", None, None),
    "status_port": ("int", 0, 65_535),
    "poll_seconds": ("seconds", None, None),
    "earnings_seconds": ("seconds", None, None),
    "lie": ("bool", None, None),
    "deposit": ("int", 0, None),
}
assert set(_SCHEMA) == {field.name for field in dataclasses.fields(WorkerConfig)}


def _check_value(key: str, value: Any, source: str, base: Path | None) -> Any:
    """The value converted to its field type. Raises ConfigError naming key and source."""
    kind, minimum, maximum = _SCHEMA[key]
    where = f"{key!r} in {source}"
    if kind in ("str", "url"):
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where} must be a non-empty string, got {value!r}")
        if kind == "url" and not value.startswith(("http://", "https://")):
            raise ConfigError(f"{where} must be an http:// or https:// URL, got {value!r}")
        return value
    if kind == "windows":
        from worker.limits import parse_windows

        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string like \"08:00-18:00,22:00-06:00\", got {value!r}")
        try:
            parse_windows(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        return value
    if kind == "path":
        if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
            raise ConfigError(f"{where} must be a non-empty path, got {value!r}")
        path = Path(value).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        return path
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be an integer, got {value!r}")
    else:  # seconds: an int or a float, positive and finite
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number of seconds, got {value!r}")
        if not 0 < value < float("inf"):
            raise ConfigError(f"{where} must be positive and finite, got {value!r}")
        return float(value)
    if minimum is not None and value < minimum:
        raise ConfigError(f"{where} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{where} must be at most {maximum}, got {value}")
    return value


def _apply(values: dict[str, Any], changes: dict[str, Any], source: str, base: Path | None) -> None:
    unknown = sorted(set(changes) - set(_SCHEMA))
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(map(repr, unknown))} in {source}; known keys: {', '.join(_SCHEMA)}")
    for key, value in changes.items():
        values[key] = _check_value(key, value, source, base)


def _warn_if_lying(config: WorkerConfig, source: str) -> None:
    if config.lie:
        banner = "!" * 78
        print(
            f"{banner}\n"
            f"WARNING: 'lie' is set ({source}): this worker will return WRONG results on purpose.\n"
            f"It exists to test slashing and will lose its deposit. Never use it on a real network.\n"
            f"{banner}",
            file=sys.stderr,
        )


def load_config(path: Path | None, overrides: dict[str, Any] | None = None) -> WorkerConfig:
    """Defaults, then the TOML file at path (if given), then overrides; None overrides are ignored.

    Raises: ConfigError
    """
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            with open(path, "rb") as file:
                document = tomllib.load(file)
        except FileNotFoundError:
            raise ConfigError(f"worker config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"worker config file {path} is not valid TOML: {exc}") from None
        _apply(values, document, f"{path}", path.parent.resolve())
    changes = {key: value for key, value in (overrides or {}).items() if value is not None}
    _apply(values, changes, "overrides", None)
    config = WorkerConfig(**values)
    _warn_if_lying(config, "overrides" if "lie" in changes else str(path))
    return config


def parse_setting(key: str, raw: str) -> Any:
    """A value typed on the command line for ``key``, as its TOML value: true/false, a number, or text (quoted or
    not). Raises ConfigError for an unknown key."""
    if key not in _SCHEMA:
        raise ConfigError(f"unknown key {key!r}; known keys: {', '.join(_SCHEMA)}")
    kind = _SCHEMA[key][0]
    if kind in ("str", "url", "path", "windows"):
        return raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    try:
        return tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        return raw  # the type check below names the key and what it wants


def set_setting(path: Path, key: str, raw: str) -> WorkerConfig:
    """Set ``key`` in the config file at ``path`` (comments and order kept), after checking that the whole file
    still loads; returns the config it now holds.

    Raises: ConfigError (unknown key, bad value, unreadable file), and nothing is written then
    """
    import tomlkit

    path = Path(path)
    value = parse_setting(key, raw)
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"worker config file {path} does not exist") from None
    except tomlkit.exceptions.TOMLKitError as exc:
        raise ConfigError(f"worker config file {path} is not valid TOML: {exc}") from None
    _check_value(key, value, "the new value", path.parent.resolve())
    document[key] = value
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(tomlkit.dumps(document), encoding="utf-8")
    try:
        config = load_config(temporary)
    except ConfigError:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)
    return dataclasses.replace(config, home=load_config(path).home)


def settings_view(path: Path) -> list[dict]:
    """Every key with its value and where it comes from (the file, or the default). Raises: ConfigError"""
    config = load_config(path)
    with open(path, "rb") as file:
        document = tomllib.load(file)
    return [{"key": f.name, "value": str(getattr(config, f.name)) if f.name == "home" else getattr(config, f.name),
             "from": "file" if f.name in document else "default"} for f in dataclasses.fields(config)]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    # JSON string escapes are TOML basic-string escapes, except that TOML wants DEL escaped
    # and rejects \u surrogate pairs (hence ensure_ascii=False).
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def write_default_config(path: Path, *, overwrite: bool = False, **values: Any) -> WorkerConfig:
    """Write a complete config file (defaults, with values replacing some) and return what it holds.

    Raises: ConfigError (bad values, or the file exists and overwrite is False)
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise ConfigError(f"worker config file {path} already exists")
    checked: dict[str, Any] = {}
    _apply(checked, values, "write_default_config arguments", None)
    config = WorkerConfig(**checked)
    lines = ["# Amino worker configuration (every key is shown; remove one to use its default).", ""]
    for field in dataclasses.fields(config):
        lines.append(f"{field.name} = {_toml_value(getattr(config, field.name))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    return config

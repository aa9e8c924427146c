"""pyproject.toml declares what the code imports: every third-party package imported directly by the project's
code is a pinned runtime dependency, and the build-only protoc (grpcio-tools) is not one."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
CODE = ("abci_app", "chain_modules", "cli", "client", "gateway", "genesis", "localnet", "masternode", "wasm_jobs", "worker")
OURS = set(CODE) | {"tendermint", "cometbft", "gogoproto", "cosmos_proto", "amino"}  # ours, and build/gen's packages


def _name(requirement: str) -> str:
    return re.split(r"[=<>!~\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def imported_top_level_modules() -> set[str]:
    found = set()
    for package in CODE:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return found - OURS - set(sys.stdlib_module_names)


def test_every_directly_imported_package_is_a_pinned_runtime_dependency():
    declared = {_name(requirement) for requirement in PROJECT["dependencies"]}
    assert all("==" in requirement for requirement in PROJECT["dependencies"])
    distributions = packages_distributions()
    missing = {}
    for module in sorted(imported_top_level_modules()):
        names = {name.lower().replace("_", "-") for name in distributions.get(module, [module])}
        if not names & declared:
            missing[module] = sorted(names)
    assert missing == {}, f"imported but not declared in [project] dependencies: {missing}"
    assert {"starlette", "anyio", "tomlkit", "keyring"} <= declared


def test_protoc_is_a_build_extra_that_setup_installs_not_a_runtime_dependency():
    assert "grpcio-tools" not in {_name(requirement) for requirement in PROJECT["dependencies"]}
    assert [_name(r) for r in PROJECT["optional-dependencies"]["build"]] == ["grpcio-tools"]
    assert '-e "$ROOT[test,build]"' in (ROOT / "scripts" / "setup.sh").read_text()

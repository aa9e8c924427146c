"""The import contracts in .importlinter hold (client below the services below the CLI; chain modules below
everything), and lint-imports fails when one of them is broken."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
ROOT_PACKAGES = ("abci_app", "chain_modules", "cli", "client", "gateway", "genesis", "localnet", "masternode", "wasm_jobs",
                 "worker")
CHAIN_MODULES = ("common", "auth", "bank", "staking", "distribution", "slashing", "locks", "apppool", "compute", "fog", "gov")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} is missing: run ./scripts/setup.sh (it installs the test extras)"
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(CONFIG)], cwd=cwd, capture_output=True,
                          text=True, env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"}, timeout=300)


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout and "BROKEN" not in result.stdout


@pytest.mark.parametrize("importer, imported, contract", [
    ("client", "cli", "the client library never imports the CLI or the services"),
    ("client", "worker", "the client library never imports the CLI or the services"),
    ("localnet", "cli", "the services never import the CLI"),
    ("gateway", "cli", "the services never import the CLI"),
    ("client", "gateway", "the client library never imports the CLI or the services"),
    ("chain_modules", "client", "chain modules never import the node, the library, the CLI or the services"),
    ("chain_modules", "abci_app", "chain modules never import the node, the library, the CLI or the services"),
    ("chain_modules.bank", "chain_modules.staking",
     "chain modules form one dependency order (a lower module never imports a higher one)"),
    ("chain_modules.slashing", "chain_modules.compute",
     "chain modules form one dependency order (a lower module never imports a higher one)"),
    ("chain_modules.common", "chain_modules.bank", "chain_modules.common imports no module"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path, importer, imported, contract):
    for package in ROOT_PACKAGES + tuple(f"chain_modules/{name}" for name in CHAIN_MODULES):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / importer.replace(".", "/") / "reaching_up.py").write_text(f"import {imported}\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout, result.stdout + result.stderr
    assert f"{importer}.reaching_up -> {imported}" in result.stdout

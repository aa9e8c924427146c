"""Chain modules reach each other, and the layers above reach them, only through their public files.

A module's public files are ``api.py`` (what other modules may call), ``types.py`` (records, params and
messages), ``errors.py`` (codes are part of the API) and ``module.py`` (its manifest, for the app). Everything
else (state, keys, handlers, views, epoch, invariants...) is private to the module. The import graph is read
with grimp, the engine of import-linter; the layer contracts between packages are in .importlinter.
"""

from __future__ import annotations

import grimp

CHAIN_MODULES = ("auth", "bank", "staking", "distribution", "slashing", "locks", "apppool", "compute", "fog", "gov")
PUBLIC = {"api", "types", "errors", "module"}
PACKAGES = ("chain_modules", "abci_app", "client", "genesis", "worker", "masternode", "localnet")


def _private_imports(graph) -> list[tuple[str, str]]:
    found = []
    for importer in sorted(graph.modules):
        parts = importer.split(".")
        for imported in graph.find_modules_directly_imported_by(importer):
            target = imported.split(".")
            if target[0] != "chain_modules" or len(target) < 3 or target[1] not in CHAIN_MODULES:
                continue
            if parts[0] == "chain_modules" and len(parts) > 1 and parts[1] == target[1]:
                continue  # a module's own files
            if target[2] not in PUBLIC:
                found.append((importer, imported))
    return found


def test_no_code_reaches_into_another_modules_private_files():
    graph = grimp.build_graph(*PACKAGES)
    assert _private_imports(graph) == []


def test_the_check_would_catch_a_private_import():
    """The rule itself, on a graph with one forbidden edge added."""
    graph = grimp.build_graph(*PACKAGES)
    graph.add_import(importer="chain_modules.compute.handlers", imported="chain_modules.bank.state")
    assert _private_imports(graph) == [("chain_modules.compute.handlers", "chain_modules.bank.state")]


def test_common_imports_no_module_and_modules_import_nothing_above_them():
    graph = grimp.build_graph(*PACKAGES)
    for module in CHAIN_MODULES:
        assert not graph.direct_import_exists(importer="chain_modules.common", imported=f"chain_modules.{module}",
                                              as_packages=True), module
    for above in PACKAGES[1:]:
        assert not graph.direct_import_exists(importer="chain_modules", imported=above, as_packages=True), above

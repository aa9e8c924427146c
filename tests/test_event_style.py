"""Events follow one style: every module builds its events in its events.py, with make_event."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "chain_modules"


def _calls(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            names.add(node.func.id)
    return names


def test_only_the_common_helper_builds_raw_events_and_only_events_py_calls_it():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        calls = _calls(path)
        if relative != "common/events.py" and "Event" in calls:
            offenders.append(f"{relative}: Event(...)")
        if path.name != "events.py" and "make_event" in calls:
            offenders.append(f"{relative}: make_event(...) outside events.py")
    assert offenders == []

"""Crash-safe journal of a worker's progress through commit and reveal.

Why this exists: a worker that restarts must neither commit twice for the same
task round (the second commit would be rejected, or worse, carry a different
salt) nor forget a reveal it owes (missing reveals are slashed). So every step
is written here, and fsynced, before the worker acts on it.

The file is JSON Lines, one record per line::

    {"task": 7, "round": 0, "step": "commit_sent", "data": {"txhash": "AB12..."}}

Opening the journal replays it into one merged entry per (task, round): the
latest step, with the data of all its records merged (later values win). An
``append`` is not atomic, so a crash can leave a last line without its
newline; that line was never acknowledged to the caller and is cut off.

Steps move forward only::

    computed -> commit_sent -> committed -> reveal_sent -> revealed -> uploaded -> done | abandoned

Steps may be skipped, a step may be recorded again (a resent transaction gets
a new txhash), and nothing follows ``done`` or ``abandoned``.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from pathlib import Path
from typing import Any

STEPS = ("computed", "commit_sent", "committed", "reveal_sent", "revealed", "uploaded", "done", "abandoned")
FINAL_STEPS = frozenset({"done", "abandoned"})
_RANK = {step: index for index, step in enumerate(STEPS)}
_RANK["abandoned"] = _RANK["done"]


class JournalCorrupted(ValueError):
    """A complete line of the journal is not a valid record: not a crash, the file was damaged or edited."""


def _check_record(task: object, round_: object, step: object, data: object) -> None:
    for name, value in (("task", task), ("round", round_)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"journal {name} must be a non-negative integer, got {value!r}")
    if step not in _RANK:
        raise ValueError(f"unknown journal step {step!r}; expected one of {', '.join(STEPS)}")
    if not isinstance(data, dict):
        raise ValueError(f"journal data must be an object, got {type(data).__name__}")


def _advance(entry: dict | None, task: int, round_: int, step: str, data: dict) -> dict:
    """The merged entry after one more record. Raises ValueError if the step goes backwards."""
    if entry is None:
        return {"task": task, "round": round_, "step": step, "data": copy.deepcopy(data)}
    current = entry["step"]
    if current in FINAL_STEPS:
        raise ValueError(f"task {task} round {round_} is already {current!r}; cannot record {step!r}")
    if _RANK[step] < _RANK[current]:
        raise ValueError(f"task {task} round {round_}: step {step!r} cannot follow {current!r}")
    merged = {**entry["data"], **copy.deepcopy(data)}
    return {"task": task, "round": round_, "step": step, "data": merged}


def _encode(entry: dict) -> bytes:
    return (json.dumps(entry, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n").encode()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, int], dict] = {}
        self._compact_path.unlink(missing_ok=True)

        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a+b")
        try:
            if created:
                _fsync_directory(self.path.parent)
            self._replay()
        except BaseException:
            self._file.close()
            raise

    @property
    def _compact_path(self) -> Path:
        return self.path.with_name(self.path.name + ".compact")

    def _replay(self) -> None:
        self._file.seek(0)
        content = self._file.read()
        complete = content.rfind(b"\n") + 1
        for number, line in enumerate(content[:complete].split(b"\n")[:-1], start=1):
            try:
                record = json.loads(line)
                task, round_, step, data = record["task"], record["round"], record["step"], record["data"]
                _check_record(task, round_, step, data)
                key = (task, round_)
                self._entries[key] = _advance(self._entries.get(key), task, round_, step, data)
            except (ValueError, KeyError, TypeError) as exc:
                raise JournalCorrupted(f"{self.path}, line {number}: not a valid journal record ({exc})") from None
        if complete < len(content):
            # The tail is a record cut short by a crash; it was never acknowledged.
            self._file.truncate(complete)
            self._file.flush()
            os.fsync(self._file.fileno())
        self._size = complete

    # -- queries -------------------------------------------------------------------

    def get(self, task: int, round: int) -> dict | None:
        """The merged entry {"task", "round", "step", "data"} of a task round, or None."""
        with self._lock:
            entry = self._entries.get((task, round))
            return copy.deepcopy(entry)

    def open_entries(self) -> list[dict]:
        """Entries neither done nor abandoned, ordered by (task, round): the work to resume after a restart."""
        with self._lock:
            found = [entry for key, entry in sorted(self._entries.items()) if entry["step"] not in FINAL_STEPS]
            return copy.deepcopy(found)

    # -- writes --------------------------------------------------------------------

    def record(self, task: int, round: int, step: str, **data: Any) -> dict:
        """Append a step durably (fsync) and return the merged entry.

        Raises: ValueError (unknown step, step going backwards, anything after
        done/abandoned), TypeError (data that JSON cannot encode, such as bytes)
        """
        _check_record(task, round, step, data)
        line = _encode({"task": task, "round": round, "step": step, "data": data})
        with self._lock:
            key = (task, round)
            entry = _advance(self._entries.get(key), task, round, step, data)
            try:
                self._file.seek(0, os.SEEK_END)
                self._file.write(line)
                self._file.flush()
                os.fsync(self._file.fileno())
            except BaseException:
                # A failed append (disk full) must not leave half a line in front of the next one.
                self._file.truncate(self._size)
                raise
            self._size += len(line)
            self._entries[key] = entry
            return copy.deepcopy(entry)

    def compact(self, keep: frozenset[int] | set[int] = frozenset()) -> None:
        """Rewrite the file with one record per open entry, and per finished entry of a task in ``keep``;
        the other finished entries are forgotten (get() returns None for them, as after a restart).

        Pass the tasks the chain still lists for this worker as ``keep``, so that a job given up on is
        not taken up again.
        """
        with self._lock:
            kept = {key: entry for key, entry in sorted(self._entries.items())
                    if entry["step"] not in FINAL_STEPS or key[0] in keep}
            content = b"".join(_encode(entry) for entry in kept.values())
            with open(self._compact_path, "wb") as replacement:
                replacement.write(content)
                replacement.flush()
                os.fsync(replacement.fileno())
            os.replace(self._compact_path, self.path)
            _fsync_directory(self.path.parent)
            self._file.close()
            self._file = open(self.path, "a+b")
            self._entries = kept
            self._size = len(content)

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

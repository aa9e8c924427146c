"""The worker's crash-safe commit/reveal journal: durability, replay after a crash, step order."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from worker.journal import STEPS, Journal, JournalCorrupted

Opener = Callable[[], Journal]

SALT = "11" * 32
RESULT = "22" * 32


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "worker" / "journal.jsonl"


@pytest.fixture
def open_journal(path: Path) -> Iterator[Opener]:
    """Opens the journal at path, as a restarted worker would; everything opened is closed afterwards."""
    opened: list[Journal] = []

    def factory() -> Journal:
        opened.append(Journal(path))
        return opened[-1]

    yield factory
    for journal in opened:
        journal.close()


def computed(journal: Journal, task: int, round: int = 0) -> dict:
    return journal.record(task, round, "computed", salt=SALT, result_hash=RESULT, fuel=1234, status="ok",
                          output_path=f"/tmp/out-{task}")


def test_a_recorded_step_is_on_disk_before_record_returns(open_journal: Opener, path: Path) -> None:
    journal = open_journal()
    computed(journal, 7)

    lines = path.read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {
        "task": 7, "round": 0, "step": "computed",
        "data": {"salt": SALT, "result_hash": RESULT, "fuel": 1234, "status": "ok", "output_path": "/tmp/out-7"},
    }


def test_entries_merge_the_data_of_every_step(open_journal: Opener) -> None:
    journal = open_journal()
    computed(journal, 7)
    journal.record(7, 0, "commit_sent", txhash="AA")
    entry = journal.record(7, 0, "committed", height=10)

    assert entry == journal.get(7, 0)
    assert entry["step"] == "committed"
    assert entry["data"] == {"salt": SALT, "result_hash": RESULT, "fuel": 1234, "status": "ok",
                             "output_path": "/tmp/out-7", "txhash": "AA", "height": 10}
    assert journal.get(7, 1) is None and journal.get(8, 0) is None


def test_replay_after_restart_restores_every_entry(open_journal: Opener) -> None:
    journal = open_journal()
    computed(journal, 1)
    journal.record(1, 0, "commit_sent", txhash="C1")
    computed(journal, 2, round=1)
    journal.record(2, 1, "abandoned", reason="fuel over max")
    journal.close()

    reopened = open_journal()

    assert reopened.get(1, 0)["step"] == "commit_sent"
    assert reopened.get(1, 0)["data"]["txhash"] == "C1"
    assert reopened.get(2, 1)["data"]["reason"] == "fuel over max"
    assert [(entry["task"], entry["round"]) for entry in reopened.open_entries()] == [(1, 0)]


def test_a_line_cut_short_by_a_crash_is_dropped_and_the_file_truncated(
    open_journal: Opener, path: Path
) -> None:
    journal = open_journal()
    computed(journal, 5)
    journal.record(5, 0, "commit_sent", txhash="C5")
    journal.close()
    intact = path.read_bytes()
    # The crash hit while appending "committed": half a record, no newline.
    path.write_bytes(intact + b'{"task":5,"round":0,"step":"comm')

    reopened = open_journal()

    assert reopened.get(5, 0)["step"] == "commit_sent"
    assert path.read_bytes() == intact
    # Appending after the repair gives a well-formed file.
    reopened.record(5, 0, "committed", height=3)
    reopened.close()
    assert open_journal().get(5, 0)["data"]["height"] == 3


def test_a_complete_record_missing_only_its_newline_is_also_dropped(
    open_journal: Opener, path: Path
) -> None:
    journal = open_journal()
    computed(journal, 5)
    journal.close()
    intact = path.read_bytes()
    path.write_bytes(intact + b'{"data":{},"round":0,"step":"committed","task":5}')

    assert open_journal().get(5, 0)["step"] == "computed"
    assert path.read_bytes() == intact


def test_damage_in_the_middle_is_reported_not_silently_skipped(open_journal: Opener, path: Path) -> None:
    journal = open_journal()
    computed(journal, 1)
    journal.close()
    path.write_bytes(b"garbage\n" + path.read_bytes())

    with pytest.raises(JournalCorrupted, match="line 1"):
        open_journal()


def test_steps_never_go_backwards(open_journal: Opener, path: Path) -> None:
    journal = open_journal()
    computed(journal, 9)
    journal.record(9, 0, "revealed", height=20)

    with pytest.raises(ValueError, match="'committed' cannot follow 'revealed'"):
        journal.record(9, 0, "committed", height=12)
    with pytest.raises(ValueError):
        journal.record(9, 0, "computed", salt=SALT)

    assert journal.get(9, 0)["step"] == "revealed"
    journal.close()
    assert len(path.read_text().splitlines()) == 2  # refused records were not written


def test_a_step_can_be_recorded_again_and_skipped_forward(open_journal: Opener) -> None:
    journal = open_journal()
    computed(journal, 4)
    journal.record(4, 0, "commit_sent", txhash="FIRST")
    journal.record(4, 0, "commit_sent", txhash="RESENT")
    journal.record(4, 0, "done")

    assert journal.get(4, 0)["data"]["txhash"] == "RESENT"
    assert journal.get(4, 0)["step"] == "done"


def test_nothing_follows_done_or_abandoned(open_journal: Opener) -> None:
    journal = open_journal()
    journal.record(1, 0, "done")
    journal.record(2, 0, "abandoned", reason="master gone")
    for task, step in ((1, "abandoned"), (1, "done"), (2, "done"), (2, "uploaded")):
        with pytest.raises(ValueError, match="already"):
            journal.record(task, 0, step)


def test_rounds_of_the_same_task_are_separate_entries(open_journal: Opener) -> None:
    journal = open_journal()
    journal.record(3, 0, "abandoned", reason="reassigned")
    computed(journal, 3, round=1)

    assert journal.get(3, 0)["step"] == "abandoned"
    assert journal.get(3, 1)["step"] == "computed"


@pytest.mark.parametrize("task, round, step, data, error", [
    (-1, 0, "computed", {}, ValueError),
    (1, True, "computed", {}, ValueError),
    ("1", 0, "computed", {}, ValueError),
    (1, 0, "finished", {}, ValueError),
    (1, 0, "computed", {"salt": b"\x01"}, TypeError),
    (1, 0, "computed", {"fuel": float("nan")}, ValueError),
])
def test_bad_records_are_refused_and_nothing_is_written(
    open_journal: Opener, path: Path, task: object, round: object, step: str, data: dict, error: type
) -> None:
    journal = open_journal()
    with pytest.raises(error):
        journal.record(task, round, step, **data)  # type: ignore[arg-type]
    assert path.read_bytes() == b""


def test_compact_keeps_only_open_entries_in_their_merged_state(open_journal: Opener, path: Path) -> None:
    journal = open_journal()
    for task in range(1, 4):
        computed(journal, task)
        journal.record(task, 0, "commit_sent", txhash=f"T{task}")
    journal.record(2, 0, "done")
    journal.record(3, 0, "reveal_sent", txhash="R3")

    journal.compact()

    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert journal.get(2, 0) is None
    assert journal.get(3, 0)["data"]["txhash"] == "R3"
    journal.record(1, 0, "committed", height=8)  # appends still work on the new file
    journal.close()

    reopened = open_journal()
    assert reopened.get(1, 0) == {"task": 1, "round": 0, "step": "committed",
                                  "data": {"salt": SALT, "result_hash": RESULT, "fuel": 1234, "status": "ok",
                                           "output_path": "/tmp/out-1", "txhash": "T1", "height": 8}}
    assert reopened.get(3, 0)["step"] == "reveal_sent"
    assert reopened.get(2, 0) is None
    assert not path.with_name(path.name + ".compact").exists()


def test_a_leftover_from_a_crashed_compaction_is_ignored(open_journal: Opener, path: Path) -> None:
    journal = open_journal()
    computed(journal, 1)
    journal.close()
    leftover = path.with_name(path.name + ".compact")
    leftover.write_text("half written")

    assert open_journal().get(1, 0)["step"] == "computed"
    assert not leftover.exists()


def test_returned_entries_are_copies(open_journal: Opener) -> None:
    journal = open_journal()
    computed(journal, 1)
    journal.get(1, 0)["data"]["salt"] = "tampered"
    journal.open_entries()[0]["step"] = "done"
    assert journal.get(1, 0)["data"]["salt"] == SALT
    assert journal.get(1, 0)["step"] == "computed"


def test_the_step_order_is_the_documented_one() -> None:
    assert STEPS == ("computed", "commit_sent", "committed", "reveal_sent", "revealed", "uploaded", "done", "abandoned")

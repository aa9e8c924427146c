"""Task states are an enum with one transition table; every state change goes through it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chain_modules.compute.types import TRANSITIONS, Task, TaskEvent, TaskState

DOC = Path(__file__).resolve().parents[3] / "docs" / "modules" / "compute.md"


def _documented_transitions() -> set[tuple[str, str]]:
    """The state diagram of docs/modules/compute.md, without the start, the ends and the queue's self-loop."""
    diagram = DOC.read_text().split("stateDiagram-v2", 1)[1].split("```", 1)[0]
    pairs = set(re.findall(r"^\s*(\w+) --> (\w+)", diagram, re.M))
    return {(a, b) for a, b in pairs if a != b}


def test_the_table_is_the_documented_state_diagram():
    table = {(str(state), str(target)) for state, moves in TRANSITIONS.items() for target in moves.values()}
    assert table == _documented_transitions()


def test_final_states_have_no_way_out_and_every_open_state_can_be_refunded_or_settled():
    for state in (TaskState.SETTLED, TaskState.REFUNDED, TaskState.CANCELLED):
        assert TRANSITIONS[state] == {}
    for state in (TaskState.SUBMITTED, TaskState.ALLOCATED, TaskState.COMMITTING, TaskState.REVEALING):
        assert TRANSITIONS[state][TaskEvent.REFUND] == TaskState.REFUNDED
    assert TRANSITIONS[TaskState.DELIVERED] == {TaskEvent.SETTLE: TaskState.SETTLED}


def _task(state: TaskState) -> Task:
    return Task(7, b"c" * 20, b"a" * 32, b"i" * 32, 1, "small", 1, 1_000, 1, 10, 100, 1_000, state=state)


def test_move_follows_the_table_and_refuses_anything_else():
    task = _task(TaskState.ALLOCATED)
    assert task.move(TaskEvent.ASSIGN).state is TaskState.COMMITTING
    assert task.allows(TaskEvent.CANCEL) and not task.allows(TaskEvent.SETTLE)
    with pytest.raises(AssertionError, match="no transition from allocated on settle"):
        task.move(TaskEvent.SETTLE)


def test_a_state_cannot_be_set_around_the_table():
    with pytest.raises(AssertionError, match="only through Task.move"):
        _task(TaskState.DELIVERED).with_(state=TaskState.SETTLED)


def test_a_stored_task_comes_back_with_its_state_as_the_enum_and_encodes_as_the_plain_string():
    task = _task(TaskState.REVEALING)
    data = task.to_list()
    assert "revealing" in data and type(data[data.index("revealing")]) is TaskState
    assert Task.from_list(7, data).state is TaskState.REVEALING
    from chain_modules.common.encoding import encode

    assert encode(data) == encode([str(v) if isinstance(v, TaskState) else v for v in data])

"""TaskClient.run follows a task through every state it can be seen in, however fast the workers are."""

from __future__ import annotations

from client.tasks import TaskClient


class _Seen(TaskClient):
    """A TaskClient whose chain answers a scripted sequence of task states, one per status query."""

    def __init__(self, states: list[str]) -> None:
        self.states = list(states)
        self.uploads = 0
        self.confirmed = False

    def app(self, module_hash):
        return {"verified": True}

    def submit(self, *args, **kwargs) -> int:
        return 7

    def status(self, task_id: int) -> dict:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"id": task_id, "state": state, "master": "amio1master", "participants": [{"worker": "amio1w"}],
                "fuel_used": 5, "price": 1, "escrow": 100, "paid": 10, "refunded": 90, "compensation": 0,
                "result_hash": "ab", "heights": []}

    def upload(self, task_id, module, input_data) -> None:
        self.uploads += 1

    def result(self, task_id: int) -> bytes:
        return b"the output"

    def confirm(self, task_id: int) -> None:
        self.confirmed = True


def test_a_task_whose_workers_were_past_allocated_before_the_first_poll_still_returns_its_result():
    """The master already held the module and input (the same job ran before): the first poll after submission
    already sees the task committing. run() must not wait for an 'allocated' it will never see."""
    client = _Seen(["submitted", "committing", "delivered", "settled"])
    summary = client.run(b"module", b"input", wait_seconds=5)
    assert (summary.state, summary.output) == ("settled", b"the output")
    assert client.uploads == 0 and client.confirmed


def test_a_task_seen_allocated_gets_the_job_uploaded():
    client = _Seen(["submitted", "allocated", "delivered", "settled"])
    summary = client.run(b"module", b"input", wait_seconds=5)
    assert (summary.state, summary.output, client.uploads) == ("settled", b"the output", 1)


def test_the_result_download_waits_while_the_master_does_not_see_the_delivery_yet():
    """The master's cached view of the task can lag a block behind the customer's: it answers 403 not_expected
    for the accepted result at first, then serves it."""
    import hashlib

    import httpx

    output = b"the output"
    answers = [httpx.Response(403, json={"error": "not_expected"}), httpx.Response(404, json={"error": "not_found"}),
               httpx.Response(200, content=output)]

    class Downloading(_Seen):
        def status(self, task_id):
            return super().status(task_id) | {"result_hash": hashlib.sha256(output).hexdigest(),
                                              "master_endpoint": "http://127.0.0.1:1"}

        def _blob_request(self, task, method, digest, content=None):
            return answers.pop(0)

    assert TaskClient.result(Downloading(["delivered"]), 7) == output and answers == []


def test_the_result_download_gives_up_at_once_on_a_real_refusal():
    import hashlib

    import httpx
    import pytest

    from client.tasks import TaskError

    class Refused(_Seen):
        def status(self, task_id):
            return super().status(task_id) | {"result_hash": hashlib.sha256(b"x").hexdigest(),
                                              "master_endpoint": "http://127.0.0.1:1"}

        def _blob_request(self, task, method, digest, content=None):
            return httpx.Response(403, json={"error": "forbidden"})

    with pytest.raises(TaskError, match="403"):
        TaskClient.result(Refused(["delivered"]), 7)

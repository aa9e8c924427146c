"""TaskClient.run follows a task through every state it can be seen in, however fast the workers are."""

from __future__ import annotations

from client.tasks import TaskClient


class _Seen(TaskClient):
    """A TaskClient whose chain answers a scripted sequence of task states, one per status query."""

    def __init__(self, states: list[str], verified: bool = True, output: bytes = b"the output") -> None:
        self.states = list(states)
        self.uploads = 0
        self.confirmed = False
        self.verified = verified
        self.output = output
        self.blocks_waited = 0
        self.gateway = None

    def app(self, module_hash):
        return {"verified": self.verified}

    def _next_block(self, timeout: float) -> None:
        self.blocks_waited += 1

    def submit(self, *args, **kwargs) -> int:
        return 7

    def status(self, task_id: int) -> dict:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"id": task_id, "state": state, "master": "amio1master",
                "participants": [{"worker": "amio1w", "status": "assigned"}], "class_name": "small", "needed": 1,
                "fuel_used": 5, "price": 1, "escrow": 100, "paid": 10, "refunded": 90, "compensation": 0,
                "result_hash": "ab", "heights": [], "max_fuel": 1_000, "reallocations": 0, "reassignments": 0,
                "excluded_workers": []}

    def upload(self, task_id, module, input_data) -> None:
        self.uploads += 1

    def result(self, task_id: int) -> bytes:
        return self.output

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


# -- failures explained, progress ---------------------------------------------------------------------


def test_a_trapped_job_is_a_failed_job_not_an_output():
    client = _Seen(["submitted", "committing", "delivered", "settled"], output=b"AMINO-JOB-ERROR\x00trap")
    summary = client.run(b"module", b"input", wait_seconds=5)
    assert (summary.state, summary.outcome, summary.job_status) == ("settled", "failed_job", "trap")
    assert summary.to_dict()["output_bytes"] == 0 and summary.to_dict()["outcome"] == "failed_job"


def test_an_out_of_fuel_job_is_a_failed_job():
    client = _Seen(["delivered", "settled"], output=b"AMINO-JOB-ERROR\x00out_of_fuel")
    assert client.run(b"module", b"input", wait_seconds=5).job_status == "out_of_fuel"


def test_the_job_error_marker_is_the_workers_one():
    from client.tasks import JOB_ERROR_PREFIX
    from wasm_jobs.runner import ERROR_PREFIX

    assert JOB_ERROR_PREFIX == ERROR_PREFIX


def test_a_normal_output_is_settled_with_status_ok():
    summary = _Seen(["delivered", "settled"]).run(b"module", b"input", wait_seconds=5)
    assert (summary.outcome, summary.job_status, summary.to_dict()["output_bytes"]) == ("settled", "ok", 10)


def test_a_refunded_task_carries_the_chains_reason():
    class Refunded(_Seen):
        def ending_reason(self, task):
            return "no master node assigned workers in time"

    summary = Refunded(["submitted", "refunded"]).run(b"module", b"input", wait_seconds=5)
    assert (summary.outcome, summary.reason) == ("refunded", "no master node assigned workers in time")


def test_the_refund_reason_is_read_from_the_refunding_blocks_events():
    class Rpc:
        def call(self, method, height):
            assert (method, height) == ("block_results", "42")
            event = lambda task_id, reason: {"type": "task_refunded", "attributes": [
                {"key": "task_id", "value": task_id}, {"key": "reason", "value": reason}]}
            return {"txs_results": None, "finalize_block_events": [event("6", "other"), event("7", "final deadline passed")]}

    class Chain:
        rpc = Rpc()

    client = _Seen(["refunded"])
    client.chain = Chain()
    task = client.status(7) | {"heights": [["submitted", 40], ["refunded", 42]]}
    assert client.ending_reason(task) == "final deadline passed"
    assert client.ending_reason(task | {"state": "cancelled"}) == "cancelled by the customer"


def test_waiting_says_why_and_times_out_with_the_reason():
    import pytest

    from client.tasks import TaskTimeout

    heard = []
    client = _Seen(["submitted"], verified=False)
    with pytest.raises(TaskTimeout) as raised:
        client.run(b"module", b"input", wait_seconds=0.3, progress=heard.append)
    assert "module not verified" in raised.value.reason and raised.value.state == "submitted"
    assert client.blocks_waited >= 1
    waiting = [p.text for p in heard if p.kind == "waiting"]
    assert len(waiting) == 1 and "any_app" in waiting[0]  # said once, not once per block


def test_progress_reports_each_step_with_its_height():
    heard = []

    class Stepping(_Seen):
        def status(self, task_id):
            view = super().status(task_id)
            steps = {"submitted": [["submitted", 3]], "allocated": [["submitted", 3], ["allocated", 4]],
                     "committing": [["submitted", 3], ["allocated", 4], ["assigned", 6]]}
            return view | {"heights": steps.get(view["state"], steps["committing"] + [["delivered", 9]])}

    Stepping(["submitted", "allocated", "committing", "delivered", "settled"]).run(
        b"module", b"input", wait_seconds=5, progress=heard.append)
    steps = [(p.text.split(":")[0], p.height) for p in heard if p.kind == "step" and p.height]
    assert steps == [("task 7 submitted", 3), ("allocated to master amio1master", 4), ("workers assigned", 6),
                     ("delivered", 9)]
    reasons = [p.text for p in heard if p.kind == "waiting"]
    assert "waiting for a master with a free `small` worker" in reasons
    assert any(r.startswith("workers computing: committed 0 of 1") for r in reasons)


def test_the_default_price_limit_is_todays_price_plus_one_price_step():
    from chain_modules.compute.epoch import next_price
    from chain_modules.compute.types import ComputeParams
    from client.tasks import price_limit

    params = ComputeParams()
    for price in (10, 979, 1_000, 123_456):
        assert price_limit(price, params.price_step_bps) == next_price(params, price, 10_000)  # the largest rise

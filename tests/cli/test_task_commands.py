"""amino task run/submit/quote/confirm/cancel: the module check before signing, the quote, the job file, the
confirmation and the tx flags, and the exit codes of a run that ends without a verified output."""

from __future__ import annotations

import hashlib
import json

import pytest
import wasmtime

from abci_app.codec import decode_sign_doc
from chain_modules.apppool.types import MsgRegisterApp
from chain_modules.compute.types import MsgSubmitTask, cost
from client.rpc import QueryResult
from client.tasks import RunSummary, TaskClient, TaskTimeout
from wasm_jobs.examples import build

MODULE = build("hash_chain")
CLASSES = [{"name": "small", "price": 1_000, "fuel_rate": 250_000_000, "free_slots": 2},
           {"name": "medium", "price": 2_000, "fuel_rate": 500_000_000, "free_slots": 0}]
PARAMS = {"protocol_fee": 10_000, "max_run_seconds": 120, "assign_timeout_seconds": 20, "commit_timeout_seconds": 30,
          "reveal_timeout_seconds": 20, "confirm_timeout_seconds": 30, "max_input_bytes": 1_000,
          "price_step_bps": 500}


@pytest.fixture
def chain(harness):
    """The harness with compute's classes and params, and no application registered (query code 5)."""
    harness.rpc.values["/compute/classes"] = CLASSES
    harness.rpc.values["/compute/params"] = PARAMS
    answer = harness.rpc.abci_query

    def abci_query(path, data=b""):
        if path.startswith("/apppool/app/") and path not in harness.rpc.values:
            return QueryResult(5, "not found", "apppool", b"", b"", 12, [])
        return answer(path, data)

    harness.rpc.abci_query = abci_query
    return harness


@pytest.fixture
def files(tmp_path):
    (tmp_path / "job.wasm").write_bytes(MODULE)
    (tmp_path / "job.input").write_bytes(b"\x10" + b"\x00" * 7 + b"seed")
    return tmp_path


def test_submit_refuses_wat_text_with_a_hint_before_signing(chain, files):
    (files / "job.wat").write_text("(module)")
    result = chain.invoke("task", "submit", str(files / "job.wat"), "--input", str(files / "job.input"),
                          "--from", "alice", "-y")
    assert result.exit_code == 1 and "WAT text" in result.output and "wat2wasm" in result.output
    assert len(result.output.strip().splitlines()) == 1 and chain.rpc.broadcast == []


@pytest.mark.parametrize("text, words", [
    ('(module (import "env" "f" (func)))', "import"),
    ('(module (memory (export "memory") 1))', "job ABI"),
])
def test_submit_and_run_refuse_a_module_that_breaks_the_abi(chain, files, text, words):
    (files / "bad.wasm").write_bytes(bytes(wasmtime.wat2wasm(text)))
    for command in ("submit", "run"):
        result = chain.invoke("task", command, str(files / "bad.wasm"), "--input", str(files / "job.input"),
                              "--from", "alice", "-y")
        assert result.exit_code == 1 and words in result.output, result.output
    assert chain.rpc.broadcast == []


def test_apppool_register_refuses_a_text_file(chain, files):
    (files / "notes.txt").write_bytes(b"7 bytes")
    result = chain.invoke("tx", "apppool", "register", str(files / "notes.txt"), "--name", "x", "--from", "alice", "-y")
    assert result.exit_code == 1 and "magic" in result.output and chain.rpc.broadcast == []


def test_submit_registers_and_submits_in_one_tx_carrying_the_module(chain, files):
    result = chain.invoke("task", "submit", str(files / "job.wasm"), "--input", str(files / "job.input"),
                          "--from", "alice", "--replicas", "2", "--max-fuel", "1000000", "-y")
    assert result.exit_code == 0, result.output
    assert "any_app" in result.stderr and "submit-proposal" in result.stderr  # the warning, with the ways forward
    [tx] = chain.rpc.txs()
    (register_type, register), (submit_type, submit) = tx.doc.msgs
    assert register_type == MsgRegisterApp.TYPE and MsgRegisterApp.from_body(register).module == MODULE
    assert submit_type == MsgSubmitTask.TYPE
    msg = MsgSubmitTask.from_body(submit)
    assert (msg.replicas, msg.max_fuel, msg.max_price) == (2, 1_000_000, 1_050)  # today's price + one step


def test_submit_generate_only_prints_the_unsigned_tx_and_sends_nothing(chain, files):
    result = chain.invoke("task", "submit", str(files / "job.wasm"), "--input", str(files / "job.input"),
                          "--from", "alice", "--generate-only")
    assert result.exit_code == 0, result.output
    unsigned = json.loads(result.stdout[result.stdout.index("{"):])
    import base64

    doc = decode_sign_doc(base64.b64decode(unsigned["sign_doc_bytes"]))
    assert [t for t, _ in doc.msgs] == [MsgRegisterApp.TYPE, MsgSubmitTask.TYPE] and chain.rpc.broadcast == []


def test_confirm_and_cancel_ask_before_signing(chain):
    from tests.cli.test_output import TASK

    chain.rpc.values["/compute/task/7"] = {**TASK, "state": "settled", "paid": 1, "refunded": 2}
    for command in ("confirm", "cancel"):
        refused = chain.invoke("task", command, "7", "--from", "alice", input="n\n")
        assert refused.exit_code == 1 and "Aborted" in refused.output and chain.rpc.broadcast == []
    accepted = chain.invoke("task", "confirm", "7", "--from", "alice", input="y\n")
    assert accepted.exit_code == 0 and len(chain.rpc.broadcast) == 1, accepted.output


def test_quote_is_what_submit_escrows_and_shows_the_time_budget(chain):
    result = chain.invoke("-o", "json", "task", "quote", "--class", "small", "--replicas", "3", "--max-fuel",
                          "2000000000", "--timeout", "60")
    assert result.exit_code == 0, result.output
    quote = json.loads(result.stdout)
    assert quote["escrow_uamio"] == cost(1_000, 2_000_000_000 * 3) + 10_000  # compute/submit_task's escrow
    assert quote["time_budget"] == {"assign": 20, "commit": 38, "reveal": 20, "confirm": 30, "until_delivery": 78,
                                    "deadline": 60}
    assert "shorter than one round" in quote["problem"]


def test_quote_says_when_max_fuel_is_above_the_class_limit(chain):
    result = chain.invoke("-o", "json", "task", "quote", "--max-fuel", str(250_000_000 * 121))
    assert "above the class's limit" in json.loads(result.stdout)["problem"]


# -- the job file ------------------------------------------------------------------------------------


def write_job(files, text: str):
    path = files / "job.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text, words", [
    ('input = "job.input"\n', "field 'module' is required"),
    ('module = "job.wasm"\ninput = "job.input"\nreplicas = 9\n', "field 'replicas'"),
    ('module = "job.wasm"\ninput = "job.input"\nreplica = 2\n', "unknown field 'replica'"),
    ('module = "job.wasm"\ninput = "job.input"\nmax_fuel = "lots"\n', "field 'max_fuel'"),
    ('module = "job.wasm"\ninput = "job.input"\nclass = "Big Class"\n', "field 'class'"),
    ('module = "missing.wasm"\ninput = "job.input"\n', "does not exist"),
    ('module = [\n', "not valid TOML"),
])
def test_a_bad_job_file_is_one_line_naming_the_field(chain, files, text, words):
    result = chain.invoke("task", "run", "-f", write_job(files, text), "--from", "alice", "-y")
    assert result.exit_code == 1 and words in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and chain.rpc.broadcast == []


def test_run_dry_run_with_a_job_file_checks_and_quotes_and_sends_nothing(chain, files):
    job = write_job(files, 'module = "job.wasm"\ninput = "job.input"\nclass = "medium"\nreplicas = 2\n'
                           'max_fuel = 1_000_000\ndeadline = 300\noutput = "out.bin"\n')
    result = chain.invoke("-o", "json", "task", "run", "-f", job, "--from", "alice", "--dry-run")
    assert result.exit_code == 0, result.output
    quote = json.loads(result.stdout)
    assert (quote["class"], quote["replicas"], quote["module_check"], quote["app"]) == ("medium", 2, "ok",
                                                                                         "not registered")
    assert quote["escrow_uamio"] == cost(2_000, 2_000_000) + 10_000 and "any_app" in quote["warning"]
    flagged = chain.invoke("-o", "json", "task", "run", "-f", job, "--replicas", "3", "--from", "alice", "--dry-run")
    assert json.loads(flagged.stdout)["replicas"] == 3  # a flag wins over the file
    assert chain.rpc.broadcast == []


def test_run_refuses_a_class_above_max_price_before_sending(chain, files):
    job = write_job(files, 'module = "job.wasm"\ninput = "job.input"\nmax_price = 999\n')
    result = chain.invoke("task", "run", "-f", job, "--from", "alice", "-y")
    assert result.exit_code == 1 and "above --max-price 999" in result.output and chain.rpc.broadcast == []


def test_the_example_job_file_is_valid():
    from pathlib import Path

    from cli.jobfile import load_job_file

    spec, _base = load_job_file(Path(__file__).resolve().parents[2] / "examples" / "job.toml")
    assert spec.class_name == "small" and spec.replicas == 2 and spec.output == "product.bin"


# -- how a run ends ----------------------------------------------------------------------------------


def summary(state: str, output: bytes = b"", reason: str = "") -> RunSummary:
    return RunSummary(7, state, "amio1master", ["amio1w"], 12_345, 1_000, 2_010_000, 10_013, 1_999_987, 0, "ab",
                      [["submitted", 3]], output, 1_000_000, reason, ["amio1late"], 1, 2)


def run_ending(chain, files, monkeypatch, ending):
    def run(self, *args, **kwargs):
        if isinstance(ending, Exception):
            raise ending
        return ending

    monkeypatch.setattr(TaskClient, "run", run)
    out = files / "result.bin"
    result = chain.invoke("-o", "json", "task", "run", str(files / "job.wasm"), "--input", str(files / "job.input"),
                          "--from", "alice", "--out", str(out), "-y")
    return result, out


def test_a_verified_output_is_written_and_exits_0(chain, files, monkeypatch):
    result, out = run_ending(chain, files, monkeypatch, summary("settled", b"the output"))
    assert result.exit_code == 0 and out.read_bytes() == b"the output"
    assert json.loads(result.stdout)["outcome"] == "settled"


@pytest.mark.parametrize("status, words", [("trap", "trapped"), ("out_of_fuel", "ran out of fuel")])
def test_a_failed_job_exits_4_explains_the_fuel_paid_and_writes_no_file(chain, files, monkeypatch, status, words):
    result, out = run_ending(chain, files, monkeypatch, summary("settled", b"AMINO-JOB-ERROR\x00" + status.encode()))
    assert result.exit_code == 4 and not out.exists()
    report = json.loads(result.stdout)
    assert (report["outcome"], report["job_status"], report["fuel_charged"]) == ("failed_job", status, 12_345)
    assert words in report["failure"] and "verified fuel" in report["why_paid"] and report["output_file"] == ""


def test_a_refunded_task_exits_3_with_the_chains_reason(chain, files, monkeypatch):
    result, out = run_ending(chain, files, monkeypatch, summary("refunded", reason="too many replacement rounds"))
    assert result.exit_code == 3 and not out.exists()
    report = json.loads(result.stdout)
    assert report["reason"] == "too many replacement rounds" and report["excluded_workers"] == ["amio1late"]
    assert (report["reallocations"], report["reassignments"]) == (1, 2)


def test_a_run_that_stops_waiting_exits_5_with_what_it_waited_for(chain, files, monkeypatch):
    ending = TaskTimeout(7, "submitted", "waiting for a master with a free `small` worker", 30)
    result, _out = run_ending(chain, files, monkeypatch, ending)
    assert result.exit_code == 5
    report = json.loads(result.stdout)
    assert report["outcome"] == "timeout" and "free `small` worker" in report["waiting_for"]


def test_progress_lines_are_plain_on_a_pipe_and_absent_with_json(chain, files, monkeypatch):
    from client.tasks import Progress

    def run(self, *args, progress=None, **kwargs):
        progress(Progress("step", "allocated to master amio1master", 12, 1.5))
        progress(Progress("waiting", "workers computing: committed 0 of 1", 0, 2.0))
        return summary("settled", b"ok")

    monkeypatch.setattr(TaskClient, "run", run)
    args = ["task", "run", str(files / "job.wasm"), "--input", str(files / "job.input"), "--from", "alice", "-y",
            "--out", str(files / "o.bin")]
    text = chain.invoke(*args)
    assert "[height 12 +1.5s] allocated to master amio1master" in text.stderr
    assert "[+2.0s] workers computing: committed 0 of 1" in text.stderr
    as_json = chain.invoke("-o", "json", *args)
    assert "allocated to master" not in as_json.output.replace(as_json.stdout, "")
    json.loads(as_json.stdout)


def test_run_refuses_max_fuel_above_the_class_limit_before_sending(chain, files):
    result = chain.invoke("task", "run", str(files / "job.wasm"), "--input", str(files / "job.input"), "--from", "alice",
                          "--max-fuel", str(250_000_000 * 121), "-y")
    assert result.exit_code == 1 and "above the class's limit" in result.output and chain.rpc.broadcast == []

"""`amino worker start` runs the worker's loops: heartbeats, jobs, and the reading of the FOG it earns, and leaves
gracefully when interrupted; `amino worker stop` signals it."""

from __future__ import annotations

import threading

from cli import services


class RecordingWorker:
    """Stands in for worker.node.Worker: records registration and which loops ran."""

    def __init__(self, config, chain) -> None:
        self.config, self.chain = config, chain
        self.stop_event = threading.Event()
        self.registered: list[str] = []
        self.loops: list[str] = []
        self.all_running = threading.Barrier(4)

    def ensure_registered(self, master: str) -> None:
        self.registered.append(master)

    def _loop(self, name: str) -> None:
        self.loops.append(name)
        self.all_running.wait(timeout=10)
        self.stop_event.wait(10)

    def heartbeat_loop(self) -> None:
        self._loop("heartbeat")

    def run(self) -> None:
        self._loop("jobs")

    def earnings_loop(self) -> None:
        self._loop("earnings")

    def leave(self) -> list[int]:
        self.left = True
        self.pid_file_seen = (self.config.home / services.PID_FILE).exists()
        self.stop_event.set()
        return []


def test_worker_start_registers_and_runs_the_heartbeat_job_and_earnings_loops(harness, tmp_path, monkeypatch):
    config = tmp_path / "worker.toml"
    config.write_text(f'key_name = "alice"\nhome = "node"\nchain_id = "amino-cli-test"\nearnings_seconds = 60\n')
    started: list[RecordingWorker] = []

    def make_worker(config, chain):
        started.append(RecordingWorker(config, chain))
        return started[-1]

    def wait_for_interrupt(node, live_display: bool) -> None:
        node.all_running.wait(timeout=10)  # every loop has started: the user presses Ctrl-C

    monkeypatch.setattr("worker.node.Worker", make_worker)
    monkeypatch.setattr(services, "_wait_for_interrupt", wait_for_interrupt)
    monkeypatch.setattr(services, "_log_to_stderr", lambda: None)

    result = harness.invoke("worker", "start", "--config", str(config), "--master", "bob", "--no-tui")

    assert result.exit_code == 0, result.output
    [node] = started
    assert node.registered == [harness.addresses["bob"]]
    assert sorted(node.loops) == ["earnings", "heartbeat", "jobs"]
    assert node.config.earnings_seconds == 60.0 and node.stop_event.is_set()
    assert node.left and node.pid_file_seen  # Ctrl-C: it went offline and handed back before it stopped
    assert not (node.config.home / services.PID_FILE).exists()


def test_worker_stop_without_a_running_worker_says_so_in_one_line(harness, tmp_path):
    config = tmp_path / "worker.toml"
    config.write_text('key_name = "alice"\nhome = "node"\n')
    result = harness.invoke("worker", "stop", "--config", str(config))
    assert result.exit_code == 1
    assert "no worker is running with" in result.output and "Traceback" not in result.output


def test_worker_stop_never_signals_a_process_that_is_not_a_worker(harness, tmp_path):
    import os

    config = tmp_path / "worker.toml"
    config.write_text('key_name = "alice"\nhome = "node"\n')
    (tmp_path / "node").mkdir()
    (tmp_path / "node" / services.PID_FILE).write_text(f"{os.getpid()}\n")  # a stale file naming this test process
    result = harness.invoke("worker", "stop", "--config", str(config))
    assert result.exit_code == 1 and "no live worker process" in result.output


def test_the_services_log_no_line_per_http_request_unless_asked(monkeypatch):
    import logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in services.QUIET_LOGGERS}
    root.handlers = []
    try:
        monkeypatch.delenv("AMINO_LOG_LEVEL", raising=False)
        services._log_to_stderr()
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        assert not logging.getLogger("uvicorn.access").isEnabledFor(logging.INFO)
        assert logging.getLogger("amino.worker").isEnabledFor(logging.INFO)
        for name in services.QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
        root.handlers = []
        monkeypatch.setenv("AMINO_LOG_LEVEL", "debug")
        services._log_to_stderr()
        assert logging.getLogger("httpx").isEnabledFor(logging.DEBUG)
    finally:
        root.handlers, root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


class StubNode:
    """What the status endpoint reads of a worker."""

    def __init__(self) -> None:
        self.paused_now = False
        self.running = {}

    def status_view(self) -> dict:
        return {"address": "amio1worker", "master": "amio1master", "online": not self.paused_now,
                "paused": self.paused_now, "stopping": False, "deposit": 100_000_000, "slots": 1, "completed": 3,
                "failed": 1, "slashed": 0, "reputation_bps": 6_666,
                "current": {"task": 7, "phase": "running", "seconds": 4}, "jobs_in_threads": [],
                "last_run": {"status": "ok", "fuel": 1234}, "recent_results": [
                    {"task": 6, "outcome": "accepted", "fuel": 1000, "result_hash": "ab" * 8}],
                "errors": [], "earnings": None, "limits": {}}

    def pause(self) -> None:
        self.paused_now = True

    def resume(self) -> None:
        self.paused_now = False


def test_worker_status_pause_and_resume_talk_to_the_running_workers_local_endpoint(harness, tmp_path):
    import json

    from worker.api import StatusServer, write_url

    config = tmp_path / "worker.toml"
    config.write_text('key_name = "alice"\nhome = "node"\n')
    (tmp_path / "node").mkdir()
    node = StubNode()
    server = StatusServer(node)
    write_url(tmp_path / "node", server.start())
    try:
        assert server.url.startswith("http://127.0.0.1:")
        as_json = harness.invoke("-o", "json", "worker", "status", "--config", str(config))
        assert as_json.exit_code == 0, as_json.output
        assert json.loads(as_json.output[as_json.output.index("{"):]) == node.status_view()
        text = harness.invoke("worker", "status", "--config", str(config))
        assert text.exit_code == 0, text.output
        assert "3 completed, 1 failed, 0 slashed; reputation 66.66%" in text.output
        assert "task 7: running for 4s" in text.output and "accepted" in text.output
        paused = harness.invoke("worker", "pause", "--config", str(config))
        assert paused.exit_code == 0 and "paused: offline on chain" in paused.output and node.paused_now
        resumed = harness.invoke("worker", "resume", "--config", str(config))
        assert resumed.exit_code == 0 and "resumed" in resumed.output and not node.paused_now
    finally:
        server.stop()


def test_worker_status_without_a_running_worker_says_so_in_one_line(harness, tmp_path):
    config = tmp_path / "worker.toml"
    config.write_text('key_name = "alice"\nhome = "node"\n')
    result = harness.invoke("worker", "status", "--config", str(config))
    assert result.exit_code == 1 and "no worker is running with" in result.output and "Traceback" not in result.output


def test_worker_settings_show_and_set_edit_the_config_file_and_refuse_a_bad_value_in_one_line(harness, tmp_path):
    import json

    config = tmp_path / "worker.toml"
    config.write_text('key_name = "alice"\nhome = "node"\n')
    changed = harness.invoke("worker", "settings", "set", "--config", str(config), "max_cache_mb", "2048")
    assert changed.exit_code == 0, changed.output
    assert "max_cache_mb = 2048" in changed.output and "restart" not in changed.output  # no worker runs
    shown = harness.invoke("-o", "json", "worker", "settings", "show", "--config", str(config))
    rows = {row["key"]: row for row in json.loads(shown.output[shown.output.index("["):])}
    assert rows["max_cache_mb"] == {"key": "max_cache_mb", "value": 2048, "from": "file"}
    refused = harness.invoke("worker", "settings", "set", "--config", str(config), "run_windows", "nine-to-five")
    assert refused.exit_code == 1 and "HH:MM-HH:MM" in refused.output and "Traceback" not in refused.output
    assert "run_windows" not in config.read_text()

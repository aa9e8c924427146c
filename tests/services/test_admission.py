"""Worker admission: the signed bytes, the operator's policy, the master's endpoint and the worker's check."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import nacl.signing
import pytest
from click.testing import CliRunner

from chain_modules.common.address import decode_address
from chain_modules.compute.admission import ADMISSION_DOMAIN, admission_sign_bytes
from client.chain import ChainClient
from client.httpsig import sign_headers
from masternode.admission import AdmissionPolicy, AdmissionPolicyError, Admitter, reload_on_sighup
from masternode.api import ApiSettings, RunningServer, create_app, serve
from masternode.blobstore import BlobStore
from tests.services.test_master_api import FakeChain as DictChain
from tests.support import make_key
from worker.admission import AdmissionError, fetch_admission, verify_admission
from worker.config import WorkerConfig
from worker.node import Worker

CHAIN_ID = "amino-admission-test"
MASTER_KEY = make_key("admission-master")
WORKER_KEY = make_key("admission-worker")
OTHER_KEY = make_key("admission-other-worker")
MASTER, WORKER, OTHER = MASTER_KEY.bech32, WORKER_KEY.bech32, OTHER_KEY.bech32


# -- the signed bytes --------------------------------------------------------------------------------------------


def test_admission_sign_bytes_are_the_domain_the_chain_id_and_both_addresses() -> None:
    master, worker = decode_address(MASTER), decode_address(WORKER)

    message = admission_sign_bytes("amino-localnet", master, worker)

    assert ADMISSION_DOMAIN == b"amino/compute/admission/v1\x00"
    assert message == b"amino/compute/admission/v1\x00" + b"amino-localnet" + b"\x00" + master + worker


@pytest.mark.parametrize("chain_id, master, worker", [
    ("", b"m" * 20, b"w" * 20), ("a\x00b", b"m" * 20, b"w" * 20), ("amino", b"m" * 19, b"w" * 20),
    ("amino", b"m" * 20, b"w" * 21), ("amino", "m" * 20, b"w" * 20),
])
def test_admission_sign_bytes_refuse_what_would_make_the_layout_ambiguous(chain_id, master, worker) -> None:
    with pytest.raises(ValueError):
        admission_sign_bytes(chain_id, master, worker)


def test_an_admission_is_the_operator_keys_signature_over_those_bytes() -> None:
    admission = Admitter(MASTER_KEY.signing_key, CHAIN_ID, AdmissionPolicy(None)).admit(WORKER)

    assert set(admission) == {"pubkey", "signature"}
    assert admission["pubkey"] == bytes(MASTER_KEY.signing_key.verify_key).hex()
    message = admission_sign_bytes(CHAIN_ID, decode_address(MASTER), decode_address(WORKER))
    nacl.signing.VerifyKey(bytes.fromhex(admission["pubkey"])).verify(message, bytes.fromhex(admission["signature"]))


# -- the worker's check --------------------------------------------------------------------------------------------


def admission_for(worker: str = WORKER, chain_id: str = CHAIN_ID, key=MASTER_KEY) -> dict:
    return Admitter(key.signing_key, chain_id, AdmissionPolicy(None)).admit(worker)


def test_verify_admission_accepts_the_masters_signature_for_this_worker() -> None:
    assert verify_admission(admission_for(), CHAIN_ID, MASTER, WORKER) == admission_for()


@pytest.mark.parametrize("case, admission, message", [
    ("another worker", admission_for(OTHER), "does not cover"),
    ("another chain", admission_for(chain_id="amino-elsewhere"), "does not cover"),
    ("another signer", admission_for(key=OTHER_KEY), "not by the master node"),
    ("a tampered signature", {**admission_for(), "signature": "00" * 64}, "does not cover"),
    ("a short pubkey", {**admission_for(), "pubkey": "ab" * 31}, "pubkey"),
    ("no signature", {"pubkey": admission_for()["pubkey"]}, "signature"),
    ("not an object", ["pubkey", "signature"], "JSON object"),
])
def test_verify_admission_refuses_anything_else(case, admission, message) -> None:
    with pytest.raises(AdmissionError, match=message):
        verify_admission(admission, CHAIN_ID, MASTER, WORKER)


# -- the operator's policy -------------------------------------------------------------------------------------------


def test_the_open_policy_admits_every_worker() -> None:
    policy = AdmissionPolicy.from_option("open")
    assert policy.is_open and policy.admits(WORKER) and policy.admits(OTHER)


def test_an_allow_list_admits_the_listed_addresses_ignoring_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "workers.txt"
    path.write_text(f"# our own machines\n\n  {WORKER}   # rack 1\n")

    policy = AdmissionPolicy.from_option(str(path))

    assert not policy.is_open
    assert policy.admits(WORKER) and not policy.admits(OTHER)


def test_an_allow_list_with_a_bad_line_or_no_file_is_refused_naming_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "workers.txt"
    path.write_text(f"{WORKER}\namio1notanaddress\n")
    with pytest.raises(AdmissionPolicyError, match="line 2"):
        AdmissionPolicy.from_option(str(path))
    with pytest.raises(AdmissionPolicyError, match="cannot read"):
        AdmissionPolicy.from_option(str(tmp_path / "missing.txt"))


def test_an_allow_list_is_read_again_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "workers.txt"
    path.write_text(f"{WORKER}\n")
    policy = AdmissionPolicy.from_option(str(path))
    assert not policy.admits(OTHER)

    path.write_text(f"{WORKER}\n{OTHER}\n")
    assert policy.admits(OTHER)

    path.write_text(f"{OTHER}\n")
    assert not policy.admits(WORKER)


def test_a_broken_allow_list_keeps_the_last_good_one_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "workers.txt"
    path.write_text(f"{WORKER}\n")
    policy = AdmissionPolicy.from_option(str(path))
    caplog.set_level(logging.INFO, logger="amino.master")

    path.write_text(f"{WORKER}\n{OTHER}\nnonsense\n")
    decisions = [policy.admits(WORKER), policy.admits(OTHER), policy.admits(WORKER)]

    assert decisions == [True, False, True]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "line 3" in errors[0].getMessage() and errors[0].exc_info is None

    path.unlink()
    assert policy.admits(WORKER)


@pytest.fixture
def restore_sighup() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGHUP)
    yield
    signal.signal(signal.SIGHUP, previous)


def test_sighup_reads_the_allow_list_again_even_when_the_file_looks_unchanged(tmp_path: Path, restore_sighup) -> None:
    path = tmp_path / "workers.txt"
    path.write_text(f"{WORKER}\n")
    policy = AdmissionPolicy.from_option(str(path))
    reload_on_sighup(policy)
    before = os.stat(path)
    with open(path, "r+") as file:  # same inode, same size, same modification time: unnoticeable by stat
        file.write(OTHER)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert policy.admits(WORKER) and not policy.admits(OTHER)

    os.kill(os.getpid(), signal.SIGHUP)

    assert policy.admits(OTHER) and not policy.admits(WORKER)


# -- the endpoint --------------------------------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def allow_list(tmp_path: Path, *addresses: str) -> AdmissionPolicy:
    path = tmp_path / "workers.txt"
    path.write_text("".join(f"{a}\n" for a in addresses))
    return AdmissionPolicy.from_option(str(path))


def app_for(tmp_path: Path, policy: AdmissionPolicy | None):
    store = BlobStore(tmp_path / "blobs", max_blob_bytes=1_000, max_total_bytes=10_000)
    admitter = None if policy is None else Admitter(MASTER_KEY.signing_key, CHAIN_ID, policy)
    return create_app(store, DictChain(), {}, ApiSettings(CHAIN_ID), admitter)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_for(tmp_path, allow_list(tmp_path, WORKER)))
    async with httpx.AsyncClient(transport=transport, base_url="http://master") as client:
        yield client


def admission_headers(key=WORKER_KEY, chain_id: str = CHAIN_ID) -> dict:
    return sign_headers(key.signing_key, chain_id, "POST", "/v1/admissions")


@pytest.mark.anyio
async def test_the_endpoint_signs_an_admission_for_an_admitted_worker(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/admissions", headers=admission_headers())

    assert response.status_code == 200
    body = response.json()
    assert body["master"] == MASTER and body["worker"] == WORKER and body["chain_id"] == CHAIN_ID
    assert verify_admission(body, CHAIN_ID, MASTER, WORKER) == {"pubkey": body["pubkey"], "signature": body["signature"]}


@pytest.mark.anyio
async def test_the_endpoint_refuses_unsigned_replayed_and_unlisted_requests(client: httpx.AsyncClient) -> None:
    unsigned = await client.post("/v1/admissions")
    other_chain = await client.post("/v1/admissions", headers=admission_headers(chain_id="amino-elsewhere"))
    unlisted = await client.post("/v1/admissions", headers=admission_headers(OTHER_KEY))
    headers = admission_headers()
    first = await client.post("/v1/admissions", headers=headers)
    replay = await client.post("/v1/admissions", headers=headers)

    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "unauthenticated")
    assert (other_chain.status_code, other_chain.json()["error"]) == (401, "unauthenticated")
    assert (unlisted.status_code, unlisted.json()["error"]) == (403, "not_admitted")
    assert OTHER in unlisted.json()["detail"]
    assert first.status_code == 200 and replay.status_code == 401


@pytest.mark.anyio
async def test_a_master_without_an_admitter_answers_404(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=app_for(tmp_path, None))
    async with httpx.AsyncClient(transport=transport, base_url="http://master") as client:
        response = await client.post("/v1/admissions", headers=admission_headers())
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


# -- the worker asks a real master ---------------------------------------------------------------------------------------


@pytest.fixture
def master(tmp_path: Path) -> Iterator[RunningServer]:
    with serve(app_for(tmp_path, allow_list(tmp_path, WORKER)), host="127.0.0.1", port=0) as server:
        yield server


def test_fetch_admission_returns_the_checked_admission(master: RunningServer) -> None:
    admission = fetch_admission(master.url, WORKER_KEY.signing_key, CHAIN_ID, MASTER)

    assert set(admission) == {"pubkey", "signature"}
    verify_admission(admission, CHAIN_ID, MASTER, WORKER)


def test_fetch_admission_fails_clearly_when_refused_misdirected_or_unreachable(master: RunningServer) -> None:
    with pytest.raises(AdmissionError, match=f"refused to admit {OTHER}: 403 .*ask its operator"):
        fetch_admission(master.url, OTHER_KEY.signing_key, CHAIN_ID, MASTER)
    with pytest.raises(AdmissionError, match="not by the master node"):  # the URL serves another master than expected
        fetch_admission(master.url, WORKER_KEY.signing_key, CHAIN_ID, OTHER)
    with pytest.raises(AdmissionError, match="401"):
        fetch_admission(master.url, WORKER_KEY.signing_key, "amino-elsewhere", MASTER)
    master.stop()
    with pytest.raises(AdmissionError, match="cannot reach"):
        fetch_admission(master.url, WORKER_KEY.signing_key, CHAIN_ID, MASTER)


def test_the_worker_service_fetches_its_admission_from_its_configured_master(master: RunningServer,
                                                                              tmp_path: Path) -> None:
    config = dataclasses.replace(WorkerConfig(), home=tmp_path / "worker", master_url=master.url, chain_id=CHAIN_ID)
    # fetching an admission asks the master, never the chain: the client's node is never reached
    worker = Worker(config, ChainClient("http://127.0.0.1:9", WORKER_KEY.signing_key, CHAIN_ID))

    admission = worker.fetch_admission(MASTER)

    verify_admission(admission, CHAIN_ID, MASTER, WORKER)


# -- `amino master start --admit` ------------------------------------------------------------------------------------------


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    from cli.main import cli

    home = tmp_path / "home"
    result = CliRunner().invoke(cli, ["--home", str(home), "--keyring-backend", "test", "keys", "add", "op"])
    assert result.exit_code == 0, result.output
    return home


def start_master(home: Path, chain_id: str, *extra: str, monkeypatch: pytest.MonkeyPatch) -> tuple:
    from cli.main import cli

    started: list = []
    monkeypatch.setattr("masternode.node.serve", lambda chain, settings, *args: started.append(settings))
    result = CliRunner().invoke(cli, ["--home", str(home), "--keyring-backend", "test", "--chain-id", chain_id,
                                      "master", "start", "--from", "op", "--store", str(home / "store"), *extra])
    return result, started


def test_master_start_admits_any_worker_by_default_only_on_the_localnet(cli_home: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    result, started = start_master(cli_home, "amino-localnet", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert started[0].admit == "open"

    result, started = start_master(cli_home, "amino-mainnet", monkeypatch=monkeypatch)
    assert result.exit_code == 2 and started == []
    assert "choose whom this master admits: --admit open" in result.output
    assert "Traceback" not in result.output


def test_master_start_takes_an_allow_list_and_the_upload_bounds(cli_home: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "workers.txt"
    path.write_text(f"{WORKER}\n")
    result, started = start_master(cli_home, "amino-mainnet", "--admit", str(path), "--upload-idle-seconds", "5",
                                   "--upload-min-seconds", "20", "--upload-min-rate", "1000",
                                   "--max-uploads-per-client", "2", monkeypatch=monkeypatch)

    assert result.exit_code == 0, result.output
    settings = started[0]
    assert (settings.admit, settings.upload_idle_seconds, settings.upload_min_seconds,
            settings.upload_min_bytes_per_second, settings.max_uploads_per_client) == (str(path), 5.0, 20.0, 1000, 2)


def test_master_start_refuses_a_bad_allow_list_in_one_line(cli_home: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "workers.txt"
    path.write_text("someone\n")
    result, started = start_master(cli_home, "amino-mainnet", "--admit", str(path), monkeypatch=monkeypatch)

    assert result.exit_code == 2 and started == []
    assert "Invalid value for --admit" in result.output and "line 1" in result.output
    assert "Traceback" not in result.output

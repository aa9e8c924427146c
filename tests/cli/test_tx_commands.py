"""Every `amino tx ...` command builds its message, signs it with the named key and broadcasts it through the
one signing path; --generate-only prints the same message unsigned; mistakes are one line and send nothing."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from nacl.signing import SigningKey

from abci_app.router import verify_signature
from chain_modules.apppool.types import MsgRegisterApp, MsgSetAppVerified
from wasm_jobs.examples import build
from chain_modules.bank.types import MsgMultiSend, MsgSend, Output
from chain_modules.common.address import decode_address
from chain_modules.common.encoding import decode, encode
from chain_modules.compute.types import (
    MsgHeartbeat,
    MsgRegisterWorker,
    MsgTopUpDeposit,
    MsgUnregisterWorker,
    MsgWorkerOffline,
)
from chain_modules.distribution.types import MsgWithdrawCommission, MsgWithdrawRewards
from chain_modules.locks.types import MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from chain_modules.slashing.types import MsgUnjail
from chain_modules.staking.types import (
    MsgConsentSponsorship,
    MsgCreateMasterNode,
    MsgCreateSuperNode,
    MsgDelegate,
    MsgEditMasterNode,
    MsgEditSuperNode,
    MsgRedelegate,
    MsgUndelegate,
    MsgWithdrawSponsorship,
    proof_of_possession_bytes,
)
from client.wallet.tx import render_value
from tests.cli.conftest import CHAIN_ID

AMIO = 1_000_000
CONSENSUS_KEY = SigningKey(b"\x07" * 32)
MODULE = build("hash_chain")  # register checks the module against the job ABI before signing
DIGEST = hashlib.sha256(MODULE).digest()
ADMISSION_KEY = SigningKey(b"\x08" * 32)


def pop(operator: bytes) -> list[str]:
    proof = CONSENSUS_KEY.sign(proof_of_possession_bytes(CHAIN_ID, operator)).signature
    return ["--consensus-pubkey", base64.b64encode(bytes(CONSENSUS_KEY.verify_key)).decode(),
            "--proof-of-possession", base64.b64encode(proof).decode()]


def cases(a: dict[str, bytes], text: dict[str, str], module_path: str) -> dict[str, tuple[list[str], str, object]]:
    """command -> (arguments, signing key, the message it must send)."""
    proof = CONSENSUS_KEY.sign(proof_of_possession_bytes(CHAIN_ID, a["alice"])).signature
    return {
        "bank send": (["tx", "bank", "send", "alice", text["bob"], "1.5amio"], "alice", MsgSend(a["alice"], a["bob"], 1_500_000)),
        "bank send to a key name": (["tx", "bank", "send", "alice", "bob", "250uamio"], "alice", MsgSend(a["alice"], a["bob"], 250)),
        "bank multi-send": (["tx", "bank", "multi-send", "alice", f"{text['bob']}=1amio", "carol=2amio"], "alice",
                            MsgMultiSend(a["alice"], (Output(a["bob"], AMIO), Output(a["carol"], 2 * AMIO)))),
        "staking create-super-node": (["tx", "staking", "create-super-node", "alice", "--moniker", "n0", "--self-bond",
                                       "10000amio", "--commission", "5%", *pop(a["alice"])], "alice",
                                      MsgCreateSuperNode(a["alice"], bytes(CONSENSUS_KEY.verify_key), "n0", 500, 100,
                                                         10_000 * AMIO, proof)),
        "staking edit-super-node": (["tx", "staking", "edit-super-node", "alice", "--moniker", "n1", "--commission", "0.2"],
                                    "alice", MsgEditSuperNode(a["alice"], "n1", 2_000)),
        "staking create-master-node": (["tx", "staking", "create-master-node", "bob", "--moniker", "m", "--endpoint",
                                        "http://127.0.0.1:8700", "--region", "eu", "--sponsor", "alice", "--bond", "5000amio"],
                                       "bob", MsgCreateMasterNode(a["bob"], "m", "http://127.0.0.1:8700", "eu", a["alice"],
                                                                  5_000 * AMIO)),
        "staking consent-sponsorship": (["tx", "staking", "consent-sponsorship", "alice", "bob"], "alice",
                                        MsgConsentSponsorship(a["alice"], a["bob"])),
        "staking withdraw-sponsorship": (["tx", "staking", "withdraw-sponsorship", "alice", text["bob"]], "alice",
                                         MsgWithdrawSponsorship(a["alice"], a["bob"])),
        "staking edit-master-node": (["tx", "staking", "edit-master-node", "bob", "--endpoint", "http://h:1", "--region", "us"],
                                     "bob", MsgEditMasterNode(a["bob"], "http://h:1", "us")),
        "staking delegate": (["tx", "staking", "delegate", "bob", "alice", "7amio"], "bob", MsgDelegate(a["bob"], a["alice"], 7 * AMIO)),
        "staking undelegate": (["tx", "staking", "undelegate", "bob", "alice", "3amio"], "bob",
                               MsgUndelegate(a["bob"], a["alice"], 3 * AMIO)),
        "staking redelegate": (["tx", "staking", "redelegate", "bob", "alice", "carol", "2amio"], "bob",
                               MsgRedelegate(a["bob"], a["alice"], a["carol"], 2 * AMIO)),
        "distribution withdraw-rewards": (["tx", "distribution", "withdraw-rewards", "bob"], "bob", MsgWithdrawRewards(a["bob"])),
        "distribution withdraw-commission": (["tx", "distribution", "withdraw-commission", "alice"], "alice",
                                             MsgWithdrawCommission(a["alice"])),
        "slashing unjail": (["tx", "slashing", "unjail", "alice"], "alice", MsgUnjail(a["alice"])),
        "lock create": (["tx", "lock", "create", "carol", "100amio", "--period", "30d"], "carol",
                        MsgCreateLock(a["carol"], 100 * AMIO, 30 * 86_400)),
        "lock withdraw": (["tx", "lock", "withdraw", "carol", "4"], "carol", MsgWithdrawLock(a["carol"], 4)),
        "lock api-access": (["tx", "lock", "api-access", "carol", "5amio", "--duration", "12h"], "carol",
                            MsgBuyApiAccess(a["carol"], 5 * AMIO, 12 * 3_600)),
        "apppool register": (["tx", "apppool", "register", module_path, "--name", "job", "--classes", "small, gpu",
                              "--description", "d", "--from", "alice"], "alice",
                             MsgRegisterApp(a["alice"], DIGEST, len(MODULE), "job", "d", ("small", "gpu"), MODULE)),
        "apppool verify": (["tx", "apppool", "verify", DIGEST.hex(), "--from", "alice"], "alice",
                           MsgSetAppVerified(a["alice"], DIGEST, True)),
        "apppool verify --unverify": (["tx", "apppool", "verify", DIGEST.hex(), "--unverify", "--from", "alice"], "alice",
                                      MsgSetAppVerified(a["alice"], DIGEST, False)),
        "compute register-worker": (["tx", "compute", "register-worker", "carol", "--master", "bob", "--cpu", "4", "--gpu", "1",
                                     "--ram-mb", "2048", "--storage-mb", "512", "--slots", "2", "--any-app", "--deposit",
                                     "100amio", "--master-url", "http://127.0.0.1:8700"], "carol",
                                    MsgRegisterWorker(a["carol"], a["bob"], 4, 1, 2048, 512, 2, True, 100 * AMIO,
                                                      bytes(ADMISSION_KEY.verify_key), b"\x09" * 64)),
        "compute heartbeat": (["tx", "compute", "heartbeat", "carol"], "carol", MsgHeartbeat(a["carol"])),
        "compute worker-offline": (["tx", "compute", "worker-offline", "carol"], "carol", MsgWorkerOffline(a["carol"])),
        "compute unregister-worker": (["tx", "compute", "unregister-worker", "carol"], "carol", MsgUnregisterWorker(a["carol"])),
        "compute top-up": (["tx", "compute", "top-up", "carol", "9amio"], "carol", MsgTopUpDeposit(a["carol"], 9 * AMIO)),
    }


@pytest.fixture
def table(harness, tmp_path, monkeypatch):
    module_path = tmp_path / "job.wasm"
    module_path.write_bytes(MODULE)

    def fake_admission(master_url, signer_key, chain_id, master_address):
        assert (master_url, chain_id, master_address) == ("http://127.0.0.1:8700", CHAIN_ID, harness.addresses["bob"])
        return {"pubkey": bytes(ADMISSION_KEY.verify_key).hex(), "signature": "09" * 64}

    monkeypatch.setattr("worker.admission.fetch_admission", fake_admission)
    raw = {name: decode_address(address) for name, address in harness.addresses.items()}
    return cases(raw, harness.addresses, str(module_path))


COMMANDS = list(cases({n: bytes(20) for n in ("alice", "bob", "carol")}, {n: "amio1x" for n in ("alice", "bob", "carol")}, "m"))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_tx_command_signs_its_message_with_the_named_key_and_broadcasts_it(harness, table, command):
    args, signer, msg = table[command]
    harness.rpc.sequences[harness.addresses[signer]] = 5
    result = harness.invoke(*args, "--yes", "--no-wait")
    assert result.exit_code == 0, result.output
    [tx] = harness.rpc.txs()
    assert verify_signature(tx)
    assert tx.pubkey == bytes(harness_key(harness, signer).verify_key)
    assert tx.doc.chain_id == CHAIN_ID and tx.doc.sequence == 5
    assert tx.doc.msgs == ((msg.TYPE, decode(encode(msg.to_body()))),)
    assert tx.doc.fee * 100 >= tx.doc.gas_limit  # the minimum fee for the estimated gas, at 1/100 uamio per gas


@pytest.mark.parametrize("command", COMMANDS)
def test_every_tx_command_prints_its_unsigned_message_with_generate_only(harness, table, command):
    args, _signer, msg = table[command]
    result = harness.invoke(*args, "--generate-only")
    assert result.exit_code == 0, result.output
    assert harness.rpc.broadcast == []
    unsigned = json.loads(result.stdout[result.stdout.index("{"):])
    assert unsigned["sign_doc"]["msgs"] == [{"type": msg.TYPE, "body": render_value(decode(encode(msg.to_body())))}]


def harness_key(harness, name: str) -> SigningKey:
    from client.wallet.keyring import open_keyring

    return open_keyring(harness.home, "test").signing_key(name)


def test_tx_options_set_fee_gas_memo_and_sequence(harness):
    result = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", "--fee", "0.5amio", "--gas", "90000",
                            "--memo", "rent", "--sequence", "11", "--yes", "--no-wait")
    assert result.exit_code == 0, result.output
    [tx] = harness.rpc.txs()
    assert (tx.doc.fee, tx.doc.gas_limit, tx.doc.memo, tx.doc.sequence) == (500_000, 90_000, "rent", 11)
    assert not any(path.startswith("/auth/account/") for path in harness.rpc.paths)  # --sequence: not queried


def test_without_yes_the_doc_is_shown_and_declining_sends_nothing(harness):
    result = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", input="n\n")
    assert result.exit_code == 1 and "Sign and broadcast?" in result.output and "Aborted" in result.output
    assert '"bank/send"' in result.output or "bank" in result.output
    assert harness.rpc.broadcast == []


def test_a_tx_refused_at_check_exits_1_after_printing_the_result(harness):
    harness.rpc.check_code = 5
    result = harness.invoke("-o", "json", "tx", "bank", "send", "alice", "bob", "1amio", "--yes", "--no-wait")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["check_code"] == 5 and len(harness.rpc.broadcast) == 1


@pytest.mark.parametrize("args, message", [
    (["tx", "bank", "send", "alice", "bob", "0amio"], "amount must be positive"),
    (["tx", "bank", "send", "alice", "bob", "lots"], "AMOUNT"),
    (["tx", "bank", "send", "alice", "amio1notanaddress", "1amio"], "amio1notanaddress"),
    (["tx", "bank", "send", "nobody", "bob", "1amio"], "nobody"),
    (["tx", "bank", "multi-send", "alice", "bob"], "ADDRESS=AMOUNT"),
    (["tx", "staking", "delegate", "bob", "alice", "0amio"], "amount must be positive"),
    (["tx", "staking", "edit-super-node", "alice", "--moniker", "n", "--commission", "150%"], "between 0 and 100%"),
    (["tx", "staking", "create-super-node", "alice", "--moniker", "n", "--self-bond", "1amio"], "--node-home"),
    (["tx", "lock", "create", "carol", "1amio", "--period", "3m"], "ambiguous"),
    (["tx", "apppool", "verify", "abcd", "--from", "alice"], "64 hex digits"),
    (["tx", "bank", "send", "alice", "bob", "1amio", "--fee", "cheap"], "--fee"),
])
def test_a_mistake_is_one_readable_line_and_sends_nothing(harness, args, message):
    result = harness.invoke(*args, "--yes")
    assert result.exit_code in (1, 2), result.output
    assert message in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, (ValueError, TypeError, KeyError))
    assert harness.rpc.broadcast == []


def test_offline_sign_then_broadcast_sends_the_exact_signed_bytes(harness, tmp_path):
    unsigned = harness.invoke("tx", "bank", "send", "alice", "bob", "2amio", "--generate-only")
    (tmp_path / "unsigned.json").write_text(unsigned.stdout)
    signed = harness.invoke("tx", "sign", str(tmp_path / "unsigned.json"), "--from", "alice")
    assert signed.exit_code == 0, signed.output
    (tmp_path / "signed.json").write_text(signed.stdout[signed.stdout.index("{"):])
    assert harness.rpc.broadcast == []
    sent = harness.invoke("-o", "json", "tx", "broadcast", str(tmp_path / "signed.json"), "--no-wait")
    assert sent.exit_code == 0, sent.output
    [tx] = harness.rpc.txs()
    assert verify_signature(tx) and tx.raw == base64.b64decode(json.loads((tmp_path / "signed.json").read_text())["tx"])
    assert tx.sign_doc_bytes == base64.b64decode(json.loads(unsigned.stdout[unsigned.stdout.index("{"):])["sign_doc_bytes"])

"""Byzantine proposers: a proposal holding garbage, oversized, duplicate, badly signed, over-gas or replayed txs
is rejected in ProcessProposal without halting the node; PrepareProposal drops what would fail; a block that
contains such txs anyway (more than a third of the power was byzantine) executes with failed results,
identically on every node, and the failed txs change nothing.

In process (two app instances, block by block), and through CometBFT's own abci-cli against our app serving a
unix socket (scripts/setup.sh builds abci-cli at the pinned version).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from abci_app.codec import SignDoc, decode_tx, encode_tx, sign_tx
from abci_app.proto import abci
from chain_modules.auth.types import TxParams
from chain_modules.bank.types import MsgSend
from chain_modules.common.errors import registered_errors
from tests.support import CHAIN_ID, KEYS, AppDriver, send, signed, timestamp

ROOT = Path(__file__).resolve().parents[2]
ABCI_CLI = ROOT / ".tools" / "bin" / "abci-cli"
ACCEPT = abci.ResponseProcessProposal.ACCEPT
REJECT = abci.ResponseProcessProposal.REJECT
REGISTERED = {(error.codespace, error.code) for error in registered_errors()}
alice, bob, eve = KEYS["alice"], KEYS["bob"], KEYS["eve"]
PARAMS = TxParams()


def bad_txs(driver: AppDriver) -> dict[str, bytes]:
    """One tx of each kind a byzantine proposer might include, for the driver's next block (alice's sequence 0
    is the honest tx ``good`` the proposals also carry)."""
    good = send(alice, eve.address, 1, 0)
    decoded = decode_tx(good)
    memo = "x" * (PARAMS.max_tx_bytes + 1)
    over_gas = PARAMS.max_gas_per_tx + 1
    return {
        "garbage": b"\x93\x01\x02\x03 not a tx",
        "empty": b"",
        "oversized": send(bob, eve.address, 1, 0, memo=memo),
        "duplicate": good,
        "bad_signature": encode_tx(decoded.sign_doc_bytes, decoded.pubkey, bytes(64)),
        "other_signer": encode_tx(decoded.sign_doc_bytes, bob.pubkey, decoded.signature),
        "over_gas": send(bob, eve.address, 1, 0, gas=over_gas, fee=over_gas),
        "under_fee": send(bob, eve.address, 1, 0, fee=0, gas=50_000),
        "wrong_chain": send(bob, eve.address, 1, 0, chain_id="other-chain"),
        "future_sequence": send(bob, eve.address, 1, 5),
        "no_messages": sign_tx(SignDoc(CHAIN_ID, 0, 1_000, 100_000, "", ()), bob.signing_key),
        "too_many_messages": signed(bob, [(MsgSend.TYPE, MsgSend(bob.address, eve.address, 1).to_body())]
                                    * (PARAMS.max_msgs_per_tx + 1), 0, fee=10**6, gas=10**6 * 50),
    }


@pytest.fixture
def nodes(tmp_path):
    """Two nodes on the same genesis, the genesis block committed."""
    first, second = AppDriver(tmp_path / "a"), AppDriver(tmp_path / "b")
    first.block([])
    second.block([])
    yield first, second
    first.close()
    second.close()


def process(driver: AppDriver, txs: list[bytes]) -> int:
    request = abci.RequestProcessProposal(txs=txs, height=driver.height + 1, time=timestamp(driver.time + 5))
    return driver.app.process_proposal(request).status


def prepare(driver: AppDriver, txs: list[bytes]) -> list[bytes]:
    request = abci.RequestPrepareProposal(txs=txs, height=driver.height + 1, time=timestamp(driver.time + 5),
                                          max_tx_bytes=1 << 22)
    return list(driver.app.prepare_proposal(request).txs)


BAD_KINDS = ["garbage", "empty", "oversized", "duplicate", "bad_signature", "other_signer", "over_gas", "under_fee",
             "wrong_chain", "future_sequence", "no_messages", "too_many_messages"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_a_proposal_with_a_bad_tx_is_rejected_and_the_node_goes_on(nodes, kind):
    driver, _ = nodes
    bad = bad_txs(driver)
    assert sorted(bad) == sorted(BAD_KINDS)
    good = send(alice, eve.address, 1, 0)
    assert process(driver, [good]) == ACCEPT
    assert process(driver, [good, bad[kind]]) == REJECT
    if kind != "duplicate":
        assert process(driver, [bad[kind], good]) == REJECT
    # the node did not halt and nothing changed: the honest proposal is still accepted and executes
    assert process(driver, [good]) == ACCEPT
    assert [result.code for result in driver.block([good])] == [0]


def test_prepare_proposal_drops_every_bad_tx_and_keeps_the_good_ones_in_order(nodes):
    driver, _ = nodes
    bad = bad_txs(driver)
    good = [send(alice, eve.address, 1, 0), send(alice, eve.address, 2, 1), send(bob, eve.address, 3, 0)]
    mempool = [good[0], *bad.values(), good[1], bad["garbage"], good[2], good[1]]
    kept = prepare(driver, mempool)
    assert kept == good
    assert process(driver, kept) == ACCEPT


def test_a_decided_block_full_of_bad_txs_executes_identically_on_two_nodes_and_the_bad_ones_change_nothing(nodes, tmp_path):
    first, second = nodes
    bad = bad_txs(first)
    good = send(alice, eve.address, 1, 0)
    block = [good, *bad.values()]
    results_first = first.block(block)
    results_second = second.block(block)
    assert first.last_app_hash == second.last_app_hash
    assert [(r.code, r.codespace, r.log, r.gas_used, r.gas_wanted) for r in results_first] == \
           [(r.code, r.codespace, r.log, r.gas_used, r.gas_wanted) for r in results_second]
    assert results_first[0].code == 0
    for result in results_first[1:]:
        assert result.code != 0 and (result.codespace, result.code) in REGISTERED, result
        assert "Traceback" not in result.log
    # a third node that saw only the honest tx reaches the same state: the failed txs wrote nothing
    honest = AppDriver(tmp_path / "honest")
    try:
        honest.block([])
        assert [r.code for r in honest.block([good])] == [0]
        assert honest.last_app_hash == first.last_app_hash
    finally:
        honest.close()
    # and both nodes go on together
    follow_up = send(alice, eve.address, 1, 1)
    assert [r.code for r in first.block([follow_up])] == [r.code for r in second.block([follow_up])] == [0]
    assert first.last_app_hash == second.last_app_hash


def test_a_block_whose_tx_spends_the_fee_an_earlier_message_needed_fails_that_tx_the_same_way_on_both_nodes(nodes):
    """ProcessProposal does not run messages, so a proposer can include a tx whose fee an earlier message of the
    same signer spent; FinalizeBlock fails it (fee funds) identically everywhere, and charges nothing."""
    first, second = nodes
    eve_funding = send(alice, eve.address, 2_000, 0)
    first.block([eve_funding])
    second.block([eve_funding])
    spend_all = send(eve, bob.address, 1_500, 0)  # leaves 500 - fee 500 = 0
    needs_fee = send(eve, bob.address, 1, 1)
    assert process(first, [spend_all, needs_fee]) == ACCEPT
    results = [first.block([spend_all, needs_fee]), second.block([spend_all, needs_fee])]
    assert first.last_app_hash == second.last_app_hash
    assert [(r.code, r.codespace) for r in results[0]] == [(r.code, r.codespace) for r in results[1]] == \
           [(0, ""), (16, "tx")]


# -- CometBFT's abci-cli against the running app ---------------------------------------------------------


@pytest.fixture
def served_app(tmp_path):
    """Our app serving a unix socket, on a store at height 2 where eve holds plain (not vesting) funds."""
    if not ABCI_CLI.exists():
        pytest.fail(f"{ABCI_CLI} is missing: run ./scripts/setup.sh (it builds abci-cli)")
    db = tmp_path / "db"
    driver = AppDriver(db)
    driver.block([])
    assert driver.block([send(alice, eve.address, 10**9, 0)])[0].code == 0
    driver.close()
    socket_path = tmp_path / "app.sock"
    log = open(tmp_path / "app.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "abci_app", "--db", str(db), "--address", f"unix://{socket_path}",
                                "--log-level", "WARNING"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)))
    deadline = time.monotonic() + 20
    while not socket_path.exists():
        assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "app.log").read_text()
        time.sleep(0.05)
    yield process, socket_path
    process.terminate()
    process.wait(10)
    log.close()


def abci_cli(socket_path: Path, *args: str) -> str:
    """One abci-cli command, through `abci-cli batch` on stdin; a halted app would make abci-cli retry forever,
    hence the timeout."""
    done = subprocess.run([str(ABCI_CLI), "--address", f"unix://{socket_path}", "--log_level", "error", "batch"],
                          input=" ".join(args).encode() + b"\n", capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode(errors="replace")


def test_abci_cli_sees_bad_proposals_rejected_good_ones_accepted_and_prepare_dropping_the_bad_txs(served_app):
    process_handle, socket_path = served_app
    good = send(eve, bob.address, 5, 0)
    second_good = send(eve, bob.address, 6, 1)
    decoded = decode_tx(good)
    bad_signature = encode_tx(decoded.sign_doc_bytes, decoded.pubkey, bytes(64))
    over_gas = send(eve, bob.address, 1, 0, gas=PARAMS.max_gas_per_tx + 1, fee=PARAMS.max_gas_per_tx + 1)
    hexed = lambda raw: "0x" + raw.hex()  # noqa: E731

    assert "status: ACCEPT" in abci_cli(socket_path, "process_proposal", hexed(good), hexed(second_good))
    # (abci-cli reads at most 64 KiB per command, so an oversized tx is checked in process only, above)
    for bad in (b"\xde\xad\xbe\xef", bad_signature, over_gas, good):
        output = abci_cli(socket_path, "process_proposal", hexed(good), hexed(bad))
        assert "status: REJECT" in output, output
    prepared = abci_cli(socket_path, "prepare_proposal", hexed(good), "0xdead", hexed(bad_signature), hexed(good),
                        hexed(over_gas), hexed(second_good))
    assert prepared.count("Succeeded. Tx:") == 2, prepared
    checked = abci_cli(socket_path, "check_tx", hexed(bad_signature))
    assert "code: 6" in checked and "signature" in checked
    assert "code: 2" in abci_cli(socket_path, "check_tx", "0xdeadbeef")
    # the app never halted: it answers, and its process is alive
    assert "amino-chain" in abci_cli(socket_path, "info")
    assert process_handle.poll() is None

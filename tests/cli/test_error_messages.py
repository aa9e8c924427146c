"""Errors that point the right way: a send of the whole balance names the fee, a tx signed by another key says
'signer does not match', CometBFT's 'tx already exists in cache' is said in plain words, and no error line
starts with an exception's class name."""

from __future__ import annotations

import base64
import json

from abci_app.codec import SignDoc, sign_tx
from chain_modules.bank.types import MsgSend
from chain_modules.common.address import decode_address
from client.rpc import RpcError
from client.wallet.keyring import open_keyring
from tests.cli.conftest import CHAIN_ID


def spendable(harness, address: str, amount: int) -> None:
    harness.rpc.values[f"/bank/spendable/{address}"] = {"spendable": amount, "locked": 0}


def test_sending_the_whole_balance_says_the_fee_does_not_fit_and_how_much_can_be_sent(harness):
    spendable(harness, harness.addresses["alice"], 5_000_000)
    result = harness.invoke("tx", "bank", "send", "alice", "bob", "5amio", "--fees", "1000uamio", "--yes")
    assert result.exit_code == 1 and harness.rpc.broadcast == []
    assert "leaves nothing for the fee of 0.001amio" in result.output
    assert "the most it can send with this fee is 4.999amio" in result.output


def test_sending_more_than_the_balance_says_so(harness):
    spendable(harness, harness.addresses["alice"], 1_000_000)
    result = harness.invoke("tx", "bank", "multi-send", "alice", "bob=1amio", "carol=1amio", "--yes")
    assert result.exit_code == 1 and "can spend 1amio, less than the 2amio this sends" in result.output
    assert harness.rpc.broadcast == []


def test_a_send_the_balance_covers_goes_out(harness):
    spendable(harness, harness.addresses["alice"], 5_000_000)
    result = harness.invoke("tx", "bank", "send", "alice", "bob", "4amio", "--yes", "--no-wait")
    assert result.exit_code == 0, result.output
    assert len(harness.rpc.broadcast) == 1


def test_a_tx_file_signed_by_another_key_is_refused_before_broadcast(harness, tmp_path):
    alice, bob = (decode_address(harness.addresses[name]) for name in ("alice", "bob"))
    msg = MsgSend(alice, bob, 5)
    raw = sign_tx(SignDoc(CHAIN_ID, 0, 1_000, 100_000, "", ((msg.TYPE, msg.to_body()),)),
                  open_keyring(harness.home, "test").signing_key("bob"))
    (tmp_path / "signed.json").write_text(json.dumps({"tx": base64.b64encode(raw).decode()}))
    result = harness.invoke("tx", "broadcast", str(tmp_path / "signed.json"))
    assert result.exit_code == 1 and "signer does not match" in result.output
    assert harness.addresses["alice"] in result.output and "sequence" not in result.output
    assert harness.rpc.broadcast == []


def test_a_tx_already_in_the_mempool_is_said_in_plain_words(harness, monkeypatch):
    def already(self, tx):
        raise RpcError("broadcast_tx_sync: tx already exists in cache")

    monkeypatch.setattr(type(harness.rpc), "broadcast_tx_sync", already)
    result = harness.invoke("tx", "bank", "send", "alice", "bob", "1amio", "--yes")
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if not line.startswith("WARNING: keyring backend")] == [
        "Error: this exact transaction was already submitted (same bytes, same hash): wait for it with "
        "'amino query tx HASH', or change --sequence, --memo or --fees"]


def test_no_error_line_names_an_exception_class(harness, monkeypatch):
    from client.chain import ChainError

    def refused(self, path, data=b""):
        raise ChainError("ChainError: query /compute/tasks: refused", 6, "query", "refused")

    monkeypatch.setattr(type(harness.rpc), "abci_query", refused)
    result = harness.invoke("task", "list", "alice")
    assert result.exit_code == 1 and "ChainError" not in result.output and "refused" in result.output

"""`amino query tx HASH` (decoded messages, result, events), `query txs --query` (tx_search with paging),
`query account-txs ADDR` and `query block [HEIGHT]`."""

from __future__ import annotations

import base64
import hashlib
import json

from abci_app.codec import SignDoc, sign_tx
from chain_modules.bank.types import MsgSend
from chain_modules.common.address import decode_address
from client.wallet.keyring import open_keyring

TRANSFER = [{"type": "transfer", "attributes": [{"key": "sender", "value": "a", "index": True},
                                                {"key": "amount", "value": "5uamio", "index": True}]}]


def a_send(harness, amount: int, sequence: int = 0) -> bytes:
    key = open_keyring(harness.home, "test").signing_key("alice")
    msg = MsgSend(decode_address(harness.addresses["alice"]), decode_address(harness.addresses["bob"]), amount)
    return sign_tx(SignDoc("amino-cli-test", sequence, 900, 90_000, "rent", ((msg.TYPE, msg.to_body()),)), key)


def test_query_tx_shows_the_decoded_messages_result_and_events(harness):
    item = harness.rpc.commit(a_send(harness, 5), 12, TRANSFER)
    result = harness.invoke("query", "tx", item["hash"].lower(), "-o", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["signer"] == harness.addresses["alice"] and shown["height"] == 12 and shown["code"] == 0
    assert shown["msgs"] == [{"type": MsgSend.TYPE, "body": {"from": harness.addresses["alice"],
                                                             "to": harness.addresses["bob"], "amount": 5}}]
    assert shown["memo"] == "rent" and shown["fee"] == "900uamio" and shown["gas_used"] == 61_000
    assert shown["events"] == [{"type": "transfer", "attributes": {"sender": "a", "amount": "5uamio"}}]
    text = harness.invoke("query", "tx", item["hash"])
    assert text.exit_code == 0 and f"msg 0 {MsgSend.TYPE}" in text.stdout and "event transfer: sender=a" in text.stdout


def test_query_tx_of_an_unknown_hash_is_one_line(harness):
    result = harness.invoke("query", "tx", "AB" * 32)
    assert result.exit_code == 1 and "no committed tx" in result.output and "Traceback" not in result.output


def test_query_txs_passes_the_query_and_paging_and_lists_the_page(harness):
    for height in (3, 4, 5):
        harness.rpc.commit(a_send(harness, height, sequence=height), height)
    result = harness.invoke("-o", "json", "query", "txs", "--query", "transfer.sender='x'", "--page", "2",
                            "--limit", "2")
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert harness.rpc.searches == [("transfer.sender='x'", 2, 2, "asc")]
    assert (page["total_count"], page["page"], page["page_total"]) == (3, 2, 2)
    assert [tx["height"] for tx in page["txs"]] == [5] and page["txs"][0]["msgs"][0]["type"] == MsgSend.TYPE
    text = harness.invoke("query", "txs", "--query", "tx.height>1", "--order-by", "desc")
    assert text.exit_code == 0 and "3 tx(s), page 1 of 1" in text.stdout
    assert text.stdout.index("height 5") < text.stdout.index("height 3")


def test_query_txs_refuses_an_empty_query_or_page_zero(harness):
    for args, message in ((["--query", " "], "event query"), (["--query", "a='b'", "--page", "0"], "from 1"),
                          (["--query", "a='b'", "--limit", "500"], "--limit")):
        result = harness.invoke("query", "txs", *args)
        assert result.exit_code == 2 and message in result.output, result.output
    assert harness.rpc.searches == []


def test_account_txs_searches_the_fee_payer_of_a_key_or_address(harness):
    harness.rpc.commit(a_send(harness, 1), 7)
    result = harness.invoke("-o", "json", "query", "account-txs", "alice")
    assert result.exit_code == 0, result.output
    assert harness.rpc.searches == [(f"tx.fee_payer='{harness.addresses['alice']}'", 1, 30, "desc")]
    assert json.loads(result.stdout)["txs"][0]["signer"] == harness.addresses["alice"]


def test_query_block_shows_the_header_and_tx_hashes(harness):
    raw = a_send(harness, 1)
    harness.rpc.blocks[9] = {"block_id": {"hash": "BLOCKHASH"}, "block": {
        "header": {"height": "9", "time": "2026-01-01T00:00:00Z", "chain_id": "amino-cli-test",
                   "proposer_address": "PROPOSER", "app_hash": "APPHASH"},
        "data": {"txs": [base64.b64encode(raw).decode()]}}}
    result = harness.invoke("query", "block", "9", "-o", "json")
    assert result.exit_code == 0, result.output
    block = json.loads(result.stdout)
    assert block["height"] == 9 and block["num_txs"] == 1 and block["hash"] == "BLOCKHASH"
    assert block["txs"] == [hashlib.sha256(raw).hexdigest().upper()]
    assert harness.invoke("query", "block", "0").exit_code == 2
    text = harness.invoke("query", "block")  # the latest
    assert text.exit_code == 0 and "BLOCKHASH" in text.stdout and f"tx {block['txs'][0]}" in text.stdout

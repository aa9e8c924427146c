"""sign_and_broadcast: the one path from messages to a signed, broadcast tx (the CLI and ChainClient both use it)."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey

from abci_app.codec import decode_tx
from abci_app.router import verify_signature
from chain_modules.auth.types import TxParams
from chain_modules.bank.types import MsgSend
from chain_modules.common.address import address_from_pubkey, decode_address
from chain_modules.common.encoding import decode, encode
from client.chain import ChainClient
from client.rpc import QueryResult
from client.wallet import tx as wallet_tx

KEY = SigningKey(b"\x05" * 32)
SENDER = address_from_pubkey(bytes(KEY.verify_key))
MSG = MsgSend(decode_address(SENDER), b"\x02" * 20, 1_000)


class Node:
    """Tx params, one account sequence, and the txs broadcast; ``refuse`` makes every query fail."""

    def __init__(self, sequence: int = 3, refuse: bool = False) -> None:
        self.sequence, self.refuse, self.sent, self.queries = sequence, refuse, [], []

    def abci_query(self, path: str) -> QueryResult:
        self.queries.append(path)
        if self.refuse:
            return QueryResult(1, "no queries here", "test", b"", b"", 0, [])
        value = encode(TxParams().to_dict()) if path == "/auth/params" else encode([bytes(KEY.verify_key), self.sequence])
        return QueryResult(0, "", "", b"", value, 9, [])

    def broadcast_tx_sync(self, tx: bytes) -> dict:
        self.sent.append(tx)
        return {"hash": "AB" * 32, "code": 0, "log": ""}

    def close(self) -> None:
        pass


def test_it_signs_the_messages_at_the_queried_sequence_with_the_minimum_fee_and_broadcasts_them():
    node = Node(sequence=3)
    result = wallet_tx.sign_and_broadcast(node, "chain-a", SENDER, [MSG], KEY, wait=False)
    assert result is not None and result.check_code == 0 and result.tx_hash == "AB" * 32
    [raw] = node.sent
    tx = decode_tx(raw)
    assert verify_signature(tx) and tx.pubkey == bytes(KEY.verify_key)
    assert (tx.doc.chain_id, tx.doc.sequence, tx.doc.memo) == ("chain-a", 3, "")
    assert tx.doc.msgs == ((MsgSend.TYPE, decode(encode(MSG.to_body()))),)
    assert tx.doc.fee == TxParams().min_fee(tx.doc.gas_limit) and tx.doc.gas_limit > MSG.gas()
    assert node.queries == ["/auth/params", f"/auth/account/{SENDER}"]


def test_given_params_sequence_fee_gas_and_memo_are_used_without_asking_the_node():
    node = Node(refuse=True)
    wallet_tx.sign_and_broadcast(node, "chain-a", SENDER, [MSG], KEY, params=TxParams(), sequence=8, memo="m",
                                 gas_limit=50_000, fee=777, wait=False)
    tx = decode_tx(node.sent[0])
    assert (tx.doc.sequence, tx.doc.memo, tx.doc.gas_limit, tx.doc.fee) == (8, "m", 50_000, 777)
    assert node.queries == []


def test_unreadable_params_are_a_wallet_error_and_nothing_is_sent():
    node = Node(refuse=True)
    with pytest.raises(wallet_tx.WalletError, match="cannot read tx params"):
        wallet_tx.sign_and_broadcast(node, "chain-a", SENDER, [MSG], KEY, wait=False)
    assert node.sent == []


def test_a_declined_review_signs_and_sends_nothing_and_never_asks_for_the_key():
    node, reviewed, asked = Node(), [], []
    result = wallet_tx.sign_and_broadcast(node, "chain-a", SENDER, [MSG], lambda: asked.append(1) or KEY,
                                          review=lambda doc: reviewed.append(doc) or False, wait=False)
    assert result is None and node.sent == [] and asked == []
    assert reviewed[0].msgs[0][0] == MsgSend.TYPE


def test_the_key_is_asked_for_after_the_review_accepts_the_doc():
    node, events = Node(), []
    wallet_tx.sign_and_broadcast(node, "chain-a", SENDER, [MSG], lambda: events.append("key") or KEY,
                                 review=lambda doc: events.append("review") or True, wait=False)
    assert events == ["review", "key"] and len(node.sent) == 1


def test_chain_client_sends_the_same_tx_as_sign_and_broadcast():
    direct, through_client = Node(sequence=4), Node(sequence=4)
    wallet_tx.sign_and_broadcast(direct, "chain-a", SENDER, [MSG], KEY, wait=False)
    client = ChainClient("http://127.0.0.1:9", KEY, "chain-a")
    client.rpc = through_client
    client.send([MSG], wait=False)
    assert through_client.sent == direct.sent
    client.send([MSG], wait=False)  # the client keeps the sequence: the second tx is at 5 without a query
    assert decode_tx(through_client.sent[1]).doc.sequence == 5
    assert through_client.queries.count(f"/auth/account/{SENDER}") == 1

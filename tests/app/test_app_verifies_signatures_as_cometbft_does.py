"""The seed record's signatures are checked with CometBFT's own ed25519 rule (ZIP-215), case for case.

data/cometbft_ed25519_vectors.txt.gz holds 724 cases and what CometBFT v0.38.26's PubKey.VerifySignature answered
for each (data/generate_vectors.go made it): small-order and non-canonical keys and R values, non-canonical S,
tampered messages. If the app refused a signature CometBFT accepts, one validator could make every honest
proposal fail; if it accepted one CometBFT refuses, a proposer could forge a record.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from abci_app import ed25519_zip215

VECTORS = Path(__file__).parent / "data" / "cometbft_ed25519_vectors.txt.gz"


def cases():
    for line in gzip.decompress(VECTORS.read_bytes()).decode().splitlines():
        source, accepted, pubkey, message, signature = line.split(" ")
        yield source, accepted == "1", bytes.fromhex(pubkey), bytes.fromhex(message), bytes.fromhex(signature)


def libsodium_accepts(pubkey: bytes, message: bytes, signature: bytes) -> bool:
    try:
        VerifyKey(pubkey).verify(message, signature)
        return True
    except (BadSignatureError, ValueError):
        return False


def test_the_app_accepts_exactly_the_signatures_cometbft_accepts():
    loaded = list(cases())
    assert len(loaded) == 724
    wrong = [(source, accepted) for source, accepted, pubkey, message, signature in loaded
             if ed25519_zip215.verify(pubkey, message, signature) != accepted]
    assert wrong == []
    # the vectors reach both answers, and cases libsodium alone would get wrong
    assert {accepted for _s, accepted, *_rest in loaded} == {True, False}
    assert sum(1 for _s, accepted, pk, msg, sig in loaded if accepted and not libsodium_accepts(pk, msg, sig)) > 100


def test_the_integer_rule_alone_agrees_with_cometbft_too():
    """verify() asks libsodium first; the slow path must also be right on the cases libsodium accepts."""
    wrong = [source for source, accepted, pubkey, message, signature in cases()
             if ed25519_zip215.verify_zip215(pubkey, message, signature) != accepted]
    assert wrong == []


def test_ordinary_signatures_verify_and_tampered_ones_do_not():
    key = SigningKey(b"\x07" * 32)
    pubkey = bytes(key.verify_key)
    signature = key.sign(b"message").signature
    assert ed25519_zip215.verify(pubkey, b"message", signature)
    assert ed25519_zip215.verify_zip215(pubkey, b"message", signature)
    assert not ed25519_zip215.verify(pubkey, b"messagE", signature)
    assert not ed25519_zip215.verify(pubkey, b"message", signature[:63] + bytes([signature[63] ^ 1]))
    assert not ed25519_zip215.verify(pubkey, b"message", signature[:63])
    assert not ed25519_zip215.verify(pubkey[:31], b"message", signature)

"""Signed requests to a master node (client.httpsig): the exact bytes, and what verification refuses."""

from __future__ import annotations

import pytest

from client.httpsig import (
    HEADER_NONCE,
    HEADER_PUBKEY,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SignatureError,
    request_sign_bytes,
    retry_after_seconds,
    sign_headers,
    verify_headers,
)
from tests.support import make_key

KEY = make_key("httpsig-customer")
OTHER = make_key("httpsig-other")
CHAIN = "amino-localnet"
DIGEST = "ab" * 32
PATH = f"/v1/blobs/{DIGEST}"
NOW = 1_800_000_000
NONCE = "0f" * 16


def headers(**changes) -> dict:
    arguments = {"digest": DIGEST, "task_id": 7, "timestamp": NOW, "nonce": NONCE, **changes}
    return sign_headers(KEY.signing_key, CHAIN, "PUT", PATH, **arguments)


def verify(signed: dict, **changes):
    arguments = {"chain_id": CHAIN, "method": "PUT", "path": PATH, "digest": DIGEST, "task_id": 7, "now": NOW, **changes}
    return verify_headers(signed, arguments.pop("chain_id"), arguments.pop("method"), arguments.pop("path"), **arguments)


def test_the_signed_bytes_are_the_domain_then_the_fields_joined_by_nul() -> None:
    message = request_sign_bytes(CHAIN, "PUT", PATH, DIGEST, "7", str(NOW), NONCE)
    assert message == (b"amino/master-request/v1\x00" + CHAIN.encode() + b"\x00PUT\x00" + PATH.encode() + b"\x00"
                       + DIGEST.encode() + b"\x007\x00" + str(NOW).encode() + b"\x00" + NONCE.encode())


@pytest.mark.parametrize("field, value", [
    ("chain_id", "a\x00b"), ("method", "put"), ("path", "no-slash"), ("path", "/with space"), ("digest", "AB" * 32),
    ("task", "07"), ("task", "-1"), ("timestamp", "1.5"), ("nonce", "zz" * 16),
])
def test_fields_that_could_blur_the_layout_cannot_be_signed(field, value) -> None:
    fields = {"chain_id": CHAIN, "method": "PUT", "path": PATH, "digest": DIGEST, "task": "7", "timestamp": str(NOW),
              "nonce": NONCE, field: value}
    with pytest.raises(ValueError):
        request_sign_bytes(**fields)


def test_a_signed_request_verifies_and_names_its_signer() -> None:
    signed = headers()

    who = verify(signed)

    assert set(signed) == {HEADER_PUBKEY, HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_NONCE}
    assert who.address == KEY.bech32 and who.pubkey == KEY.pubkey and who.timestamp == NOW and who.nonce == NONCE


def test_two_signatures_of_the_same_request_differ_by_their_nonce() -> None:
    first = sign_headers(KEY.signing_key, CHAIN, "GET", PATH, digest=DIGEST, task_id=7)
    second = sign_headers(KEY.signing_key, CHAIN, "GET", PATH, digest=DIGEST, task_id=7)
    assert first[HEADER_NONCE] != second[HEADER_NONCE] and first[HEADER_SIGNATURE] != second[HEADER_SIGNATURE]


@pytest.mark.parametrize("what, changes", [
    ("another chain", {"chain_id": "amino-other"}),
    ("another method", {"method": "GET"}),
    ("another path", {"path": "/v1/blobs/" + "cd" * 32}),
    ("another digest", {"digest": "cd" * 32}),
    ("another task", {"task_id": 8}),
    ("no task", {"task_id": None}),
])
def test_a_signature_does_not_verify_for_another_request(what, changes) -> None:
    with pytest.raises(SignatureError, match="does not match"):
        verify(headers(), **changes)


def test_a_signature_verifies_only_within_the_window_of_the_masters_clock() -> None:
    assert verify(headers(), now=NOW + 60).address == KEY.bech32
    assert verify(headers(), now=NOW - 60).address == KEY.bech32
    for now in (NOW + 61, NOW - 61):
        with pytest.raises(SignatureError, match="from the master's clock"):
            verify(headers(), now=now)
    with pytest.raises(SignatureError, match="from the master's clock"):
        verify(headers(), now=NOW + 20, window_seconds=10)


@pytest.mark.parametrize("header, value, message", [
    (HEADER_PUBKEY, bytes(OTHER.signing_key.verify_key).hex(), "does not match"),
    (HEADER_SIGNATURE, "00" * 64, "does not match"),
    (HEADER_PUBKEY, "AB" * 32, "64 lowercase hex"),
    (HEADER_SIGNATURE, "ab" * 63, "128 lowercase hex"),
    (HEADER_TIMESTAMP, str(NOW + 1), "does not match"),
    (HEADER_TIMESTAMP, "soon", "Unix seconds"),
    (HEADER_NONCE, "1f" * 16, "does not match"),
    (HEADER_NONCE, "1f", "lowercase hex"),
])
def test_tampered_or_malformed_headers_are_refused(header, value, message) -> None:
    with pytest.raises(SignatureError, match=message):
        verify({**headers(), header: value})


def test_missing_headers_are_named() -> None:
    signed = headers()
    del signed[HEADER_NONCE]
    with pytest.raises(SignatureError, match=f"not signed: missing header\\(s\\) {HEADER_NONCE}"):
        verify(signed)
    with pytest.raises(SignatureError, match="not signed"):
        verify({})


@pytest.mark.parametrize("header, expected", [("3", 3.0), ("0", 0.0), (None, 1.0), ("soon", 1.0), ("nan", 1.0),
                                              ("-4", 1.0), ("3600", 10.0)])
def test_retry_after_is_read_within_bounds(header, expected) -> None:
    assert retry_after_seconds(header, 1.0, cap=10.0) == expected

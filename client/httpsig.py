"""Signed requests to a master node's HTTP API: one scheme, used by the customer, the worker and the master.

A client proves which account sends a request by signing it with that
account's ed25519 key (the key that signs its transactions). The signature
covers, after a domain tag, these fields joined by NUL bytes:

    chain id, method, API path, blob digest, task id, timestamp, nonce

- the API path is the route as the master defines it (``/v1/blobs/<digest>``,
  ``/v1/admissions``), without a proxy prefix or the query string;
- the digest is the 64 hex characters of the blob, or empty;
- the task id is its decimal form (the request also names it as ``?task=``),
  or empty;
- the timestamp is integer Unix seconds; the master accepts it within
  ``DEFAULT_WINDOW_SECONDS`` of its own clock;
- the nonce is 16 random bytes in hex, so two requests are never signed
  alike and the master can refuse a replayed one within the window.

The request carries the public key, the signature, the timestamp and the
nonce in the ``x-amino-*`` headers below. The master derives the address
(bech32 ``amio`` over the first 20 bytes of sha256(pubkey)) and checks on
the chain that this address is a party of the task. Every field is checked
to be plain ASCII without NUL before it is joined, so the layout is
unambiguous.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from chain_modules.common.address import address_from_pubkey

REQUEST_DOMAIN = b"amino/master-request/v1\x00"
HEADER_PUBKEY = "x-amino-pubkey"
HEADER_SIGNATURE = "x-amino-signature"
HEADER_TIMESTAMP = "x-amino-timestamp"
HEADER_NONCE = "x-amino-nonce"
DEFAULT_WINDOW_SECONDS = 60
NONCE_BYTES = 16

_METHOD = re.compile(r"[A-Z]{1,16}")
_PATH = re.compile(r"/[\x21-\x7e]{0,1023}")
_DIGEST = re.compile(r"(?:[0-9a-f]{64})?")
_TASK = re.compile(r"(?:0|[1-9][0-9]{0,18})?")
_TIMESTAMP = re.compile(r"0|[1-9][0-9]{0,11}")
_NONCE = re.compile(rf"[0-9a-f]{{{2 * NONCE_BYTES}}}")
_HEX_PUBKEY = re.compile(r"[0-9a-f]{64}")
_HEX_SIGNATURE = re.compile(r"[0-9a-f]{128}")
_CHAIN_ID = re.compile(r"[\x21-\x7e]{1,64}")


class SignatureError(Exception):
    """A request whose signature is missing, malformed, wrong, stale or for another chain; the text says which."""


@dataclass(frozen=True)
class SignedRequest:
    """Who signed a request that verified."""

    address: str
    pubkey: bytes
    signature: bytes
    timestamp: int
    nonce: str


def _field(name: str, value: str, pattern: re.Pattern[str]) -> bytes:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise ValueError(f"{name} {value!r} cannot be signed: unexpected characters or length")
    return value.encode("ascii")


def request_sign_bytes(chain_id: str, method: str, path: str, digest: str, task: str, timestamp: str,
                       nonce: str) -> bytes:
    """The exact bytes a request signature covers. Raises ValueError for a field that breaks its format."""
    fields = (
        _field("chain id", chain_id, _CHAIN_ID),
        _field("method", method, _METHOD),
        _field("path", path, _PATH),
        _field("digest", digest, _DIGEST),
        _field("task id", task, _TASK),
        _field("timestamp", timestamp, _TIMESTAMP),
        _field("nonce", nonce, _NONCE),
    )
    return REQUEST_DOMAIN + b"\x00".join(fields)


def _task_text(task_id: int | None) -> str:
    if task_id is None:
        return ""
    if isinstance(task_id, bool) or not isinstance(task_id, int) or task_id < 0:
        raise ValueError(f"task id must be a non-negative integer, got {task_id!r}")
    return str(task_id)


def sign_headers(key: nacl.signing.SigningKey, chain_id: str, method: str, path: str, *, digest: str = "",
                 task_id: int | None = None, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """The headers that sign one request; send them with it (and ``?task=<task_id>`` when a task is named)."""
    when = str(int(time.time()) if timestamp is None else timestamp)
    nonce = os.urandom(NONCE_BYTES).hex() if nonce is None else nonce
    message = request_sign_bytes(chain_id, method.upper(), path, digest, _task_text(task_id), when, nonce)
    signature = key.sign(message).signature
    return {
        HEADER_PUBKEY: bytes(key.verify_key).hex(),
        HEADER_SIGNATURE: signature.hex(),
        HEADER_TIMESTAMP: when,
        HEADER_NONCE: nonce,
    }


def verify_headers(headers: Mapping[str, str], chain_id: str, method: str, path: str, *, digest: str = "",
                   task_id: int | None = None, now: float | None = None,
                   window_seconds: int = DEFAULT_WINDOW_SECONDS) -> SignedRequest:
    """Check the signature headers of a request against what it asks for; return who signed it.

    Raises: SignatureError (missing or malformed headers, a timestamp outside the window, a bad signature)
    """
    missing = [name for name in (HEADER_PUBKEY, HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_NONCE) if not headers.get(name)]
    if missing:
        raise SignatureError(f"the request is not signed: missing header(s) {', '.join(missing)}")
    pubkey_hex, signature_hex = headers[HEADER_PUBKEY], headers[HEADER_SIGNATURE]
    timestamp, nonce = headers[HEADER_TIMESTAMP], headers[HEADER_NONCE]
    if _HEX_PUBKEY.fullmatch(pubkey_hex) is None:
        raise SignatureError(f"{HEADER_PUBKEY} must be 64 lowercase hex characters (an ed25519 public key)")
    if _HEX_SIGNATURE.fullmatch(signature_hex) is None:
        raise SignatureError(f"{HEADER_SIGNATURE} must be 128 lowercase hex characters (an ed25519 signature)")
    if _TIMESTAMP.fullmatch(timestamp) is None:
        raise SignatureError(f"{HEADER_TIMESTAMP} must be integer Unix seconds")
    if _NONCE.fullmatch(nonce) is None:
        raise SignatureError(f"{HEADER_NONCE} must be {2 * NONCE_BYTES} lowercase hex characters")
    now = time.time() if now is None else now
    if abs(int(timestamp) - now) > window_seconds:
        raise SignatureError(
            f"the signature's timestamp {timestamp} is more than {window_seconds} s from the master's clock "
            f"({int(now)}); check the clock and sign again")
    try:
        message = request_sign_bytes(chain_id, method.upper(), path, digest, _task_text(task_id), timestamp, nonce)
    except ValueError as exc:
        raise SignatureError(str(exc)) from None
    pubkey, signature = bytes.fromhex(pubkey_hex), bytes.fromhex(signature_hex)
    try:
        nacl.signing.VerifyKey(pubkey).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError):
        raise SignatureError(
            f"the signature does not match this request (signed for another chain than {chain_id!r}, "
            "another path, blob or task, or by another key)") from None
    return SignedRequest(address_from_pubkey(pubkey), pubkey, signature, int(timestamp), nonce)


def retry_after_seconds(header: str | None, default: float, cap: float = 10.0) -> float:
    """The wait a master's 409 busy or 429 answer asks for (its Retry-After, in seconds), within [0, cap]."""
    try:
        value = float(header) if header is not None else default
    except ValueError:
        value = default
    if not value >= 0:  # also NaN
        value = default
    return min(value, cap)

"""A worker's admission into a master node's pool: ask the master for it, and check it before using it.

The master's operator key signs ``admission_sign_bytes(chain_id, master,
worker)`` (chain_modules.compute.admission) for the workers its policy
admits. The worker asks with a signed ``POST /v1/admissions`` and checks
the answer: the public key must be the master's (its address is the master
address the worker means to join) and the signature must cover this chain,
that master and this worker. A master that answers anything else gets no
registration.
"""

from __future__ import annotations

import re

import httpx
import nacl.exceptions
import nacl.signing

from chain_modules.common.address import AddressError, address_from_pubkey, decode_address
from chain_modules.compute.api import admission_sign_bytes
from client.httpsig import sign_headers

ADMISSIONS_PATH = "/v1/admissions"
_PUBKEY = re.compile(r"[0-9a-f]{64}")
_SIGNATURE = re.compile(r"[0-9a-f]{128}")


class AdmissionError(Exception):
    """No usable admission: the master refused, could not be reached, or answered with a bad signature."""


def verify_admission(admission: object, chain_id: str, master_address: str, worker_address: str) -> dict:
    """Check an admission ({"pubkey", "signature"} in hex) and return exactly those two fields.

    Raises: AdmissionError
    """
    if not isinstance(admission, dict):
        raise AdmissionError(f"an admission must be a JSON object, got {type(admission).__name__}")
    pubkey, signature = admission.get("pubkey"), admission.get("signature")
    if not isinstance(pubkey, str) or _PUBKEY.fullmatch(pubkey) is None:
        raise AdmissionError("the admission's pubkey must be 64 lowercase hex characters")
    if not isinstance(signature, str) or _SIGNATURE.fullmatch(signature) is None:
        raise AdmissionError("the admission's signature must be 128 lowercase hex characters")
    try:
        master, worker = decode_address(master_address), decode_address(worker_address)
    except AddressError as exc:
        raise AdmissionError(str(exc)) from None
    signer = address_from_pubkey(bytes.fromhex(pubkey))
    if signer != master_address:
        raise AdmissionError(f"the admission is signed by {signer}, not by the master node {master_address}")
    try:
        nacl.signing.VerifyKey(bytes.fromhex(pubkey)).verify(
            admission_sign_bytes(chain_id, master, worker), bytes.fromhex(signature))
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError):
        raise AdmissionError(
            f"the admission's signature does not cover chain {chain_id!r}, master {master_address} "
            f"and worker {worker_address}") from None
    return {"pubkey": pubkey, "signature": signature}


def fetch_admission(master_url: str, signer_key: nacl.signing.SigningKey, chain_id: str, master_address: str,
                    *, http: httpx.Client | None = None, timeout: float = 10.0) -> dict:
    """Ask the master node at ``master_url`` to admit the worker of ``signer_key``; return the checked admission.

    Raises: AdmissionError (refused, unreachable, or a signature that does not hold)
    """
    worker = address_from_pubkey(bytes(signer_key.verify_key))
    url = f"{master_url.rstrip('/')}{ADMISSIONS_PATH}"
    client = http or httpx.Client(timeout=timeout)
    try:
        response = client.post(url, headers=sign_headers(signer_key, chain_id, "POST", ADMISSIONS_PATH))
    except httpx.HTTPError as exc:
        raise AdmissionError(f"cannot reach the master node at {master_url}: {exc}") from None
    finally:
        if http is None:
            client.close()
    if response.status_code != 200:
        try:
            detail = response.json()["detail"]
        except (ValueError, KeyError, TypeError):
            detail = response.text[:200]
        raise AdmissionError(f"the master node at {master_url} refused to admit {worker}: "
                             f"{response.status_code} {detail}")
    try:
        answer = response.json()
    except ValueError:
        raise AdmissionError(f"the master node at {master_url} answered the admission request with non-JSON") from None
    return verify_admission(answer, chain_id, master_address, worker)

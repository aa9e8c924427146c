"""The bytes a master node's operator key signs to admit a worker into its pool.

A worker joins a master's pool only with the master's consent: an ed25519
signature by the master's operator key over

    b"amino/compute/admission/v1\\x00" + chain_id + b"\\x00" + master (20 bytes) + worker (20 bytes)

The domain tag keeps the signature from being mistaken for a transaction or a
signed HTTP request; the chain id keeps an admission from one network out of
another; the two addresses bind it to exactly one master and one worker.

Pure: no I/O, no clock, nothing but the byte layout (the master node service
signs it, the worker checks it, the chain verifies it).
"""

from __future__ import annotations

ADMISSION_DOMAIN = b"amino/compute/admission/v1\x00"
ADDRESS_BYTES = 20


def admission_sign_bytes(chain_id: str, master: bytes, worker: bytes) -> bytes:
    """The message an admission signature covers.

    Raises: ValueError (an empty chain id or one holding NUL, an address that is not 20 bytes)
    """
    if not isinstance(chain_id, str) or not chain_id or "\x00" in chain_id:
        raise ValueError(f"chain id must be a non-empty string without NUL, got {chain_id!r}")
    for name, address in (("master", master), ("worker", worker)):
        if not isinstance(address, bytes) or len(address) != ADDRESS_BYTES:
            raise ValueError(f"{name} address must be {ADDRESS_BYTES} bytes, got {address!r}")
    return ADMISSION_DOMAIN + chain_id.encode() + b"\x00" + master + worker

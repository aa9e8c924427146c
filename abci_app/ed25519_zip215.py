"""Ed25519 verification with CometBFT's rules (ZIP-215), so the app accepts exactly the signatures CometBFT accepts.

CometBFT v0.38 verifies every consensus signature, vote extension signatures included, with
curve25519-voi's ZIP-215 options: the public key A and the signature's R may be non-canonical or of
small order, S must be below the group order, and the check is the cofactored equation
[8][S]B = [8]R + [8][k]A with k = SHA-512(R bytes || A bytes || message) mod L.

libsodium (pynacl) is stricter: everything it accepts ZIP-215 accepts, but not the other way round. A
validator can publish a vote extension signature that CometBFT counts and libsodium refuses; if the app
refused such a signature in a proposal, one validator could stop every honest proposal. So ``verify``
asks libsodium first (fast, and it answers for every honestly made signature) and only when it says no
decides with the exact ZIP-215 rule below, in plain integer arithmetic (a few milliseconds).
"""

from __future__ import annotations

import hashlib

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
_BASE_Y = 4 * pow(5, P - 2, P) % P

# A point is (X, Y, Z, T) in extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z.
_IDENTITY = (0, 1, 1, 0)


def _add(p1, p2):
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(scalar: int, point):
    result = _IDENTITY
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _negate(point):
    x, y, z, t = point
    return (-x % P, y, z, -t % P)


def _decode(encoded: bytes):
    """The point of a 32-byte encoding, non-canonical encodings accepted (ZIP-215); None if it is not on the curve.

    The y coordinate is read modulo p (so y >= p is allowed) and the sign bit picks x's parity (for x = 0 it
    is ignored), as curve25519-dalek and curve25519-voi decompress.
    """
    value = int.from_bytes(encoded, "little")
    sign = value >> 255
    y = (value & ((1 << 255) - 1)) % P
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    check = v * x * x % P
    if check == (-u) % P:
        x = x * SQRT_M1 % P
    elif check != u:
        return None
    if (x & 1) != sign:
        x = (-x) % P
    return (x, y, 1, x * y % P)


def _is_identity(point) -> bool:
    x, y, z, _t = point
    return x % P == 0 and (y - z) % P == 0


_BASE = _decode(_BASE_Y.to_bytes(32, "little"))


def verify_zip215(pubkey: bytes, message: bytes, signature: bytes) -> bool:
    """The ZIP-215 rule alone, in plain integer arithmetic (slow; ``verify`` calls it only when libsodium says no)."""
    if len(pubkey) != 32 or len(signature) != 64:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    a = _decode(pubkey)
    r = _decode(signature[:32])
    if a is None or r is None:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + pubkey + message).digest(), "little") % L
    # [8]([S]B - [k]A - R) must be the identity
    difference = _add(_add(_multiply(s, _BASE), _negate(_multiply(k, a))), _negate(r))
    return _is_identity(_multiply(8, difference))


def verify(pubkey: bytes, message: bytes, signature: bytes) -> bool:
    """Whether CometBFT would accept ``signature`` by ``pubkey`` over ``message``."""
    if len(pubkey) != 32 or len(signature) != 64:
        return False
    try:
        VerifyKey(pubkey).verify(message, signature)
        return True
    except (BadSignatureError, ValueError):
        return verify_zip215(pubkey, message, signature)

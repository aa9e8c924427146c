"""Key derivation for Amino chain accounts: BIP39 mnemonics and SLIP-0010 ed25519.

Why this exists: users back up a single 24-word BIP39 mnemonic and must be able
to recover the very same account keys on any machine, with any wallet that
follows the same standards. We therefore derive keys exactly as other ed25519
HD wallets do:

1. ``seed = Mnemonic.to_seed(mnemonic, bip39_passphrase)`` (BIP39, 64 bytes).
2. SLIP-0010 for ed25519: the master node is ``HMAC-SHA512(key=b"ed25519 seed",
   data=seed)``; the left 32 bytes are the private key, the right 32 bytes the
   chain code. A child ``i`` is ``HMAC-SHA512(key=chain_code,
   data=b"\\x00" || private_key || ser32(i))``. Ed25519 only allows *hardened*
   children (``i >= 2**31``), so every path component must carry a ``'``.
3. The final 32-byte private key is the ed25519 seed of a
   :class:`nacl.signing.SigningKey`.

HD path: ``m/44'/9009'/account'/0'/index'`` (see :data:`DEFAULT_HD_PATH`).
``44'`` is the BIP44 purpose, ``9009'`` is Amino chain's coin type, and the
change level is fixed at ``0'``; all levels are hardened because SLIP-0010
ed25519 has no non-hardened derivation.

The SLIP-0010 code is written by hand (it is ~15 lines) rather than pulled in as
a dependency, and is checked against the official SLIP-0010 test vectors in
``tests/client/test_keyring.py``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import nacl.signing
from mnemonic import Mnemonic

__all__ = [
    "COIN_TYPE",
    "DEFAULT_HD_PATH",
    "HARDENED_OFFSET",
    "MNEMONIC_WORD_COUNT",
    "KeyringError",
    "derive_signing_key",
    "generate_mnemonic",
    "hd_path",
    "normalize_mnemonic",
    "parse_hd_path",
    "seed_from_mnemonic",
    "slip10_derive",
    "validate_mnemonic",
]

#: Offset added to a path index to mark it hardened (written ``i'``).
HARDENED_OFFSET = 0x8000_0000
#: BIP44 coin type of Amino chain.
COIN_TYPE = 9009
#: Path of the first key of the first account: m/44'/coin'/account'/change'/index'.
DEFAULT_HD_PATH = f"m/44'/{COIN_TYPE}'/0'/0'/0'"
#: Number of words of mnemonics we generate (256 bits of entropy).
MNEMONIC_WORD_COUNT = 24
#: Word counts BIP39 allows; we accept all of them when recovering a key.
VALID_WORD_COUNTS = (12, 15, 18, 21, 24)

_SLIP10_ED25519_KEY = b"ed25519 seed"
_ENGLISH = Mnemonic("english")


class KeyringError(Exception):
    """A key could not be created, found, decrypted or stored; the message says why."""


# --------------------------------------------------------------------------- mnemonics


def generate_mnemonic() -> str:
    """Return a fresh random 24-word English BIP39 mnemonic (256 bits of entropy)."""
    return _ENGLISH.generate(strength=256)


def normalize_mnemonic(words: str) -> str:
    """Lower-case ``words`` and collapse whitespace to single spaces."""
    return " ".join(words.lower().split())


def validate_mnemonic(words: str) -> None:
    """Raise :class:`KeyringError` unless ``words`` is a valid English BIP39 mnemonic.

    The error names the problem (word count, which word is unknown, or a bad
    checksum) but never echoes the words themselves, which are secret.
    """
    if not isinstance(words, str):
        raise KeyringError("mnemonic must be a string")
    word_list = normalize_mnemonic(words).split()
    if len(word_list) not in VALID_WORD_COUNTS:
        allowed = ", ".join(str(n) for n in VALID_WORD_COUNTS)
        raise KeyringError(f"mnemonic has {len(word_list)} words; expected {allowed}")
    known = set(_ENGLISH.wordlist)
    for position, word in enumerate(word_list, start=1):
        if word not in known:
            raise KeyringError(f"mnemonic word {position} is not in the BIP39 English word list")
    if not _ENGLISH.check(" ".join(word_list)):
        raise KeyringError("mnemonic checksum is invalid (a word is wrong or the words are out of order)")


def seed_from_mnemonic(mnemonic: str, bip39_passphrase: str = "") -> bytes:
    """Validate ``mnemonic`` and return its 64-byte BIP39 seed."""
    validate_mnemonic(mnemonic)
    return Mnemonic.to_seed(normalize_mnemonic(mnemonic), bip39_passphrase)


# --------------------------------------------------------------------------- SLIP-0010


def hd_path(account: int = 0, index: int = 0) -> str:
    """Return the Amino HD path ``m/44'/9009'/account'/0'/index'``."""
    for label, value in (("account", account), ("index", index)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < HARDENED_OFFSET:
            raise KeyringError(f"{label} must be an integer in [0, {HARDENED_OFFSET - 1}], got {value!r}")
    return f"m/44'/{COIN_TYPE}'/{account}'/0'/{index}'"


def parse_hd_path(path: str) -> list[int]:
    """Parse ``m/a'/b'/...`` into child indices (with the hardened offset added).

    Every component must be hardened (``'`` or ``h``/``H`` suffix), since
    SLIP-0010 ed25519 has no non-hardened derivation.
    """
    parts = path.split("/")
    if parts[0] != "m":
        raise KeyringError(f"HD path {path!r} must start with 'm'")
    indices: list[int] = []
    for part in parts[1:]:
        if len(part) < 2 or part[-1] not in "'hH" or not part[:-1].isdigit():
            raise KeyringError(f"HD path component {part!r} in {path!r} must be a hardened index such as 44'")
        value = int(part[:-1])
        if value >= HARDENED_OFFSET:
            raise KeyringError(f"HD path component {part!r} in {path!r} is too large")
        indices.append(value + HARDENED_OFFSET)
    return indices


def slip10_derive(seed: bytes, path: str | Sequence[int]) -> tuple[bytes, bytes]:
    """SLIP-0010 ed25519 derivation: return ``(private_key, chain_code)`` at ``path``.

    ``path`` is either a string like ``"m/0'/1'"`` or a sequence of child
    indices that already include :data:`HARDENED_OFFSET`.
    """
    indices = parse_hd_path(path) if isinstance(path, str) else list(path)
    digest = hmac.new(_SLIP10_ED25519_KEY, seed, hashlib.sha512).digest()
    key, chain_code = digest[:32], digest[32:]
    for index in indices:
        if not HARDENED_OFFSET <= index <= 0xFFFF_FFFF:
            raise KeyringError(f"ed25519 supports only hardened derivation, got index {index}")
        data = b"\x00" + key + index.to_bytes(4, "big")
        digest = hmac.new(chain_code, data, hashlib.sha512).digest()
        key, chain_code = digest[:32], digest[32:]
    return key, chain_code


def derive_signing_key(
    mnemonic: str, bip39_passphrase: str = "", account: int = 0, index: int = 0
) -> nacl.signing.SigningKey:
    """Return the ed25519 key at ``m/44'/9009'/account'/0'/index'`` for ``mnemonic``.

    Raises :class:`KeyringError` for an invalid mnemonic, account or index.
    """
    path = hd_path(account, index)
    private_key, _chain_code = slip10_derive(seed_from_mnemonic(mnemonic, bip39_passphrase), path)
    return nacl.signing.SigningKey(private_key)

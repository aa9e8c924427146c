"""Local keyring: named ed25519 account keys stored under the client home directory.

Why this exists: the CLI signs transactions with keys the user created or
recovered from a mnemonic, and must find them again by name in later runs. Two
backends are offered, mirroring the Cosmos SDK:

``test``
    ``<home>/keyring-test/<name>.json`` holds the 32-byte ed25519 seed in clear
    (hex). Meant for localnets and automated tests only; ``encrypted`` is
    ``False`` so the CLI can warn loudly.

``file``
    ``<home>/keyring-file/<name>.json`` holds the seed encrypted with
    :class:`nacl.secret.SecretBox` (XSalsa20-Poly1305) under a key derived from
    a passphrase with Argon2id (random 16-byte salt per key, interactive
    limits). The passphrase is requested through ``passphrase_provider(prompt)``.

In both backends the public key and address are stored in clear, so listing and
showing keys never needs a passphrase. The mnemonic is never stored: ``add``
returns it once so the caller can show it to the user for backup.

Files are written atomically (temporary file, fsync, then rename/link) with
mode 0600 in a 0700 directory. Exported keys are an ASCII-armored block
(``-----BEGIN AMINO PRIVATE KEY-----``) wrapping base64 of a JSON object with
the Argon2id parameters, salt, SecretBox ciphertext of the seed, and the public
key, always encrypted under a separate export passphrase.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import nacl.secret
import nacl.signing
import nacl.utils

from chain_modules.common.address import PUBKEY_LENGTH, address_from_pubkey
from client.wallet.keys import KeyringError, derive_signing_key, generate_mnemonic, hd_path, normalize_mnemonic

__all__ = [
    "ARMOR_BEGIN",
    "ARMOR_END",
    "BACKENDS",
    "FileKeyring",
    "KeyInfo",
    "Keyring",
    "KeyringError",
    "MIN_PASSPHRASE_LENGTH",
    "PassphraseProvider",
    "TestKeyring",
    "open_keyring",
    "validate_key_name",
]

PassphraseProvider = Callable[[str], str]

BACKENDS = ("test", "file", "os")
ARMOR_BEGIN = "-----BEGIN AMINO PRIVATE KEY-----"
ARMOR_END = "-----END AMINO PRIVATE KEY-----"
#: Minimum length of a passphrase used to *encrypt* (file backend, export).
MIN_PASSPHRASE_LENGTH = 8

_RECORD_VERSION = 1
_EXPORT_VERSION = 1
_SEED_LENGTH = 32
_KDF_NAME = "argon2id"
_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# Upper bounds accepted when *reading* KDF parameters, so a crafted file or
# export cannot make us allocate gigabytes or spin for minutes.
_MAX_OPSLIMIT = argon2id.OPSLIMIT_SENSITIVE
_MAX_MEMLIMIT = argon2id.MEMLIMIT_SENSITIVE


@dataclass(frozen=True)
class KeyInfo:
    """Public facts about a stored key; safe to print."""

    name: str
    address: str
    pubkey: bytes
    backend: str
    created: str


def validate_key_name(name: object) -> str:
    """Return ``name`` if it is 1-64 chars of ``[A-Za-z0-9_.-]`` not starting with ``.``.

    The leading-dot rule rules out ``.``/``..`` and hidden files, so a key name
    can never escape or clutter the keyring directory.
    """
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or name.startswith("."):
        raise KeyringError(
            f"invalid key name {name!r}: use 1-64 characters from A-Z a-z 0-9 _ . - (not starting with '.')"
        )
    return name


def _is_key_name(name: str) -> bool:
    try:
        validate_key_name(name)
    except KeyringError:
        return False
    return True


# --------------------------------------------------------------------------- crypto helpers


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise KeyringError(f"{what} is missing or not a string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyringError(f"{what} is not valid base64") from exc


def _password_bytes(passphrase: str) -> bytes:
    # NFKC so the same passphrase typed on different systems gives the same key.
    return unicodedata.normalize("NFKC", passphrase).encode("utf-8")


def _check_new_passphrase(passphrase: object, what: str) -> str:
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise KeyringError(f"{what} must be at least {MIN_PASSPHRASE_LENGTH} characters")
    return passphrase


def _seal_seed(seed: bytes, passphrase: str) -> dict[str, Any]:
    """Encrypt ``seed`` under ``passphrase``; return the JSON-ready parameters."""
    salt = nacl.utils.random(argon2id.SALTBYTES)
    opslimit, memlimit = argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE
    key = argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, _password_bytes(passphrase), salt, opslimit, memlimit)
    ciphertext = bytes(nacl.secret.SecretBox(key).encrypt(seed))  # nonce || ciphertext || tag
    return {
        "kdf": _KDF_NAME,
        "opslimit": opslimit,
        "memlimit": memlimit,
        "salt": _b64(salt),
        "ciphertext": _b64(ciphertext),
    }


def _open_seed(params: object, passphrase: str, wrong_passphrase_message: str) -> bytes:
    """Decrypt a seed sealed by :func:`_seal_seed`."""
    if not isinstance(params, dict) or params.get("kdf") != _KDF_NAME:
        raise KeyringError(f"unsupported or missing key derivation function (expected {_KDF_NAME})")
    opslimit, memlimit = params.get("opslimit"), params.get("memlimit")
    if not (isinstance(opslimit, int) and argon2id.OPSLIMIT_MIN <= opslimit <= _MAX_OPSLIMIT):
        raise KeyringError(f"argon2id opslimit {opslimit!r} is out of range")
    if not (isinstance(memlimit, int) and argon2id.MEMLIMIT_MIN <= memlimit <= _MAX_MEMLIMIT):
        raise KeyringError(f"argon2id memlimit {memlimit!r} is out of range")
    salt = _unb64(params.get("salt"), "salt")
    if len(salt) != argon2id.SALTBYTES:
        raise KeyringError(f"salt must be {argon2id.SALTBYTES} bytes")
    ciphertext = _unb64(params.get("ciphertext"), "ciphertext")
    key = argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, _password_bytes(passphrase), salt, opslimit, memlimit)
    try:
        seed = nacl.secret.SecretBox(key).decrypt(ciphertext)
    except nacl.exceptions.CryptoError as exc:
        raise KeyringError(wrong_passphrase_message) from exc
    if len(seed) != _SEED_LENGTH:
        raise KeyringError(f"decrypted seed has {len(seed)} bytes, expected {_SEED_LENGTH}")
    return seed


def _signing_key_matching(seed: bytes, pubkey: bytes, what: str) -> nacl.signing.SigningKey:
    """Return the key for ``seed``; refuse it if it does not belong to ``pubkey``."""
    key = nacl.signing.SigningKey(seed)
    if bytes(key.verify_key) != pubkey:
        raise KeyringError(f"{what}: private key does not match the stored public key")
    return key


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- keyring


class Keyring:
    """Named keys in one directory; subclasses decide how the seed is protected."""

    backend: ClassVar[str]
    encrypted: ClassVar[bool]

    def __init__(self, home: Path, passphrase_provider: PassphraseProvider | None = None) -> None:
        self.home = Path(home)
        self.directory = self.home / f"keyring-{self.backend}"
        self._passphrase_provider = passphrase_provider

    # ----------------------------------------------------------------- backend hooks

    def _seal(self, name: str, seed: bytes) -> dict[str, Any]:
        """Return the record fields that protect ``seed`` (written next to the public data)."""
        raise NotImplementedError

    def _unseal(self, name: str, record: dict[str, Any]) -> bytes:
        """Return the 32-byte seed from a record written with :meth:`_seal`."""
        raise NotImplementedError

    # ----------------------------------------------------------------- public API

    def add(
        self,
        name: str,
        mnemonic: str | None = None,
        bip39_passphrase: str = "",
        account: int = 0,
        index: int = 0,
        overwrite: bool = False,
    ) -> tuple[KeyInfo, str]:
        """Derive and store key ``name``; return its info and the mnemonic used.

        With ``mnemonic=None`` a new 24-word mnemonic is generated; the caller
        must show it to the user, since it is not stored anywhere.
        """
        validate_key_name(name)
        self._refuse_existing(name, overwrite)
        words = generate_mnemonic() if mnemonic is None else normalize_mnemonic(mnemonic)
        key = derive_signing_key(words, bip39_passphrase, account, index)
        info = self._store(name, key, overwrite, hd_path(account, index))
        return info, words

    def list(self) -> list[KeyInfo]:
        """Return every stored key, sorted by name."""
        if not self.directory.is_dir():
            return []
        names = [path.stem for path in self.directory.glob("*.json") if _is_key_name(path.stem)]
        infos = [self._info(self._read(name)) for name in names]
        return sorted(infos, key=lambda info: info.name)

    def show(self, name: str) -> KeyInfo:
        """Return the public info of key ``name``."""
        return self._info(self._read(name))

    def exists(self, name: str) -> bool:
        """Return whether key ``name`` is stored."""
        return self._path(name).is_file()

    def signing_key(self, name: str) -> nacl.signing.SigningKey:
        """Return the private key ``name`` (asks for the passphrase in the file backend)."""
        record = self._read(name)
        seed = self._unseal(name, record)
        return _signing_key_matching(seed, self._info(record).pubkey, f"key '{name}'")

    def delete(self, name: str) -> None:
        """Remove key ``name`` for good."""
        try:
            self._path(name).unlink()
        except FileNotFoundError:
            raise KeyringError(f"key '{name}' not found") from None
        self._forget(name)

    def rename(self, old: str, new: str) -> KeyInfo:
        """Give key ``old`` the name ``new`` (refused if ``new`` exists); the key itself does not change."""
        validate_key_name(new)
        record = self._read(old)
        self._refuse_existing(new, False)
        renamed = {**record, "name": new, **self._move_secret(old, new, record)}
        data = (json.dumps(renamed, indent=2, sort_keys=True) + "\n").encode("utf-8")
        _write_atomic(self._path(new), data, False, new)
        self._path(old).unlink()
        self._forget(old)
        return self._info(renamed)

    def _move_secret(self, old: str, new: str, record: dict[str, Any]) -> dict[str, Any]:
        """Record fields that change when the secret moves from ``old`` to ``new`` (none: it is in the record)."""
        return {}

    def _forget(self, name: str) -> None:
        """Drop whatever the backend keeps about ``name`` outside the record (nothing for file and test)."""

    def export(self, name: str, export_passphrase: str) -> str:
        """Return key ``name`` as an armored block encrypted under ``export_passphrase``."""
        _check_new_passphrase(export_passphrase, "export passphrase")
        key = self.signing_key(name)
        payload = {
            "version": _EXPORT_VERSION,
            "type": "ed25519",
            "pubkey": bytes(key.verify_key).hex(),
            **_seal_seed(bytes(key), export_passphrase),
        }
        encoded = _b64(json.dumps(payload, sort_keys=True).encode("utf-8"))
        lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
        return "\n".join([ARMOR_BEGIN, *lines, ARMOR_END]) + "\n"

    def import_key(self, name: str, armored: str, export_passphrase: str, overwrite: bool = False) -> KeyInfo:
        """Store the key in ``armored`` (from :meth:`export`) under ``name``."""
        validate_key_name(name)
        self._refuse_existing(name, overwrite)
        payload = _parse_armor(armored)
        if payload.get("version") != _EXPORT_VERSION or payload.get("type") != "ed25519":
            raise KeyringError("unsupported exported key version or type")
        pubkey = _pubkey_from_hex(payload.get("pubkey"), "exported key")
        seed = _open_seed(payload, export_passphrase, "wrong passphrase for exported key")
        key = _signing_key_matching(seed, pubkey, "exported key")
        return self._store(name, key, overwrite, None)

    # ----------------------------------------------------------------- storage

    def _path(self, name: str) -> Path:
        return self.directory / f"{validate_key_name(name)}.json"

    def _refuse_existing(self, name: str, overwrite: bool) -> None:
        if not overwrite and self.exists(name):
            raise KeyringError(f"key '{name}' already exists")

    def _passphrase(self, prompt: str) -> str:
        if self._passphrase_provider is None:
            raise KeyringError(f"the {self.backend} keyring backend needs a passphrase, but none can be asked for")
        return self._passphrase_provider(prompt)

    def _store(
        self, name: str, key: nacl.signing.SigningKey, overwrite: bool, path_text: str | None
    ) -> KeyInfo:
        pubkey = bytes(key.verify_key)
        record: dict[str, Any] = {
            "version": _RECORD_VERSION,
            "name": name,
            "backend": self.backend,
            "pubkey": pubkey.hex(),
            "address": address_from_pubkey(pubkey),
            "created": _now_iso(),
            "hd_path": path_text,
        }
        record.update(self._seal(name, bytes(key)))
        data = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8")
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_atomic(self._path(name), data, overwrite, name)
        return self._info(record)

    def _read(self, name: str) -> dict[str, Any]:
        path = self._path(name)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeyringError(f"key '{name}' not found") from None
        except OSError as exc:
            raise KeyringError(f"cannot read key '{name}': {exc.strerror}") from exc
        try:
            record = json.loads(raw)
        except ValueError as exc:
            raise KeyringError(f"key file {path} is not valid JSON") from exc
        if not isinstance(record, dict) or record.get("version") != _RECORD_VERSION:
            raise KeyringError(f"key file {path} has an unsupported format")
        if record.get("name") != name or record.get("backend") != self.backend:
            raise KeyringError(f"key file {path} does not belong to key '{name}' in the {self.backend} backend")
        return record

    def _info(self, record: dict[str, Any]) -> KeyInfo:
        name = record["name"]
        pubkey = _pubkey_from_hex(record.get("pubkey"), f"key '{name}'")
        address = address_from_pubkey(pubkey)
        if record.get("address") != address:
            raise KeyringError(f"key '{name}': stored address does not match its public key")
        created = record.get("created")
        if not isinstance(created, str):
            raise KeyringError(f"key '{name}': creation time is missing")
        return KeyInfo(name=name, address=address, pubkey=pubkey, backend=self.backend, created=created)


class TestKeyring(Keyring):
    """UNENCRYPTED keyring for localnets and tests: the seed is stored in clear."""

    __test__ = False  # not a pytest test class despite the name
    backend = "test"
    encrypted = False

    def _seal(self, name: str, seed: bytes) -> dict[str, Any]:
        return {"seed": seed.hex()}

    def _unseal(self, name: str, record: dict[str, Any]) -> bytes:
        text = record.get("seed")
        try:
            seed = bytes.fromhex(text) if isinstance(text, str) else b""
        except ValueError:
            seed = b""
        if len(seed) != _SEED_LENGTH:
            raise KeyringError(f"key '{name}': stored seed is missing or malformed")
        return seed


class FileKeyring(Keyring):
    """Keyring whose seeds are encrypted with a per-key Argon2id passphrase."""

    backend = "file"
    encrypted = True

    def _seal(self, name: str, seed: bytes) -> dict[str, Any]:
        passphrase = self._passphrase(f"Enter a passphrase to encrypt key '{name}': ")
        _check_new_passphrase(passphrase, "keyring passphrase")
        return {"crypto": _seal_seed(seed, passphrase)}

    def _unseal(self, name: str, record: dict[str, Any]) -> bytes:
        passphrase = self._passphrase(f"Enter passphrase for key '{name}': ")
        return _open_seed(record.get("crypto"), passphrase, f"wrong passphrase for key '{name}'")


class OsKeyring(Keyring):
    """Keyring whose seeds live in the system keychain (macOS Keychain, Secret Service, Windows Credential
    Locker) through the ``keyring`` package; the record file holds only the public data.

    Entries are stored under the service ``amino:<home>``, so two wallet homes do not share names.
    """

    backend = "os"
    encrypted = True

    def _service(self) -> str:
        return f"amino:{self.home.resolve()}"

    def _system(self):
        import keyring  # only this backend needs it
        from keyring.backends import fail

        system = keyring.get_keyring()
        if isinstance(system, fail.Keyring):
            raise KeyringError("the os keyring backend found no system keychain on this machine (no Secret Service, "
                               "Keychain or Credential Locker): use --keyring-backend file")
        return system

    def _seal(self, name: str, seed: bytes) -> dict[str, Any]:
        self._set(name, seed.hex())
        return {}

    def _set(self, name: str, secret: str) -> None:
        from keyring.errors import KeyringError as SystemKeyringError

        try:
            self._system().set_password(self._service(), name, secret)
        except SystemKeyringError as exc:
            raise KeyringError(f"the system keychain refused to store key '{name}': {exc}") from None

    def _unseal(self, name: str, record: dict[str, Any]) -> bytes:
        from keyring.errors import KeyringError as SystemKeyringError

        try:
            text = self._system().get_password(self._service(), name)
        except SystemKeyringError as exc:
            raise KeyringError(f"the system keychain refused to give key '{name}': {exc}") from None
        try:
            seed = bytes.fromhex(text) if isinstance(text, str) else b""
        except ValueError:
            seed = b""
        if len(seed) != _SEED_LENGTH:
            raise KeyringError(f"key '{name}' is not in the system keychain (service {self._service()!r})")
        return seed

    def _move_secret(self, old: str, new: str, record: dict[str, Any]) -> dict[str, Any]:
        self._set(new, self._unseal(old, record).hex())
        return {}

    def _forget(self, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        try:
            self._system().delete_password(self._service(), name)
        except PasswordDeleteError:
            pass  # already gone: the record was the last trace


def open_keyring(home: Path, backend: str, passphrase_provider: PassphraseProvider | None = None) -> Keyring:
    """Return the keyring of ``backend`` ("test", "file" or "os") under ``home``."""
    if backend == "test":
        return TestKeyring(home, passphrase_provider)
    if backend == "file":
        return FileKeyring(home, passphrase_provider)
    if backend == "os":
        return OsKeyring(home, passphrase_provider)
    raise KeyringError(f"unknown keyring backend {backend!r} (expected one of: {', '.join(BACKENDS)})")


# --------------------------------------------------------------------------- helpers


def _pubkey_from_hex(text: object, what: str) -> bytes:
    try:
        pubkey = bytes.fromhex(text) if isinstance(text, str) else b""
    except ValueError:
        pubkey = b""
    if len(pubkey) != PUBKEY_LENGTH:
        raise KeyringError(f"{what}: public key is missing or malformed")
    return pubkey


def _parse_armor(armored: str) -> dict[str, Any]:
    """Return the JSON payload inside an ``AMINO PRIVATE KEY`` armor block."""
    if not isinstance(armored, str):
        raise KeyringError("exported key must be text")
    lines = [line.strip() for line in armored.strip().splitlines()]
    try:
        start, end = lines.index(ARMOR_BEGIN), lines.index(ARMOR_END)
    except ValueError:
        raise KeyringError(f"exported key must be enclosed in {ARMOR_BEGIN} / {ARMOR_END}") from None
    if end <= start + 1:
        raise KeyringError("exported key block is empty")
    body = _unb64("".join(lines[start + 1 : end]), "exported key")
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise KeyringError("exported key does not contain valid JSON") from exc
    if not isinstance(payload, dict):
        raise KeyringError("exported key does not contain a JSON object")
    return payload


def _write_atomic(path: Path, data: bytes, overwrite: bool, name: str) -> None:
    """Write ``data`` to ``path`` (mode 0600) so readers see the old or new file, never half."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")  # created 0600
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # atomic create-if-absent: never clobbers a racing writer
            except FileExistsError:
                raise KeyringError(f"key '{name}' already exists") from None
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

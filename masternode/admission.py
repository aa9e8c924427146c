"""Admitting workers into this master's pool: the operator's policy and the signed admission.

A worker joins a pool only with an admission: the master's operator key
signs ``admission_sign_bytes(chain_id, master, worker)``
(chain_modules.compute.admission). The operator decides whom it admits:

- ``open``: every worker that asks (the localnet's default);
- a file of allowed worker addresses, one bech32 address per line, ``#``
  starting a comment. The file is read again when it changes (its size,
  modification time or inode) and on SIGHUP. A file that stops parsing
  keeps the last good list in force and logs why, once per change.

An admission cannot be taken back once given: removing an address from the
file stops new admissions, not a registration the chain already accepted.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import nacl.signing

from chain_modules.common.address import AddressError, address_from_pubkey, decode_address
from chain_modules.compute.api import admission_sign_bytes

log = logging.getLogger("amino.master")

OPEN = "open"


class AdmissionPolicyError(ValueError):
    """The --admit option or its file is unusable; the message names the line."""


def parse_allow_list(text: str, source: str) -> frozenset[str]:
    """The addresses of an allow-list file. Raises AdmissionPolicyError naming the first bad line."""
    addresses = set()
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            decode_address(entry)
        except AddressError as exc:
            raise AdmissionPolicyError(f"{source} line {number}: {exc}") from None
        addresses.add(entry)
    return frozenset(addresses)


class AdmissionPolicy:
    """``open``, or the allow-list in a file kept current as the file changes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._allowed: frozenset[str] = frozenset()
        self._stamp: tuple[int, int, int] | None = None
        self._reload_requested = False
        if path is not None:
            self._allowed, self._stamp = self._read()

    @classmethod
    def from_option(cls, option: str) -> AdmissionPolicy:
        """``open`` or a path. Raises AdmissionPolicyError when the file cannot be read or parsed."""
        if option == OPEN:
            return cls(None)
        return cls(Path(option))

    @property
    def is_open(self) -> bool:
        return self.path is None

    def describe(self) -> str:
        return OPEN if self.path is None else f"allow-list {self.path} ({len(self._allowed)} addresses)"

    def request_reload(self) -> None:
        """Read the file again at the next check (safe to call from a signal handler)."""
        self._reload_requested = True

    def _read(self) -> tuple[frozenset[str], tuple[int, int, int]]:
        assert self.path is not None
        try:
            stat = self.path.stat()
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AdmissionPolicyError(f"cannot read the admission allow-list {self.path}: {exc}") from None
        return parse_allow_list(text, str(self.path)), (stat.st_size, stat.st_mtime_ns, stat.st_ino)

    def _refresh(self) -> None:
        assert self.path is not None
        try:
            stat = self.path.stat()
            stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        except OSError:
            stamp = None
        forced = self._reload_requested
        if stamp == self._stamp and not forced:
            return
        self._reload_requested = False
        try:
            allowed, stamp = self._read()
        except AdmissionPolicyError as exc:
            if stamp != self._stamp or forced:  # once per change, not once per request
                log.error("%s; keeping the previous list of %d addresses", exc, len(self._allowed))
            self._stamp = stamp
            return
        if allowed != self._allowed or forced:
            log.info("admission allow-list %s reloaded: %d addresses", self.path, len(allowed))
        self._allowed, self._stamp = allowed, stamp

    def admits(self, worker: str) -> bool:
        if self.path is None:
            return True
        with self._lock:
            self._refresh()
            return worker in self._allowed


def reload_on_sighup(policy: AdmissionPolicy) -> None:
    """Make SIGHUP re-read the allow-list (call from the main thread)."""
    signal.signal(signal.SIGHUP, lambda _signum, _frame: policy.request_reload())


class Admitter:
    """Signs admissions with the operator key, for the workers the policy admits."""

    def __init__(self, operator_key: nacl.signing.SigningKey, chain_id: str, policy: AdmissionPolicy) -> None:
        self.operator_key = operator_key
        self.operator = address_from_pubkey(bytes(operator_key.verify_key))
        self.chain_id = chain_id
        self.policy = policy
        admission_sign_bytes(chain_id, decode_address(self.operator), decode_address(self.operator))  # fail early

    def admits(self, worker: str) -> bool:
        return self.policy.admits(worker)

    def admit(self, worker: str) -> dict:
        """The admission of ``worker`` into this pool: {"pubkey", "signature"} in hex (no policy check here)."""
        message = admission_sign_bytes(self.chain_id, decode_address(self.operator), decode_address(worker))
        return {
            "pubkey": bytes(self.operator_key.verify_key).hex(),
            "signature": self.operator_key.sign(message).signature.hex(),
        }

"""Who may move which blob of a task, and the bookkeeping that bounds signed requests and uploads.

The rules, read off the task's chain view (``/compute/task/<id>``):

- **uploads** (the task must be open: allocated, committing, revealing or
  delivered): its customer uploads the module (``app_hash``) and the input
  (``input_hash``); one of its assigned workers uploads the result it
  revealed, or the task's accepted ``result_hash``;
- **downloads**: the customer reads the module, the input and the accepted
  result; an assigned worker reads the module and the input.

Anyone else is refused, whatever they know of the digests (they are public
on chain). Pure functions over a task dict, so the master's API and the
test doubles share them.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from chain_modules.compute.types import ALLOCATED, COMMITTING, DELIVERED, REVEALING

OPEN_WORK = (ALLOCATED, COMMITTING, REVEALING, DELIVERED)
MODULE, INPUT, RESULT = "module", "input", "result"


class Refused(Exception):
    """A signed request the task's rules do not allow; ``error`` is the API's error code (HTTP 403)."""

    error = "forbidden"


class NotAParty(Refused):
    """The signer is neither the task's customer nor one of its assigned workers."""

    error = "forbidden"


class NotExpected(Refused):
    """The signer is a party of the task, but this digest is not one it may move now."""

    error = "not_expected"


def _participant(task: dict, address: str) -> dict | None:
    return next((p for p in task["participants"] if p["worker"] == address), None)


def _is_party(task: dict, address: str) -> bool:
    return address == task["customer"] or _participant(task, address) is not None


def upload_kind(task: dict, signer: str, digest: str) -> str:
    """What ``signer`` uploads by sending ``digest`` for ``task``: MODULE, INPUT or RESULT.

    Raises: NotAParty, NotExpected
    """
    if not _is_party(task, signer):
        raise NotAParty(f"{signer} is neither the customer nor an assigned worker of task {task['id']}")
    if task["state"] not in OPEN_WORK:
        raise NotExpected(f"task {task['id']} is {task['state']}: it takes no uploads")
    if signer == task["customer"]:
        if digest == task["app_hash"]:
            return MODULE
        if digest == task["input_hash"]:
            return INPUT
    mine = _participant(task, signer)
    if mine is not None and digest and digest in (mine["result_hash"], task["result_hash"]):
        return RESULT
    if mine is None:
        raise NotExpected(f"blob {digest} is neither the module nor the input of task {task['id']}")
    raise NotExpected(f"blob {digest} is not a result {signer} revealed for task {task['id']}, "
                      "nor the task's accepted result (reveal first, then upload)")


def download_kind(task: dict, reader: str, digest: str) -> str:
    """What ``reader`` receives by asking for ``digest`` of ``task``: MODULE, INPUT or RESULT.

    Raises: NotAParty, NotExpected
    """
    if not _is_party(task, reader):
        raise NotAParty(f"{reader} is neither the customer nor an assigned worker of task {task['id']}")
    if digest == task["app_hash"]:
        return MODULE
    if digest == task["input_hash"]:
        return INPUT
    if reader == task["customer"] and digest and digest == task["result_hash"]:
        return RESULT
    if reader == task["customer"]:
        raise NotExpected(f"blob {digest} is not the module, the input or the accepted result of task {task['id']}")
    raise NotExpected(f"an assigned worker reads only the module and the input of task {task['id']}")


class ReplayGuard:
    """Signatures seen within the freshness window; a second use of one is a replay.

    Entries expire ``ttl_seconds`` after they are recorded (twice the window
    covers a timestamp at either edge). Only requests that passed every other
    check are recorded, so strangers cannot fill it.
    """

    def __init__(self, ttl_seconds: float, clock=time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._seen: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def first_use(self, signature: bytes) -> bool:
        """Record the signature; False if it was already recorded and has not expired."""
        now = self._clock()
        with self._lock:
            expiry = self._seen.get(signature)
            if expiry is not None and expiry > now:
                return False
            self._seen[signature] = now + self.ttl_seconds
            if len(self._seen) > 1024 and len(self._seen) % 256 == 0:
                self._seen = {s: e for s, e in self._seen.items() if e > now}
            return True


class UploadGate:
    """Uploads in flight: at most one per digest, at most ``per_client`` per signing address."""

    def __init__(self, per_client: int) -> None:
        if isinstance(per_client, bool) or not isinstance(per_client, int) or per_client < 1:
            raise ValueError(f"per_client must be a positive integer, got {per_client!r}")
        self.per_client = per_client
        self._digests: set[str] = set()
        self._clients: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        return len(self._digests)

    def enter(self, digest: str, client: str) -> str | None:
        """Claim a slot; None on success, else the reason: "busy" (the digest) or "too_many" (the client)."""
        with self._lock:
            if digest in self._digests:
                return "busy"
            if self._clients[client] >= self.per_client:
                return "too_many"
            self._digests.add(digest)
            self._clients[client] += 1
            return None

    def leave(self, digest: str, client: str) -> None:
        with self._lock:
            self._digests.discard(digest)
            self._clients[client] -= 1
            if self._clients[client] <= 0:
                del self._clients[client]

"""apppool types: params, the application record and the messages."""

from __future__ import annotations

from dataclasses import dataclass

from chain_modules.common.address import AddressError, decode_address
from chain_modules.common.messages import ErrInvalidMessage, Msg, address_field, bool_field, class_field, hash_field, uint_field

MAX_NAME = 64
MAX_DESCRIPTION = 280
MAX_AUTHORITIES = 16
GAS_REGISTER_APP = 20_000
GAS_SET_VERIFIED = 10_000


@dataclass(frozen=True, slots=True)
class AppPoolParams:
    """``authorities`` may set the verified flag: a development option for a local chain, empty by default.
    On a real network applications are verified, unverified and blocked by governance proposals
    (docs/modules/gov.md)."""

    authorities: tuple[bytes, ...] = ()
    max_module_bytes: int = 16 * 1024 * 1024

    def to_dict(self) -> dict:
        from chain_modules.common.address import encode_address

        return {"authorities": [encode_address(a) for a in self.authorities], "max_module_bytes": self.max_module_bytes}

    @classmethod
    def from_dict(cls, data: object) -> "AppPoolParams":
        if not isinstance(data, dict) or set(data) != {"authorities", "max_module_bytes"}:
            raise ValueError("apppool params must have exactly 'authorities' and 'max_module_bytes'")
        authorities = data["authorities"]
        if not isinstance(authorities, list) or len(authorities) > MAX_AUTHORITIES:
            raise ValueError(f"apppool param 'authorities' must be a list of at most {MAX_AUTHORITIES} addresses")
        try:
            parsed = tuple(decode_address(a) for a in authorities)
        except (AddressError, TypeError, AttributeError) as exc:
            raise ValueError(f"apppool param 'authorities': {exc}") from None
        size = data["max_module_bytes"]
        if type(size) is not int or not 1 <= size <= 2**32:
            raise ValueError("apppool param 'max_module_bytes' must be a positive integer up to 2^32")
        return cls(parsed, size)


@dataclass(frozen=True, slots=True)
class App:
    module_hash: bytes
    publisher: bytes
    name: str
    description: str
    module_size: int
    classes: tuple[str, ...]  # the resource classes it may run on (empty: any)
    verified: bool = False
    registered_at: int = 0
    blocked: bool = False  # blocked by a governance proposal: no new task may run it

    def to_list(self) -> list:
        data = [self.publisher, self.name, self.description, self.module_size, list(self.classes), self.verified,
                self.registered_at]
        return data + [True] if self.blocked else data  # records of unblocked apps keep their old encoding

    @classmethod
    def from_list(cls, module_hash: bytes, data: list) -> "App":
        publisher, name, description, size, classes, verified, registered_at, *blocked = data
        return cls(module_hash, publisher, name, description, size, tuple(classes), verified, registered_at,
                   bool(blocked and blocked[0]))


def _text(body: dict, name: str, maximum: int, minimum: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not minimum <= len(value) <= maximum or not value.isprintable():
        from chain_modules.apppool.errors import ErrInvalidName

        raise ErrInvalidName(f"field {name!r} must be {minimum}-{maximum} printable characters")
    return value


def _classes(body: dict, name: str) -> tuple[str, ...]:
    classes = body[name]
    if not isinstance(classes, list) or len(classes) > 8:
        raise ErrInvalidMessage("field 'classes' must be a list of at most 8 class names")
    parsed = tuple(class_field({"class": c}, "class") for c in classes)
    if len(set(parsed)) != len(parsed):
        raise ErrInvalidMessage("field 'classes' names a class twice")
    return parsed


def _module_bytes(body: dict, name: str) -> bytes:
    value = body.get(name)
    if type(value) is not bytes or not value:
        raise ErrInvalidMessage(f"field {name!r}, when given, must be the module's bytes (not empty)")
    return value


@dataclass(frozen=True, slots=True)
class MsgRegisterApp(Msg):
    """Publish a job application: the sha256 of its WASM module, a name and the classes it runs on.

    ``module`` is optional: the module's bytes, when they fit in a tx. The handler then checks that they hash to
    ``module_hash``, have ``module_size`` bytes and are structurally valid WebAssembly without imports
    (chain_modules/apppool/wasm.py). A body without the key is a registration by hash only, as before (a module
    too large for one tx); its encoding is unchanged.
    """

    TYPE = "apppool/register_app"
    FIELDS = {"classes": _classes, "publisher": address_field, "module_hash": hash_field, "module_size": uint_field,
              "name": lambda body, name: _text(body, name, MAX_NAME, 1),
              "description": lambda body, name: _text(body, name, MAX_DESCRIPTION, 0), "module": _module_bytes}
    OPTIONAL = frozenset({"module"})
    SIGNER = "publisher"
    GAS = GAS_REGISTER_APP
    publisher: bytes
    module_hash: bytes
    module_size: int
    name: str
    description: str
    classes: tuple[str, ...]
    module: bytes = b""


@dataclass(frozen=True, slots=True)
class MsgSetAppVerified(Msg):
    """An apppool authority marks an application verified (or takes the mark back)."""

    TYPE = "apppool/set_verified"
    FIELDS = {"authority": address_field, "module_hash": hash_field, "verified": bool_field}
    SIGNER = "authority"
    GAS = GAS_SET_VERIFIED
    authority: bytes
    module_hash: bytes
    verified: bool

"""The one message vocabulary: a declarative base every module's messages use, and the field parsers.

A message is a frozen dataclass whose body (the map inside a tx) has exactly the keys of its ``FIELDS``::

    @dataclass(frozen=True, slots=True)
    class MsgSend(Msg):
        TYPE = "bank/send"
        FIELDS = {"sender": ("from", address_field), "recipient": ("to", address_field), "amount": amount_field}
        SIGNER = "sender"
        GAS = GAS_SEND
        sender: bytes
        recipient: bytes
        amount: int

``FIELDS`` maps each attribute to its parser, or to (body key, parser) when the body names it differently.
Fields are parsed in that order, so the first malformed one decides the error. A parser is
``parse(body, key) -> value`` and raises a ChainError naming the key. ``to_body`` writes the attributes back
under their body keys; a tuple becomes a list and a nested record (such as a multi-send output) writes its own
``to_body``. ``gas()`` is ``GAS`` unless the message depends on its size.

The three format errors every module's parsers raise live here, with the codespaces and codes they always had
(codes are consensus: never renumber); auth and bank re-export them in their errors.py.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any, Callable, ClassVar

from chain_modules.common.address import ADDRESS_LENGTH
from chain_modules.common.amount import is_positive_amount
from chain_modules.common.errors import ChainError

MAX_U64 = 2**64 - 1
CLASS_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,15}$")  # a compute resource class name


class ErrInvalidMessage(ChainError):
    codespace = "tx"
    code = 11
    description = "message is malformed"


class ErrInvalidAmount(ChainError):
    codespace = "bank"
    code = 3
    description = "amount must be a positive integer of uamio"


class ErrInvalidAddress(ChainError):
    codespace = "bank"
    code = 4
    description = "invalid address"


Parser = Callable[[dict, str], Any]


# -- field parsers ---------------------------------------------------------------------------


def exact_fields(body: object, names: set[str]) -> dict:
    if not isinstance(body, dict):
        raise ErrInvalidMessage("message body must be a map")
    if set(body) != names:
        raise ErrInvalidMessage(f"message fields must be exactly {sorted(names)}, got {sorted(map(str, body))}")
    return body


def address_field(body: dict, name: str) -> bytes:
    value = body.get(name)
    if type(value) is not bytes or len(value) != ADDRESS_LENGTH:
        raise ErrInvalidAddress(f"field {name!r} must be a {ADDRESS_LENGTH}-byte address")
    return value


def amount_field(body: dict, name: str) -> int:
    value = body.get(name)
    if not is_positive_amount(value):
        raise ErrInvalidAmount(f"field {name!r} must be a positive integer of uamio below 2^63, got {value!r}")
    return value  # type: ignore[return-value]


def uint_field(body: dict, name: str, maximum: int = MAX_U64) -> int:
    value = body.get(name)
    if type(value) is not int or not 0 <= value <= maximum:
        raise ErrInvalidMessage(f"field {name!r} must be an integer in [0, {maximum}]")
    return value


def bounded(maximum: int) -> Parser:
    """An integer in [0, maximum]."""
    return lambda body, name: uint_field(body, name, maximum)


def int_range(low: int, high: int) -> Parser:
    """An integer in [low, high]."""
    def parse(body: dict, name: str) -> int:
        value = body.get(name)
        if type(value) is not int or not low <= value <= high:
            raise ErrInvalidMessage(f"field {name!r} must be an integer in [{low}, {high}]")
        return value

    return parse


def bool_field(body: dict, name: str) -> bool:
    value = body.get(name)
    if type(value) is not bool:
        raise ErrInvalidMessage(f"field {name!r} must be true or false")
    return value


def hash_field(body: dict, name: str) -> bytes:
    value = body.get(name)
    if not isinstance(value, bytes) or len(value) != 32:
        raise ErrInvalidMessage(f"field {name!r} must be a 32-byte hash")
    return value


def class_field(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not CLASS_NAME.fullmatch(value):
        raise ErrInvalidMessage(f"field {name!r} must be a resource class name matching {CLASS_NAME.pattern}")
    return value


def sized_bytes(size: int, what: str) -> Parser:
    def parse(body: dict, name: str) -> bytes:
        value = body.get(name)
        if type(value) is not bytes or len(value) != size:
            raise ErrInvalidMessage(f"field {name!r} must be {what} ({size} bytes)")
        return value

    return parse


# -- the base ----------------------------------------------------------------------------------


class Msg:
    """from_body, to_body, signer and gas of a message, from its FIELDS, SIGNER and GAS."""

    __slots__ = ()
    TYPE: ClassVar[str] = ""
    FIELDS: ClassVar[dict[str, Parser | tuple[str, Parser]]] = {}
    SIGNER: ClassVar[str] = ""
    GAS: ClassVar[int] = 0
    # attributes whose body key may be absent (the attribute keeps its default) and is left out of to_body when
    # the value is the default: a field added to a message without changing the encoding of the old bodies
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # attribute -> (body key, parser), resolved once per class
        cls._SPEC = tuple((attribute, *(spec if isinstance(spec, tuple) else (attribute, spec)))
                          for attribute, spec in cls.FIELDS.items())
        cls._KEYS = frozenset(key for _attribute, key, _parse in cls._SPEC)

    @classmethod
    def from_body(cls, body: object):
        if not cls.OPTIONAL:
            body = exact_fields(body, cls._KEYS)
        else:
            present = cls._KEYS - {key for attribute, key, _ in cls._SPEC if attribute in cls.OPTIONAL and
                                   isinstance(body, dict) and key not in body}
            body = exact_fields(body, present)
        return cls(**{attribute: parse(body, key) for attribute, key, parse in cls._SPEC if key in body})

    def to_body(self) -> dict:
        return {key: _dump(getattr(self, attribute)) for attribute, key, _parse in self._SPEC
                if attribute not in self.OPTIONAL or getattr(self, attribute) != self._defaults()[attribute]}

    @classmethod
    def _defaults(cls) -> dict:
        return {f.name: f.default for f in fields(cls) if f.name in cls.OPTIONAL}

    @property
    def signer(self) -> bytes:
        return getattr(self, self.SIGNER)

    def gas(self) -> int:
        return self.GAS


def _dump(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_dump(item) for item in value]
    to_body = getattr(value, "to_body", None)
    return to_body() if to_body is not None else value


def field_names(message: type) -> list[str]:
    """The dataclass attributes of a message, for checks that FIELDS names every one of them."""
    return [f.name for f in fields(message)]

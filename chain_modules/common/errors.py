"""ChainError: the only exception a handler may raise.

Each module registers its errors with a codespace and a code >= 2. Codes are
part of consensus (they land in tx results and the app hash of later blocks
through the results) and are never renumbered. Code 1 is reserved for
internal errors (bugs), which the router reports without leaking details.
"""

from __future__ import annotations

from typing import ClassVar

INTERNAL_ERROR_CODE = 1

_REGISTRY: dict[tuple[str, int], type["ChainError"]] = {}


class ChainError(Exception):
    codespace: ClassVar[str] = "undefined"
    code: ClassVar[int] = INTERNAL_ERROR_CODE
    description: ClassVar[str] = "internal error"

    def __init__(self, log: str | None = None) -> None:
        self.log = log or self.description
        super().__init__(self.log)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            return  # an abstract intermediate class
        key = (cls.codespace, cls.code)
        if cls.code < 2:
            raise ValueError(f"{cls.__name__}: codes below 2 are reserved")
        if key in _REGISTRY and _REGISTRY[key].__qualname__ != cls.__qualname__:
            raise ValueError(f"{cls.__name__}: {key} already registered by {_REGISTRY[key].__name__}")
        _REGISTRY[key] = cls


def registered_errors() -> list[type[ChainError]]:
    """All registered errors sorted by (codespace, code), for docs and tests."""
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]

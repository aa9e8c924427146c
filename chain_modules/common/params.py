"""Integer params of a module: one place for the checks every params dataclass needs."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import ClassVar


class IntParams:
    """Mixin for a frozen dataclass whose fields are all integers.

    from_dict rejects unknown names and values that are not plain integers
    within [MINIMUM, MAXIMUM] (bools and floats included), then calls
    ``check`` for rules between fields. Error messages name the param.
    """

    MODULE: ClassVar[str] = "module"
    MINIMUM: ClassVar[int] = 0
    MAXIMUM: ClassVar[int] = 2**63 - 1

    def to_dict(self) -> dict:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: object):
        if not isinstance(data, dict):
            raise ValueError(f"{cls.MODULE} params must be a map")
        names = {field.name for field in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(map(str, data)) - names)
        if unknown:
            raise ValueError(f"unknown {cls.MODULE} param {unknown[0]!r}")
        for name, value in data.items():
            if type(value) is not int or not cls.MINIMUM <= value <= cls.MAXIMUM:
                kind = "a positive integer" if cls.MINIMUM == 1 else "a non-negative integer"
                bound = "" if cls.MAXIMUM == 2**63 - 1 else f" up to {cls.MAXIMUM}"
                raise ValueError(f"{cls.MODULE} param {name!r} must be {kind}{bound}")
        params = cls(**data)
        params.check()
        return params

    def check(self) -> None:
        """Rules between fields; raise ValueError naming the param."""

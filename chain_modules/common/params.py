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
        check_int_params(cls.MODULE, data, names, cls.MINIMUM, cls.MAXIMUM)
        params = cls(**data)
        params.check()
        return params

    def check(self) -> None:
        """Rules between fields; raise ValueError naming the param."""


def check_int_params(module: str, data: dict, names: set[str], minimum: int, maximum: int) -> None:
    """Reject names outside ``names`` and values that are not plain integers in [minimum, maximum]."""
    unknown = sorted(set(map(str, data)) - names)
    if unknown:
        raise ValueError(f"unknown {module} param {unknown[0]!r}")
    for name, value in data.items():
        if type(value) is not int or not minimum <= value <= maximum:
            kind = "a positive integer" if minimum == 1 else "a non-negative integer"
            bound = "" if maximum == 2**63 - 1 else f" up to {maximum}"
            raise ValueError(f"{module} param {name!r} must be {kind}{bound}")

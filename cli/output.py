"""Printing results as JSON (-o json, for scripts) or as readable text.

Text output never cuts a value: a record is printed as ``key: value`` lines; a list of records is an aligned
table when it fits the terminal, and ``key: value`` blocks when it does not, or when the output is piped
(80 columns are assumed then, and a script should use -o json anyway). Nested values are indented lines,
never JSON inside a cell. No third-party renderer: --help and simple commands stay fast.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from typing import Any

import click

PIPED_WIDTH = 80
_GAP = "  "


def emit(ctx_output: str, data: Any, title: str | None = None) -> None:
    if ctx_output == "json":
        click.echo(json.dumps(data, indent=2, default=str))
        return
    click.echo(render(data, title, terminal_width()))


def say(ctx_output: str, data: dict, text: str) -> None:
    """A command's outcome: ``data`` with -o json, else the sentence ``text``."""
    if ctx_output == "json":
        emit("json", data)
    else:
        click.echo(text)


def terminal_width() -> int | None:
    """The terminal's width, or None when the output is piped or redirected."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((PIPED_WIDTH, 24)).columns


def render(data: Any, title: str | None = None, width: int | None = PIPED_WIDTH) -> str:
    """``data`` as text lines (see the module doc); ``width`` None means piped."""
    lines = [format_amount(title)] if title else []
    if isinstance(data, dict):
        lines += _record(data, 0)
    elif isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
        lines += _rows(data, width)
    elif isinstance(data, list):
        lines += [_scalar(item) for item in data] or ["(none)"]
    else:
        lines.append(_scalar(data))
    return "\n".join(lines)


# an amount inside any text: digits, an optional fraction, then amio, uamio, fog or ufog as a whole word
# (bech32 has no 'i' or 'o', so an address never contains one)
_AMOUNT = re.compile(r"(?<![\w.])([0-9]+(?:\.[0-9]+)?) ?(u?)(amio|fog)\b", re.ASCII)


# the unit text output shows amounts in: "amio" (10.058 amio) or "uamio" (10,058,000 uamio); FOG follows it
# (fog or ufog). Set once per command from --denom or client.toml's denom (cli/context.py).
DENOMS = ("amio", "uamio")
_display = {"denom": "amio"}


def set_denom(denom: str) -> None:
    if denom not in DENOMS:
        raise click.BadParameter(f"{denom!r} is not a display unit: {' or '.join(DENOMS)}", param_hint="--denom")
    _display["denom"] = denom


def _one_amount(match: re.Match) -> str:
    number, base, denom = match.groups()
    if base:
        if "." in number:
            return match.group(0)  # a fraction of a base unit is not an amount the chain has
        units = int(number)
    else:
        integer, _, fraction_text = number.partition(".")
        if len(fraction_text) > 6:
            return match.group(0)  # finer than the base unit: not an amount the chain has
        units = int(integer) * 1_000_000 + int(fraction_text.ljust(6, "0") or 0)
    if _display["denom"] == "uamio":
        return f"{units:,} u{denom}"
    whole, fraction = divmod(units, 1_000_000)
    fraction_text = f"{fraction:06d}".rstrip("0")
    return f"{whole:,}{'.' + fraction_text if fraction_text else ''} {denom}"


def format_amount(text: str) -> str:
    """Every amount in ``text`` as a person reads it, in one format: '10058000uamio' and '10.058amio' are
    '10.058 amio', '1500uamio' is '0.0015 amio' (likewise fog); with the display unit set to uamio they are
    '10,058,000 uamio' and '1,500 uamio' (and ufog). The rest of the text is left as it is."""
    return _AMOUNT.sub(_one_amount, text)


def _scalar(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return format_amount(value)
    return str(value)


def _record(data: dict, indent: int) -> list[str]:
    pad = " " * indent
    key_width = max((len(str(key)) for key in data), default=0)
    lines = []
    for key, value in data.items():
        label = f"{pad}{str(key) + ':':<{key_width + 1}}"
        if isinstance(value, dict):
            lines.append(label.rstrip() if value else f"{label} -")
            lines += _record(value, indent + 2)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(item, dict) for item in value):
            lines.append(label.rstrip())
            for index, item in enumerate(value):
                if index:
                    lines.append("")
                lines += _record(item, indent + 2)
        elif isinstance(value, (list, tuple)):
            lines.append(f"{label} {', '.join(_scalar(item) for item in value) or '-'}")
        else:
            lines.append(f"{label} {_scalar(value)}")
    return lines


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items()) or "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(item) for item in value) or "-"
    return _scalar(value)


def _rows(rows: list[dict], width: int | None) -> list[str]:
    columns = list(rows[0])
    for row in rows[1:]:
        columns += [key for key in row if key not in columns]
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(str(column)), *(len(line[index]) for line in cells)) for index, column in enumerate(columns)]
    nested = any(isinstance(row.get(column), (dict, list, tuple)) for row in rows for column in columns)
    if width is None or nested or sum(widths) + len(_GAP) * (len(columns) - 1) > width:
        lines = []
        for index, row in enumerate(rows):
            if index:
                lines.append("")
            lines += _record(row, 0)
        return lines
    header = _GAP.join(f"{str(column):<{widths[index]}}" for index, column in enumerate(columns)).rstrip()
    body = [_GAP.join(f"{line[index]:<{widths[index]}}" for index in range(len(columns))).rstrip() for line in cells]
    return [header, *body]

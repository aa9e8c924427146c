"""Fail points for the fault campaign: crash the app at a named point of the block lifecycle, as CometBFT's
``libs/fail`` does for its own crash tests.

Set ``AMINO_FAIL_POINT=<point>:<height>`` in the app's environment and the process exits at once (``os._exit``,
no cleanup, as a power cut or SIGKILL would leave it) the first time it reaches ``<point>`` at a height of at
least ``<height>``. Points: ``before-commit`` (the block is finalized, nothing of it is persisted) and
``after-commit`` (the block is persisted, CometBFT has not heard back). Unset, a fail point costs one comparison.
Never set it on a node of value: tests/reliability/chaos.py sets it on a localnet node it restarts.
"""

from __future__ import annotations

import logging
import os

ENV = "AMINO_FAIL_POINT"
POINTS = ("before-commit", "after-commit")
EXIT_CODE = 86

log = logging.getLogger(__name__)


def _parse(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    point, _sep, height = text.partition(":")
    if point not in POINTS or not height.isascii() or not height.isdigit():
        raise SystemExit(f"{ENV}={text!r}: expected one of {', '.join(POINTS)} then :HEIGHT, e.g. before-commit:120")
    return point, int(height)


_ARMED = _parse(os.environ.get(ENV))


def fail_point(point: str, height: int) -> None:
    """Exit the process here if the armed fail point is ``point`` and ``height`` reached its height."""
    if _ARMED is not None and _ARMED[0] == point and height >= _ARMED[1]:
        log.critical("fail point %s reached at height %d: exiting with code %d", point, height, EXIT_CODE)
        logging.shutdown()
        os._exit(EXIT_CODE)

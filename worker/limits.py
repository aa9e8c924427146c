"""When the worker may take work (BOINC-like limits), as pure functions of what the worker measures.

- ``run_windows``: local times of day when the worker takes jobs, e.g. "08:00-18:00,22:00-06:00" (a window may
  wrap past midnight; "" means always);
- ``idle_only``: take jobs only while the machine's other load is below ``idle_load_percent`` of its cores (the
  1-minute load average, less one per job this worker is running);
- ``max_cache_mb``: the disk the worker's results awaiting upload may use (0: no cap).

Outside these limits the worker pauses itself (Worker.pause: offline on chain, jobs not started handed back, the
rest finished) and resumes when they allow work again, so a limit never makes it miss a deadline.
"""

from __future__ import annotations

import os
from pathlib import Path

Window = tuple[int, int]  # minutes after midnight: [start, end); end < start wraps past midnight


def parse_windows(text: str) -> list[Window]:
    """"HH:MM-HH:MM,..." as windows. Raises ValueError naming the bad part."""
    windows = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            start, end = (_minutes(t) for t in part.split("-"))
        except ValueError:
            raise ValueError(f"run window {part!r} is not HH:MM-HH:MM") from None
        if start == end:
            raise ValueError(f"run window {part!r} is empty")
        windows.append((start, end))
    return windows


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(hours) > 24 or int(minutes) > 59 or value > 24 * 60:
        raise ValueError(text)
    return value


def in_windows(windows: list[Window], minute_of_day: int) -> bool:
    """Whether ``minute_of_day`` falls in one of the windows (no window: always)."""
    if not windows:
        return True
    for start, end in windows:
        if start < end and start <= minute_of_day < end:
            return True
        if start > end and (minute_of_day >= start or minute_of_day < end):
            return True
    return False


def other_load_percent(load_average: float, own_jobs: int, cores: int) -> int:
    """The machine's load that is not this worker's jobs, as a percentage of its cores."""
    return int(max(0.0, load_average - own_jobs) * 100 // max(1, cores))


def pause_reason(windows: list[Window], minute_of_day: int, idle_only: bool, load_percent: int,
                 idle_load_percent: int) -> str | None:
    """Why the worker should not take work now, or None when it may."""
    if not in_windows(windows, minute_of_day):
        return "outside its run windows"
    if idle_only and load_percent >= idle_load_percent:
        return f"the machine is busy (other load {load_percent}% of its cores, idle below {idle_load_percent}%)"
    return None


def cache_bytes(directory: Path) -> int:
    """Bytes used by the files in ``directory`` (the results awaiting upload)."""
    total = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.is_file():
                total += entry.stat().st_size
        except OSError:
            continue
    return total

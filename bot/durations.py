"""Short durations as people write them: ``24h``, ``1h``, ``10m``, ``2d``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.errors import InvalidInput

_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60}
_PART = re.compile(r"(\d+)([wdhm])")
_WHOLE = re.compile(r"(?:\d+[wdhm])+")


def parse_duration(text: str) -> timedelta:
    """``"1h30m"`` -> 90 minutes. Raises InvalidInput for anything else."""
    cleaned = text.strip().lower().replace(" ", "")
    if not _WHOLE.fullmatch(cleaned):
        raise InvalidInput(
            f"{text!r} is not a duration: write a number and a unit, e.g. 24h, 90m, 2d, 1h30m"
        )
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(cleaned))
    if seconds <= 0:
        raise InvalidInput(f"{text!r} must be longer than zero")
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise InvalidInput(f"{text!r} is too long to be a duration") from None


def format_duration(delta: timedelta) -> str:
    """The inverse of parse_duration: 90 minutes -> ``"1h30m"``."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in _UNITS.items():
        if unit == "w":
            continue  # "14d" reads better than "2w" in a reminder name
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0m"

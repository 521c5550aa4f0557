"""Local wall time <-> UTC, strictly: a wall time that does not exist is an error."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import InvalidInput


def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``, or an InvalidInput saying so."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: e.g. a name too long
        raise InvalidInput(
            f"unknown time zone {name!r}: use an IANA name such as 'America/Los_Angeles'"
        ) from exc


def to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall time in ``tz``.

    A wall time skipped by a DST change (e.g. 02:30 on a spring-forward
    night) has no instant and is refused. An ambiguous one (fall back) takes
    the first occurrence, as calendars do.
    """
    if wall.tzinfo is not None:
        raise ValueError("to_utc takes a naive wall time")
    aware = wall.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != wall:
        raise InvalidInput(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks skip it for daylight saving)"
        )
    return aware.astimezone(UTC)


def at(day: date, clock_time: time, tz: ZoneInfo) -> datetime:
    """UTC instant of ``clock_time`` on ``day`` in ``tz``."""
    return to_utc(datetime.combine(day, clock_time), tz)


def shift_days(wall: datetime, days: int) -> datetime:
    """The same wall-clock time ``days`` later (calendar days, not 24h blocks)."""
    return wall + timedelta(days=days)


def discord_timestamp(instant: datetime, style: str = "F") -> str:
    """Discord's ``<t:…>`` markup: every reader sees it in their own time zone."""
    return f"<t:{int(instant.timestamp())}:{style}>"

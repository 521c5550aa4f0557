"""Live sessions: parsing what instructors type, and the words of every session post."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.course_file import https_url, parse_wall_time
from bot.errors import InvalidInput
from bot.localtime import discord_timestamp, to_utc
from bot.render import Post
from bot.timetable import CohortSession


def parse_start(text: str, tz: ZoneInfo) -> datetime:
    """``YYYY-MM-DD HH:MM`` in the cohort's zone, as a UTC instant."""
    try:
        wall = parse_wall_time(text)
    except ValueError:
        raise InvalidInput(
            f"start {text!r} is not a date and time: write YYYY-MM-DD HH:MM, e.g. 2026-10-21 10:00"
        ) from None
    return to_utc(wall, tz)


def join_url(text: str | None) -> str | None:
    return https_url(text.strip()) if text else None


def new_key(title: str, taken: Iterable[str]) -> str:
    """A short stable id for a session added by hand: ``live-3``, ``live-4``, …"""
    del title  # ids stay neutral so renaming a session never changes its id
    used = set(taken)
    numbers = [int(m[1]) for k in used if (m := re.fullmatch(r"live-(\d+)", k))]
    n = max(numbers, default=0) + 1
    while f"live-{n}" in used:
        n += 1
    return f"live-{n}"


def when(session: CohortSession) -> str:
    start, end = session.start, session.end
    return f"{discord_timestamp(start, 'F')} – {discord_timestamp(end, 't')} ({discord_timestamp(start, 'R')})"


def link_line(session: CohortSession) -> str:
    return f"**Join:** {session.url}" if session.url else "The join link will be posted here."


def announcement(session: CohortSession) -> Post:
    body = "\n".join(
        [
            f"**When:** {when(session)}",
            link_line(session),
            "",
            "Press **Remind me** for a DM before it starts, or **Add to calendar** for a calendar file.",
            "Can't make it? The recording will be posted here afterwards (`/recordings`).",
        ]
    )
    return Post(f"Live session: {session.title}", body)


def reminder(session: CohortSession, lead: timedelta) -> Post:
    body = f"**{session.title}** starts {discord_timestamp(session.start, 'R')} ({discord_timestamp(session.start, 't')}).\n{link_line(session)}"
    return Post(f"Reminder: {session.title}", body)


def starting(session: CohortSession) -> Post:
    body = (
        f"**{session.title}** is starting now, until {discord_timestamp(session.end, 't')}.\n"
        f"{link_line(session)}\nPress **Check in** when you join."
    )
    return Post(f"Starting now: {session.title}", body)


def cancellation(session: CohortSession) -> Post:
    return Post(
        f"Cancelled: {session.title}",
        f"The live session **{session.title}** planned for {discord_timestamp(session.start, 'F')} is cancelled.",
    )


def recording_text(
    title: str, url: str, passcode: str | None, note: str | None, *, show_passcode: bool
) -> str:
    lines = [f"🎬 **Recording of {title}:** {url}"]
    if passcode:
        lines.append(
            f"Passcode: `{passcode}`" if show_passcode else "Passcode: use `/recordings` to see it."
        )
    if note:
        lines.append(note)
    return "\n".join(lines)


def listing(sessions: Iterable[CohortSession], now: datetime) -> list[str]:
    lines = []
    for s in sessions:
        if s.cancelled or s.end < now:
            continue
        link = f" — {s.url}" if s.url else ""
        lines.append(f"• **{s.title}** — {when(s)}{link}")
    return lines

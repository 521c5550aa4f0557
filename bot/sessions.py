"""Live sessions: reading what instructors type, and the words of every session post."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cohort import Delivery
from bot.course import ReminderAudience
from bot.course_file import MAX_SESSION, https_url, parse_wall_time
from bot.durations import format_duration, parse_duration
from bot.errors import InvalidInput, NotAllowed
from bot.localtime import discord_timestamp, to_utc
from bot.render import MESSAGE_LIMIT, Post, plural
from bot.timetable import CohortSession, ItemKind

KEY_LIMIT = 32  # the course file's limit for session ids; keeps button custom ids short


@dataclass(frozen=True)
class Recording:
    session_key: str
    url: str
    passcode: str | None
    note: str | None
    added_at: datetime


# -- what instructors type ------------------------------------------------------------


def parse_start(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """``YYYY-MM-DD HH:MM`` in the cohort's zone, as a UTC instant that is still to come."""
    try:
        wall = parse_wall_time(text)
    except ValueError:
        raise InvalidInput(
            f"start {text!r} is not a date and time: write YYYY-MM-DD HH:MM, e.g. 2026-10-21 10:00"
        ) from None
    start = to_utc(wall, tz)  # refuses a time the clocks skip
    if start <= now:
        raise InvalidInput(f"{text} ({tz.key}) has already passed: give a time still to come")
    return start


def session_length(text: str) -> timedelta:
    """A session's duration as typed, held to the course file's limit."""
    duration = parse_duration(text)
    if duration > MAX_SESSION:
        raise InvalidInput(
            f"a session can be at most {format_duration(MAX_SESSION)}, not {text.strip()!r}"
        )
    return duration


def https_link(text: str, what: str) -> str:
    """``text`` if it is an https link; the message names which link was wrong."""
    try:
        return https_url(text.strip())
    except InvalidInput:
        raise InvalidInput(f"the {what} must be an https:// link, not {text!r}") from None


def new_key(title: str, taken: Iterable[str]) -> str:
    """A readable id for a session added by hand: ``office-hour``, then ``office-hour-2``, …"""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    base = slug[: KEY_LIMIT - 4]  # room for a "-NNN" suffix
    if len(slug) > len(base) and "-" in base:
        base = base.rsplit("-", 1)[0]  # cut between words, not inside one
    base = base.strip("-") or "session"
    used = set(taken)
    key, number = base, 2
    while key in used:
        key, number = f"{base}-{number}", number + 1
    return key


def require_check_in_open(session: CohortSession, now: datetime) -> None:
    """Check-in counts as attendance, so it is open only while the session runs."""
    if session.cancelled:
        raise NotAllowed(f"**{session.title}** was cancelled, so there is nothing to check in to.")
    if now < session.start:
        raise NotAllowed(
            f"Check-in opens when the session starts, {discord_timestamp(session.start, 'R')}."
        )
    if now > session.end:
        raise NotAllowed(
            f"Check-in closed when **{session.title}** ended ({discord_timestamp(session.end, 'f')})."
        )


def superseded_reminders(due: Iterable[Delivery]) -> list[Delivery]:
    """Reminders that a nearer reminder of the same session, due as well, replaces.

    After downtime a session's "1d" and "1h" reminders can both be due at
    once; only the nearer one is sent (it says how long is left from now).
    """
    reminders = [d for d in due if d.kind == ItemKind.REMINDER and d.session is not None]
    nearest: dict[tuple[int, str | None], Delivery] = {}
    for d in reminders:
        held = nearest.get((d.cohort_id, d.session))
        if held is None or (d.due, d.key) > (held.due, held.key):
            nearest[(d.cohort_id, d.session)] = d
    return [d for d in reminders if d is not nearest[(d.cohort_id, d.session)]]


# -- who may see what ----------------------------------------------------------------


def reminder_recipients(
    audience: ReminderAudience,
    learners: Iterable[int],
    asked: Sequence[int],
    opted_out: Collection[int],
) -> list[int]:
    """Whose DMs a reminder goes to, by user id.

    ``opted_in`` courses: those who pressed "Remind me" for the session, in the
    order they asked (an explicit press is not undone by ``/reminders off``).
    ``everyone``: every learner, less those who turned reminders off.
    """
    if audience == ReminderAudience.EVERYONE:
        return [user for user in dict.fromkeys(learners) if user not in opted_out]
    return list(dict.fromkeys(asked))


def passcode_visible(everyone_can_view: bool, learners_can_view: bool) -> bool:
    """A recording's passcode is posted only where the cohort can look and the public cannot.

    Anywhere else the post says to use ``/recordings``, which answers privately.
    """
    return learners_can_view and not everyone_can_view


# -- the words of the posts -----------------------------------------------------------


def when(session: CohortSession) -> str:
    """Start and end in every reader's own time zone, and how far away it is."""
    starts = discord_timestamp(session.start, "F")
    ends = discord_timestamp(session.end, "t")
    return f"{starts} – {ends} ({discord_timestamp(session.start, 'R')})"


def link_line(session: CohortSession) -> str:
    return f"**Join:** {session.url}" if session.url else "The join link will be posted here."


def time_left(delta: timedelta) -> str:
    """``1 hour``, ``24 hours``, ``1 hour 30 minutes``, ``2 days``: to the nearest minute."""
    minutes = round(delta.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    if days >= 2 and rest == 0:  # "24 hours" reads better than "1 day" in a reminder
        return plural(days, "day")
    hours, minutes = divmod(minutes, 60)
    parts = [plural(hours, "hour")] if hours else []
    if minutes or not hours:
        parts.append(plural(minutes, "minute"))
    return " ".join(parts)


# A title that already says what it is: "Live session 1: Listening", "live session – Q&A".
SAYS_LIVE_SESSION = re.compile(r"live\s+session\b", re.IGNORECASE)


def announcement_title(title: str) -> str:
    """``Live session: <title>``, unless the title already begins by saying so."""
    if SAYS_LIVE_SESSION.match(title.strip()):
        return title
    return f"Live session: {title}"


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
    return Post(announcement_title(session.title), body)


def reminder(session: CohortSession, now: datetime) -> Post:
    """Says how long is left from ``now``, so a reminder sent late is still true."""
    body = (
        f"**{session.title}** starts in {time_left(session.start - now)}, "
        f"at {discord_timestamp(session.start, 't')}.\n{link_line(session)}"
    )
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


def moved(old: CohortSession, new: CohortSession) -> Post:
    if old.start == new.start:  # told again (a notice a crash stopped), or brought back
        return Post(
            f"Moved: {new.title}",
            f"**{new.title}** is at {when(new)}.\n"
            "Reminders follow this time; press **Add to calendar** again to update your"
            " calendar.",
        )
    return Post(
        f"Moved: {new.title}",
        f"**{new.title}** has moved from {discord_timestamp(old.start, 'F')} to {when(new)}.\n"
        "Reminders follow the new time; press **Add to calendar** again to update your calendar.",
    )


def recording_post(
    recording: Recording, session: CohortSession | None, *, show_passcode: bool
) -> str:
    """A recording's link; its passcode only where ``show_passcode`` (never a public channel)."""
    title = session.title if session else recording.session_key
    held = f" ({discord_timestamp(session.start, 'D')})" if session else ""
    lines = [f"🎬 **Recording of {title}**{held}: {recording.url}"]
    if recording.passcode:
        lines.append(
            f"Passcode: `{recording.passcode}`"
            if show_passcode
            else "Passcode: use `/recordings` to see it."
        )
    if recording.note:
        lines.append(recording.note)
    return "\n".join(lines)


def recordings_listing(
    recordings: Iterable[Recording], sessions: Mapping[str, CohortSession]
) -> str:
    """Every recording with its session and date, passcodes included (an ephemeral answer)."""
    entries = [
        recording_post(r, sessions.get(r.session_key), show_passcode=True) for r in recordings
    ]
    return fit("\n\n".join(entries)) or "No recordings yet."


def upcoming(sessions: Iterable[CohortSession], now: datetime) -> list[str]:
    """Sessions not cancelled and not over, for anyone: local times and links."""
    lines = []
    for s in sessions:
        if s.cancelled or s.end < now:
            continue
        link = f" — {s.url}" if s.url else ""
        lines.append(f"• **{s.title}** — {when(s)}{link}")
    return lines


def instructor_line(session: CohortSession, asked: int, attended: int) -> str:
    """One line of ``/session list``: id, title, time, how many asked for a reminder, attended."""
    if session.cancelled:
        return f"`{session.key}` ~~{session.title}~~ — {discord_timestamp(session.start, 'F')} — cancelled"
    return (
        f"`{session.key}` **{session.title}** — {when(session)} — "
        f"🔔 {asked} asked for reminders, ✅ {attended} checked in"
    )


def fit(text: str) -> str:
    """One message's worth: a long list is cut at a line break, and says so."""
    if len(text) <= MESSAGE_LIMIT:
        return text
    cut = text.rfind("\n", 0, MESSAGE_LIMIT - 20)
    return text[: cut if cut > 0 else MESSAGE_LIMIT - 20] + "\n… (more not shown)"

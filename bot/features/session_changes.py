"""Adding, listing, moving and cancelling a cohort's live sessions: the rules both adapters
share. Each returns the session to save (or the listing to show); the adapter saves it,
re-plans the cohort and corrects what it had posted, in its own idiom."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import sessions as words
from bot.cohort import Cohort
from bot.errors import InvalidInput, NotFound
from bot.store import Store
from bot.timetable import CohortSession


def to_add(
    existing: Iterable[CohortSession],
    title: str,
    start: str,
    duration: str,
    url: str | None,
    tz: ZoneInfo,
    now: datetime,
) -> CohortSession:
    """A new session from what the instructor typed, with a readable key of its own."""
    title = title.strip()
    if not title or len(title) > 90:
        raise InvalidInput("a session's title is 1 to 90 characters")
    return CohortSession(
        words.new_key(title, (s.key for s in existing)),
        title,
        words.parse_start(start, tz, now),
        words.session_length(duration),
        words.https_link(url, "join link") if url else None,
    )


def moved_to(old: CohortSession, start: str, tz: ZoneInfo, now: datetime) -> CohortSession:
    """The session at its new start; moving a cancelled session brings it back."""
    return CohortSession(
        old.key, old.title, words.parse_start(start, tz, now), old.duration, old.url
    )


def cancelled(old: CohortSession, now: datetime) -> CohortSession:
    if old.cancelled:
        raise InvalidInput(f"**{old.title}** is already cancelled.")
    if old.end <= now:
        raise InvalidInput(f"**{old.title}** has already taken place.")
    return CohortSession(old.key, old.title, old.start, old.duration, old.url, cancelled=True)


async def named(store: Store, cohort: Cohort, key: str) -> CohortSession:
    """The cohort's session by key or title."""
    for session in await store.cohorts.sessions(cohort.id):
        if key in (session.key, session.title):
            return session
    raise NotFound(f"{cohort.name} has no session {key!r}: see `/session list`")


async def listing(store: Store, cohort: Cohort) -> str:
    """``/session list``: each session with its key, time, reminders asked and check-ins."""
    asked = await store.sessions.rsvp_counts(cohort.id)
    attended = await store.sessions.attendance_counts(cohort.id)
    lines = [
        words.instructor_line(s, asked.get(s.key, 0), attended.get(s.key, 0))
        for s in await store.cohorts.sessions(cohort.id)
    ]
    return words.fit("\n".join(lines)) or "No sessions."

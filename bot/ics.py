"""Calendar files for live sessions, made with icalendar (escaping, folding and dates done right).

Instants are written in UTC: every calendar app shows them in its owner's
zone, and a UTC instant cannot be misread across a DST change. A cancelled
session stays in the file as STATUS:CANCELLED, so re-importing the cohort's
calendar removes it from calendars that already hold it (same UID).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from bot.timetable import CohortSession


def event_uid(cohort_id: int, session_key: str) -> str:
    """Stable per cohort and session, so a re-import updates rather than duplicates."""
    return f"cohort-{cohort_id}-{session_key}@cohortbot"


def session_event(cohort_id: int, cohort_name: str, session: CohortSession, now: datetime) -> Event:
    event = Event()
    event.add("uid", event_uid(cohort_id, session.key))
    event.add("dtstamp", now)
    event.add("dtstart", session.start)
    event.add("dtend", session.end)
    event.add("summary", session.title)
    description = f"Live session of {cohort_name}."
    if session.url:
        description += f"\nJoin: {session.url}"
        event.add("url", session.url)
        event.add("location", session.url)
    event.add("description", description)
    event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
    return event


def session_calendar(
    cohort_id: int, cohort_name: str, sessions: Iterable[CohortSession], now: datetime
) -> bytes:
    """One VEVENT per session (one session for a button, all of them for ``/sessions calendar``)."""
    calendar = Calendar()
    calendar.add("prodid", "-//cohortbot//live sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{cohort_name} live sessions")
    for session in sessions:
        calendar.add_component(session_event(cohort_id, cohort_name, session, now))
    return calendar.to_ical()

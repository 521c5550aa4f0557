"""Calendar files for live sessions, made with icalendar (escaping and UTC done right)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from bot.timetable import CohortSession


def session_calendar(
    cohort_id: int, cohort_name: str, sessions: Iterable[CohortSession], now: datetime
) -> bytes:
    """One VEVENT per session, instants in UTC; a cancelled session is STATUS:CANCELLED."""
    calendar = Calendar()
    calendar.add("prodid", "-//cohortbot//live sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{cohort_name} live sessions")
    for session in sessions:
        event = Event()
        event.add("uid", f"cohort-{cohort_id}-{session.key}@cohortbot")
        event.add("dtstamp", now)
        event.add("dtstart", session.start)
        event.add("dtend", session.end)
        event.add("summary", session.title)
        event.add("description", f"Live session of {cohort_name}.")
        if session.url:
            event.add("url", session.url)
            event.add("location", session.url)
        event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()

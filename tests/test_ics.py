"""Calendar files: they parse with icalendar and hold the right instants across the DST end."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from bot.catalog import default_prompts_dir
from bot.course_file import load_course
from bot.ics import event_uid, session_calendar
from bot.localtime import zone
from bot.timetable import CohortSession, sessions_for

COURSE, _ = load_course(default_prompts_dir() / "de-escalation.yaml")
assert COURSE is not None
NOW = datetime(2026, 10, 1, tzinfo=UTC)
# The 2025 sample moved to a cohort starting 2026-10-13: 10:00 in Los Angeles both times.
SESSIONS = sessions_for(COURSE, date(2026, 10, 13), zone("America/Los_Angeles"))


def events(data: bytes) -> list:
    return Calendar.from_ical(data).walk("VEVENT")


def test_both_sample_sessions_have_the_right_instants_on_either_side_of_the_dst_end():
    first, second = events(session_calendar(7, "Fall 2026", SESSIONS, NOW))
    assert first.decoded("dtstart") == datetime(2026, 10, 21, 17, tzinfo=UTC)  # PDT
    assert first.decoded("dtend") == datetime(2026, 10, 21, 18, 15, tzinfo=UTC)  # 75 minutes
    assert second.decoded("dtstart") == datetime(2026, 11, 11, 18, tzinfo=UTC)  # PST
    assert second.decoded("dtend") == datetime(2026, 11, 11, 19, tzinfo=UTC)  # 60 minutes


def test_each_event_names_the_session_and_its_join_link():
    (event,) = events(session_calendar(7, "Fall 2026", SESSIONS[:1], NOW))
    assert str(event["summary"]) == SESSIONS[0].title
    assert str(event["url"]) == str(event["location"]) == "https://example.org/live/de-escalation-1"
    assert "Fall 2026" in str(event["description"])
    assert "https://example.org/live/de-escalation-1" in str(event["description"])
    assert str(event["status"]) == "CONFIRMED"


def test_uids_are_stable_per_cohort_and_session_so_a_reimport_updates():
    once = [str(e["uid"]) for e in events(session_calendar(7, "Fall 2026", SESSIONS, NOW))]
    later = NOW + timedelta(days=3)
    again = [str(e["uid"]) for e in events(session_calendar(7, "Fall 2026", SESSIONS, later))]
    other = [str(e["uid"]) for e in events(session_calendar(8, "Winter", SESSIONS, NOW))]
    assert once == again == [event_uid(7, "live-1"), event_uid(7, "live-2")]
    assert not set(once) & set(other)


def test_a_cancelled_session_stays_in_the_file_as_cancelled():
    s = SESSIONS[1]
    cancelled = CohortSession(s.key, s.title, s.start, s.duration, s.url, cancelled=True)
    _, event = events(session_calendar(7, "Fall 2026", [SESSIONS[0], cancelled], NOW))
    assert str(event["status"]) == "CANCELLED"


def test_text_that_needs_escaping_survives_the_round_trip():
    title = "Q&A; tips, tricks\\and a very long title " + "x" * 120
    s = CohortSession("q-a", title, SESSIONS[0].start, timedelta(hours=1))
    data = session_calendar(7, "Fall, 2026", [s], NOW)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # folded as RFC 5545 asks
    (event,) = events(data)
    assert str(event["summary"]) == title and "location" not in event

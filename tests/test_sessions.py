"""Live sessions, the pure part: what instructors type, the rules, and the words of each post."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import sessions as words
from bot.cohort import Delivery, DeliveryState
from bot.course import ReminderAudience
from bot.errors import InvalidInput, NotAllowed
from bot.render import MESSAGE_LIMIT
from bot.sessions import Recording
from bot.timetable import CohortSession, ItemKind

LA = ZoneInfo("America/Los_Angeles")
BEFORE = datetime(2026, 10, 1, tzinfo=UTC)
LIVE_1 = CohortSession(
    "live-1",
    "Listening Under Pressure",
    datetime(2026, 10, 21, 17, tzinfo=UTC),
    timedelta(minutes=75),
    "https://example.org/live/1",
)


def stamp(instant: datetime, style: str) -> str:
    return f"<t:{int(instant.timestamp())}:{style}>"


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-10-21 10:00", datetime(2026, 10, 21, 17, tzinfo=UTC)),  # PDT
        ("2026-11-11 10:00", datetime(2026, 11, 11, 18, tzinfo=UTC)),  # PST, after the DST end
        (" 2026-11-01 1:30 ", datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),  # ambiguous: the first
    ],
)
def test_a_start_is_read_in_the_cohort_zone(text, instant):
    assert words.parse_start(text, LA, BEFORE) == instant


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("21/10/2026 10:00", "write YYYY-MM-DD HH:MM"),
        ("2026-10-21", "write YYYY-MM-DD HH:MM"),
        ("2026-02-30 10:00", "write YYYY-MM-DD HH:MM"),
        ("2027-03-14 02:30", "does not exist in America/Los_Angeles"),  # the clocks skip it
        ("2026-09-30 10:00", "has already passed"),
    ],
)
def test_a_start_that_is_not_a_future_local_time_is_refused(text, message):
    with pytest.raises(InvalidInput, match=message):
        words.parse_start(text, LA, BEFORE)


def test_links_must_be_https_and_the_message_names_the_link():
    assert words.https_link(" https://x.org/r ", "recording link") == "https://x.org/r"
    for bad in ("http://x.org/r", "x.org/r", "https://", "javascript:alert(1)"):
        with pytest.raises(InvalidInput, match="the recording link must be an https:// link"):
            words.https_link(bad, "recording link")


@pytest.mark.parametrize(
    ("title", "taken", "key"),
    [
        ("Office hour", [], "office-hour"),
        ("Office hour", ["office-hour"], "office-hour-2"),
        ("Office hour", ["office-hour", "office-hour-2"], "office-hour-3"),
        ("Q&A: Café — week 3!", [], "q-a-cafe-week-3"),
        ("日本語", [], "session"),
        ("A very long session title that goes on and on", [], "a-very-long-session-title"),
    ],
)
def test_new_session_keys_are_readable_unique_and_fit_a_custom_id(title, taken, key):
    made = words.new_key(title, taken)
    assert made == key
    assert len(made) <= words.KEY_LIMIT and made not in taken


def test_check_in_is_open_from_the_start_to_the_end():
    words.require_check_in_open(LIVE_1, LIVE_1.start)
    words.require_check_in_open(LIVE_1, LIVE_1.end)
    with pytest.raises(NotAllowed, match="opens when the session starts"):
        words.require_check_in_open(LIVE_1, LIVE_1.start - timedelta(minutes=1))
    with pytest.raises(NotAllowed, match="closed when"):
        words.require_check_in_open(LIVE_1, LIVE_1.end + timedelta(seconds=1))
    cancelled = CohortSession("x", "X", LIVE_1.start, LIVE_1.duration, cancelled=True)
    with pytest.raises(NotAllowed, match="cancelled"):
        words.require_check_in_open(cancelled, LIVE_1.start)


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=59, seconds=40), "1 hour"),  # sent a moment late
        (timedelta(hours=24), "24 hours"),
        (timedelta(days=2), "2 days"),
        (timedelta(hours=1, minutes=30), "1 hour 30 minutes"),
        (timedelta(minutes=10), "10 minutes"),
        (timedelta(minutes=1), "1 minute"),
    ],
)
def test_time_left_reads_as_people_say_it(left, text):
    assert words.time_left(left) == text


def test_the_announcement_gives_start_and_end_in_everyones_own_time_and_the_link():
    post = words.announcement(LIVE_1)
    assert post.title == "Live session: Listening Under Pressure"
    for part in (stamp(LIVE_1.start, "F"), stamp(LIVE_1.start, "R"), stamp(LIVE_1.end, "t")):
        assert part in post.body
    assert "**Join:** https://example.org/live/1" in post.body
    no_link = CohortSession("x", "X", LIVE_1.start, LIVE_1.duration)
    assert "join link will be posted" in words.announcement(no_link).body


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("Listening Under Pressure", "Live session: Listening Under Pressure"),
        ("Live session 1: Listening Under Pressure", "Live session 1: Listening Under Pressure"),
        ("live session: Q&A", "live session: Q&A"),
        ("Live Session 2", "Live Session 2"),
        ("Live  session with guests", "Live  session with guests"),
        ("Live sessions recap", "Live session: Live sessions recap"),  # a recap, not a session
        ("Lively session", "Live session: Lively session"),
        ("Office hour: live session", "Live session: Office hour: live session"),
    ],
)
def test_an_announcement_does_not_repeat_live_session_in_its_title(title, shown):
    session = CohortSession("x", title, LIVE_1.start, LIVE_1.duration)
    assert words.announcement(session).title == shown


def test_a_reminder_says_how_long_is_left_when_it_is_sent():
    on_time = words.reminder(LIVE_1, LIVE_1.start - timedelta(hours=1))
    assert "starts in 1 hour" in on_time.body and stamp(LIVE_1.start, "t") in on_time.body
    late = words.reminder(LIVE_1, LIVE_1.start - timedelta(minutes=20))
    assert "starts in 20 minutes" in late.body
    assert "https://example.org/live/1" in late.body


def test_starting_cancelled_and_moved_posts():
    starting = words.starting(LIVE_1)
    assert "starting now" in starting.body and "Check in" in starting.body
    assert "https://example.org/live/1" in starting.body
    cancelled = words.cancellation(LIVE_1)
    assert cancelled.title == "Cancelled: Listening Under Pressure"
    assert stamp(LIVE_1.start, "F") in cancelled.body
    later = CohortSession("live-1", LIVE_1.title, LIVE_1.start + timedelta(days=1), LIVE_1.duration)
    moved = words.moved(LIVE_1, later)
    assert stamp(LIVE_1.start, "F") in moved.body and stamp(later.start, "F") in moved.body


RECORDING = Recording("live-1", "https://example.org/rec/1", "s3cret", "Slides attached.", BEFORE)


def test_a_recording_shows_its_passcode_only_where_asked():
    private = words.recording_post(RECORDING, LIVE_1, show_passcode=True)
    public = words.recording_post(RECORDING, LIVE_1, show_passcode=False)
    for text in (private, public):
        assert "https://example.org/rec/1" in text and "Slides attached." in text
        assert "Listening Under Pressure" in text and stamp(LIVE_1.start, "D") in text
    assert "s3cret" in private
    assert "s3cret" not in public and "/recordings" in public
    no_passcode = Recording("live-1", "https://example.org/rec/2", None, None, BEFORE)
    assert "Passcode" not in words.recording_post(no_passcode, LIVE_1, show_passcode=False)


def test_the_recordings_list_names_each_session_even_a_removed_one():
    gone = Recording("live-9", "https://example.org/rec/9", None, None, BEFORE)
    listing = words.recordings_listing([RECORDING, gone], {"live-1": LIVE_1})
    assert listing.index("Listening Under Pressure") < listing.index("live-9")
    assert "s3cret" in listing
    assert words.recordings_listing([], {}) == "No recordings yet."


def test_upcoming_leaves_out_cancelled_and_finished_sessions():
    cancelled = CohortSession("c", "Cancelled one", LIVE_1.start, LIVE_1.duration, cancelled=True)
    lines = words.upcoming([LIVE_1, cancelled], BEFORE)
    assert len(lines) == 1 and "Listening Under Pressure" in lines[0]
    assert "https://example.org/live/1" in lines[0]
    assert words.upcoming([LIVE_1], LIVE_1.end + timedelta(minutes=1)) == []


def test_the_instructor_line_counts_reminders_and_check_ins():
    line = words.instructor_line(LIVE_1, asked=3, attended=2)
    assert "`live-1`" in line and "3 asked" in line and "2 checked in" in line
    cancelled = CohortSession("c", "C", LIVE_1.start, LIVE_1.duration, cancelled=True)
    assert "cancelled" in words.instructor_line(cancelled, 0, 0)


def test_long_answers_fit_one_message_and_say_they_were_cut():
    text = "\n".join(f"line {n}" for n in range(1000))
    cut = words.fit(text)
    assert len(cut) <= MESSAGE_LIMIT and cut.endswith("(more not shown)")
    assert words.fit("short") == "short"


# -- who gets a reminder, and where a passcode may be shown ---------------------------

OPTED_IN, EVERYONE = ReminderAudience.OPTED_IN, ReminderAudience.EVERYONE


@pytest.mark.parametrize(
    ("audience", "learners", "asked", "opted_out", "expected"),
    [
        (OPTED_IN, [1, 2, 3], [3, 1], set(), [3, 1]),  # those who asked, in the order they did
        (OPTED_IN, [1, 2, 3], [], set(), []),  # nobody asked: nobody is DMed
        (OPTED_IN, [1, 2], [2, 9], {1}, [2, 9]),  # an explicit press counts, learner or not
        (OPTED_IN, [1, 2], [2], {2}, [2]),  # ... even after /reminders off
        (EVERYONE, [1, 2, 3], [], {2}, [1, 3]),  # every learner but those who opted out
        (EVERYONE, [1, 2, 2], [9], set(), [1, 2]),  # learners only, each once
        (EVERYONE, [], [1], set(), []),
    ],
)
def test_who_gets_a_reminder(audience, learners, asked, opted_out, expected):
    assert words.reminder_recipients(audience, learners, asked, opted_out) == expected


@pytest.mark.parametrize(
    ("everyone_can_view", "learners_can_view", "shown"),
    [
        (False, True, True),  # a members-only channel: the cohort sees it, the public cannot
        (True, True, False),  # a public channel: never
        (True, False, False),
        (False, False, False),  # staff only: learners could not use it there anyway
    ],
)
def test_a_passcode_is_shown_only_where_the_cohort_looks_and_the_public_cannot(
    everyone_can_view, learners_can_view, shown
):
    assert words.passcode_visible(everyone_can_view, learners_can_view) is shown


def due_reminder(cohort: int, session: str, lead: str, due_hour: int) -> Delivery:
    due = datetime(2026, 10, 21, due_hour, tzinfo=UTC)
    return Delivery(
        cohort, f"reminder:{session}:{lead}", ItemKind.REMINDER, due, 2, session, None,
        DeliveryState.PENDING, 0, None, None, None, None, None, None, False, None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("due", "superseded"),
    [
        ([], []),
        ([(1, "live-1", "1d", 1)], []),
        ([(1, "live-1", "1d", 1), (1, "live-1", "1h", 16)], ["reminder:live-1:1d"]),
        ([(1, "live-1", "1h", 16), (1, "live-1", "1d", 1)], ["reminder:live-1:1d"]),
        ([(1, "live-1", "1d", 1), (1, "live-2", "1h", 16)], []),  # other sessions
        ([(1, "live-1", "1d", 1), (2, "live-1", "1h", 16)], []),  # other cohorts
        (
            [(1, "a", "2d", 1), (1, "a", "1d", 5), (1, "a", "1h", 9)],
            ["reminder:a:2d", "reminder:a:1d"],
        ),
    ],
)
def test_a_reminder_due_with_a_nearer_one_of_its_session_is_superseded(due, superseded):
    rows = [due_reminder(*spec) for spec in due]
    assert [d.key for d in words.superseded_reminders(rows)] == superseded


def test_other_items_are_never_superseded():
    reminder = due_reminder(1, "live-1", "1h", 16)
    announce = dataclasses.replace(reminder, key="announce:live-1", kind=ItemKind.ANNOUNCE)
    assert words.superseded_reminders([announce, reminder]) == []

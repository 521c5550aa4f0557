"""A cohort's calendar and timetable: pure, from a course, a start date and a zone."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.catalog import load_catalog
from bot.localtime import zone
from bot.timetable import (
    CohortSession,
    Item,
    ItemKind,
    course_calendar,
    reminder_times,
    run_order,
    session_items,
    sessions_for,
    timetable,
)

CATALOG = load_catalog()
COURSE = CATALOG.courses["de-escalation"]
WORKPLACE = CATALOG.courses["safe-workplace"]
LA = zone("America/Los_Angeles")
START = date(2025, 10, 14)


def plan():
    calendar = course_calendar(COURSE, START, LA)
    return calendar, {
        i.key: i for i in timetable(COURSE, calendar, sessions_for(COURSE, START, LA))
    }


def test_the_2025_sessions_fall_either_side_of_the_dst_end():
    first, second = sessions_for(COURSE, START, LA)
    assert first.start == datetime(2025, 10, 22, 17, tzinfo=UTC)  # 10:00 PDT
    assert second.start == datetime(2025, 11, 12, 18, tzinfo=UTC)  # 10:00 PST: DST ended 2 Nov
    assert first.end == datetime(2025, 10, 22, 18, 15, tzinfo=UTC)


def test_weekly_posts_stay_at_nine_local_across_the_dst_end():
    calendar = course_calendar(COURSE, START, LA)
    assert [w.opens for w in calendar.weeks] == [
        datetime(2025, 10, 14, 16, tzinfo=UTC),
        datetime(2025, 10, 21, 16, tzinfo=UTC),
        datetime(2025, 10, 28, 16, tzinfo=UTC),
        datetime(2025, 11, 4, 17, tzinfo=UTC),
    ]
    assert calendar.ends == datetime(2025, 11, 11, 17, tzinfo=UTC)


def test_a_cohort_52_weeks_later_keeps_the_sessions_at_ten_local():
    later = date(2026, 10, 13)  # a Tuesday again; US DST ends 1 Nov 2026
    sessions = sessions_for(COURSE, later, LA)
    assert [s.start for s in sessions] == [
        datetime(2026, 10, 21, 17, tzinfo=UTC),
        datetime(2026, 11, 11, 18, tzinfo=UTC),
    ]
    assert all(s.start.astimezone(LA).time() == time(10) for s in sessions)


def test_a_course_without_sessions_has_only_weekly_and_lifecycle_items():
    start = date(2018, 6, 12)
    new_york = zone(WORKPLACE.timezone)
    calendar = course_calendar(WORKPLACE, start, new_york)
    kinds = {
        i.kind for i in timetable(WORKPLACE, calendar, sessions_for(WORKPLACE, start, new_york))
    }
    assert kinds.isdisjoint({ItemKind.ANNOUNCE, ItemKind.REMINDER, ItemKind.STARTING})
    assert calendar.week(1).opens == datetime(2018, 6, 12, 16, tzinfo=UTC)  # 12:00 EDT


def test_no_nudges_when_the_course_turns_them_off():
    quiet = dataclasses.replace(COURSE, nudge_before=None)
    calendar = course_calendar(quiet, START, LA)
    items = timetable(quiet, calendar, sessions_for(quiet, START, LA))
    assert not [i for i in items if i.kind == ItemKind.NUDGE]


def test_keys_are_stable_and_unique():
    calendar, items = plan()
    again = timetable(COURSE, calendar, sessions_for(COURSE, START, LA))
    assert [i.key for i in again] == list(items)
    assert {"module:1", "module:4", "nudge:2", "digest:4", "wrapup", "archive", "purge"} <= set(
        items
    )
    assert {
        "announce:live-1",
        "reminder:live-1:1d",
        "reminder:live-1:1h",
        "starting:live-1",
    } <= set(items)


def test_sessions_are_announced_with_their_weeks_post_and_the_late_one_with_the_last():
    _, items = plan()
    assert items["announce:live-1"].due == items["module:2"].due  # 22 Oct is in week 2
    assert items["announce:live-1"].week == 2
    assert items["announce:live-2"].week == 4  # 12 Nov is after the course: the last week
    assert items["announce:live-2"].due == items["module:4"].due


def test_reminders_expire_when_their_session_starts_and_nudges_when_the_week_closes():
    calendar, items = plan()
    session_start = datetime(2025, 10, 22, 17, tzinfo=UTC)
    assert items["reminder:live-1:1d"].due == session_start - timedelta(days=1)
    assert items["reminder:live-1:1h"].expires == session_start
    assert items["starting:live-1"].expires == session_start + timedelta(minutes=75)
    assert items["nudge:2"].due == calendar.week(2).closes - timedelta(days=2)
    assert items["nudge:2"].expires == calendar.week(2).closes
    assert items["module:2"].expires is None  # a late module post is still worth making


def test_lifecycle_follows_the_course_end():
    calendar, items = plan()
    assert items["wrapup"].due == calendar.ends == datetime(2025, 11, 11, 17, tzinfo=UTC)
    assert items["consultation"].due == calendar.ends + timedelta(weeks=2)
    assert items["archive"].due == calendar.ends + timedelta(weeks=4)
    assert items["purge"].due.date() == (calendar.archives + timedelta(days=180)).date()


def test_week_of_an_instant():
    calendar, _ = plan()
    assert calendar.week_at(datetime(2025, 10, 1, tzinfo=UTC)) == 1  # early birds count in week 1
    assert calendar.week_at(calendar.week(3).opens) == 3
    assert calendar.week_at(calendar.week(3).opens - timedelta(seconds=1)) == 2
    assert calendar.week_at(calendar.ends) is None
    assert calendar.current_week(datetime(2025, 10, 1, tzinfo=UTC)) is None


def test_items_due_together_close_the_old_week_before_opening_the_new():
    _, items = plan()
    together = [i.kind for i in items.values() if i.due == items["module:2"].due]
    assert together == [ItemKind.DIGEST, ItemKind.MODULE, ItemKind.ANNOUNCE]


def test_a_start_that_is_not_the_post_weekday_waits_for_it():
    calendar = course_calendar(COURSE, date(2025, 10, 16), LA)  # a Thursday
    assert calendar.week(1).opens == datetime(2025, 10, 21, 16, tzinfo=UTC)  # the next Tuesday


# -- sessions planned late: a kick-off before week 1, a session inside its lead times --------

WEEK_1 = datetime(2025, 10, 14, 16, tzinfo=UTC)  # the first module post


def session_at(start: datetime, key: str = "extra") -> CohortSession:
    return CohortSession(key, "Extra", start, timedelta(minutes=60))


def items_of(session: CohortSession, planned: datetime | None) -> dict[str, Item]:
    calendar = course_calendar(COURSE, START, LA)
    return {i.key: i for i in session_items(COURSE, calendar, session, planned)}


def test_a_kick_off_before_week_1_is_announced_when_planned_before_its_reminders():
    planned = WEEK_1 - timedelta(days=5)
    kick_off = session_at(WEEK_1 - timedelta(days=2), "kick-off")
    items = items_of(kick_off, planned)
    assert items["announce:kick-off"].due == planned
    assert items["announce:kick-off"].week == 1
    assert items["reminder:kick-off:1d"].due == kick_off.start - timedelta(days=1)
    assert items["reminder:kick-off:1h"].due == kick_off.start - timedelta(hours=1)
    ordered = sorted(items.values(), key=lambda i: run_order(i.due, i.kind, i.key))
    assert ordered[0].kind == ItemKind.ANNOUNCE


def test_a_kick_off_planned_long_ahead_is_announced_no_later_than_its_first_reminder():
    kick_off = session_at(WEEK_1 - timedelta(days=2), "kick-off")
    items = items_of(kick_off, None)  # e.g. `cohortbot schedule`
    assert items["announce:kick-off"].due == items["reminder:kick-off:1d"].due


@pytest.mark.parametrize(
    ("ahead", "reminders"),
    [
        (timedelta(days=3), {"1d": timedelta(days=1), "1h": timedelta(hours=1)}),
        (timedelta(hours=5), {"1d": timedelta(hours=5), "1h": timedelta(hours=1)}),  # 1d: now
        (timedelta(hours=1), {"1h": timedelta(hours=1)}),  # due exactly now
        (timedelta(minutes=4), {"1h": timedelta(minutes=4)}),  # both overdue: one, now
        (timedelta(0), {}),  # already started: none
    ],
)
def test_overdue_reminders_collapse_into_one_sent_when_planned(ahead, reminders):
    planned = datetime(2025, 10, 22, 12, tzinfo=UTC)  # week 2 is posted
    session = session_at(planned + ahead)
    found = {
        i.key.rsplit(":", 1)[1]: session.start - i.due
        for i in items_of(session, planned).values()
        if i.kind == ItemKind.REMINDER
    }
    assert found == reminders


def test_a_session_added_to_an_open_week_is_announced_when_added_to_a_later_one_with_it():
    planned = datetime(2025, 10, 22, 12, tzinfo=UTC)  # week 2 has been open a day
    this_week = items_of(session_at(planned + timedelta(days=2)), planned)
    assert this_week["announce:extra"].due == planned  # at once, not "late"
    later = items_of(session_at(datetime(2025, 10, 30, 17, tzinfo=UTC)), planned)
    assert later["announce:extra"].due == datetime(2025, 10, 28, 16, tzinfo=UTC)  # week 3


def test_no_reminder_comes_before_its_announcement():
    week_2, week_3 = datetime(2025, 10, 21, 16, tzinfo=UTC), datetime(2025, 10, 28, 16, tzinfo=UTC)
    for start in (week_3, week_3 + timedelta(minutes=30)):  # at, or just after, its week's post
        items = items_of(session_at(start), datetime(2025, 10, 1, tzinfo=UTC))
        # Announced with the post before, so both reminders come on time, after it.
        assert items["announce:extra"].due == week_2
        reminders = {k: v.due for k, v in items.items() if k.startswith("reminder")}
        assert reminders == {
            "reminder:extra:1d": start - timedelta(days=1),
            "reminder:extra:1h": start - timedelta(hours=1),
        }
        assert all(due > week_2 for due in reminders.values())


@pytest.mark.parametrize(
    ("leads", "start", "floor", "expected"),
    [
        ((), 10, 0, []),
        ((1, 5), 10, 0, [(5, 5), (1, 9)]),
        ((1, 5), 10, 5, [(5, 5), (1, 9)]),  # due exactly at the floor: kept, at the floor
        ((1, 5), 10, 6, [(5, 6), (1, 9)]),  # only the 5h reminder is overdue: sent at once
        ((1, 5), 10, 9, [(1, 9)]),
        ((1, 5), 10, 10, []),
    ],
)
def test_reminder_times_table(leads, start, floor, expected):
    hour = timedelta(hours=1)
    base = datetime(2025, 10, 1, tzinfo=UTC)
    got = reminder_times(tuple(n * hour for n in leads), base + start * hour, base + floor * hour)
    assert [(lead / hour, (due - base) / hour) for lead, due in got] == expected

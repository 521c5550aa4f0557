"""A cohort's calendar and timetable: every instant at which the bot acts.

Pure: a course, a start date and a zone in; UTC instants out. The store
turns the timetable into delivery rows; the scheduler only wakes up at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.course import Course
from bot.durations import format_duration
from bot.localtime import at, shift_days, to_utc


@dataclass(frozen=True)
class WeekWindow:
    number: int
    opens: datetime  # UTC: the module post
    closes: datetime  # UTC: the next week's post, or the course end


@dataclass(frozen=True)
class Calendar:
    weeks: tuple[WeekWindow, ...]
    ends: datetime
    consultation_ends: datetime
    archives: datetime
    purges: datetime

    def week(self, number: int) -> WeekWindow:
        return self.weeks[number - 1]

    def week_at(self, instant: datetime) -> int | None:
        """The course week an instant belongs to; early birds count in week 1."""
        if instant >= self.ends:
            return None
        for window in reversed(self.weeks):
            if instant >= window.opens:
                return window.number
        return 1

    def current_week(self, now: datetime) -> int | None:
        """The week in progress at ``now``, or None before the start and after the end."""
        if now < self.weeks[0].opens:
            return None
        return self.week_at(now)


@dataclass(frozen=True)
class CohortSession:
    key: str
    title: str
    start: datetime  # UTC
    duration: timedelta
    url: str | None = None
    cancelled: bool = False

    @property
    def end(self) -> datetime:
        return self.start + self.duration


class ItemKind(StrEnum):
    MODULE = "module"  # week N's module post
    ANNOUNCE = "announce"  # a live session's announcement, with its week's post
    REMINDER = "reminder"  # a live session reminder, ``lead`` before it starts
    STARTING = "starting"  # "starting now"
    NUDGE = "nudge"  # DMs to learners behind this week
    DIGEST = "digest"  # the instructor's weekly digest
    WRAPUP = "wrapup"  # course end
    CONSULTATION = "consultation"  # consultation period over
    CERTIFICATES = "certificates"  # certificates of completion DMed to who completed
    ARCHIVE = "archive"  # lock and archive the cohort's posts
    PURGE = "purge"  # delete participation data


# At one instant: close the old week, then open the new one, then its sessions.
KIND_ORDER = {
    kind: position
    for position, kind in enumerate(
        (
            ItemKind.DIGEST,
            ItemKind.WRAPUP,
            ItemKind.MODULE,
            ItemKind.ANNOUNCE,
            ItemKind.REMINDER,
            ItemKind.STARTING,
            ItemKind.NUDGE,
            ItemKind.CONSULTATION,
            ItemKind.CERTIFICATES,
            ItemKind.ARCHIVE,
            ItemKind.PURGE,
        )
    )
}


def run_order(due: datetime, kind: str, key: str) -> tuple[datetime, int, str]:
    """The order in which items falling due together are delivered."""
    return due, KIND_ORDER.get(ItemKind(kind), len(KIND_ORDER)), key


@dataclass(frozen=True)
class Item:
    key: str  # unique within a cohort, stable across restarts and rebuilds
    kind: ItemKind
    due: datetime  # UTC
    week: int | None = None
    session: str | None = None
    lead: timedelta | None = None
    # After this instant the item is pointless and is skipped, never sent late
    # (a reminder once its session has started). None: always worth doing, even late.
    expires: datetime | None = None


def first_post_day(course: Course, start: date) -> date:
    """The first day on or after ``start`` that falls on the course's post weekday."""
    return start + timedelta(days=(course.post_weekday - start.weekday()) % 7)


def course_calendar(course: Course, start: date, tz: ZoneInfo) -> Calendar:
    first = first_post_day(course, start)
    opens = [at(first + timedelta(weeks=i), course.post_time, tz) for i in range(len(course.weeks))]
    ends = at(first + timedelta(weeks=len(course.weeks)), course.post_time, tz)
    windows = tuple(
        WeekWindow(week.number, opens[i], opens[i + 1] if i + 1 < len(opens) else ends)
        for i, week in enumerate(course.weeks)
    )
    end_day = first + timedelta(weeks=len(course.weeks))
    life = course.lifecycle
    consultation_day = end_day + timedelta(weeks=life.consultation_weeks)
    archive_day = consultation_day + timedelta(weeks=life.archive_weeks)
    return Calendar(
        weeks=windows,
        ends=ends,
        consultation_ends=at(consultation_day, course.post_time, tz),
        archives=at(archive_day, course.post_time, tz),
        purges=at(archive_day + timedelta(days=life.purge_days), course.post_time, tz),
    )


def sessions_for(course: Course, start: date, tz: ZoneInfo) -> tuple[CohortSession, ...]:
    """The course file's sessions, moved to a cohort that starts on ``start``.

    Session dates are written for the course's own run (``Course.start``); a
    cohort starting N days later has them N calendar days later, at the same
    local wall time, so a session stays at 10:00 across a DST change.
    """
    offset = (start - course.start).days
    return tuple(
        CohortSession(
            key=spec.key,
            title=spec.title,
            start=to_utc(shift_days(spec.start, offset), tz),
            duration=spec.duration,
            url=spec.url,
        )
        for spec in course.sessions
    )


def session_week(calendar: Calendar, session: CohortSession) -> int:
    """The week whose post announces a session; one after the end goes with the last week."""
    return calendar.week_at(session.start) or calendar.weeks[-1].number


def timetable(
    course: Course,
    calendar: Calendar,
    sessions: tuple[CohortSession, ...],
    planned: datetime | None = None,
) -> list[Item]:
    """Every item of a cohort, in delivery order.

    ``planned`` is when the timetable is (re)made: a session added before the
    course opens is announced then, and reminders already overdue then
    collapse into one. None: as if planned long before anything happens.
    """
    items: list[Item] = []
    for window in calendar.weeks:
        n = window.number
        items.append(Item(f"module:{n}", ItemKind.MODULE, window.opens, week=n))
        if course.nudge_before is not None and window.closes - course.nudge_before > window.opens:
            nudge_at = window.closes - course.nudge_before
            items.append(Item(f"nudge:{n}", ItemKind.NUDGE, nudge_at, n, expires=window.closes))
        items.append(Item(f"digest:{n}", ItemKind.DIGEST, window.closes, week=n))
    for session in sessions:
        if session.cancelled:
            continue
        items.extend(session_items(course, calendar, session, planned))
    items += [
        Item("wrapup", ItemKind.WRAPUP, calendar.ends),
        Item("consultation", ItemKind.CONSULTATION, calendar.consultation_ends),
        Item("certificates", ItemKind.CERTIFICATES, calendar.consultation_ends),
        Item("archive", ItemKind.ARCHIVE, calendar.archives),
        Item("purge", ItemKind.PURGE, calendar.purges),
    ]
    return sorted(items, key=lambda item: run_order(item.due, item.kind, item.key))


def announce_time(
    course: Course, calendar: Calendar, session: CohortSession, planned: datetime | None
) -> datetime:
    """With the last module post that comes before all of its reminders; when planned, if later.

    Usually that is its own week's post (a Wednesday session, Tuesday posts, a
    day's lead). A session at or just after its week's opening is announced a
    week earlier, so a reminder never comes before the announcement, nor the
    announcement at the start. A session before any post leaves room (a
    kick-off) is announced when planned; planned long ahead (``planned`` None),
    with its first reminder.
    """
    first_reminder = session.start - max(course.reminder_leads, default=timedelta(0))
    posts = [window.opens for window in calendar.weeks if window.opens <= first_reminder]
    if planned is None:
        return posts[-1] if posts else first_reminder
    return max(posts[-1], planned) if posts else planned


def reminder_times(
    leads: tuple[timedelta, ...], start: datetime, floor: datetime
) -> list[tuple[timedelta, datetime]]:
    """Each lead's reminder and when it is sent, never before ``floor`` (announced, planned).

    Reminders that would fall at or before ``floor`` collapse into one, at
    ``floor``: the one nearest the start, so a session added four minutes
    ahead gets a single "starts in 4 minutes", not its "1d" and "1h" at once.
    None once the session has started.
    """
    if start <= floor:
        return []
    on_time = [(lead, start - lead) for lead in sorted(leads, reverse=True) if start - lead > floor]
    overdue = [lead for lead in leads if start - lead <= floor]
    collapsed = [(min(overdue), floor)] if overdue else []
    return collapsed + on_time


def session_items(
    course: Course, calendar: Calendar, session: CohortSession, planned: datetime | None = None
) -> list[Item]:
    week = session_week(calendar, session)
    key = session.key
    announce_at = announce_time(course, calendar, session, planned)
    items = [
        Item(f"announce:{key}", ItemKind.ANNOUNCE, announce_at, week, key, expires=session.end)
    ]
    floor = max(announce_at, planned) if planned is not None else announce_at
    for lead, due in reminder_times(course.reminder_leads, session.start, floor):
        name = f"reminder:{key}:{format_duration(lead)}"
        items.append(Item(name, ItemKind.REMINDER, due, week, key, lead, expires=session.start))
    items.append(
        Item(f"starting:{key}", ItemKind.STARTING, session.start, week, key, expires=session.end)
    )
    return items

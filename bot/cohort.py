"""A cohort: one run of a course in one Discord server, and its deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.course import Course
from bot.errors import InvalidInput, NotAllowed
from bot.localtime import zone
from bot.timetable import Calendar, CohortSession, course_calendar

NAME_LIMIT = 60  # characters in a cohort's name


def cohort_name(typed: str) -> str:
    """A new cohort's name as given: trimmed, not blank, at most ``NAME_LIMIT`` characters."""
    name = typed.strip()
    if not name:
        raise InvalidInput("a cohort needs a name, e.g. 'Fall 2026'")
    if len(name) > NAME_LIMIT:
        raise InvalidInput(f"a cohort's name has at most {NAME_LIMIT} characters")
    return name


def first_day(typed: str) -> date:
    """A new cohort's first day, ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(typed.strip())
    except ValueError:
        raise InvalidInput(
            f"start {typed!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-10-13"
        ) from None


class PlatformName(StrEnum):
    """Where a cohort lives."""

    DISCORD = "discord"
    SLACK = "slack"


class CohortState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # nothing is sent; what falls due waits for resume
    ENDED = "ended"  # ended early by an instructor; only archive and purge remain


@dataclass(frozen=True)
class NewCohort:
    guild_id: int
    name: str
    course_id: str
    start: date
    timezone: str
    channel_id: int  # a forum channel, or a text channel (posts become threads)
    learner_role_id: int
    instructor_role_id: int | None
    announcements_channel_id: int | None
    created_by: int


@dataclass(frozen=True)
class Cohort(NewCohort):
    id: int
    state: CohortState
    platform: PlatformName = PlatformName.DISCORD

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)

    def calendar(self, course: Course) -> Calendar:
        return course_calendar(course, self.start, self.zone)

    @property
    def marker(self) -> str:
        """A short tag in every post, so a post can be found again after a crash."""
        return f"cohort {self.id}"

    def require_week(self, course: Course, week: int) -> None:
        """A week the cohort's course has: every command that names a week, on either
        platform, refuses another one (0 and past the last) before doing anything."""
        if not any(w.number == week for w in course.weeks):
            raise InvalidInput(
                f"{self.name}'s course has weeks 1 to {len(course.weeks)}, not {week}."
            )

    def require_running(self) -> None:
        """What learners do (hand in, ask for reminders, check in) stops when a cohort ends."""
        if self.state is CohortState.ENDED:
            raise NotAllowed(f"{self.name} has ended, so this is closed.")


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its moment (or for a retry)
    CLAIMED = "claimed"  # a bot process is sending it right now
    DONE = "done"
    SKIPPED = "skipped"  # deliberately not sent (expired, cancelled, cohort ended)
    FAILED = "failed"  # gave up after retries; the instructor was told
    # Left the timetable (a cancelled session, a week a course file dropped); pending
    # again if a later plan brings it back.
    UNPLANNED = "unplanned"


@dataclass(frozen=True)
class Delivery:
    cohort_id: int
    key: str
    kind: str
    due: datetime
    week: int | None
    session: str | None
    expires: datetime | None
    state: DeliveryState
    attempts: int
    next_attempt: datetime | None
    claimed_by: str | None
    claimed_at: datetime | None
    done_at: datetime | None
    channel_id: int | None
    message_id: int | None
    late: bool
    note: str | None

    @property
    def ready_at(self) -> datetime:
        return self.next_attempt or self.due

    def marker(self) -> str:
        return f"cohort {self.cohort_id} · {self.key}"


# A claim older than this belongs to a process that died mid-send: the post is
# looked for in Discord and either completed or sent again. Long enough that a
# live process on the same database is never second-guessed.
CLAIM_LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff for a failed send: 30s, 1m, 2m, 4m, … capped at 30m."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), timedelta(minutes=30))


def session_from_row(
    key: str, title: str, start: datetime, duration_s: int, url: str | None, cancelled: bool
) -> CohortSession:
    return CohortSession(key, title, start, timedelta(seconds=duration_s), url, cancelled)

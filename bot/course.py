"""A course as typed data: what a course file says, after validation.

Times in a course file are local wall times in the course's zone; they turn
into UTC instants only for a cohort (``bot.timetable``), because a cohort
may start on another date or in another zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path


@dataclass(frozen=True)
class Requirement:
    """What a learner must do each week for the week to count as met."""

    original_posts: int = 1
    replies: int = 2


class Option(StrEnum):
    """A way a course may let a learner meet a week."""

    DISCUSSION = "discussion"  # the posts and replies of the Requirement
    SESSION = "session"  # check in to one of the week's live sessions (or watch its recording)
    ASSIGNMENT = "assignment"  # hand in the week's assignment


class Meets(StrEnum):
    ANY = "any"  # one of the options is enough
    ALL = "all"  # every option the week offers


@dataclass(frozen=True)
class WeekRule:
    """What meets a week: by default the discussion alone, as before options existed."""

    meets: Meets = Meets.ANY
    options: tuple[Option, ...] = (Option.DISCUSSION,)
    recording: bool = False  # watching a session's recording stands in for attending it

    def offered(self, has_session: bool, has_assignment: bool) -> tuple[Option, ...]:
        """The rule's options that a week can offer: a session only in a week that has one,
        an assignment only in a week that sets one. The discussion is always there."""
        present = {Option.DISCUSSION, *([Option.SESSION] * has_session)}
        present |= {Option.ASSIGNMENT} if has_assignment else set()
        return tuple(option for option in self.options if option in present)


@dataclass(frozen=True)
class Week:
    number: int
    title: str
    objectives: tuple[str, ...]
    prompts: tuple[str, ...]  # Markdown; learners choose one
    assignment: str | None = None
    rule: WeekRule | None = None  # the week's own rule; None: the course's


@dataclass(frozen=True)
class SessionSpec:
    """A live session as the course file writes it, for the run starting ``Course.start``."""

    key: str  # stable slug, unique in the course (e.g. "live-1")
    title: str
    start: datetime  # naive local wall time in the course zone
    duration: timedelta
    url: str | None = None


class ReminderAudience(StrEnum):
    OPTED_IN = "opted_in"  # only learners who pressed "Remind me"
    EVERYONE = "everyone"  # every learner who has not opted out


@dataclass(frozen=True)
class Lifecycle:
    consultation_weeks: int = 2  # instructor available after the end
    archive_weeks: int = 2  # then this long until the cohort is archived
    purge_days: int = 180  # participation data kept this long after archive


@dataclass(frozen=True)
class Course:
    id: str  # the file's stem: how commands name the course
    title: str
    instructor: str
    timezone: str  # IANA name, validated
    start: date  # the run the file's session dates are written for
    post_weekday: int  # 0 = Monday, as datetime.weekday()
    post_time: time
    weeks: tuple[Week, ...]
    sessions: tuple[SessionSpec, ...] = ()
    requirement: Requirement = field(default_factory=Requirement)
    rule: WeekRule = field(default_factory=WeekRule)
    reminder_leads: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    reminder_audience: ReminderAudience = ReminderAudience.OPTED_IN
    nudge_before: timedelta | None = timedelta(days=2)  # before each week closes
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    hours: float | None = None  # course hours a certificate of completion states
    assignments_shared: bool = False  # learners may read each other's hand-ins
    source: Path | None = field(default=None, compare=False)  # where, not what: not compared

    def week(self, number: int) -> Week:
        for week in self.weeks:
            if week.number == number:
                return week
        raise KeyError(number)

    @property
    def recordings_count(self) -> bool:
        """Watching a recording stands in for attending its session in some week."""
        return self.rule.recording or any(
            w.rule is not None and w.rule.recording for w in self.weeks
        )

    def rule_of(self, number: int) -> WeekRule:
        """What meets week ``number``: its own rule, or the course's."""
        return self.week(number).rule or self.rule

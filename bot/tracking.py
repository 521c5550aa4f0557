"""What counts as taking part: the rules for one message, with no Discord in sight.

The Discord adapter (``bot/app/tracker.py``) describes a message as plain
``MessageFacts``; these rules decide whether it counts, as what, and in which
course week. Nothing here, or anywhere, sees what anyone wrote: a message is
known by who, where, when, and whom it answers.

Which places belong to a cohort: its channel (a forum or a text channel) and
every thread whose parent is that channel. The adapter finds a message's
cohort by the channel id, or by the thread's parent id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from bot.cohort import Cohort, CohortState
from bot.course import Course
from bot.timetable import Calendar

Kind = Literal["original", "reply"]
ORIGINAL: Kind = "original"
REPLY: Kind = "reply"

# Learners may say hello in the forum before the first module post; those
# messages count in week 1. Anything older belongs to whatever used the
# channel before (a reused forum's previous cohort), not to this cohort.
EARLY_BIRDS = timedelta(days=7)


class MessageFacts(NamedTuple):
    """A message as the rules see it (a tuple: one is built per gateway message)."""

    message_id: int
    author_id: int
    author_is_learner: bool  # holds the cohort's learner role
    channel_id: int  # the channel or thread it was written in
    thread_owner_id: int | None  # who started the thread; None outside threads
    replied_to_author_id: int | None  # the author of the message it replies to
    created_at: datetime


class Counted(NamedTuple):
    """One counted message: the row the store keeps, never the message's text."""

    message_id: int
    cohort_id: int
    user_id: int
    channel_id: int
    kind: Kind
    week: int
    created_at: datetime


def classify(facts: MessageFacts) -> Kind | None:
    """``original``, ``reply``, or None when the message does not count.

    Only learners count. A reply answers someone else: it replies to another
    person's message, or it is written in a thread someone else started (the
    bot's weekly post included). Everything else a learner writes is an
    original post: the forum post or thread they start (its first message is
    theirs, in a thread they own), a top-level message, a follow-up in their
    own thread, and a reply to themselves, which answers no peer.
    """
    if not facts.author_is_learner:
        return None
    author = facts.author_id
    answers_someone = facts.replied_to_author_id not in (None, author)
    in_someone_elses_thread = facts.thread_owner_id not in (None, author)
    return REPLY if answers_someone or in_someone_elses_thread else ORIGINAL


def counted_from(calendar: Calendar) -> datetime:
    """The oldest instant at which a message can count for the cohort."""
    return calendar.weeks[0].opens - EARLY_BIRDS


def week_of(calendar: Calendar, instant: datetime) -> int | None:
    """The course week a message written at ``instant`` counts in; None if in none.

    Early birds count in week 1; nothing counts from the course's end on.
    """
    if instant < counted_from(calendar):
        return None
    return calendar.week_at(instant)


def count(facts: MessageFacts, cohort_id: int, calendar: Calendar) -> Counted | None:
    """The row to keep for this message, or None when it does not count."""
    kind = classify(facts)
    if kind is None:
        return None
    week = week_of(calendar, facts.created_at)
    if week is None:
        return None
    return Counted(
        facts.message_id, cohort_id, facts.author_id, facts.channel_id, kind, week, facts.created_at
    )


@dataclass(frozen=True)
class Followed:
    """What counting a message needs to know about its cohort."""

    cohort_id: int
    channel_id: int  # the cohort's forum or text channel
    learner_role_id: int
    calendar: Calendar

    def worth_catching_up(self, now: datetime) -> bool:
        """Whether reading the cohort's history could still find something to count.

        After the archive nothing new can count, and re-reading after the purge
        would bring back what the purge erased.
        """
        return now < self.calendar.archives


def followed_channels(cohorts: Iterable[tuple[Cohort, Course]]) -> dict[int, Followed]:
    """The cohorts whose messages count, by their channel's id.

    A cohort an instructor ended is no longer followed.
    """
    return {
        cohort.channel_id: Followed(
            cohort.id, cohort.channel_id, cohort.learner_role_id, cohort.calendar(course)
        )
        for cohort, course in cohorts
        if cohort.state != CohortState.ENDED
    }


@dataclass
class ActivityBatch:
    """What one group commit writes: counted messages, deletions, and how far each place was read.

    The store writes rows first and deletions after, in one transaction, so a
    message deleted after it was counted never survives a batch that holds both.
    """

    rows: dict[int, Counted] = field(default_factory=dict)  # by message id
    deleted_messages: set[int] = field(default_factory=set)
    deleted_places: set[int] = field(default_factory=set)  # threads deleted with all they held
    # By channel or thread id: (cohort id, the newest message id seen there).
    cursors: dict[int, tuple[int, int]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.rows or self.deleted_messages or self.deleted_places or self.cursors)

    def then(self, later: ActivityBatch) -> ActivityBatch:
        """This batch followed by a later one, as one (to put back a batch that failed to write)."""
        cursors = dict(self.cursors)
        for place, (cohort_id, newest) in later.cursors.items():
            cursors[place] = (cohort_id, max(newest, cursors.get(place, (0, 0))[1]))
        return ActivityBatch(
            self.rows | later.rows,
            self.deleted_messages | later.deleted_messages,
            self.deleted_places | later.deleted_places,
            cursors,
        )

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

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from bot.cohort import Cohort, CohortState
from bot.course import Course
from bot.snowflake import first_id_at, made_at
from bot.timetable import Calendar

Kind = Literal["original", "reply"]
ORIGINAL: Kind = "original"
REPLY: Kind = "reply"

# Learners may say hello in the forum before the first module post; those
# messages count in week 1. Anything older belongs to whatever used the
# channel before (a reused forum's previous cohort), not to this cohort.
EARLY_BIRDS = timedelta(days=7)


class MessageFacts(NamedTuple):
    """A message as the rules see it (a tuple: one is built per gateway message).

    Its id says when it was written (``bot.snowflake``).
    """

    message_id: int
    author_id: int
    author_is_learner: bool  # holds the cohort's learner role
    channel_id: int  # the channel or thread it was written in
    thread_owner_id: int | None  # who started the thread; None outside threads
    replied_to_author_id: int | None  # the author of the message it replies to


class Counted(NamedTuple):
    """One counted message: the row the store keeps, never the message's text."""

    message_id: int  # also says when it was written
    cohort_id: int
    user_id: int
    channel_id: int
    kind: Kind
    week: int

    @property
    def created_at(self) -> datetime:
        return made_at(self.message_id)


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
    author, replied_to, owner = facts.author_id, facts.replied_to_author_id, facts.thread_owner_id
    answers_someone = replied_to is not None and replied_to != author
    in_someone_elses_thread = owner is not None and owner != author
    return REPLY if answers_someone or in_someone_elses_thread else ORIGINAL


def count(facts: MessageFacts, cohort: Followed, into: ActivityBatch) -> bool:
    """Add the message's row to the batch if it counts; True if it does."""
    kind = classify(facts)
    if kind is None:
        return False
    week = cohort.week_of(facts.message_id)
    if week is None:
        return False
    into.add(facts.message_id, cohort.cohort_id, facts.author_id, facts.channel_id, kind, week)
    return True


@dataclass(frozen=True)
class Followed:
    """What counting a message needs to know about its cohort."""

    cohort_id: int
    channel_id: int  # the cohort's forum or text channel
    learner_role_id: int
    calendar: Calendar
    counts_from: datetime  # the oldest instant at which a message counts
    # The first message id of each week, and the first one that no longer counts:
    # a message's week is found from its id with no datetime made (the hot path).
    _week_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _first_id: int = field(init=False, repr=False, compare=False)
    _end_id: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = tuple(first_id_at(window.opens) for window in self.calendar.weeks)
        object.__setattr__(self, "_week_starts", starts)
        object.__setattr__(self, "_first_id", first_id_at(self.counts_from))
        object.__setattr__(self, "_end_id", first_id_at(self.calendar.ends))

    @classmethod
    def of(cls, cohort: Cohort, course: Course) -> Followed:
        calendar = cohort.calendar(course)
        early = calendar.weeks[0].opens - EARLY_BIRDS
        return cls(cohort.id, cohort.channel_id, cohort.learner_role_id, calendar, early)

    def week_of(self, message_id: int) -> int | None:
        """The course week the message with this id counts in; None if in none.

        Early birds count in week 1; nothing counts from the course's end on.
        """
        if not self._first_id <= message_id < self._end_id:
            return None
        started = bisect_right(self._week_starts, message_id)  # weeks begun by then
        return self.calendar.weeks[max(started, 1) - 1].number

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
        cohort.channel_id: Followed.of(cohort, course)
        for cohort, course in cohorts
        if cohort.state != CohortState.ENDED
    }


@dataclass
class ActivityBatch:
    """What one group commit writes: counted messages, deletions, and how far each place was read.

    The store writes rows first and deletions after, in one transaction, so a
    message deleted after it was counted never survives a batch that holds both;
    and a message counted twice (live, then in the history) is one row.
    """

    # The counted rows laid end to end, a Counted's fields after another's (see ``add``).
    flat_rows: list[object] = field(default_factory=list)
    deleted_messages: set[int] = field(default_factory=set)
    deleted_places: set[int] = field(default_factory=set)  # threads deleted with all they held
    # By channel or thread id: (cohort id, the newest message id seen there).
    cursors: dict[int, tuple[int, int]] = field(default_factory=dict)

    def add(
        self, message_id: int, cohort_id: int, user_id: int, channel_id: int, kind: Kind, week: int
    ) -> None:
        """One counted row (a Counted's fields), kept as plain values.

        Nothing here is an object the garbage collector tracks: one kept per
        message until the write (a Counted) made a burst set off full
        collections over the bot's whole heap, a third of the tracker's cost
        in ``bench/bench_tracker.py``.
        """
        self.flat_rows += (message_id, cohort_id, user_id, channel_id, kind, week)

    @property
    def rows(self) -> list[Counted]:
        fields = len(Counted._fields)
        flat = self.flat_rows
        return [Counted._make(flat[i : i + fields]) for i in range(0, len(flat), fields)]

    def __bool__(self) -> bool:
        return bool(self.flat_rows or self.deleted_messages or self.deleted_places or self.cursors)

    def then(self, later: ActivityBatch) -> ActivityBatch:
        """This batch followed by a later one, as one (to put back a batch that failed to write)."""
        cursors = dict(self.cursors)
        for place, (cohort_id, newest) in later.cursors.items():
            cursors[place] = (cohort_id, max(newest, cursors.get(place, (0, 0))[1]))
        return ActivityBatch(
            self.flat_rows + later.flat_rows,
            self.deleted_messages | later.deleted_messages,
            self.deleted_places | later.deleted_places,
            cursors,
        )

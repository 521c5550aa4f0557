"""What counts as taking part, as what, and in which week: pure tables, no Discord."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.catalog import default_prompts_dir
from bot.cohort import Cohort, CohortState
from bot.course_file import load_course
from bot.snowflake import first_id_at, made_at
from bot.tracking import (
    ORIGINAL,
    REPLY,
    ActivityBatch,
    Counted,
    MessageFacts,
    classify,
    count,
    followed_channels,
)

COURSE, _ = load_course(default_prompts_dir() / "de-escalation.yaml")
START = date(2026, 10, 13)
AMARA, BAO = 1, 2
THREAD, FORUM = 50, 40
WEEK_1 = datetime(2026, 10, 14, 12, tzinfo=UTC)

COHORT = Cohort(
    guild_id=9,
    name="Fall 2026",
    course_id=COURSE.id,
    start=START,
    timezone=COURSE.timezone,
    channel_id=FORUM,
    learner_role_id=7,
    instructor_role_id=None,
    announcements_channel_id=None,
    created_by=3,
    id=5,
    state=CohortState.ACTIVE,
)
CALENDAR = COHORT.calendar(COURSE)
FOLLOWED = followed_channels([(COHORT, COURSE)])[FORUM]


def facts(
    *,
    learner: bool = True,
    owner: int | None = None,
    replied_to: int | None = None,
    at: datetime = WEEK_1,
) -> MessageFacts:
    """A message Amara wrote in week 1 (in a thread if ``owner`` is given)."""
    channel = THREAD if owner is not None else FORUM
    return MessageFacts(first_id_at(at), AMARA, learner, channel, owner, replied_to)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (facts(owner=AMARA), ORIGINAL),  # her own forum post or thread
        (facts(), ORIGINAL),  # a top-level message in a text channel
        (facts(replied_to=AMARA), ORIGINAL),  # a reply to herself answers no peer
        (facts(owner=AMARA, replied_to=AMARA), ORIGINAL),
        (facts(owner=BAO), REPLY),  # in a thread someone else started (the bot's too)
        (facts(replied_to=BAO), REPLY),  # a reply to another member
        (facts(owner=AMARA, replied_to=BAO), REPLY),  # answering a peer in her own thread
        (facts(owner=BAO, replied_to=AMARA), REPLY),  # still someone else's thread
        (facts(learner=False, owner=BAO), None),  # instructors, outsiders, bots
        (facts(learner=False), None),
    ],
)
def test_what_a_message_counts_as(message, kind):
    assert classify(message) == kind


@pytest.mark.parametrize(
    ("instant", "week"),
    [
        (CALENDAR.weeks[0].opens - timedelta(days=7), 1),  # an early bird
        (CALENDAR.weeks[0].opens - timedelta(days=7, seconds=1), None),  # older: not this cohort's
        (CALENDAR.weeks[0].opens, 1),
        (CALENDAR.weeks[1].opens - timedelta(microseconds=1), 1),
        (CALENDAR.weeks[1].opens, 2),
        # Week 3 closes on 3 November at 9:00 Pacific, after the change to winter time.
        (datetime(2026, 11, 3, 16, 30, tzinfo=UTC), 3),
        (datetime(2026, 11, 3, 17, 0, tzinfo=UTC), 4),
        (CALENDAR.ends - timedelta(microseconds=1), 4),
        (CALENDAR.ends, None),  # the course is over
    ],
)
def test_the_week_a_message_counts_in(instant, week):
    # A message's id says when it was written, to the millisecond.
    assert FOLLOWED.week_of(first_id_at(instant)) == week
    assert FOLLOWED.week_of(first_id_at(instant) + 4_000_000) == week  # later in that millisecond


def test_a_message_id_tells_the_millisecond_it_was_written():
    instant = datetime(2026, 11, 3, 16, 59, 59, 999_999, tzinfo=UTC)
    assert made_at(first_id_at(instant)) == instant.replace(microsecond=999_000)
    assert made_at(first_id_at(instant) + (1 << 22) - 1) == instant.replace(microsecond=999_000)
    assert first_id_at(datetime(2015, 1, 1, 0, 0, 0, 1000, tzinfo=UTC)) == 1 << 22


def test_a_counted_row_holds_who_where_when_and_what_kind_never_the_text():
    batch = ActivityBatch()
    assert count(facts(owner=BAO), FOLLOWED, into=batch)
    assert not count(facts(learner=False), FOLLOWED, into=batch)
    assert not count(facts(at=CALENDAR.ends), FOLLOWED, into=batch)
    assert batch.rows == [Counted(first_id_at(WEEK_1), COHORT.id, AMARA, THREAD, REPLY, 1)]
    assert batch.rows[0].created_at == WEEK_1


def test_cohorts_are_followed_by_their_channel_until_an_instructor_ends_them():
    other = replace(COHORT, id=6, channel_id=41, state=CohortState.PAUSED)
    ended = replace(COHORT, id=7, channel_id=42, state=CohortState.ENDED)
    followed = followed_channels([(COHORT, COURSE), (other, COURSE), (ended, COURSE)])
    assert {channel: f.cohort_id for channel, f in followed.items()} == {FORUM: 5, 41: 6}
    assert followed[FORUM].learner_role_id == 7 and followed[FORUM].channel_id == FORUM


def test_history_is_worth_reading_until_the_archive():
    assert FOLLOWED.worth_catching_up(CALENDAR.ends + timedelta(days=1))
    assert not FOLLOWED.worth_catching_up(CALENDAR.archives)


def test_a_batch_put_back_after_a_failed_write_loses_nothing_and_keeps_cursors_forward():
    row = Counted(100, 5, AMARA, THREAD, ORIGINAL, 1)
    later_row = row._replace(message_id=101, kind=REPLY)
    failed = ActivityBatch([], {90}, {60}, {THREAD: (5, 100), FORUM: (5, 80)})
    failed.add(*row)
    later = ActivityBatch([], {91}, set(), {THREAD: (5, 101), 61: (5, 70)})
    later.add(*later_row)
    both = failed.then(later)
    assert both.rows == [row, later_row]
    assert both.deleted_messages == {90, 91} and both.deleted_places == {60}
    assert both.cursors == {THREAD: (5, 101), FORUM: (5, 80), 61: (5, 70)}
    assert failed.then(ActivityBatch()).cursors == failed.cursors
    assert not ActivityBatch() and both

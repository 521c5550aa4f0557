"""Participation rows and channel cursors against a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.participation import Tally
from bot.snowflake import first_id_at
from bot.store.db import to_text
from bot.tracking import ORIGINAL, REPLY, ActivityBatch, Counted

AMARA, BAO = 1, 2
THREAD, OTHER_THREAD = 50, 51
AT = datetime(2026, 10, 14, 12, 30, 5, 123_000, tzinfo=UTC)


def row(message_id: int, cohort_id: int, user: int = AMARA, kind=ORIGINAL, week: int = 1):
    place = THREAD if message_id < 200 else OTHER_THREAD
    return Counted(message_id, cohort_id, user, place, kind, week)


def rows(*counted: Counted) -> ActivityBatch:
    batch = ActivityBatch()
    for row in counted:
        batch.add(*row)
    return batch


async def test_counts_per_learner_and_week_and_a_message_recorded_twice_is_one(store, cohort_id):
    await store.activity.apply(rows(row(100, cohort_id), row(101, cohort_id, kind=REPLY)))
    await store.activity.apply(
        rows(row(100, cohort_id), row(102, cohort_id, BAO, REPLY, week=2))  # 100 seen again
    )
    counts = await store.participation.counts(cohort_id)
    assert counts.by_learner_week == {(AMARA, 1): Tally(1, 1), (BAO, 2): Tally(0, 1)}


async def test_deleted_messages_stop_counting_even_within_the_batch_that_counted_them(
    store, cohort_id
):
    await store.activity.apply(rows(row(100, cohort_id), row(101, cohort_id)))
    batch = rows(row(102, cohort_id), row(103, cohort_id))
    batch.deleted_messages |= {100, 102}
    await store.activity.apply(batch)
    assert (await store.participation.counts(cohort_id)).by_learner_week == {
        (AMARA, 1): Tally(2, 0)
    }


async def test_a_deleted_thread_takes_its_messages_and_its_cursor(store, cohort_id):
    batch = rows(row(100, cohort_id), row(200, cohort_id))
    batch.cursors = {THREAD: (cohort_id, 100), OTHER_THREAD: (cohort_id, 200)}
    await store.activity.apply(batch)
    await store.activity.apply(ActivityBatch(deleted_places={THREAD}))
    assert (await store.participation.counts(cohort_id)).by_learner_week == {
        (AMARA, 1): Tally(1, 0)
    }
    assert await store.activity.cursors(cohort_id) == {OTHER_THREAD: 200}


async def test_cursors_only_move_forward(store, cohort_id):
    await store.activity.apply(ActivityBatch(cursors={THREAD: (cohort_id, 150)}))
    await store.activity.apply(ActivityBatch(cursors={THREAD: (cohort_id, 120)}))
    assert await store.activity.cursors(cohort_id) == {THREAD: 150}
    await store.activity.apply(ActivityBatch(cursors={THREAD: (cohort_id, 170)}))
    assert await store.activity.cursors(cohort_id) == {THREAD: 170}


async def test_a_batch_is_written_whole_or_not_at_all(store, cohort_id):
    broken = rows(row(100, cohort_id), row(101, cohort_id + 1))  # no such cohort
    broken.cursors = {THREAD: (cohort_id, 101)}
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        await store.activity.apply(broken)
    assert (await store.participation.counts(cohort_id)).by_learner_week == {}
    assert await store.activity.cursors(cohort_id) == {}
    await store.activity.apply(rows(row(102, cohort_id)))  # and the connection still works
    assert (await store.participation.counts(cohort_id)).by_learner_week == {
        (AMARA, 1): Tally(1, 0)
    }


async def test_the_time_kept_is_the_one_the_message_id_tells(store, cohort_id):
    message_id = first_id_at(AT) + 77  # written at AT; 77 tells it from others that millisecond
    await store.activity.apply(rows(row(message_id, cohort_id)))
    async with store.db.execute(
        "SELECT created_at FROM activity WHERE message_id = ?", (message_id,)
    ) as cursor:
        assert [tuple(r) for r in await cursor.fetchall()] == [(to_text(AT),)]

"""Who a DM fan-out reached, on a real SQLite file: the migration, claims raced by two connections."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import pytest

from bot.cohort import CLAIM_LEASE
from bot.dms import Outcome, Reached
from bot.store import Store
from bot.store.db import connect, migrate
from tests.helpers import NOW

AMARA, BAO, CARMEN = 101, 102, 103


async def test_migration_7_keeps_every_recipient_and_lets_a_claim_be_recorded(tmp_path):
    path = tmp_path / "v6.sqlite3"
    db = await connect(path)
    await migrate(db, up_to=6)  # the file as the version before this one left it
    await db.execute(
        "INSERT INTO cohorts (id, guild_id, name, course_id, start_date, timezone, channel_id,"
        " learner_role_id, created_by, created_at) VALUES (7, 1, 'Fall', 'de-escalation',"
        " '2026-10-13', 'America/Los_Angeles', 10, 20, 99, '2026-10-01T12:00:00.000000Z')"
    )
    rows = [
        (7, "nudge:1", AMARA, "sent", "2026-10-18T16:00:00.000000Z"),
        (7, "nudge:1", BAO, "dms_closed", "2026-10-18T16:00:01.000000Z"),
        (7, "reminder:live-1:1h", CARMEN, "failed", "2026-10-21T16:00:00.000000Z"),
    ]
    await db.executemany("INSERT INTO delivery_recipients VALUES (?, ?, ?, ?, ?)", rows)
    await db.commit()
    with pytest.raises(sqlite3.IntegrityError):  # what this migration is for
        await db.execute(
            "INSERT INTO delivery_recipients VALUES (7, 'nudge:2', 101, 'sending', '2026-10-25')"
        )
    await db.close()

    store = await Store.open(path)
    try:
        async with store.db.execute(
            "SELECT cohort_id, item_key, user_id, outcome, at FROM delivery_recipients"
            " ORDER BY user_id"
        ) as cursor:
            assert [tuple(row) for row in await cursor.fetchall()] == rows
        assert await store.deliveries.claim_recipient(7, "nudge:2", AMARA, NOW)
        assert (await store.deliveries.recipients(7, "nudge:2")) == {
            AMARA: Reached(Outcome.SENDING, NOW)
        }
        with pytest.raises(sqlite3.IntegrityError):  # the CHECK is still there
            await store.db.execute(
                "INSERT INTO delivery_recipients VALUES (7, 'nudge:2', 102, 'maybe', 'x')"
            )
        await store.db.rollback()
        await store.db.execute("DELETE FROM cohorts WHERE id = 7")  # the foreign key too
        await store.db.commit()
        assert await store.deliveries.recipients(7, "nudge:1") == {}
    finally:
        await store.close()


async def test_one_claim_per_recipient_among_two_processes(database, cohort_id):
    # The `store` fixture's database (via `cohort_id`), opened twice: two connections.
    first, second = await Store.open(database), await Store.open(database)
    try:
        won = await asyncio.gather(
            *(
                store.deliveries.claim_recipient(cohort_id, "nudge:1", user, NOW)
                for user in (AMARA, BAO, CARMEN)
                for store in (first, second)
            )
        )
        assert [won[i] + won[i + 1] for i in range(0, 6, 2)] == [1, 1, 1]
        assert not await first.deliveries.claim_recipient(cohort_id, "nudge:1", AMARA, NOW)
        # Another fan-out (another key) is another claim.
        assert await first.deliveries.claim_recipient(cohort_id, "nudge:2", AMARA, NOW)
    finally:
        await first.close()
        await second.close()


async def test_a_stale_claim_is_taken_over_once_and_a_finished_one_never(store, cohort_id):
    deliveries = store.deliveries
    assert await deliveries.claim_recipient(cohort_id, "nudge:1", AMARA, NOW)
    stale = (await deliveries.recipients(cohort_id, "nudge:1"))[AMARA]
    later = NOW + CLAIM_LEASE
    assert await deliveries.reclaim_recipient(cohort_id, "nudge:1", AMARA, stale, later)
    # A second process that read the same stale claim loses.
    assert not await deliveries.reclaim_recipient(cohort_id, "nudge:1", AMARA, stale, later)
    assert (await deliveries.recipients(cohort_id, "nudge:1"))[AMARA] == Reached(
        Outcome.SENDING, later
    )

    await deliveries.record_recipient(cohort_id, "nudge:1", AMARA, Outcome.SENT, later)
    sent = (await deliveries.recipients(cohort_id, "nudge:1"))[AMARA]
    assert sent == Reached(Outcome.SENT, later)
    assert not await deliveries.reclaim_recipient(cohort_id, "nudge:1", AMARA, sent, later)
    await deliveries.release_recipient(cohort_id, "nudge:1", AMARA)  # only a claim is released
    assert (await deliveries.recipients(cohort_id, "nudge:1"))[AMARA] == sent


async def test_a_released_claim_can_be_claimed_again(store, cohort_id):
    deliveries = store.deliveries
    assert await deliveries.claim_recipient(cohort_id, "reminder:live-1:1h", BAO, NOW)
    await deliveries.release_recipient(cohort_id, "reminder:live-1:1h", BAO)
    assert await deliveries.recipients(cohort_id, "reminder:live-1:1h") == {}
    again = NOW + timedelta(seconds=30)
    assert await deliveries.claim_recipient(cohort_id, "reminder:live-1:1h", BAO, again)

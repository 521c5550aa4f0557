"""The store against a real SQLite file: migrations, claims, the delivery life cycle."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.cohort import CLAIM_LEASE, CohortState, DeliveryState
from bot.errors import InvalidInput
from bot.store import Store
from bot.store.db import connect, migrate, migrations
from bot.timetable import CohortSession, Item, ItemKind
from tests.helpers import KINDS, NOW, new_cohort


async def schema(path) -> list[tuple[str, str]]:
    db = await connect(path)
    async with db.execute(
        "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ) as cursor:
        rows = [(r[0], r[1]) for r in await cursor.fetchall()]
    await db.close()
    return rows


async def test_migrations_from_empty_and_from_every_older_version(tmp_path):
    fresh = tmp_path / "fresh.sqlite3"
    await (await Store.open(fresh)).close()
    expected = await schema(fresh)
    assert any(name == "deliveries" for name, _ in expected)
    for older in migrations()[:-1]:
        version = older.version
        path = tmp_path / f"v{version}.sqlite3"
        db = await connect(path)
        assert await migrate(db, up_to=version) == version
        await db.close()
        store = await Store.open(path)  # what start-up does with an older file
        await store.close()
        assert await schema(path) == expected


async def test_open_is_idempotent_and_records_versions(tmp_path):
    path = tmp_path / "db.sqlite3"
    for _ in range(2):
        await (await Store.open(path)).close()
    db = await connect(path)
    async with db.execute("SELECT version FROM schema_version ORDER BY version") as cursor:
        versions = [r[0] for r in await cursor.fetchall()]
    async with db.execute("PRAGMA journal_mode") as cursor:
        mode = (await cursor.fetchone())[0]
    await db.close()
    assert versions == [m.version for m in migrations()]
    assert mode == "wal"


async def test_cohort_names_are_unique_per_server(store):
    session = CohortSession("live-1", "Live 1", NOW, timedelta(hours=1))
    cohort = await store.cohorts.create(new_cohort(), [session], NOW)
    assert (await store.cohorts.by_name(1, "Fall 2026")) == cohort
    assert await store.cohorts.sessions(cohort.id) == (session,)
    with pytest.raises(InvalidInput, match="already exists"):
        await store.cohorts.create(new_cohort(channel_id=11), [], NOW)
    await store.cohorts.set_state(cohort.id, CohortState.PAUSED)
    assert (await store.cohorts.get(cohort.id)).state is CohortState.PAUSED


async def test_a_channel_holds_one_cohort_until_its_archive_has_run(store):
    first = await store.cohorts.create(new_cohort(), [], NOW)
    archive = Item("archive", ItemKind.ARCHIVE, NOW)
    await store.deliveries.plan(first.id, [archive], NOW)
    for state in (CohortState.PAUSED, CohortState.ENDED):  # ended early: still holds it
        await store.cohorts.set_state(first.id, state)
        with pytest.raises(InvalidInput, match="already holds the cohort 'Fall 2026'"):
            await store.cohorts.create(new_cohort("Spring 2027", channel_id=10), [], NOW)
    assert await store.cohorts.holding_channel(10) == await store.cohorts.get(first.id)
    assert [c.name for c in await store.cohorts.all()] == ["Fall 2026"]

    assert await store.deliveries.claim(first.id, "archive", "me", NOW)
    claimed = await store.deliveries.get(first.id, "archive")
    await store.deliveries.complete(claimed, NOW, channel_id=None, message_id=None)
    assert await store.cohorts.holding_channel(10) is None
    second = await store.cohorts.create(new_cohort("Spring 2027", channel_id=10), [], NOW)
    assert await store.cohorts.holding_channel(10) == second


async def test_the_staff_role_is_kept_per_server(store):
    assert await store.guilds.staff_role(1) is None
    await store.guilds.set_staff_role(1, 50)
    await store.guilds.set_staff_role(1, 51)  # replaced
    await store.guilds.set_staff_role(2, 60)
    assert (await store.guilds.staff_role(1), await store.guilds.staff_role(2)) == (51, 60)
    assert await store.guilds.clear_staff_role(1)
    assert not await store.guilds.clear_staff_role(1)
    assert (await store.guilds.staff_role(1), await store.guilds.staff_role(2)) == (None, 60)


async def test_a_delivery_is_claimed_once_even_by_two_connections(database):
    first, second = await Store.open(database), await Store.open(database)
    cohort = await first.cohorts.create(new_cohort(), [], NOW)
    await first.deliveries.plan(cohort.id, [Item("module:1", ItemKind.MODULE, NOW, week=1)], NOW)
    claims = await asyncio.gather(
        first.deliveries.claim(cohort.id, "module:1", "a", NOW),
        second.deliveries.claim(cohort.id, "module:1", "b", NOW),
    )
    assert sorted(claims) == [False, True]
    await first.close()
    await second.close()


async def test_delivery_life_cycle(store):
    cohort = await store.cohorts.create(new_cohort(), [], NOW)
    later = NOW + timedelta(days=1)
    items = [
        Item("module:1", ItemKind.MODULE, NOW, week=1),
        Item("reminder:live-1:1h", ItemKind.REMINDER, later, 1, "live-1", expires=later),
    ]
    await store.deliveries.plan(cohort.id, items, NOW)
    due = await store.deliveries.due(NOW, KINDS)
    assert [d.key for d in due] == ["module:1"]

    assert await store.deliveries.claim(cohort.id, "module:1", "me", NOW)
    assert await store.deliveries.due(NOW, KINDS) == []
    assert await store.deliveries.stale_claims(NOW) == []
    assert [d.key for d in await store.deliveries.stale_claims(NOW + CLAIM_LEASE)] == ["module:1"]
    claimed = await store.deliveries.get(cohort.id, "module:1")
    await store.deliveries.retry_at(claimed, NOW + timedelta(minutes=1), "HTTP 500")
    assert await store.deliveries.due(NOW, KINDS) == []
    assert [d.key for d in await store.deliveries.due(NOW + timedelta(minutes=1), KINDS)] == [
        "module:1"
    ]
    assert await store.deliveries.claim(cohort.id, "module:1", "me", NOW)
    await store.deliveries.complete(claimed, NOW, channel_id=5, message_id=6)
    done = await store.deliveries.get(cohort.id, "module:1")
    assert (done.state, done.attempts, done.message_id) == (DeliveryState.DONE, 2, 6)

    # Rescheduling moves a pending row; dropping it from the plan makes it unplanned.
    moved = Item("reminder:live-1:1h", ItemKind.REMINDER, later + timedelta(hours=2), 1, "live-1")
    await store.deliveries.plan(cohort.id, [items[0], moved], NOW)
    assert (await store.deliveries.get(cohort.id, moved.key)).due == moved.due
    await store.deliveries.plan(cohort.id, [items[0]], NOW)
    left = await store.deliveries.get(cohort.id, moved.key)
    assert (left.state, left.note) == (DeliveryState.UNPLANNED, None)
    # ...and planning it again brings it back.
    await store.deliveries.plan(cohort.id, [items[0], moved], NOW)
    assert (await store.deliveries.get(cohort.id, moved.key)).state is DeliveryState.PENDING
    # The sent post was not touched by any re-plan.
    assert (await store.deliveries.get(cohort.id, "module:1")).state is DeliveryState.DONE


async def test_skip_if_pending_never_skips_a_row_someone_is_sending(store):
    cohort = await store.cohorts.create(new_cohort(), [], NOW)
    items = [
        Item("reminder:live-1:1d", ItemKind.REMINDER, NOW, 1, "live-1"),
        Item("reminder:live-1:1h", ItemKind.REMINDER, NOW, 1, "live-1"),
    ]
    await store.deliveries.plan(cohort.id, items, NOW)
    day, hour = await store.deliveries.due(NOW, KINDS)
    assert await store.deliveries.claim(cohort.id, hour.key, "other process", NOW)
    assert await store.deliveries.skip_if_pending(day, NOW, "replaced")
    assert not await store.deliveries.skip_if_pending(hour, NOW, "replaced")
    skipped = await store.deliveries.get(cohort.id, day.key)
    assert (skipped.state, skipped.note) == (DeliveryState.SKIPPED, "replaced")
    assert (await store.deliveries.get(cohort.id, hour.key)).state is DeliveryState.CLAIMED


async def test_paused_cohorts_have_nothing_due(store):
    cohort = await store.cohorts.create(new_cohort(), [], NOW)
    await store.deliveries.plan(cohort.id, [Item("module:1", ItemKind.MODULE, NOW, week=1)], NOW)
    await store.cohorts.set_state(cohort.id, CohortState.PAUSED)
    assert await store.deliveries.due(NOW, KINDS) == []
    assert await store.deliveries.wakeups(KINDS) == []
    await store.cohorts.set_state(cohort.id, CohortState.ACTIVE)
    assert await store.deliveries.wakeups(KINDS) == [(f"{cohort.id}:module:1", NOW)]


async def test_a_skipped_row_stays_skipped_whatever_its_note(store):
    """Only an unplanned row comes back: a skip (expired, cohort ended) is history."""
    cohort = await store.cohorts.create(new_cohort(), [], NOW)
    item = Item("reminder:live-1:1h", ItemKind.REMINDER, NOW, 1, "live-1", expires=NOW)
    await store.deliveries.plan(cohort.id, [item], NOW)
    row = await store.deliveries.get(cohort.id, item.key)
    await store.deliveries.skip(row, NOW, "no longer planned")  # the old magic note, as a skip
    await store.deliveries.plan(cohort.id, [item], NOW)
    assert (await store.deliveries.get(cohort.id, item.key)).state is DeliveryState.SKIPPED


async def test_migration_6_turns_the_magic_note_into_a_state_and_keeps_module_threads(tmp_path):
    path = tmp_path / "v4.sqlite3"
    db = await connect(path)
    await migrate(db, up_to=4)
    await db.execute(
        "INSERT INTO cohorts (id, guild_id, name, course_id, start_date, timezone, channel_id,"
        " learner_role_id, created_by, created_at)"
        " VALUES (7, 1, 'Old', 'de-escalation', '2025-10-14', 'UTC', 10, 20, 99, 'x')"
    )
    rows = [  # key, kind, state, channel, note
        ("module:1", "module", "done", 501, None),
        ("module:2", "module", "done", 10, None),  # a text post without a thread
        ("wrapup", "wrapup", "done", 11, None),
        ("reminder:live-1:1h", "reminder", "skipped", None, "no longer planned"),
        ("reminder:live-2:1h", "reminder", "skipped", None, "its moment passed"),
        ("digest:1", "digest", "pending", None, "HTTP 500"),
    ]
    await db.executemany(
        "INSERT INTO deliveries (cohort_id, item_key, kind, due_at, state, channel_id, note,"
        " done_at) VALUES (7, ?, ?, '2025-10-14T16:00:00.000000Z', ?, ?, ?, NULL)",
        rows,
    )
    await db.commit()
    await db.close()

    store = await Store.open(path)
    found = {d.key: (d.state, d.note) for d in await store.deliveries.for_cohort(7)}
    threads = await store.deliveries.threads(7)
    await store.close()

    assert found == {
        "module:1": (DeliveryState.DONE, None),
        "module:2": (DeliveryState.DONE, None),
        "wrapup": (DeliveryState.DONE, None),
        "reminder:live-1:1h": (DeliveryState.UNPLANNED, None),
        "reminder:live-2:1h": (DeliveryState.SKIPPED, "its moment passed"),
        "digest:1": (DeliveryState.PENDING, "HTTP 500"),
    }
    assert threads == [501]


async def test_every_table_about_people_is_described_in_words_for_mydata(store):
    from bot.features.privacy import IN_WORDS
    from bot.store.privacy import tables_with

    about_people = set(await tables_with(store.db, "user_id"))
    assert about_people - IN_WORDS.keys() == set()  # /mydata never says "records in 'x'"


async def test_forgetting_a_slack_number_keeps_it_while_the_staff_record_names_it(store):
    """``/forgetme`` on Slack also drops the number standing for the person's Slack id,
    unless a staff record (any ``…_by`` column, found from the schema) or a row still names it."""
    staff = await store.external.surrogate("slack", "T1/USTAFF")
    learner = await store.external.surrogate("slack", "T1/ULEARNER")
    helper = await store.external.surrogate("slack", "T1/UHELPER")
    cohort = await store.cohorts.create(replace(new_cohort(), created_by=staff), [], NOW)
    other = await store.external.surrogate("slack", "T1/UOTHER")
    await store.participation.excuse(cohort.id, learner, 1, by=helper, now=NOW)
    await store.participation.excuse(cohort.id, other, 1, by=helper, now=NOW)
    await store.privacy.forget(learner)
    assert await store.external.forget(learner)
    assert await store.external.known("slack", "T1/ULEARNER") is None
    assert await store.external.external(learner) is None
    assert not await store.external.forget(staff)  # the cohort names its creator
    assert not await store.external.forget(helper)  # so does an excusal they gave (purged later)
    assert await store.external.external(staff) == "T1/USTAFF"
    assert await store.external.surrogate("slack", "T1/ULEARNER") not in (learner, staff, helper)

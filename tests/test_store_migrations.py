"""Upgrades carry data: a file written at every older version keeps every row through each migration.

Each table gets a seed row at the version that created it; the file is then
upgraded one migration at a time, and after each step every seeded row must
still read back with the same values (or the value a migration deliberately
changes it to, listed in ``AFTER``).
"""

from __future__ import annotations

from typing import Any

import aiosqlite

from bot.store import Store
from bot.store.db import connect, migrate, migrations

# (table, row) seeded once the migration of that number has run. Times are the store's text form.
SEEDS: dict[int, list[tuple[str, dict[str, Any]]]] = {
    1: [
        (
            "cohorts",
            {
                "id": 7,
                "guild_id": 111,
                "name": "Fall 2026",
                "course_id": "de-escalation",
                "start_date": "2026-10-13",
                "timezone": "America/Los_Angeles",
                "channel_id": 222,
                "learner_role_id": 333,
                "instructor_role_id": 444,
                "announcements_channel_id": 555,
                "state": "active",
                "created_by": 666,
                "created_at": "2026-10-01T12:00:00.000000Z",
            },
        ),
        (
            "cohort_sessions",
            {
                "cohort_id": 7,
                "key": "live-1",
                "title": "Live session 1",
                "start_at": "2026-10-21T17:00:00.000000Z",
                "duration_s": 4500,
                "url": "https://example.org/live/1",
                "cancelled": 0,
            },
        ),
        (
            "deliveries",
            {
                "cohort_id": 7,
                "item_key": "module:1",
                "kind": "module",
                "due_at": "2026-10-13T16:00:00.000000Z",
                "week": 1,
                "state": "done",
                "attempts": 1,
                "claimed_by": "abc",
                "claimed_at": "2026-10-13T16:00:00.000000Z",
                "done_at": "2026-10-13T16:00:01.000000Z",
                "channel_id": 777,
                "message_id": 888,
                "late": 0,
            },
        ),
        (
            "deliveries",
            {
                "cohort_id": 7,
                "item_key": "reminder:live-1:1h",
                "kind": "reminder",
                "due_at": "2026-10-21T16:00:00.000000Z",
                "week": 2,
                "session_key": "live-1",
                "expires_at": "2026-10-21T17:00:00.000000Z",
                "state": "pending",
                "attempts": 0,
                "late": 0,
            },
        ),
        (
            "delivery_recipients",
            {
                "cohort_id": 7,
                "item_key": "nudge:1",
                "user_id": 1001,
                "outcome": "sent",
                "at": "2026-10-19T16:00:00.000000Z",
            },
        ),
    ],
    2: [
        (
            "activity",
            {
                "message_id": 9001,
                "cohort_id": 7,
                "user_id": 1001,
                "channel_id": 777,
                "kind": "reply",
                "week": 1,
                "created_at": "2026-10-14T10:00:00.000000Z",
            },
        ),
        ("channel_cursors", {"channel_id": 777, "cohort_id": 7, "last_message_id": 9001}),
    ],
    3: [
        (
            "excusals",
            {
                "cohort_id": 7,
                "user_id": 1002,
                "week": 2,
                "excused_by": 666,
                "at": "2026-10-22T10:00:00.000000Z",
            },
        ),
        (
            "learner_prefs",
            {"user_id": 1003, "reminders_off": 1, "updated_at": "2026-10-15T10:00:00.000000Z"},
        ),
    ],
    4: [
        (
            "rsvps",
            {
                "cohort_id": 7,
                "session_key": "live-1",
                "user_id": 1001,
                "at": "2026-10-20T10:00:00.000000Z",
            },
        ),
        (
            "recordings",
            {
                "id": 1,
                "cohort_id": 7,
                "session_key": "live-1",
                "url": "https://example.org/rec/1",
                "passcode": "s3cret",
                "note": "slides in the thread",
                "added_by": 666,
                "added_at": "2026-10-21T19:00:00.000000Z",
            },
        ),
        (
            "attendance",
            {
                "cohort_id": 7,
                "session_key": "live-1",
                "user_id": 1002,
                "at": "2026-10-21T17:01:00.000000Z",
            },
        ),
        ("session_events", {"cohort_id": 7, "session_key": "live-1", "event_id": 4242}),
    ],
    13: [
        ("external_ids", {"id": 1, "platform": "slack", "external": "T0001/C0COHORT"}),
        (
            "cohorts",
            {
                "id": 8,
                "guild_id": 2,
                "name": "Slack Fall 2026",
                "course_id": "de-escalation",
                "start_date": "2026-10-13",
                "timezone": "America/Los_Angeles",
                "channel_id": 1,
                "learner_role_id": 3,
                "instructor_role_id": None,
                "announcements_channel_id": None,
                "state": "active",
                "created_by": 4,
                "created_at": "2026-10-01T12:00:00.000000Z",
                "platform": "slack",
            },
        ),
    ],
}

# Values a later migration changes on purpose: (table, seeded row's first two values) -> changes.
AFTER: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = {}


async def insert(db: aiosqlite.Connection, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    await db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(row.values()))
    await db.commit()


async def read_back(db: aiosqlite.Connection, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """The stored row matching the seed's first two columns (its identity), as a dict."""
    key = list(row)[:2]
    where = " AND ".join(f"{column} = ?" for column in key)
    async with db.execute(
        f"SELECT * FROM {table} WHERE {where}", tuple(row[c] for c in key)
    ) as cursor:
        found = await cursor.fetchall()
    assert len(found) == 1, f"{table} row {row} is gone or doubled: {found}"
    return dict(found[0])


def expected(table: str, row: dict[str, Any]) -> dict[str, Any]:
    return {**row, **AFTER.get((table, tuple(row.values())[:2]), {})}


async def check_seeded(db: aiosqlite.Connection, up_to: int, after: int) -> None:
    for version, seeds in SEEDS.items():
        if version > up_to:
            continue
        for table, row in seeds:
            stored = await read_back(db, table, row)
            want = expected(table, row)
            changed = {c: (stored.get(c), v) for c, v in want.items() if stored.get(c) != v}
            assert not changed, f"after migration {after}, {table} changed: {changed}"


async def test_every_upgrade_carries_every_row(tmp_path):
    versions = [m.version for m in migrations()]
    assert set(SEEDS) <= set(versions)
    for start in versions[:-1]:
        path = tmp_path / f"from-{start}.sqlite3"
        db = await connect(path)
        await migrate(db, up_to=start)
        for version in versions:
            if version > start:
                await migrate(db, up_to=version)
            for table, row in SEEDS.get(version, []):  # a table is seeded once it exists
                await insert(db, table, row)
            if version >= start:
                await check_seeded(db, up_to=version, after=version)
        await db.close()
        # What start-up does with the upgraded file: it opens, and the rows are still there.
        store = await Store.open(path)
        await check_seeded(store.db, up_to=versions[-1], after=versions[-1])
        await store.close()


async def test_the_check_notices_a_lost_row(tmp_path):
    db = await connect(tmp_path / "lost.sqlite3")
    await migrate(db, up_to=1)
    for table, row in SEEDS[1]:
        await insert(db, table, row)
    await db.execute("DELETE FROM delivery_recipients")
    await db.commit()
    try:
        await check_seeded(db, up_to=1, after=1)
    except AssertionError as error:
        assert "delivery_recipients" in str(error)
    else:
        raise AssertionError("a lost row went unnoticed")
    finally:
        await db.close()


async def test_0013_keeps_every_discord_cohort_on_discord(tmp_path):
    db = await connect(tmp_path / "platforms.sqlite3")
    await migrate(db, up_to=12)
    for table, row in SEEDS[1]:
        await insert(db, table, row)
    await migrate(db)
    async with db.execute("SELECT id, platform FROM cohorts") as cursor:
        assert [tuple(r) for r in await cursor.fetchall()] == [(7, "discord")]
    await db.close()
    store = await Store.open(tmp_path / "platforms.sqlite3")
    cohort = await store.cohorts.get(7)
    assert cohort is not None and cohort.platform == "discord" and cohort.channel_id == 222
    await store.close()

"""Participation counts, excusals, reminder choices, purge and privacy on a real SQLite file.

Activity rows are inserted directly: how the tracker writes them is tested in
test_store_activity.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.participation import Tally
from bot.store import Store
from bot.store.db import to_text
from tests.helpers import NOW, new_cohort

# Real Discord ids are 8-byte integers; these are too, so the raw-bytes checks mean something.
AMARA, BAO, CARMEN = 0x01D2_E7A3_5B00_0001, 0x01D2_E7A3_5B00_0002, 0x01D2_E7A3_5B00_0003
INSTRUCTOR = 0x01D2_E7A3_5B00_0099
THREAD = 50


@pytest.fixture
async def other_cohort_id(store):
    return (await store.cohorts.create(new_cohort("Spring 2027"), [], NOW)).id


_next_message = iter(range(1_000, 10_000_000))


async def write(store: Store, cohort_id: int, user_id: int, week: int, kind: str, n: int = 1):
    """``n`` counted messages, as the tracker would have recorded them."""
    await store.db.executemany(
        "INSERT INTO activity (message_id, cohort_id, user_id, channel_id, kind, week, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, '2026-10-14T12:00:00.000000Z')",
        [(next(_next_message), cohort_id, user_id, THREAD, kind, week) for _ in range(n)],
    )
    await store.db.commit()


async def test_counts_per_learner_and_week_with_excused_weeks(store, cohort_id, other_cohort_id):
    await write(store, cohort_id, AMARA, 1, "original")
    await write(store, cohort_id, AMARA, 1, "reply", 3)
    await write(store, cohort_id, AMARA, 2, "reply")
    await write(store, cohort_id, BAO, 2, "original", 2)
    await write(store, other_cohort_id, BAO, 1, "original")  # another cohort's
    await store.participation.excuse(cohort_id, CARMEN, 2, INSTRUCTOR, NOW)

    counts = await store.participation.counts(cohort_id)
    assert counts.by_learner_week == {
        (AMARA, 1): Tally(1, 3),
        (AMARA, 2): Tally(0, 1),
        (BAO, 2): Tally(2, 0),
    }
    assert counts.excused == {(CARMEN, 2)}

    week_2 = await store.participation.counts(cohort_id, week=2)
    assert week_2.by_learner_week == {(AMARA, 2): Tally(0, 1), (BAO, 2): Tally(2, 0)}
    assert week_2.excused == {(CARMEN, 2)}
    amara = await store.participation.counts(cohort_id, users=[AMARA])
    assert amara.by_learner_week == {(AMARA, 1): Tally(1, 3), (AMARA, 2): Tally(0, 1)}
    assert amara.excused == set()
    asked = await store.participation.counts(cohort_id, week=2, users=[BAO, CARMEN])
    assert asked.by_learner_week == {(BAO, 2): Tally(2, 0)}
    assert asked.excused == {(CARMEN, 2)}


@pytest.mark.sqlite_only("reads SQLite's query plans (EXPLAIN QUERY PLAN)")
async def test_the_counts_read_only_the_covering_index(store, cohort_id):
    """The hot query never reads the table and never sorts: the index is in group order.

    Asked for one week of given learners (the summary), it seeks to each
    learner's week rather than reading all of the cohort's index entries.
    """
    executed: list[str] = []
    await store.db.set_trace_callback(executed.append)  # the SQL as run, values filled in
    await store.participation.counts(cohort_id)
    await store.participation.counts(cohort_id, users=[AMARA, BAO])
    await store.participation.counts(cohort_id, week=3, users=[AMARA, BAO])
    await store.db.set_trace_callback(None)

    aggregates = [sql for sql in executed if "FROM activity" in sql]
    assert len(aggregates) == 3  # one query over activity per report
    plans = []
    for sql in aggregates:
        async with store.db.execute("EXPLAIN QUERY PLAN " + sql) as cursor:
            plans.append(" | ".join(row[3] for row in await cursor.fetchall()))
    for plan in plans:
        assert "USING COVERING INDEX activity_by_cohort" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    assert "(cohort_id=? AND user_id=? AND week=?)" in plans[2]


async def test_on_postgresql_one_week_is_one_range_of_the_index(postgres_database):
    """The summary's query on PostgreSQL: the week's entries of the cohort, read in index
    order (no sort, no table), with no IN list of learners to bind and plan each time."""
    store = await Store.open(postgres_database)
    try:
        cohort_id = (await store.cohorts.create(new_cohort(), [], NOW)).id
        other_id = (await store.cohorts.create(new_cohort("Spring 2027"), [], NOW)).id
        learners = list(range(AMARA, AMARA + 300))
        # 300 learners x 15 weeks x 4 messages in each cohort; committed as a normal server
        # does (the tests' has synchronous_commit off), so VACUUM can set the visibility map.
        await store.db.script("SET synchronous_commit = on")
        for cohort in (cohort_id, other_id):
            await store.db.execute(
                "INSERT INTO activity (message_id, cohort_id, user_id, channel_id, kind, week,"
                " created_at) SELECT ?::bigint * 1000000 + n, ?, ?::bigint + n % 300, 50,"
                " CASE WHEN n / 300 % 2 = 0 THEN 'original' ELSE 'reply' END, 1 + n / 1200,"
                " '2026-10-14T12:00:00.000000Z' FROM generate_series(0, 17999) AS n",
                (cohort, cohort, AMARA),
            )
        await store.db.commit()
        await store.db.vacuum(["activity"])  # as autovacuum does after a bulk of inserts
        await store.db.script("ANALYZE activity")

        executed: list[tuple[str, list[object]]] = []
        execute = store.db.execute

        def spy(sql: str, parameters: object = None) -> object:
            executed.append((sql, list(parameters or ())))
            return execute(sql, parameters)

        store.db.execute = spy
        counts = await store.participation.counts(cohort_id, week=3, users=learners[:200])
        store.db.execute = execute

        assert len(counts.by_learner_week) == 200  # the 100 not asked for are left out
        assert counts.by_learner_week[(AMARA, 3)] == Tally(2, 2)
        [(sql, parameters)] = [(q, p) for q, p in executed if "FROM activity" in q]
        assert parameters == [cohort_id, 3]
        async with store.db.execute("EXPLAIN ANALYZE " + sql, parameters) as cursor:
            plan = "\n".join(row[0] for row in await cursor.fetchall())
        assert "Index Only Scan using activity_by_cohort_week" in plan, plan
        assert "Heap Fetches: 0" in plan, plan
        assert "Sort" not in plan, plan
        # The newest rows (the current week) are marked all-visible soon, not after 20 %.
        async with store.db.execute(
            "SELECT reloptions FROM pg_class WHERE oid = 'activity'::regclass"
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None and "autovacuum_vacuum_insert_scale_factor=0.01" in row[0]
    finally:
        await store.close()


async def test_one_week_of_given_learners_leaves_out_everyone_else(store, cohort_id):
    await write(store, cohort_id, AMARA, 2, "original")
    await write(store, cohort_id, BAO, 2, "reply", 2)
    await write(store, cohort_id, CARMEN, 1, "reply")
    await store.participation.excuse(cohort_id, AMARA, 2, INSTRUCTOR, NOW)
    await store.participation.excuse(cohort_id, CARMEN, 2, INSTRUCTOR, NOW)
    counts = await store.participation.counts(cohort_id, week=2, users=[BAO, CARMEN])
    assert counts.by_learner_week == {(BAO, 2): Tally(0, 2)}
    assert counts.excused == {(CARMEN, 2)}
    nobody = await store.participation.counts(cohort_id, week=2, users=[])
    assert nobody.by_learner_week == {} and nobody.excused == set()


async def test_a_cohort_too_large_for_one_statement_is_read_whole(store, cohort_id):
    await write(store, cohort_id, AMARA, 1, "original")
    everyone = [AMARA, *range(40_000)]  # more parameters than SQLite takes
    counts = await store.participation.counts(cohort_id, week=1, users=everyone)
    assert counts.by_learner_week == {(AMARA, 1): Tally(1, 0)}


async def test_excusing_a_week_twice_keeps_one_excusal(store, cohort_id):
    await store.participation.excuse(cohort_id, BAO, 3, INSTRUCTOR, NOW)
    await store.participation.excuse(cohort_id, BAO, 3, INSTRUCTOR, NOW + timedelta(hours=1))
    await store.participation.excuse(cohort_id, AMARA, 1, INSTRUCTOR, NOW)
    assert await store.participation.excusals(cohort_id) == [(AMARA, 1), (BAO, 3)]


async def test_reminders_off_and_on_again(store):
    assert await store.participation.reminders_off() == set()
    await store.participation.set_reminders(AMARA, False, NOW)
    await store.participation.set_reminders(BAO, False, NOW)
    await store.participation.set_reminders(BAO, True, NOW + timedelta(days=1))
    assert await store.participation.reminders_off() == {AMARA}


async def people_rows(store: Store, cohort_id: int) -> dict[str, int]:
    counts = {}
    for table in ("activity", "excusals", "delivery_recipients", "rsvps", "attendance"):
        async with store.db.execute(
            f"SELECT COUNT(*) FROM {table} WHERE cohort_id = ?", (cohort_id,)
        ) as cursor:
            counts[table] = (await cursor.fetchone())[0]
    return counts


async def fill_cohort(store: Store, cohort_id: int) -> None:
    await write(store, cohort_id, AMARA, 1, "original", 2)
    await store.participation.excuse(cohort_id, BAO, 1, INSTRUCTOR, NOW)
    await store.deliveries.record_recipient(cohort_id, "nudge:1", AMARA, "sent", NOW)
    await store.sessions.toggle_rsvp(cohort_id, "live-1", AMARA, NOW)
    await store.db.execute(
        "INSERT INTO attendance (cohort_id, session_key, user_id, at) VALUES (?, 'live-1', ?, ?)",
        (cohort_id, BAO, "2026-10-14T12:00:00.000000Z"),
    )
    await store.db.execute(
        "INSERT INTO channel_cursors (channel_id, cohort_id, last_message_id) VALUES (?, ?, 1)",
        (cohort_id * 1000, cohort_id),
    )
    await store.db.commit()


async def test_purge_deletes_what_a_cohort_holds_about_people_and_nothing_else(
    store, cohort_id, other_cohort_id
):
    await fill_cohort(store, cohort_id)
    await fill_cohort(store, other_cohort_id)
    await store.participation.set_reminders(AMARA, False, NOW)
    before = await people_rows(store, other_cohort_id)

    removed = await store.participation.purge_cohort(cohort_id)

    assert removed == 7  # 2 activity, 1 excusal, 1 recipient, 1 rsvp, 1 attendance, 1 cursor
    assert set((await people_rows(store, cohort_id)).values()) == {0}
    assert await store.activity.cursors(cohort_id) == {}
    assert await people_rows(store, other_cohort_id) == before  # another cohort's stays
    assert await store.participation.reminders_off() == {AMARA}  # a person's own choice stays
    assert await store.cohorts.get(cohort_id) is not None


async def test_everything_about_a_person_in_every_table_that_holds_people(store, cohort_id):
    await fill_cohort(store, cohort_id)
    await store.participation.set_reminders(AMARA, False, NOW)
    # A table a later migration might add is found by its user_id column, not by name.
    await store.db.execute("CREATE TABLE future_feature (user_id BIGINT, note TEXT)")
    await store.db.execute(
        "INSERT INTO future_feature VALUES (?, 'kept by a later feature')", (AMARA,)
    )
    await store.db.commit()

    found = await store.privacy.everything_about(AMARA)

    assert {table: len(rows) for table, rows in found.items()} == {
        "activity": 2,
        "delivery_recipients": 1,
        "future_feature": 1,
        "learner_prefs": 1,
        "rsvps": 1,
    }
    assert all(row["user_id"] == AMARA for rows in found.values() for row in rows)
    assert found["learner_prefs"][0]["reminders_off"] == 1
    assert await store.privacy.everything_about(CARMEN) == {}


async def test_forget_erases_a_person_everywhere_and_from_the_file(tmp_path, store, cohort_id):
    await fill_cohort(store, cohort_id)
    await store.participation.set_reminders(AMARA, False, NOW)
    await store.db.execute("CREATE TABLE future_feature (user_id BIGINT, note TEXT)")
    await store.db.execute("INSERT INTO future_feature VALUES (?, 'x')", (AMARA,))
    await store.db.commit()
    bao_before = await store.privacy.everything_about(BAO)

    removed = await store.privacy.forget(AMARA)

    assert removed == 6  # 2 activity, 1 recipient, 1 rsvp, 1 preference, 1 future row
    assert await store.privacy.everything_about(AMARA) == {}
    assert await store.privacy.everything_about(BAO) == bao_before
    if store.dialect == "postgres":
        # No secure_delete: what can be done is done, the touched tables vacuumed at once
        # (README.md, "PostgreSQL", says what remains: WAL, backups).
        async with store.db.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL"
        ) as cursor:
            vacuumed = {row[0] for row in await cursor.fetchall()}
        assert {"activity", "rsvps", "learner_prefs", "future_feature"} <= vacuumed
        return
    database = tmp_path / "cohortbot.sqlite3"  # the store fixture's file
    wal = database.with_name(database.name + "-wal")
    raw = database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert AMARA.to_bytes(8, "big") not in raw
    assert BAO.to_bytes(8, "big") in raw  # the check can see an id that is there


async def test_check_ins_recordings_watched_and_hand_ins_are_counted_per_learner(
    store, cohort_id, other_cohort_id
):
    await store.sessions.check_in(cohort_id, "live-1", AMARA, NOW)
    assert await store.sessions.confirm_watched(cohort_id, "live-1", BAO, NOW)
    assert not await store.sessions.confirm_watched(cohort_id, "live-1", BAO, NOW)  # once
    await store.sessions.confirm_watched(other_cohort_id, "live-1", CARMEN, NOW)
    counts = await store.participation.counts(cohort_id)
    assert counts.checked_in == {(AMARA, "live-1")}
    assert counts.watched == {(BAO, "live-1")}
    only_bao = await store.participation.counts(cohort_id, week=2, users=[BAO])
    assert only_bao.watched == {(BAO, "live-1")}  # read for the cohort: the report picks
    assert only_bao.checked_in == {(AMARA, "live-1")}


async def old_cohort(db) -> int:
    """A cohort row in a schema older than the code: only the columns every version has."""
    new = new_cohort()
    cursor = await db.execute(
        "INSERT INTO cohorts (guild_id, name, course_id, start_date, timezone, channel_id,"
        " learner_role_id, instructor_role_id, announcements_channel_id, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            new.guild_id, new.name, new.course_id, new.start.isoformat(), new.timezone,
            new.channel_id, new.learner_role_id, new.instructor_role_id,
            new.announcements_channel_id, new.created_by, to_text(NOW),
        ),
    )  # fmt: skip
    (cohort_id,) = await cursor.fetchone()
    await db.commit()
    return int(cohort_id)


async def test_a_file_from_before_migration_9_keeps_its_rows_and_gains_the_new_tables(database):
    from bot.store.db import migrate, open_connection

    path = database  # a SQLite file, then a PostgreSQL database
    db = await open_connection(path)
    await migrate(db, up_to=4)  # the schema before options and assignments
    old = Store(db)
    cohort_id = await old_cohort(db)  # as the code of that time wrote it
    await write(old, cohort_id, AMARA, 1, "original")
    await old.sessions.check_in(cohort_id, "live-1", AMARA, NOW)
    await db.close()

    store = await Store.open(path)
    try:
        counts = await store.participation.counts(cohort_id)
        assert counts.by_learner_week == {(AMARA, 1): Tally(1, 0)}
        assert counts.checked_in == {(AMARA, "live-1")} and counts.handed_in == {}
        assert await store.sessions.confirm_watched(cohort_id, "live-1", BAO, NOW)
    finally:
        await store.close()

"""The PostgreSQL backend's own parts: the connection wrapper and the migrations of its dialect.

Everything else about the store runs on both backends through the ``store`` and
``database`` fixtures (``tests/conftest.py``).
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.store import Store
from bot.store.db import connect, in_list, migrate, migrations
from bot.store.postgres import (
    ConnectionLost,
    IntegrityError,
    PostgresConnection,
    numbered,
    rowcount,
)
from tests.helpers import NOW, new_cohort, table_columns


def test_question_marks_become_numbered_parameters_outside_quotes():
    assert numbered("SELECT ? , '?', \"a?\", ?") == "SELECT $1 , '?', \"a?\", $2"
    assert numbered("x = ?::bigint[]") == "x = $1::bigint[]"


def test_rowcount_is_read_from_the_command_status():
    assert [rowcount(s) for s in ("INSERT 0 3", "UPDATE 1", "DELETE 0", "BEGIN")] == [3, 1, 0, -1]


def test_an_empty_list_is_written_as_what_it_means():
    assert in_list("kind", []) == ("1 = 0", [])
    assert in_list("kind", [], negate=True) == ("1 = 1", [])
    assert in_list("kind", ["a", "b"], negate=True) == ("kind NOT IN (?, ?)", ["a", "b"])


def test_both_dialects_have_the_same_migration_numbers():
    assert [m.version for m in migrations("postgres")] == [m.version for m in migrations()]
    own = [m for m in migrations("postgres") if m not in migrations()]
    assert own and all("PostgreSQL" in m.sql.splitlines()[0] for m in own)  # each says why


async def test_the_postgresql_schema_has_sqlites_tables_and_columns(tmp_path, postgres_database):
    on_sqlite = await Store.open(tmp_path / "cohortbot.sqlite3")
    on_postgres = await Store.open(postgres_database)
    try:
        sqlite_tables = await table_columns(on_sqlite)
        postgres_tables = await table_columns(on_postgres)
    finally:
        await on_sqlite.close()
        await on_postgres.close()
    assert postgres_tables == sqlite_tables


async def test_discord_ids_fit(postgres_database):
    store = await Store.open(postgres_database)
    try:
        huge = 2**63 - 1  # snowflakes are below 2**63: BIGINT, not PostgreSQL's 32-bit INTEGER
        await store.guilds.set_staff_role(huge, huge - 1)
        assert await store.guilds.staff_role(huge) == huge - 1
    finally:
        await store.close()


async def test_no_column_is_a_32_bit_integer(postgres_database):
    """A shared migration written with INTEGER (64-bit in SQLite) is 32-bit here: a Discord
    id would not fit. Such a migration needs its copy in migrations/postgres/ (BIGINT)."""
    store = await Store.open(postgres_database)
    try:
        async with store.db.execute(
            "SELECT table_name || '.' || column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND data_type IN ('integer', 'smallint')"
            " AND table_name != 'schema_version'"
        ) as cursor:
            assert [row[0] for row in await cursor.fetchall()] == []
    finally:
        await store.close()


async def test_migrations_from_every_older_version(postgres_server):
    fresh = postgres_server.new_database()
    try:
        await (await Store.open(fresh)).close()
        store = await Store.open(fresh)
        expected = await table_columns(store)
        await store.close()
    finally:
        postgres_server.drop_database(fresh)
    for older in [m.version for m in migrations("postgres")[:-1]]:
        url = postgres_server.new_database()
        try:
            db = await PostgresConnection.connect(url)
            assert await migrate(db, up_to=older) == older
            await db.close()
            store = await Store.open(url)  # what start-up does with an older database
            assert await table_columns(store) == expected
            await store.close()
        finally:
            postgres_server.drop_database(url)


async def test_two_processes_starting_at_once_migrate_once(postgres_database):
    first, second = await asyncio.gather(
        Store.open(postgres_database), Store.open(postgres_database)
    )
    try:
        async with first.db.execute(
            "SELECT version FROM schema_version ORDER BY version"
        ) as cursor:
            versions = [row[0] for row in await cursor.fetchall()]
        assert versions == [m.version for m in migrations("postgres")]
    finally:
        await first.close()
        await second.close()


async def test_a_failed_statement_leaves_the_shared_connection_usable(postgres_database):
    store = await Store.open(postgres_database)
    try:
        await store.cohorts.create(new_cohort(), [], NOW)
        await store.db.execute("UPDATE cohorts SET name = 'x'")  # opens a transaction
        with pytest.raises(IntegrityError):  # the same name twice in one server
            await store.db.execute(
                "INSERT INTO cohorts (guild_id, name, course_id, start_date, timezone, channel_id,"
                " learner_role_id, created_by, created_at)"
                " SELECT guild_id, name, course_id, start_date, timezone, channel_id,"
                " learner_role_id, created_by, created_at FROM cohorts"
            )
        # The whole transaction went back at once (PostgreSQL would refuse anything else).
        assert [c.name for c in await store.cohorts.all()] == [new_cohort().name]
        await store.guilds.set_staff_role(1, 2)
        assert await store.guilds.staff_role(1) == 2
    finally:
        await store.close()


async def test_sqlite_is_the_default_and_untouched(tmp_path):
    db = await connect(tmp_path / "x.sqlite3")
    try:
        assert not isinstance(db, PostgresConnection)
    finally:
        await db.close()


async def vacuumed(store: Store) -> set[str]:
    async with store.db.execute(
        "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL"
    ) as cursor:
        return {row[0] for row in await cursor.fetchall()}


async def test_the_purge_vacuums_what_it_emptied(postgres_database):
    store = await Store.open(postgres_database)
    try:
        cohort = await store.cohorts.create(new_cohort(), [], NOW)
        await store.participation.excuse(cohort.id, 7, 1, 8, NOW)
        assert "excusals" not in await vacuumed(store)
        assert await store.participation.purge_cohort(cohort.id) == 1
        assert {"excusals", "activity", "channel_cursors"} <= await vacuumed(store)
        assert "certificates" not in await vacuumed(store)  # kept by the purge: untouched
    finally:
        await store.close()


# How a lost connection shows, depending on when the server's goodbye is read.
LOST = (ConnectionLost, asyncpg.InterfaceError, asyncpg.InternalClientError, asyncpg.PostgresError)


async def kill(store: Store, postgres_database: str) -> None:
    """As a server restart or a network cut does: the store's connection is ended."""
    pid = store.db.raw.get_server_pid()
    other = await PostgresConnection.connect(postgres_database)
    try:
        await other.execute("SELECT pg_terminate_backend(?)", (pid,))
    finally:
        await other.close()


async def test_a_lost_connection_is_replaced_between_transactions(postgres_database):
    store = await Store.open(postgres_database)
    try:
        cohort = await store.cohorts.create(new_cohort(), [], NOW)
        await kill(store, postgres_database)
        assert (await store.cohorts.get(cohort.id)) == cohort  # a read, on a new connection
        await kill(store, postgres_database)
        await store.guilds.set_staff_role(1, 2)  # a write and its commit, likewise
        assert await store.guilds.staff_role(1) == 2
    finally:
        await store.close()


async def test_writes_lost_with_the_connection_are_reported_never_half_committed(
    postgres_database,
):
    store = await Store.open(postgres_database)
    try:
        await store.guilds.set_staff_role(1, 2)
        await store.db.execute("UPDATE guild_staff SET role_id = 3")  # opens a transaction
        await kill(store, postgres_database)
        with pytest.raises(LOST):
            await store.db.execute("UPDATE guild_staff SET role_id = 4")
        await store.db.commit()  # nothing left to commit: the caller was told above
        assert await store.guilds.staff_role(1) == 2
        await store.db.execute("UPDATE guild_staff SET role_id = 5")
        await kill(store, postgres_database)
        with pytest.raises(LOST):
            await store.db.commit()
        assert await store.guilds.staff_role(1) == 2  # and the store works on
        await store.guilds.set_staff_role(1, 6)
        assert await store.guilds.staff_role(1) == 6
    finally:
        await store.close()

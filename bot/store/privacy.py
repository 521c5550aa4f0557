"""Everything stored about one person, and erasing it (``/mydata``, ``/forgetme``).

A table holds people when it has a ``user_id`` column. The tables are found by
asking the database (SQLite or PostgreSQL) for its schema, not listed here, so a table added by a later
migration is shown and erased without touching this code.
"""

from __future__ import annotations

from typing import Any

from bot.store.db import Connection, is_postgres
from bot.store.postgres import PostgresConnection


async def tables_with(db: Connection, *columns: str) -> list[str]:
    """The names of the tables that have every one of these columns."""
    if is_postgres(db):  # the schema is asked for differently: information_schema
        async with db.execute(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND column_name = ANY(?::text[])"
            " GROUP BY table_name HAVING count(DISTINCT column_name) = ? ORDER BY table_name",
            (list(columns), len(columns)),
        ) as cursor:
            return [str(row[0]) for row in await cursor.fetchall()]
    async with db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    ) as cursor:
        tables = [row[0] for row in await cursor.fetchall()]
    found = []
    for table in tables:
        # A table name cannot be a ? parameter; these come from SQLite's own schema.
        async with db.execute(f'PRAGMA table_info("{table}")') as cursor:
            names = {column["name"] for column in await cursor.fetchall()}
        if names.issuperset(columns):
            found.append(table)
    return found


async def staff_columns(db: Connection) -> list[tuple[str, str]]:
    """Every whole-number ``…_by`` column (``created_by``, ``added_by``, ``excused_by``,
    ``reviewed_by``, ``issued_by``): who on the staff did something, kept as the course's
    record, not erased by /forgetme. (``claimed_by``, a process's token, is text.)"""
    if is_postgres(db):
        async with db.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND column_name LIKE ?"
            " AND data_type IN ('bigint', 'integer') ORDER BY table_name, column_name",
            ("%\\_by",),
        ) as cursor:
            return [(str(t), str(c)) for t, c in await cursor.fetchall()]
    found = []
    for table in await tables_with(db):
        async with db.execute(f'PRAGMA table_info("{table}")') as cursor:
            found += [
                (table, c["name"])
                for c in await cursor.fetchall()
                if c["name"].endswith("_by") and c["type"].upper() == "INTEGER"
            ]
    return found


async def erase_traces(db: Connection, tables: list[str]) -> None:
    """After a commit that deleted people's rows: remove what the files still hold.

    SQLite: ``secure_delete`` (set in ``connect``) has overwritten the deleted
    bytes; the checkpoint copies the change into the database file and empties
    the write-ahead log, which would otherwise still hold the old pages.
    PostgreSQL has no ``secure_delete``: deleted rows stay in the table's pages
    as dead tuples until VACUUM frees them (and until new rows overwrite the
    space), and in the WAL until its segments are recycled. VACUUM of the
    touched tables frees them now rather than when autovacuum comes; README.md
    ("PostgreSQL") says what remains.
    """
    if isinstance(db, PostgresConnection):
        await db.vacuum(tables)
        return
    async with db.execute("PRAGMA wal_checkpoint(TRUNCATE)"):
        pass


class PrivacyQueries:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def everything_about(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """By table: every row about this person (tables without any are left out)."""
        found = {}
        for table in await tables_with(self._db, "user_id"):
            async with self._db.execute(
                f'SELECT * FROM "{table}" WHERE user_id = ?', (user_id,)
            ) as cursor:
                rows = [dict(row) for row in await cursor.fetchall()]
            if rows:
                found[table] = rows
        return found

    async def forget(self, user_id: int) -> int:
        """Erase this person from every table, and from the disk (``erase_traces``);
        how many rows went."""
        removed = 0
        tables = await tables_with(self._db, "user_id")
        try:
            for table in tables:
                cursor = await self._db.execute(
                    f'DELETE FROM "{table}" WHERE user_id = ?', (user_id,)
                )
                removed += cursor.rowcount
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        await erase_traces(self._db, tables)
        return removed

"""Everything stored about one person, and erasing it (``/mydata``, ``/forgetme``).

A table holds people when it has a ``user_id`` column. The tables are found by
asking SQLite for its schema, not listed here, so a table added by a later
migration is shown and erased without touching this code.
"""

from __future__ import annotations

from typing import Any

import aiosqlite


async def tables_with(db: aiosqlite.Connection, *columns: str) -> list[str]:
    """The names of the tables that have every one of these columns."""
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


class PrivacyQueries:
    def __init__(self, db: aiosqlite.Connection) -> None:
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
        """Erase this person from every table, and from the disk; how many rows went.

        ``secure_delete`` (set in ``connect``) overwrites what is deleted, and the
        checkpoint copies the change into the database file and empties the
        write-ahead log, which would otherwise still hold the old pages.
        """
        removed = 0
        try:
            for table in await tables_with(self._db, "user_id"):
                cursor = await self._db.execute(
                    f'DELETE FROM "{table}" WHERE user_id = ?', (user_id,)
                )
                removed += cursor.rowcount
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        async with self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)"):
            pass
        return removed

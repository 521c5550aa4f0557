"""What the bot keeps about learners besides their activity: excusals and choices.

Also the privacy queries: everything stored about one person, and erasing it.
Tables holding people are found by their ``user_id`` column, so a table
added later is covered without touching this code.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.store.db import to_text


class LearnerQueries:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def excuse(self, cohort_id: int, user_id: int, week: int, by: int, now: datetime) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO excusals (cohort_id, user_id, week, excused_by, at)"
            " VALUES (?, ?, ?, ?, ?)",
            (cohort_id, user_id, week, by, to_text(now)),
        )
        await self._db.commit()

    async def set_reminders(self, user_id: int, on: bool, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO learner_prefs (user_id, reminders_off, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET reminders_off = excluded.reminders_off,"
            " updated_at = excluded.updated_at",
            (user_id, int(not on), to_text(now)),
        )
        await self._db.commit()

    async def reminders_off(self) -> set[int]:
        async with self._db.execute(
            "SELECT user_id FROM learner_prefs WHERE reminders_off = 1"
        ) as cursor:
            return {row[0] for row in await cursor.fetchall()}

    async def purge_cohort(self, cohort_id: int) -> int:
        """Delete a cohort's participation data (its activity and excusals)."""
        removed = 0
        for table in ("activity", "excusals", "channel_cursors", "delivery_recipients"):
            cursor = await self._db.execute(
                f"DELETE FROM {table} WHERE cohort_id = ?", (cohort_id,)
            )
            removed += max(cursor.rowcount, 0)
        await self._db.commit()
        return removed

    async def _person_tables(self) -> list[str]:
        async with self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ) as cursor:
            tables = [row[0] for row in await cursor.fetchall()]
        holding = []
        for table in tables:
            async with self._db.execute(f"PRAGMA table_info({table})") as cursor:
                if any(column[1] == "user_id" for column in await cursor.fetchall()):
                    holding.append(table)
        return sorted(holding)

    async def everything_about(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        """Every row, in every table, that is about this person."""
        found: dict[str, list[dict[str, object]]] = {}
        for table in await self._person_tables():
            async with self._db.execute(
                f"SELECT * FROM {table} WHERE user_id = ?", (user_id,)
            ) as cursor:
                rows = [dict(row) for row in await cursor.fetchall()]
            if rows:
                found[table] = rows
        return found

    async def forget(self, user_id: int) -> int:
        """Erase this person from every table; overwritten on disk, not just unlinked."""
        removed = 0
        for table in await self._person_tables():
            cursor = await self._db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
            removed += max(cursor.rowcount, 0)
        await self._db.commit()
        async with self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)"):
            pass
        return removed

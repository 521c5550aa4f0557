"""Participation activity: one row per counted message, never its content."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.participation import Counts, Tally
from bot.store.db import to_text


@dataclass(frozen=True)
class ActivityRow:
    message_id: int
    cohort_id: int
    user_id: int
    channel_id: int
    kind: str  # original | reply
    week: int
    created_at: datetime


class ActivityQueries:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def apply(self, rows: Iterable[ActivityRow], deleted: Iterable[int]) -> None:
        """One transaction: record new rows (idempotent by message id), drop deleted ones.

        Cursors advance to the newest message seen in each channel, so the
        history catch-up after a restart starts where this left off.
        """
        rows = list(rows)
        await self._db.executemany(
            "INSERT OR IGNORE INTO activity (message_id, cohort_id, user_id, channel_id, kind,"
            " week, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.message_id,
                    r.cohort_id,
                    r.user_id,
                    r.channel_id,
                    r.kind,
                    r.week,
                    to_text(r.created_at),
                )
                for r in rows
            ],
        )
        await self._db.executemany(
            "DELETE FROM activity WHERE message_id = ?", [(m,) for m in deleted]
        )
        newest: dict[int, tuple[int, int]] = {}
        for r in rows:
            if r.message_id > newest.get(r.channel_id, (0, 0))[0]:
                newest[r.channel_id] = (r.message_id, r.cohort_id)
        await self.advance_cursors(
            {c: m for c, (m, _) in newest.items()}, {c: k for c, (_, k) in newest.items()}
        )

    async def advance_cursors(self, newest: dict[int, int], cohorts: dict[int, int]) -> None:
        await self._db.executemany(
            "INSERT INTO channel_cursors (channel_id, cohort_id, last_message_id) VALUES (?, ?, ?)"
            " ON CONFLICT (channel_id) DO UPDATE SET last_message_id ="
            " MAX(last_message_id, excluded.last_message_id)",
            [(channel, cohorts[channel], message) for channel, message in newest.items()],
        )
        await self._db.commit()

    async def cursor(self, channel_id: int) -> int | None:
        async with self._db.execute(
            "SELECT last_message_id FROM channel_cursors WHERE channel_id = ?", (channel_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def counts(self, cohort_id: int) -> Counts:
        """Per learner and week, how many originals and replies; and the excused weeks."""
        async with self._db.execute(
            "SELECT user_id, week, SUM(kind = 'original'), SUM(kind = 'reply') FROM activity"
            " WHERE cohort_id = ? GROUP BY user_id, week",
            (cohort_id,),
        ) as cursor:
            tallies = {(u, w): Tally(o, r) for u, w, o, r in await cursor.fetchall()}
        async with self._db.execute(
            "SELECT user_id, week FROM excusals WHERE cohort_id = ?", (cohort_id,)
        ) as cursor:
            excused = {(u, w) for u, w in await cursor.fetchall()}
        return Counts(tallies, excused)

    async def active_users(self, cohort_id: int) -> list[int]:
        async with self._db.execute(
            "SELECT DISTINCT user_id FROM activity WHERE cohort_id = ?", (cohort_id,)
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

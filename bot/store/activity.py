"""Participation activity: one row per counted message, never its content.

Also the channel cursors: in each tracked channel or thread, the newest
message the bot has seen, so the history read at start-up begins there.
"""

from __future__ import annotations

import aiosqlite

from bot.participation import Counts, Tally
from bot.store.db import to_text
from bot.tracking import ActivityBatch

_RECORD = (
    "INSERT OR IGNORE INTO activity (message_id, cohort_id, user_id, channel_id, kind, week,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_FORGET_MESSAGE = "DELETE FROM activity WHERE message_id = ?"
_FORGET_PLACE = "DELETE FROM activity WHERE channel_id = ?"
_FORGET_CURSOR = "DELETE FROM channel_cursors WHERE channel_id = ?"
_ADVANCE_CURSOR = (
    "INSERT INTO channel_cursors (channel_id, cohort_id, last_message_id) VALUES (?, ?, ?)"
    " ON CONFLICT (channel_id) DO UPDATE SET"
    " last_message_id = MAX(last_message_id, excluded.last_message_id)"
)


class ActivityQueries:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def apply(self, batch: ActivityBatch) -> None:
        """Write one batch in one transaction (a group commit).

        Rows are recorded idempotently by message id (a message seen live and
        again in the history is one row); deletions come after the rows, so a
        message counted and deleted within one batch is gone; cursors only
        ever move forward.
        """
        places = [(place,) for place in batch.deleted_places]
        statements = [
            (_RECORD, [(*row[:6], to_text(row.created_at)) for row in batch.rows.values()]),
            (_FORGET_MESSAGE, [(message_id,) for message_id in batch.deleted_messages]),
            (_FORGET_PLACE, places),
            (_FORGET_CURSOR, places),
            (_ADVANCE_CURSOR, [(place, *cursor) for place, cursor in batch.cursors.items()]),
        ]
        try:
            for sql, parameters in statements:
                # Skip the empty ones: the transaction must begin with a write, which
                # takes the write lock at once (waiting for another process if need be).
                # Begun without one, another coroutine's read on this shared connection
                # could pin an old snapshot, and the first write fail as "database is locked".
                if parameters:
                    await self._db.executemany(sql, parameters)
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise

    async def cursors(self, cohort_id: int) -> dict[int, int]:
        """By channel or thread id: the newest message seen there."""
        async with self._db.execute(
            "SELECT channel_id, last_message_id FROM channel_cursors WHERE cohort_id = ?",
            (cohort_id,),
        ) as cursor:
            return {channel_id: newest for channel_id, newest in await cursor.fetchall()}

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

"""Participation activity: one row per counted message, never its content.

Also the channel cursors: in each tracked channel or thread, the newest
message the bot has seen, so the history read at start-up begins there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from functools import lru_cache

from bot.store.db import Connection, is_postgres
from bot.tracking import ActivityBatch, Counted

Statement = tuple[str, list[object]]

# When a message was written is in its id (``bot.snowflake``), so SQLite writes
# created_at from it, in ``to_text``'s format: no datetime formatted per message.
_RECORD = (
    "INSERT OR IGNORE INTO activity (message_id, cohort_id, user_id, channel_id, kind, week,"
    " created_at) SELECT column1, column2, column3, column4, column5, column6,"
    " strftime('%Y-%m-%dT%H:%M:%f', ((column1 >> 22) + 1420070400000) / 1000.0, 'unixepoch')"
    " || '000Z' FROM (VALUES {rows})"
)
# The same on PostgreSQL, where it must differ (one place, chosen in ``apply``): the whole
# batch's rows go in one statement as six arrays, one per column (no parameter limit, one
# prepared statement whatever the size), and created_at is computed with PostgreSQL's
# functions, in the same text as SQLite's.
_RECORD_POSTGRES = (
    "INSERT INTO activity (message_id, cohort_id, user_id, channel_id, kind, week, created_at)"
    " SELECT m, c, u, ch, k, w, to_char(to_timestamp(((m >> 22) + 1420070400000) / 1000.0)"
    " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    " FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[])"
    " AS r(m, c, u, ch, k, w) ON CONFLICT DO NOTHING"
)
_FORGET_MESSAGES = "DELETE FROM activity WHERE message_id IN ({rows})"
_FORGET_PLACES = "DELETE FROM activity WHERE channel_id IN ({rows})"
_FORGET_CURSORS = "DELETE FROM channel_cursors WHERE channel_id IN ({rows})"
_ADVANCE_CURSORS = (
    "INSERT INTO channel_cursors (channel_id, cohort_id, last_message_id) VALUES {rows}"
    " ON CONFLICT (channel_id) DO UPDATE SET"
    " last_message_id = CASE WHEN excluded.last_message_id > channel_cursors.last_message_id"
    " THEN excluded.last_message_id ELSE channel_cursors.last_message_id END"
)
_COLUMNS = len(Counted._fields)  # activity's columns but created_at, in order
# Rows per statement: a burst fills many statements of this size, so SQLite's
# statement cache reuses one; a remainder has a size of its own, hence a bounded
# cache of the texts. Below SQLite's parameter limit (999 before version 3.32).
_MAX_ROWS = 512 if sqlite3.sqlite_version_info >= (3, 32) else 128


def statements(template: str, columns: int, values: list[object]) -> Iterator[Statement]:
    """The template once per chunk of rows, ``{rows}`` standing for one ``(?, …)`` per row.

    ``values`` holds the rows' values end to end. A statement per chunk rather
    than per row (``executemany``): SQLite runs a whole chunk without Python's
    GIL, where per row the writer thread would wait for the GIL again after
    each one while the event loop is busy (in a burst).
    """
    size = _MAX_ROWS * columns
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        yield _sql(template, len(chunk) // columns, columns), chunk


@lru_cache(maxsize=64)
def _sql(template: str, rows: int, columns: int) -> str:
    group = "(" + ", ".join("?" * columns) + ")"
    return template.format(rows=", ".join([group] * rows))


class ActivityQueries:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def apply(self, batch: ActivityBatch) -> None:
        """Write one batch in one transaction (a group commit).

        Rows are recorded idempotently by message id (a message seen live and
        again in the history is one row); deletions come after the rows, so a
        message counted and deleted within one batch is gone; cursors only
        ever move forward.
        """
        rows = batch.flat_rows
        places: list[object] = list(batch.deleted_places)
        cursors: list[object] = [v for p, c in batch.cursors.items() for v in (p, *c)]
        parts: list[tuple[str, int, list[object]]] = [
            (_RECORD, _COLUMNS, rows),
            (_FORGET_MESSAGES, 1, list(batch.deleted_messages)),
            (_FORGET_PLACES, 1, places),
            (_FORGET_CURSORS, 1, places),
            (_ADVANCE_CURSORS, 3, cursors),
        ]
        postgres = is_postgres(self._db)
        if postgres:
            parts.pop(0)
        try:
            if postgres and rows:
                arrays = [rows[i::_COLUMNS] for i in range(_COLUMNS)]
                arrays[4] = [str(kind) for kind in arrays[4]]
                await self._db.execute(_RECORD_POSTGRES, arrays)
            # Only statements with rows: the transaction must begin with a write, which
            # takes the write lock at once (waiting for another process if need be).
            # Begun without one, another coroutine's read on this shared connection
            # could pin an old snapshot, and the first write fail as "database is locked".
            for template, columns, values in parts:
                for sql, parameters in statements(template, columns, values):
                    await self._db.execute(sql, parameters)
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

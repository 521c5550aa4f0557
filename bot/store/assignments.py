"""Assignments handed in: who, which week, when, where, reviewed; never what."""

from __future__ import annotations

from datetime import datetime

from bot.assignments import Submission
from bot.store.db import Connection, Row, from_text, maybe_time, to_text

_COLUMNS = (
    "cohort_id, user_id, week, submitted_at, late, channel_id, message_id, reviewed_by, reviewed_at"
)


def _submission(row: Row) -> Submission:
    return Submission(
        cohort_id=row["cohort_id"],
        user_id=row["user_id"],
        week=row["week"],
        submitted_at=from_text(row["submitted_at"]),
        late=bool(row["late"]),
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=maybe_time(row["reviewed_at"]),
    )


class AssignmentQueries:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def thread(self, cohort_id: int, user_id: int) -> int | None:
        """The learner's private hand-in thread in this cohort, if one was made."""
        async with self._db.execute(
            "SELECT thread_id FROM assignment_threads WHERE cohort_id = ? AND user_id = ?",
            (cohort_id, user_id),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def threads(self, cohort_id: int) -> list[int]:
        """Every learner's hand-in thread in this cohort (the archive locks them)."""
        async with self._db.execute(
            "SELECT thread_id FROM assignment_threads WHERE cohort_id = ? ORDER BY thread_id",
            (cohort_id,),
        ) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]

    async def set_thread(self, cohort_id: int, user_id: int, thread_id: int) -> None:
        await self._db.execute(
            "INSERT INTO assignment_threads (cohort_id, user_id, thread_id) VALUES (?, ?, ?)"
            " ON CONFLICT (cohort_id, user_id) DO UPDATE SET thread_id = excluded.thread_id",
            (cohort_id, user_id, thread_id),
        )
        await self._db.commit()

    async def record(self, submission: Submission) -> None:
        """A hand-in; handing in the same week again replaces it (and it awaits review again)."""
        await self._db.execute(
            f"INSERT INTO submissions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (cohort_id, user_id, week) DO UPDATE SET"
            " submitted_at = excluded.submitted_at, late = excluded.late,"
            " channel_id = excluded.channel_id, message_id = excluded.message_id,"
            " reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at",
            (
                submission.cohort_id,
                submission.user_id,
                submission.week,
                to_text(submission.submitted_at),
                int(submission.late),
                submission.channel_id,
                submission.message_id,
                None,
                None,
            ),
        )
        await self._db.commit()

    async def get(self, cohort_id: int, user_id: int, week: int) -> Submission | None:
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM submissions WHERE cohort_id = ? AND user_id = ? AND week = ?",
            (cohort_id, user_id, week),
        ) as cursor:
            row = await cursor.fetchone()
        return _submission(row) if row else None

    async def for_week(self, cohort_id: int, week: int) -> list[Submission]:
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM submissions WHERE cohort_id = ? AND week = ?"
            " ORDER BY submitted_at, user_id",
            (cohort_id, week),
        ) as cursor:
            return [_submission(row) for row in await cursor.fetchall()]

    async def review(self, cohort_id: int, user_id: int, week: int, by: int, now: datetime) -> bool:
        """Mark a hand-in reviewed; False if there is none."""
        cursor = await self._db.execute(
            "UPDATE submissions SET reviewed_by = ?, reviewed_at = ?"
            " WHERE cohort_id = ? AND user_id = ? AND week = ?",
            (by, to_text(now), cohort_id, user_id, week),
        )
        await self._db.commit()
        return cursor.rowcount == 1

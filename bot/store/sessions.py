"""Live-session state: reminder requests, recordings, check-ins, Discord event ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.store.db import from_text, to_text


@dataclass(frozen=True)
class Recording:
    session_key: str
    url: str
    passcode: str | None
    note: str | None
    added_at: datetime


class SessionQueries:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def toggle_rsvp(self, cohort_id: int, key: str, user_id: int, now: datetime) -> bool:
        """Flip a "Remind me"; True when the person is now on the list."""
        cursor = await self._db.execute(
            "DELETE FROM rsvps WHERE cohort_id = ? AND session_key = ? AND user_id = ?",
            (cohort_id, key, user_id),
        )
        if cursor.rowcount == 0:
            await self._db.execute(
                "INSERT INTO rsvps (cohort_id, session_key, user_id, at) VALUES (?, ?, ?, ?)",
                (cohort_id, key, user_id, to_text(now)),
            )
        await self._db.commit()
        return cursor.rowcount == 0

    async def rsvps(self, cohort_id: int, key: str) -> list[int]:
        async with self._db.execute(
            "SELECT user_id FROM rsvps WHERE cohort_id = ? AND session_key = ? ORDER BY at",
            (cohort_id, key),
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def add_recording(
        self,
        cohort_id: int,
        key: str,
        url: str,
        passcode: str | None,
        note: str | None,
        by: int,
        now: datetime,
    ) -> int:
        cursor = await self._db.execute(
            "INSERT INTO recordings (cohort_id, session_key, url, passcode, note, added_by, added_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (cohort_id, key, url, passcode, note, by, to_text(now)),
        )
        await self._db.commit()
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def recordings(self, cohort_id: int) -> list[Recording]:
        async with self._db.execute(
            "SELECT session_key, url, passcode, note, added_at FROM recordings WHERE cohort_id = ?"
            " ORDER BY added_at",
            (cohort_id,),
        ) as cursor:
            return [
                Recording(k, u, p, n, from_text(a)) for k, u, p, n, a in await cursor.fetchall()
            ]

    async def check_in(self, cohort_id: int, key: str, user_id: int, now: datetime) -> bool:
        """Record attendance; False if already checked in."""
        cursor = await self._db.execute(
            "INSERT OR IGNORE INTO attendance (cohort_id, session_key, user_id, at) VALUES (?, ?, ?, ?)",
            (cohort_id, key, user_id, to_text(now)),
        )
        await self._db.commit()
        return cursor.rowcount == 1

    async def attendance(self, cohort_id: int) -> dict[int, int]:
        """Sessions attended, by user id."""
        async with self._db.execute(
            "SELECT user_id, COUNT(*) FROM attendance WHERE cohort_id = ? GROUP BY user_id",
            (cohort_id,),
        ) as cursor:
            return {u: n for u, n in await cursor.fetchall()}

    async def event_id(self, cohort_id: int, key: str) -> int | None:
        async with self._db.execute(
            "SELECT event_id FROM session_events WHERE cohort_id = ? AND session_key = ?",
            (cohort_id, key),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def set_event_id(self, cohort_id: int, key: str, event_id: int | None) -> None:
        if event_id is None:
            await self._db.execute(
                "DELETE FROM session_events WHERE cohort_id = ? AND session_key = ?",
                (cohort_id, key),
            )
        else:
            await self._db.execute(
                "INSERT OR REPLACE INTO session_events (cohort_id, session_key, event_id) VALUES (?, ?, ?)",
                (cohort_id, key, event_id),
            )
        await self._db.commit()

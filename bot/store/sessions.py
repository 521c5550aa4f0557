"""Live-session state: reminder requests, recordings, check-ins, Discord event ids.

The sessions themselves live with their cohort (``store.cohorts.sessions``);
each session's announcement is its ``announce:<key>`` delivery row.
"""

from __future__ import annotations

from datetime import datetime

from bot.sessions import Recording
from bot.store.db import Connection, from_text, to_text


class SessionQueries:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def toggle_rsvp(self, cohort_id: int, key: str, user_id: int, now: datetime) -> bool:
        """Flip a "Remind me"; True when the person is now on the list."""
        removed = await self._db.execute(
            "DELETE FROM rsvps WHERE cohort_id = ? AND session_key = ? AND user_id = ?",
            (cohort_id, key, user_id),
        )
        asked = removed.rowcount == 0
        if asked:
            # Two presses at once from two processes (PostgreSQL) may both find no row to
            # delete: the second insert then does nothing, and both say "on the list".
            await self._db.execute(
                "INSERT INTO rsvps (cohort_id, session_key, user_id, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (cohort_id, key, user_id, to_text(now)),
            )
        await self._db.commit()
        return asked

    async def rsvps(self, cohort_id: int, key: str) -> list[int]:
        """Who asked to be reminded of this session, in the order they asked."""
        async with self._db.execute(
            "SELECT user_id FROM rsvps WHERE cohort_id = ? AND session_key = ? ORDER BY at, user_id",
            (cohort_id, key),
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def rsvp_counts(self, cohort_id: int) -> dict[str, int]:
        """How many asked for reminders, by session key."""
        return await self._counts("rsvps", cohort_id)

    async def add_recording(self, cohort_id: int, recording: Recording, added_by: int) -> int:
        cursor = await self._db.execute(
            "INSERT INTO recordings (cohort_id, session_key, url, passcode, note, added_by, added_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                cohort_id,
                recording.session_key,
                recording.url,
                recording.passcode,
                recording.note,
                added_by,
                to_text(recording.added_at),
            ),
        )
        row = await cursor.fetchone()
        await self._db.commit()
        return int(row[0])

    async def recordings(self, cohort_id: int) -> list[Recording]:
        """The cohort's recordings, oldest first."""
        async with self._db.execute(
            "SELECT session_key, url, passcode, note, added_at FROM recordings"
            " WHERE cohort_id = ? ORDER BY added_at, id",
            (cohort_id,),
        ) as cursor:
            return [
                Recording(key, url, passcode, note, from_text(at))
                for key, url, passcode, note, at in await cursor.fetchall()
            ]

    async def check_in(self, cohort_id: int, key: str, user_id: int, now: datetime) -> bool:
        """Record attendance; False if this person had already checked in."""
        return await self._once("attendance", cohort_id, key, user_id, now)

    async def confirm_watched(self, cohort_id: int, key: str, user_id: int, now: datetime) -> bool:
        """Record that a learner watched the session's recording; False if already recorded."""
        return await self._once("recording_views", cohort_id, key, user_id, now)

    async def _once(
        self, table: str, cohort_id: int, key: str, user_id: int, now: datetime
    ) -> bool:
        # ``table`` is one of our own names above, never user input.
        cursor = await self._db.execute(
            f"INSERT INTO {table} (cohort_id, session_key, user_id, at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (cohort_id, key, user_id, to_text(now)),
        )
        await self._db.commit()
        return cursor.rowcount == 1

    async def attendance(self, cohort_id: int) -> dict[int, int]:
        """Sessions attended, by user id (for participation)."""
        async with self._db.execute(
            "SELECT user_id, COUNT(*) FROM attendance WHERE cohort_id = ? GROUP BY user_id",
            (cohort_id,),
        ) as cursor:
            return {user: count for user, count in await cursor.fetchall()}

    async def attendance_counts(self, cohort_id: int) -> dict[str, int]:
        """How many checked in, by session key."""
        return await self._counts("attendance", cohort_id)

    async def _counts(self, table: str, cohort_id: int) -> dict[str, int]:
        # ``table`` is one of our own names above, never user input.
        async with self._db.execute(
            f"SELECT session_key, COUNT(*) FROM {table} WHERE cohort_id = ? GROUP BY session_key",
            (cohort_id,),
        ) as cursor:
            return {key: count for key, count in await cursor.fetchall()}

    async def event_id(self, cohort_id: int, key: str) -> int | None:
        """The Discord scheduled event that mirrors this session, if one was made."""
        async with self._db.execute(
            "SELECT event_id FROM session_events WHERE cohort_id = ? AND session_key = ?",
            (cohort_id, key),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def set_event_id(self, cohort_id: int, key: str, event_id: int | None) -> None:
        """Remember (or, with None, forget) the session's Discord scheduled event."""
        if event_id is None:
            await self._db.execute(
                "DELETE FROM session_events WHERE cohort_id = ? AND session_key = ?",
                (cohort_id, key),
            )
        else:
            await self._db.execute(
                "INSERT INTO session_events (cohort_id, session_key, event_id) VALUES (?, ?, ?)"
                " ON CONFLICT (cohort_id, session_key) DO UPDATE SET event_id = excluded.event_id",
                (cohort_id, key, event_id),
            )
        await self._db.commit()

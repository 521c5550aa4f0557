"""Cohorts and their live sessions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot.cohort import (
    Cohort,
    CohortState,
    DeliveryState,
    NewCohort,
    PlatformName,
    session_from_row,
)
from bot.errors import InvalidInput
from bot.store.db import INTEGRITY_ERRORS, Connection, Row, from_text, to_text
from bot.timetable import CohortSession, ItemKind
from bot.vocabulary import vocabulary

_COLUMNS = (
    "id, guild_id, name, course_id, start_date, timezone, channel_id, learner_role_id,"
    " instructor_role_id, announcements_channel_id, state, created_by, platform"
)


# A cohort holds its channel until its archive has run (done, or given up).
_HOLDS_CHANNEL = (
    "c.channel_id = ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.cohort_id = c.id"
    " AND d.kind = ? AND d.state NOT IN (?, ?))"
)
_HOLDS_PARAMETERS = (ItemKind.ARCHIVE, DeliveryState.PENDING, DeliveryState.CLAIMED)


def _cohort(row: Row) -> Cohort:
    return Cohort(
        id=row["id"],
        guild_id=row["guild_id"],
        name=row["name"],
        course_id=row["course_id"],
        start=date.fromisoformat(row["start_date"]),
        timezone=row["timezone"],
        channel_id=row["channel_id"],
        learner_role_id=row["learner_role_id"],
        instructor_role_id=row["instructor_role_id"],
        announcements_channel_id=row["announcements_channel_id"],
        state=CohortState(row["state"]),
        created_by=row["created_by"],
        platform=PlatformName(row["platform"]),
    )


class CohortQueries:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def create(
        self,
        new: NewCohort,
        sessions: Iterable[CohortSession],
        now: datetime,
        platform: PlatformName = PlatformName.DISCORD,
    ) -> Cohort:
        """Insert a cohort with its sessions; the caller plans its deliveries next."""
        try:
            # One statement, so two processes cannot both take the channel. The casts give
            # PostgreSQL the parameters' types (a bare ? in a SELECT list would be text).
            cursor = await self._db.execute(
                "INSERT INTO cohorts (guild_id, name, course_id, start_date, timezone, channel_id,"
                " learner_role_id, instructor_role_id, announcements_channel_id, created_by,"
                " created_at, platform) SELECT CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT),"
                " CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT),"
                " CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT),"
                " CAST(? AS TEXT)"
                f" WHERE NOT EXISTS (SELECT 1 FROM cohorts c WHERE {_HOLDS_CHANNEL}) RETURNING id",
                (
                    new.guild_id,
                    new.name,
                    new.course_id,
                    new.start.isoformat(),
                    new.timezone,
                    new.channel_id,
                    new.learner_role_id,
                    new.instructor_role_id,
                    new.announcements_channel_id,
                    new.created_by,
                    to_text(now),
                    platform.value,
                    new.channel_id,
                    *_HOLDS_PARAMETERS,
                ),
            )
        except INTEGRITY_ERRORS as exc:
            await self._db.rollback()
            home = vocabulary(platform).home  # a server, a workspace
            raise InvalidInput(
                f"a cohort called {new.name!r} already exists in this {home}: choose another name"
            ) from exc
        inserted = await cursor.fetchone()
        if inserted is None:
            await self._db.rollback()
            holder = await self.holding_channel(new.channel_id)
            held_by = f"the cohort {holder.name!r}" if holder else "another cohort"
            raise InvalidInput(
                f"<#{new.channel_id}> already holds {held_by} until its posts are archived:"
                " choose another channel (one cohort per channel, so every post counts for it)"
            )
        cohort_id = inserted[0]
        await self._db.executemany(
            "INSERT INTO cohort_sessions (cohort_id, key, title, start_at, duration_s, url)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    cohort_id,
                    s.key,
                    s.title,
                    to_text(s.start),
                    int(s.duration.total_seconds()),
                    s.url,
                )
                for s in sessions
            ],
        )
        await self._db.commit()
        found = await self.get(cohort_id)
        assert found is not None
        return found

    async def get(self, cohort_id: int) -> Cohort | None:
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM cohorts WHERE id = ?", (cohort_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _cohort(row) if row else None

    async def holding_channel(self, channel_id: int) -> Cohort | None:
        """The cohort (not yet archived) whose posts and counting are in this channel."""
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM cohorts c WHERE {_HOLDS_CHANNEL} ORDER BY id LIMIT 1",
            (channel_id, *_HOLDS_PARAMETERS),
        ) as cursor:
            row = await cursor.fetchone()
        return _cohort(row) if row else None

    async def by_name(self, guild_id: int, name: str) -> Cohort | None:
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM cohorts WHERE guild_id = ? AND name = ?", (guild_id, name)
        ) as cursor:
            row = await cursor.fetchone()
        return _cohort(row) if row else None

    async def in_guild(self, guild_id: int) -> list[Cohort]:
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM cohorts WHERE guild_id = ? ORDER BY start_date, name",
            (guild_id,),
        ) as cursor:
            return [_cohort(row) for row in await cursor.fetchall()]

    async def all(self) -> list[Cohort]:
        async with self._db.execute(f"SELECT {_COLUMNS} FROM cohorts ORDER BY id") as cursor:
            return [_cohort(row) for row in await cursor.fetchall()]

    async def set_state(self, cohort_id: int, state: CohortState) -> None:
        await self._db.execute("UPDATE cohorts SET state = ? WHERE id = ?", (state, cohort_id))
        await self._db.commit()

    async def sessions(self, cohort_id: int) -> tuple[CohortSession, ...]:
        async with self._db.execute(
            "SELECT key, title, start_at, duration_s, url, cancelled FROM cohort_sessions"
            " WHERE cohort_id = ? ORDER BY start_at, key",
            (cohort_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return tuple(
            session_from_row(
                r["key"],
                r["title"],
                from_text(r["start_at"]),
                r["duration_s"],
                r["url"],
                bool(r["cancelled"]),
            )
            for r in rows
        )

    async def save_session(self, cohort_id: int, session: CohortSession) -> None:
        """Add a session or replace the one with the same key."""
        await self._db.execute(
            "INSERT INTO cohort_sessions (cohort_id, key, title, start_at, duration_s, url, cancelled)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cohort_id, key) DO UPDATE SET"
            " title = excluded.title, start_at = excluded.start_at,"
            " duration_s = excluded.duration_s, url = excluded.url, cancelled = excluded.cancelled",
            (
                cohort_id,
                session.key,
                session.title,
                to_text(session.start),
                int(session.duration.total_seconds()),
                session.url,
                int(session.cancelled),
            ),
        )
        await self._db.commit()

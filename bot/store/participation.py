"""Participation as reports need it: counts per learner and week, excusals, reminder choices.

The counts come from the ``activity`` rows the tracker writes (``bot/store/activity.py``),
in one aggregate query that reads only a covering index: on SQLite
``activity_by_cohort (cohort_id, user_id, week, kind)``, on PostgreSQL
``activity_by_cohort_week (cohort_id, week, user_id, kind)`` (migration 0015).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.participation import Counts, Tally
from bot.store.db import Connection, in_list, is_postgres, to_text
from bot.store.privacy import erase_traces, tables_with

_COUNTS = (
    "SELECT user_id, week, COUNT(*) FILTER (WHERE kind = 'original'),"
    " COUNT(*) FILTER (WHERE kind = 'reply') FROM activity"
    " WHERE cohort_id = ?{only} GROUP BY user_id, week"
)
_EXCUSED = "SELECT user_id, week FROM excusals WHERE cohort_id = ?{only}"
_CHECKED_IN = "SELECT user_id, session_key FROM attendance WHERE cohort_id = ?{only}"
_HANDED_IN = "SELECT user_id, week, late FROM submissions WHERE cohort_id = ?{only}"
_WATCHED = "SELECT user_id, session_key FROM recording_views WHERE cohort_id = ?{only}"
_ATTENDED = "SELECT user_id, COUNT(*) FROM attendance WHERE cohort_id = ?{only} GROUP BY user_id"
# SQLite takes at most 32,766 parameters in a statement (PostgreSQL 32,767). A cohort larger than
# this (there is none) is read whole, and the report leaves out who is not asked for.
_MOST_PARAMETERS = 30_000
# About people in a cohort, yet kept by the purge: proof of completion must outlive the counts.
KEPT_BY_THE_PURGE = frozenset({"certificates"})


class ParticipationQueries:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def counts(
        self, cohort_id: int, *, week: int | None = None, users: Collection[int] | None = None
    ) -> Counts:
        """Per learner and week: originals and replies, and the excused weeks; the
        sessions each learner checked in to, and the recordings they confirmed watching;
        per learner, how many sessions they attended (for the whole course only).

        Every week, or one (what ``/participation summary`` shows); everyone
        with activity, or only ``users``. Given both, SQLite seeks straight to
        each learner's week in the index instead of reading the whole cohort
        (a third of the time for a cohort of 1,000); PostgreSQL reads the week's
        one range of its index, and who was not asked for is left out here.
        """
        who, who_parameters = "", [cohort_id]
        # On PostgreSQL one week of the cohort is one range of its index (migration 0015),
        # read whole sooner than a 1,000-long IN list is bound and planned (3 ms, not 4.5):
        # who was not asked for is left out below instead.
        week_range = week is not None and users is not None and is_postgres(self._db)
        if users is not None and len(users) <= _MOST_PARAMETERS and not week_range:
            of_users, listed = in_list("user_id", users)
            who += f" AND {of_users}"
            who_parameters += listed
        only, parameters = who, list(who_parameters)
        if week is not None:
            only += " AND week = ?"
            parameters.append(week)
        async with self._db.execute(_COUNTS.format(only=only), parameters) as cursor:
            cursor.row_factory = None  # plain tuples: thousands of rows, read once
            rows = await cursor.fetchall()
        async with self._db.execute(_EXCUSED.format(only=only), parameters) as cursor:
            excused = {(u, w) for u, w in await cursor.fetchall()}
        if week_range:
            asked = users if isinstance(users, (set, frozenset)) else frozenset(users or ())
            rows = [row for row in rows if row[0] in asked]
            excused = {(u, w) for u, w in excused if u in asked}
        tallies = {(u, w): Tally(o, r) for u, w, o, r in rows}
        attended: dict[int, int] = {}
        if week is None:  # sessions belong to no one week: whole-course reports only
            async with self._db.execute(_ATTENDED.format(only=who), who_parameters) as cursor:
                attended = {u: n for u, n in await cursor.fetchall()}
        # Check-ins, recordings watched and hand-ins are a row or two per learner and
        # session or week: read for the whole cohort, which is quicker than a long IN list.
        cohort_only = [cohort_id]
        async with self._db.execute(_CHECKED_IN.format(only=""), cohort_only) as cursor:
            checked_in = frozenset((u, k) for u, k in await cursor.fetchall())
        async with self._db.execute(_WATCHED.format(only=""), cohort_only) as cursor:
            watched = frozenset((u, k) for u, k in await cursor.fetchall())
        in_week = ("", cohort_only) if week is None else (" AND week = ?", [cohort_id, week])
        async with self._db.execute(_HANDED_IN.format(only=in_week[0]), in_week[1]) as cursor:
            handed_in = {(u, w): bool(late) for u, w, late in await cursor.fetchall()}
        return Counts(tallies, excused, attended, checked_in, watched, handed_in)

    async def excuse(self, cohort_id: int, user_id: int, week: int, by: int, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO excusals (cohort_id, user_id, week, excused_by, at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (cohort_id, user_id, week) DO UPDATE SET"
            " excused_by = excluded.excused_by, at = excluded.at",
            (cohort_id, user_id, week, by, to_text(now)),
        )
        await self._db.commit()

    async def excusals(self, cohort_id: int) -> list[tuple[int, int]]:
        """(user id, week) of every excused week in the cohort, by learner then week."""
        async with self._db.execute(
            "SELECT user_id, week FROM excusals WHERE cohort_id = ? ORDER BY user_id, week",
            (cohort_id,),
        ) as cursor:
            return [(u, w) for u, w in await cursor.fetchall()]

    async def set_reminders(self, user_id: int, on: bool, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO learner_prefs (user_id, reminders_off, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET reminders_off = excluded.reminders_off,"
            " updated_at = excluded.updated_at",
            (user_id, int(not on), to_text(now)),
        )
        await self._db.commit()

    async def reminders_off(self) -> set[int]:
        """Who opted out of nudges and reminders."""
        async with self._db.execute(
            "SELECT user_id FROM learner_prefs WHERE reminders_off = 1"
        ) as cursor:
            return {row[0] for row in await cursor.fetchall()}

    async def purge_cohort(self, cohort_id: int) -> int:
        """Delete what the cohort holds about people, and its tracking cursors; rows deleted.

        Every table with both ``cohort_id`` and ``user_id`` columns is about
        people in the cohort (activity, excusals, who a DM reached, and any
        table a later migration adds); the cursors are how far the tracker read.
        The cohort itself and its deliveries (no one's data) remain, and so do
        the tables in ``KEPT_BY_THE_PURGE`` (certificates of completion).
        """
        about_people = await tables_with(self._db, "cohort_id", "user_id")
        tables = [t for t in about_people if t not in KEPT_BY_THE_PURGE] + ["channel_cursors"]
        removed = 0
        try:
            for table in tables:
                cursor = await self._db.execute(
                    f'DELETE FROM "{table}" WHERE cohort_id = ?', (cohort_id,)
                )
                removed += cursor.rowcount
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        if is_postgres(self._db):  # SQLite's secure_delete has overwritten them already
            await erase_traces(self._db, tables)
        return removed

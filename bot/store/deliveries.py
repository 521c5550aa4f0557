"""Deliveries: one row per cohort and timetable item, so each is sent exactly once.

The life of a row: pending -> claimed (a process is sending it) -> done, or
back to pending with a later ``next_attempt_at`` after a transient failure,
or failed after too many, or skipped. A claim is one conditional UPDATE, so
two processes on one database file can never both hold it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from bot.cohort import CLAIM_LEASE, CohortState, Delivery, DeliveryState
from bot.dms import Outcome, Reached
from bot.shards import Shards
from bot.store.db import Connection, Row, from_text, in_list, maybe_time, to_text
from bot.timetable import Item, ItemKind

_COLUMNS = (
    "cohort_id, item_key, kind, due_at, week, session_key, expires_at, state, attempts,"
    " next_attempt_at, claimed_by, claimed_at, done_at, channel_id, message_id, late, note"
)


def _marks(values: Collection[object]) -> str:
    """``?, ?, ?``: one parameter mark per value, for ``IN (…)``."""
    return ",".join("?" * len(values))


def _in_shards(shards: Shards | None) -> tuple[str, tuple[object, ...]]:
    """`` AND`` the row's cohort is in a guild of ``shards`` (Discord's rule, as in
    ``bot.shards.guild_shard``), with its parameters; nothing when they are every shard.
    ``>>`` and ``%`` on integers read the same in SQLite and PostgreSQL."""
    if shards is None or shards.whole:
        return "", ()
    return (
        " AND deliveries.cohort_id IN (SELECT id FROM cohorts"
        f" WHERE (guild_id >> 22) % ? IN ({_marks(shards.ids)}))",
        (shards.count, *shards.ids),
    )


def _delivery(row: Row) -> Delivery:
    return Delivery(
        cohort_id=row["cohort_id"],
        key=row["item_key"],
        kind=row["kind"],
        due=from_text(row["due_at"]),
        week=row["week"],
        session=row["session_key"],
        expires=maybe_time(row["expires_at"]),
        state=DeliveryState(row["state"]),
        attempts=row["attempts"],
        next_attempt=maybe_time(row["next_attempt_at"]),
        claimed_by=row["claimed_by"],
        claimed_at=maybe_time(row["claimed_at"]),
        done_at=maybe_time(row["done_at"]),
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        late=bool(row["late"]),
        note=row["note"],
    )


def _on(platforms: Collection[str] | None) -> tuple[str, tuple[str, ...]]:
    """A condition keeping the rows of cohorts on ``platforms`` (all rows for None)."""
    if platforms is None:
        return "", ()
    names = tuple(platforms)
    return f" AND cohort_id IN (SELECT id FROM cohorts WHERE platform IN ({_marks(names)}))", names


def _scope(
    platforms: Collection[str] | None, shards: Shards | None
) -> tuple[str, tuple[object, ...]]:
    """Both conditions: the rows of cohorts on ``platforms`` and in guilds of ``shards``."""
    on, on_params = _on(platforms)
    in_shards, shard_params = _in_shards(shards)
    return on + in_shards, (*on_params, *shard_params)


class DeliveryQueries:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def _select(self, where: str, params: Iterable[object]) -> list[Delivery]:
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM deliveries WHERE {where}", tuple(params)
        ) as cursor:
            return [_delivery(row) for row in await cursor.fetchall()]

    async def plan(self, cohort_id: int, items: Iterable[Item], now: datetime) -> None:
        """Make the open rows match the timetable (``bot.replan.plan_changes`` says how).

        New items are added; pending ones move with their item (a rescheduled
        session, a new post time); pending ones no longer planned (a cancelled
        session, a dropped week) become unplanned, and pending again if planned
        again. Rows sent, claimed, skipped or failed are history: untouched.
        """
        items = list(items)
        pending, unplanned = DeliveryState.PENDING, DeliveryState.UNPLANNED
        await self._db.executemany(
            "INSERT INTO deliveries (cohort_id, item_key, kind, due_at, week, session_key, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cohort_id, item_key) DO UPDATE SET"
            " next_attempt_at = CASE WHEN deliveries.state = ?"
            "   AND deliveries.due_at = excluded.due_at THEN deliveries.next_attempt_at END,"
            " note = CASE WHEN deliveries.state = ? AND deliveries.due_at = excluded.due_at"
            "   THEN deliveries.note END,"
            " due_at = excluded.due_at, expires_at = excluded.expires_at, week = excluded.week,"
            " state = ?, done_at = NULL"
            " WHERE deliveries.state IN (?, ?)",
            [
                (
                    cohort_id,
                    i.key,
                    i.kind.value,
                    to_text(i.due),
                    i.week,
                    i.session,
                    to_text(i.expires) if i.expires else None,
                    pending,
                    pending,
                    pending,
                    pending,
                    unplanned,
                )
                for i in items
            ],
        )
        not_planned, keys = in_list("item_key", [i.key for i in items], negate=True)
        await self._db.execute(
            f"UPDATE deliveries SET state = ?, done_at = ? WHERE cohort_id = ? AND state = ? AND {not_planned}",
            (unplanned, to_text(now), cohort_id, pending, *keys),
        )
        await self._db.commit()

    async def due(
        self,
        now: datetime,
        kinds: Collection[str],
        *,
        platforms: Collection[str] | None = None,
        shards: Shards | None = None,
    ) -> list[Delivery]:
        """Pending rows of ``kinds`` whose moment has come, of running cohorts, oldest first
        (of cohorts on ``platforms``, in guilds of ``shards``, when given)."""
        where, extra = _scope(platforms, shards)
        of_kinds, kinds = in_list("kind", kinds)
        return await self._select(
            f"state = ? AND COALESCE(next_attempt_at, due_at) <= ? AND {of_kinds}"
            " AND cohort_id IN (SELECT id FROM cohorts WHERE state = ?"
            f"   OR (state = ? AND deliveries.kind IN (?, ?))){where}"
            " ORDER BY due_at, item_key",
            (
                DeliveryState.PENDING,
                to_text(now),
                *kinds,
                CohortState.ACTIVE,
                CohortState.ENDED,
                ItemKind.ARCHIVE,
                ItemKind.PURGE,
                *extra,
            ),
        )

    async def get(self, cohort_id: int, key: str) -> Delivery | None:
        found = await self._select("cohort_id = ? AND item_key = ?", (cohort_id, key))
        return found[0] if found else None

    async def for_cohort(self, cohort_id: int) -> list[Delivery]:
        return await self._select("cohort_id = ? ORDER BY due_at, item_key", (cohort_id,))

    async def claim(self, cohort_id: int, key: str, owner: str, now: datetime) -> bool:
        """Take the row for sending; False if another process (or call) already has it."""
        cursor = await self._db.execute(
            "UPDATE deliveries SET state = ?, claimed_by = ?, claimed_at = ?,"
            " attempts = attempts + 1 WHERE cohort_id = ? AND item_key = ? AND state = ?",
            (DeliveryState.CLAIMED, owner, to_text(now), cohort_id, key, DeliveryState.PENDING),
        )
        await self._db.commit()
        return cursor.rowcount == 1

    async def complete(
        self,
        delivery: Delivery,
        now: datetime,
        *,
        channel_id: int | None,
        message_id: int | None,
        late: bool = False,
        note: str | None = None,
        thread_id: int | None = None,
    ) -> None:
        """Record what a delivery sent, and the thread its post opened (in one transaction)."""
        await self._db.execute(
            "UPDATE deliveries SET state = ?, done_at = ?, channel_id = ?, message_id = ?,"
            " late = ?, note = ? WHERE cohort_id = ? AND item_key = ?",
            (
                DeliveryState.DONE,
                to_text(now),
                channel_id,
                message_id,
                int(late),
                note,
                delivery.cohort_id,
                delivery.key,
            ),
        )
        await self._add_thread(delivery, thread_id, now)
        await self._db.commit()

    async def record_repost(self, delivery: Delivery, now: datetime, thread_id: int | None) -> None:
        """A done post was posted again: the row keeps the first post; the new thread is kept too."""
        await self._db.execute(
            "UPDATE deliveries SET note = 'reposted' WHERE cohort_id = ? AND item_key = ?",
            (delivery.cohort_id, delivery.key),
        )
        await self._add_thread(delivery, thread_id, now)
        await self._db.commit()

    async def _add_thread(self, delivery: Delivery, thread_id: int | None, now: datetime) -> None:
        if thread_id is not None:
            await self._insert_thread(delivery.cohort_id, delivery.key, thread_id, now)

    async def _insert_thread(self, cohort_id: int, key: str, thread_id: int, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO cohort_threads (thread_id, cohort_id, item_key, opened_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (thread_id, cohort_id, key, to_text(now)),
        )

    async def threads(self, cohort_id: int) -> list[int]:
        """Every thread the cohort's posts opened (module posts, reposts), oldest first."""
        async with self._db.execute(
            "SELECT thread_id FROM cohort_threads WHERE cohort_id = ? ORDER BY opened_at, thread_id",
            (cohort_id,),
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def add_thread(self, cohort_id: int, key: str, thread_id: int, now: datetime) -> None:
        """A thread of the cohort's found in Discord that the store did not know (a lost record)."""
        await self._insert_thread(cohort_id, key, thread_id, now)
        await self._db.commit()

    async def thread_closed(self, thread_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE cohort_threads SET closed_at = ? WHERE thread_id = ?", (to_text(now), thread_id)
        )
        await self._db.commit()

    async def _finish(
        self, delivery: Delivery, state: DeliveryState, now: datetime, note: str
    ) -> None:
        await self._db.execute(
            "UPDATE deliveries SET state = ?, done_at = ?, note = ?"
            " WHERE cohort_id = ? AND item_key = ?",
            (state, to_text(now), note, delivery.cohort_id, delivery.key),
        )
        await self._db.commit()

    async def skip(self, delivery: Delivery, now: datetime, note: str) -> None:
        await self._finish(delivery, DeliveryState.SKIPPED, now, note)

    async def give_up(self, delivery: Delivery, now: datetime, note: str) -> None:
        await self._finish(delivery, DeliveryState.FAILED, now, note)

    async def retry_at(self, delivery: Delivery, when: datetime, note: str) -> None:
        """Back to pending, not before ``when`` (a transient failure)."""
        await self._db.execute(
            "UPDATE deliveries SET state = ?, next_attempt_at = ?, note = ?,"
            " claimed_by = NULL, claimed_at = NULL WHERE cohort_id = ? AND item_key = ?",
            (DeliveryState.PENDING, to_text(when), note, delivery.cohort_id, delivery.key),
        )
        await self._db.commit()

    async def postpone(self, delivery: Delivery, when: datetime, note: str) -> None:
        """Back to pending until ``when``, counting no attempt: not a failure, only not yet."""
        await self._db.execute(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = ?, note = ?,"
            " claimed_by = NULL, claimed_at = NULL,"
            " attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END"
            " WHERE cohort_id = ? AND item_key = ?",
            (to_text(when), note, delivery.cohort_id, delivery.key),
        )
        await self._db.commit()

    async def release(self, delivery: Delivery) -> None:
        """A stale claim whose post was not found: send it again (counts no attempt)."""
        await self._db.execute(
            "UPDATE deliveries SET state = ?, claimed_by = NULL, claimed_at = NULL,"
            " attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END"
            " WHERE cohort_id = ? AND item_key = ? AND state = ?",
            (DeliveryState.PENDING, delivery.cohort_id, delivery.key, DeliveryState.CLAIMED),
        )
        await self._db.commit()

    async def look_again(self, delivery: Delivery, when: datetime) -> None:
        """A stale claim whose post could not be looked for: still claimed, looked at ``when``."""
        await self._db.execute(
            "UPDATE deliveries SET next_attempt_at = ?"
            " WHERE cohort_id = ? AND item_key = ? AND state = 'claimed'",
            (to_text(when), delivery.cohort_id, delivery.key),
        )
        await self._db.commit()

    async def stale_claims(
        self,
        now: datetime,
        *,
        platforms: Collection[str] | None = None,
        shards: Shards | None = None,
    ) -> list[Delivery]:
        # next_attempt_at of a claimed row: when to look again (``look_again``); it is in
        # the past for every other claimed row (set by an earlier retry, or never).
        where, extra = _scope(platforms, shards)
        return await self._select(
            "state = ? AND claimed_at <= ?"
            f" AND (next_attempt_at IS NULL OR next_attempt_at <= ?){where} ORDER BY due_at",
            (DeliveryState.CLAIMED, to_text(now - CLAIM_LEASE), to_text(now), *extra),
        )

    async def skip_pending(
        self, cohort_id: int, keep_kinds: Iterable[str], now: datetime, note: str
    ) -> int:
        other_kinds, kinds = in_list("kind", list(keep_kinds), negate=True)
        cursor = await self._db.execute(
            "UPDATE deliveries SET state = ?, done_at = ?, note = ?"
            f" WHERE cohort_id = ? AND state = ? AND {other_kinds}",
            (DeliveryState.SKIPPED, to_text(now), note, cohort_id, DeliveryState.PENDING, *kinds),
        )
        await self._db.commit()
        return cursor.rowcount

    async def skip_if_pending(self, delivery: Delivery, now: datetime, note: str) -> bool:
        """Skip a row nobody has claimed, in one statement; False if it was taken meanwhile."""
        cursor = await self._db.execute(
            "UPDATE deliveries SET state = 'skipped', done_at = ?, note = ?"
            " WHERE cohort_id = ? AND item_key = ? AND state = 'pending'",
            (to_text(now), note, delivery.cohort_id, delivery.key),
        )
        await self._db.commit()
        return cursor.rowcount == 1

    async def wakeups(
        self,
        kinds: Collection[str],
        *,
        platforms: Collection[str] | None = None,
        shards: Shards | None = None,
    ) -> list[tuple[str, datetime]]:
        """(job id, instant) for every row of ``kinds`` (of cohorts on ``platforms``, in
        guilds of ``shards``, when given) that will need the runner.

        A pending row wakes at its moment (or its retry); a claimed one when its
        lease runs out, in case its process died mid-send. Kinds no loaded
        feature handles wait, unscheduled, for a version that does.
        """
        where, extra = _scope(platforms, shards)
        of_kinds, kinds = in_list("kind", kinds)
        async with self._db.execute(
            "SELECT cohort_id, item_key, state, COALESCE(next_attempt_at, due_at), claimed_at"
            f" FROM deliveries WHERE {of_kinds} AND (state = ?"
            f" OR (state = ? AND cohort_id IN (SELECT id FROM cohorts WHERE state != ?))){where}",
            (*kinds, DeliveryState.CLAIMED, DeliveryState.PENDING, CohortState.PAUSED, *extra),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            (
                f"{cohort_id}:{key}",
                max(from_text(claimed_at) + CLAIM_LEASE, from_text(ready))
                if state == DeliveryState.CLAIMED
                else from_text(ready),
            )
            for cohort_id, key, state, ready, claimed_at in rows
        ]

    async def recipients(self, cohort_id: int, key: str) -> dict[int, Reached]:
        """What each recipient of a fan-out holds (claimed, reached, DMs closed…), by user id."""
        async with self._db.execute(
            "SELECT user_id, outcome, at FROM delivery_recipients WHERE cohort_id = ? AND item_key = ?",
            (cohort_id, key),
        ) as cursor:
            return {
                row[0]: Reached(Outcome(row[1]), from_text(row[2]))
                for row in await cursor.fetchall()
            }

    async def claim_recipient(self, cohort_id: int, key: str, user_id: int, now: datetime) -> bool:
        """Take one recipient for sending; False if anyone (any process) has a row for them."""
        cursor = await self._db.execute(
            "INSERT INTO delivery_recipients (cohort_id, item_key, user_id, outcome, at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (cohort_id, key, user_id, Outcome.SENDING, to_text(now)),
        )
        await self._db.commit()
        return cursor.rowcount == 1

    async def reclaim_recipient(
        self, cohort_id: int, key: str, user_id: int, stale: Reached, now: datetime
    ) -> bool:
        """Take over a dead process's claim; False if someone else took it over first."""
        cursor = await self._db.execute(
            "UPDATE delivery_recipients SET at = ? WHERE cohort_id = ? AND item_key = ?"
            " AND user_id = ? AND outcome = ? AND at = ?",
            (to_text(now), cohort_id, key, user_id, Outcome.SENDING, to_text(stale.at)),
        )
        await self._db.commit()
        return cursor.rowcount == 1

    async def release_recipient(self, cohort_id: int, key: str, user_id: int) -> None:
        """Discord refused the DM (rate limit, server error): the claim goes, a retry sends."""
        await self._db.execute(
            "DELETE FROM delivery_recipients WHERE cohort_id = ? AND item_key = ? AND user_id = ?"
            " AND outcome = ?",
            (cohort_id, key, user_id, Outcome.SENDING),
        )
        await self._db.commit()

    async def record_recipient(
        self, cohort_id: int, key: str, user_id: int, outcome: Outcome, now: datetime
    ) -> None:
        await self._db.execute(
            "INSERT INTO delivery_recipients (cohort_id, item_key, user_id, outcome, at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (cohort_id, item_key, user_id)"
            " DO UPDATE SET outcome = excluded.outcome, at = excluded.at",
            (cohort_id, key, user_id, outcome, to_text(now)),
        )
        await self._db.commit()

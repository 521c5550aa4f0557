"""Runs whatever the database says is due, each item exactly once, on any platform.

For each due row: skip it if it has expired (a reminder after its session
started), claim it atomically, hand it to the handler registered for its
kind, then record the message it made. A transient failure (rate limit,
server error, missing permission) puts it back with backoff and tells the
instructor; after ``MAX_ATTEMPTS`` it is marked failed and reported. A handler
that finds part of its work in another process's hands (``NotYet``: DMs
another process claimed) puts it back quietly until that claim expires.
How a platform's errors read comes from the platform (``Errors``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.cohort import (
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    Cohort,
    Delivery,
    DeliveryState,
    PlatformName,
    retry_delay,
)
from bot.course import Course
from bot.errors import UserError
from bot.features.platform import Errors, NotYet, Sent
from bot.library import CourseLibrary
from bot.sessions import superseded_reminders
from bot.shards import Shards
from bot.store import Store
from bot.timetable import run_order

__all__ = ["DeliveryRunner", "Job", "NotYet", "Sent"]

# A module post more than this late says so in its text.
LATE_AFTER = timedelta(minutes=5)
# A stale claim whose post could not be looked for is looked at again at most this much later.
LOOK_AGAIN_MAX = timedelta(hours=1)


@dataclass(frozen=True)
class Job:
    cohort: Cohort
    delivery: Delivery
    course: Course
    now: datetime
    by_hand: bool = False  # sent again on request (``/module post repost``): never "late"

    @property
    def late(self) -> bool:
        return not self.by_hand and self.now - self.delivery.due > LATE_AFTER


Handler = Callable[[Job], Awaitable[Sent]]
Finder = Callable[[Job], Awaitable[Sent | None]]
Reporter = Callable[[Cohort, str], Awaitable[None]]


class DeliveryRunner:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        library: CourseLibrary,
        *,
        ready: Callable[[], Awaitable[object]],
        report: Reporter,
        rebuild: Callable[[], Awaitable[None]],
        errors: Errors,
        log: logging.Logger | None = None,
        platform: PlatformName | None = None,
        shards: Shards | None = None,
    ) -> None:
        # Which cohorts this runner sends for: each platform's adapter runs its own, and a
        # process of some shards only those of its shards' servers (None: every one).
        self.platforms = None if platform is None else (platform,)
        self.shards = shards
        self._errors = errors
        self._log = log or logging.getLogger(__name__)
        self._store = store
        self._clock = clock
        self._library = library
        self._ready = ready
        self._report = report
        self._rebuild = rebuild
        self._handlers: dict[str, tuple[Handler, Finder | None]] = {}
        self._lock = asyncio.Lock()
        self.instance = uuid.uuid4().hex[:12]  # who holds a claim

    def handle(self, kind: str, handler: Handler, find: Finder | None = None) -> None:
        """Register the cog function that delivers ``kind``, and how to find its post again."""
        self._handlers[kind] = (handler, find)

    async def wakeups(self) -> list[tuple[str, datetime]]:
        """(job id, instant) for every row this runner will need to look at."""
        return await self._store.deliveries.wakeups(
            self.kinds, platforms=self.platforms, shards=self.shards
        )

    @property
    def handlers(self) -> dict[str, tuple[Handler, Finder | None]]:
        """Each kind's handler and finder, as registered (a copy)."""
        return dict(self._handlers)

    @property
    def kinds(self) -> list[str]:
        """The kinds of item some loaded feature can deliver."""
        return sorted(self._handlers)

    async def run_due(self) -> None:
        """Deliver everything due now. Safe to call any number of times, from any wake-up."""
        await self._ready()
        async with self._lock:
            now = self._clock.now()
            for stale in await self._store.deliveries.stale_claims(
                now, platforms=self.platforms, shards=self.shards
            ):
                await self._settle_stale_claim(stale, now)
            due = await self._store.deliveries.due(
                now, self.kinds, platforms=self.platforms, shards=self.shards
            )
            superseded = {(d.cohort_id, d.key) for d in superseded_reminders(due)}
            for delivery in sorted(due, key=lambda d: run_order(d.due, d.kind, d.key)):
                if (delivery.cohort_id, delivery.key) in superseded:
                    note = "a nearer reminder replaced it"  # e.g. both due after downtime
                    await self._store.deliveries.skip_if_pending(delivery, now, note)
                else:
                    await self._run_one(delivery, self._clock.now())
            await self._rebuild()

    async def deliver_now(self, cohort: Cohort, key: str) -> Sent | None:
        """Send one pending item ahead of time (``/module post``); None if already taken."""
        async with self._lock:
            delivery = await self._store.deliveries.get(cohort.id, key)
            if delivery is None:
                raise UserError(f"{cohort.name} has no item {key!r}")
            if delivery.state != DeliveryState.PENDING:
                return None
            return await self._run_one(delivery, self._clock.now(), early=True)

    async def send_again(self, cohort: Cohort, key: str) -> Sent:
        """Send by hand an item that is no longer pending: a repost, or one that failed.

        A repost leaves the row on the first post and keeps the new post's
        thread too, so the archive locks both; any other row is completed.
        """
        async with self._lock:
            delivery = await self._store.deliveries.get(cohort.id, key)
            if delivery is None:
                raise UserError(f"{cohort.name} has no item {key!r}")
            if delivery.state in (DeliveryState.PENDING, DeliveryState.CLAIMED):
                raise UserError(f"{key} is waiting to be sent or being sent: try again shortly")
            now = self._clock.now()
            handler, _ = self._handlers[delivery.kind]
            job = Job(cohort, delivery, self._library.get(cohort.course_id), now, by_hand=True)
            sent = await handler(job)
            if delivery.state is DeliveryState.DONE:
                await self._store.deliveries.record_repost(delivery, now, sent.thread_id)
            else:
                await self._store.deliveries.complete(
                    delivery,
                    now,
                    channel_id=sent.channel_id,
                    message_id=sent.message_id,
                    note="sent by hand",
                    thread_id=sent.thread_id,
                )
            return sent

    async def _run_one(self, delivery: Delivery, now: datetime, early: bool = False) -> Sent | None:
        cohort = await self._store.cohorts.get(delivery.cohort_id)
        if cohort is None:
            return None
        if delivery.expires is not None and now >= delivery.expires:
            await self._store.deliveries.skip(
                delivery, now, "its moment passed while I was offline"
            )
            self._log.info("cohort %s: skipped %s, its moment passed", cohort.id, delivery.key)
            return None
        if not await self._store.deliveries.claim(cohort.id, delivery.key, self.instance, now):
            return None  # another process has it
        handler, _ = self._handlers[delivery.kind]
        try:
            job = Job(cohort, delivery, self._library.get(cohort.course_id), now)
            sent = await handler(job)
        except NotYet as wait:
            note = "waiting for DMs another process holds; looking again when its claim expires"
            await self._store.deliveries.postpone(delivery, wait.until, note)
            return None
        except Exception as error:
            await self._failed(cohort, delivery, now, error)
            return None
        late = not early and job.late
        await self._store.deliveries.complete(
            delivery,
            self._clock.now(),
            channel_id=sent.channel_id,
            message_id=sent.message_id,
            late=late,
            note=sent.note,
            thread_id=sent.thread_id,
        )
        how = "late, caught up" if late else "ahead of time" if early else None
        details = "; ".join(part for part in (how, sent.note) if part)
        self._log.info(
            "cohort %s: sent %s%s", cohort.id, delivery.key, f" ({details})" if details else ""
        )
        return sent

    async def _failed(
        self, cohort: Cohort, delivery: Delivery, now: datetime, error: Exception
    ) -> None:
        attempts = delivery.attempts + 1
        reason = self.describe(error)
        if not isinstance(error, UserError) and self._errors.describe(error) is None:
            self._log.error(
                "delivery %s of cohort %s failed", delivery.key, cohort.id, exc_info=error
            )
        if attempts >= MAX_ATTEMPTS:
            await self._store.deliveries.give_up(delivery, now, reason)
            self._log.warning(
                "cohort %s: gave up on %s after %d attempts: %s",
                cohort.id, delivery.key, attempts, reason,
            )  # fmt: skip
            await self._report(
                cohort,
                f"I gave up on **{delivery.key}** after {attempts} attempts: {reason}. "
                f"Fix the cause, then send it by hand (e.g. `/module post`).",
            )
            return
        retry = now + retry_delay(attempts)
        await self._store.deliveries.retry_at(delivery, retry, reason)
        self._log.warning(
            "cohort %s: could not send %s (attempt %d): %s; retrying at %s",
            cohort.id, delivery.key, attempts, reason, f"{retry:%Y-%m-%d %H:%M:%S} UTC",
        )  # fmt: skip
        if attempts == 1:  # say it once, not on every retry
            await self._report(
                cohort,
                f"I could not send **{delivery.key}**: {reason}. "
                f"I will retry automatically (next try {self._errors.relative(retry)}).",
            )

    async def _settle_stale_claim(self, delivery: Delivery, now: datetime) -> None:
        """A process died holding this claim: find its post, or send again."""
        cohort = await self._store.cohorts.get(delivery.cohort_id)
        handler = self._handlers.get(delivery.kind)
        if cohort is None or handler is None:
            return
        _, find = handler
        found = None
        if find is not None:
            try:
                job = Job(cohort, delivery, self._library.get(cohort.course_id), now)
                found = await find(job)
            except Exception as error:  # e.g. its course file is gone, its channel unreadable
                if not isinstance(error, UserError) and self._errors.describe(error) is None:
                    raise
                # Twice as old as the claim is now, then at most hourly: a file put back is
                # found soon, a channel that stays unreadable is not asked every minute.
                assert delivery.claimed_at is not None
                later = now + min(max(now - delivery.claimed_at, CLAIM_LEASE), LOOK_AGAIN_MAX)
                await self._store.deliveries.look_again(delivery, later)
                self._log.warning(
                    "cohort %s: could not look for %s's post (%s); looking again at %s",
                    cohort.id, delivery.key, self.describe(error),
                    f"{later:%Y-%m-%d %H:%M:%S} UTC",
                )  # fmt: skip
                return
        if found is not None:
            self._log.info(
                "cohort %s: found %s already sent by a process that died; recorded it",
                cohort.id, delivery.key,
            )  # fmt: skip
            await self._store.deliveries.complete(
                delivery,
                now,
                channel_id=found.channel_id,
                message_id=found.message_id,
                thread_id=found.thread_id,
            )
        else:
            await self._store.deliveries.release(delivery)

    def describe(self, error: BaseException) -> str:
        """A one-line reason an instructor can act on."""
        if isinstance(error, UserError):
            return str(error)
        return self._errors.describe(error) or f"an unexpected error ({type(error).__name__})"

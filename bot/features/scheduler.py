"""APScheduler, driven by the injected clock, holding one wake-up job per pending delivery.

The database is the truth; the scheduler is a cache of when to look at it.
Its jobs are rebuilt from the store at start-up and whenever a cohort
changes: one job per distinct instant (stable ids ``wake:<instant>``), and
every job just asks the delivery runner to do whatever the database says is
due at that moment.

APScheduler 3 reads the time with ``datetime.now()`` inside
``_process_jobs``. ``ClockScheduler`` lends it the bot's clock for exactly
that call, so a test clock (or the offline demo's accelerated one) moves the
scheduler too; with the system clock nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any, ClassVar

import apscheduler.schedulers.base as apscheduler_base
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock

log = logging.getLogger(__name__)


class _ClockDatetime(datetime):
    """``datetime`` whose ``now()`` is the lent clock's; everything else is datetime's own."""

    lent: ClassVar[Clock | None] = None

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Any:
        if cls.lent is None:
            return datetime.now(tz)
        return cls.lent.now().astimezone(tz or UTC)


class ClockScheduler(AsyncIOScheduler):
    def __init__(self, clock: Clock, **options: Any) -> None:
        super().__init__(timezone=UTC, **options)
        self._clock = clock

    def _process_jobs(self) -> float | None:
        saved = apscheduler_base.datetime
        _ClockDatetime.lent = self._clock
        apscheduler_base.datetime = _ClockDatetime
        try:
            return super()._process_jobs()
        finally:
            apscheduler_base.datetime = saved
            _ClockDatetime.lent = None


class WakeUps:
    """The set of moments at which the delivery runner must look at the database."""

    def __init__(
        self,
        clock: Clock,
        wake: Callable[[], Awaitable[None]],
        *,
        owner: str = "deliveries",
        scheduler: ClockScheduler | None = None,
    ) -> None:
        self._clock = clock
        # What a wake-up does, read when it fires (a test may have it run two processes' runners).
        self.wake = wake
        self._owner = owner  # the name on this runner's jobs, in a scheduler two runners share
        self._owns_scheduler = scheduler is None
        self._prefix = "" if owner == "deliveries" else f"{owner}:"  # ids stay apart too
        # misfire_grace_time None: a late wake-up still runs (the runner decides what is
        # stale). max_instances > 1: a job re-added while its previous run is still
        # rebuilding the jobs must not be dropped; the runner's lock serialises them.
        self.scheduler = scheduler or ClockScheduler(
            clock, job_defaults={"misfire_grace_time": None, "max_instances": 5}
        )

    def beside(self, wake: Callable[[], Awaitable[None]], owner: str) -> WakeUps:
        """Another runner's wake-ups in this same scheduler (two platforms, one process)."""
        return WakeUps(self._clock, wake, owner=owner, scheduler=self.scheduler)

    def start(self) -> None:
        if self._owns_scheduler:
            self.scheduler.start()

    def shutdown(self) -> None:
        if not self._owns_scheduler:
            for job in self.scheduler.get_jobs():  # the owner's scheduler runs on without ours
                if job.name == self._owner:
                    job.remove()
        elif self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def replace_all(self, moments: Iterable[tuple[str, datetime]]) -> None:
        """Make the jobs exactly the distinct instants of ``moments``: (row id, instant) pairs
        from the store.

        One job per instant, not per row: a wake-up asks the runner for everything due,
        so rows that share an instant (a thousand cohorts' Tuesday 09:00 posts) need one
        wake-up between them, and APScheduler's job store (a sorted list) stays small.
        A moment that passed while the bot was down runs once, right away.
        """
        now = self._clock.now()
        wanted = {
            f"{self._prefix}{_job_id(instant)}": instant
            for instant in {max(when, now) for _, when in moments}
        }
        for job in self.scheduler.get_jobs():
            if job.name != self._owner:
                continue  # another runner's, in a shared scheduler
            if job.id in wanted:
                del wanted[job.id]  # already held, at that very instant (its id says so)
            else:
                job.remove()
        for job_id, instant in wanted.items():
            self.scheduler.add_job(
                self._fire, DateTrigger(instant), id=job_id, name=self._owner, coalesce=True
            )
        if not wanted and self.scheduler.running:
            # Nothing added (which would have): still look at the jobs now, so the timer
            # is set again from here, whoever last set it (two runners share the scheduler).
            self.scheduler.wakeup()
        log.debug("scheduler holds %d wake-ups", len(self.scheduler.get_jobs()))

    async def _fire(self) -> None:
        await self.wake()


def _job_id(instant: datetime) -> str:
    return f"wake:{instant.astimezone(UTC).isoformat()}"

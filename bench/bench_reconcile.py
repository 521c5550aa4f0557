"""Start-up reconcile of 1,000 cohorts: from ``Store.open`` to the scheduler holding every wake-up.

Run by hand: ``.venv/bin/python bench/bench_reconcile.py [cohorts] [runs]``; on SQLite and
PostgreSQL in the same run: ``.venv/bin/python bench/with_postgres.py bench/bench_reconcile.py``
(or with ``DATABASE_URL=postgresql://…`` set: ``bench/backends.py``).

A real SQLite file in a temporary folder (and a fresh PostgreSQL schema) holds ``cohorts`` cohorts of the
de-escalation course (4 weeks, 2 live sessions: 24 deliveries each, their
full timetable), started a week apart from one another over the coming
years, so their instants are spread out as a busy host's would be; one in
ten is past its first weeks (some rows sent), one in twenty is paused.

Each run does what ``CohortBot.setup_hook`` does for the schedule, in a fresh
process state: ``Store.open`` (migrations checked), the store's
``deliveries.wakeups`` query, ``WakeUps.replace_all``, and the scheduler's
start, after which it holds every wake-up. The phases are timed separately
and the median of the runs is printed. Target: under 1 s in all. Then the
rebuild that every cohort change triggers (``CohortBot.reschedule``:
``replace_all`` again, on the event loop) is timed too. On PostgreSQL,
``Store.open`` includes connecting over loopback and the migrations' check
under their advisory lock; the tables are ``ANALYZE``d after the fill, as
autovacuum would have done on a running server.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from backends import backends, fresh_target  # bench/backends.py: run as bench/bench_reconcile.py

from bot.catalog import default_prompts_dir
from bot.cohort import CohortState, DeliveryState, NewCohort
from bot.features.scheduler import WakeUps
from bot.library import CourseLibrary
from bot.localtime import zone
from bot.store import Store
from bot.store.db import to_text
from bot.timetable import ItemKind, sessions_for, timetable

COHORTS = 1_000
RUNS = 5
TARGET_S = 1.0
NOW = datetime(2026, 9, 1, tzinfo=UTC)
FIRST_START = date(2026, 8, 4)  # the first tenth are already running at NOW


class FixedClock:
    def now(self) -> datetime:
        return NOW

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def fill(target: Path | str, cohorts: int) -> int:
    """``cohorts`` cohorts with their whole timetables; returns the number of deliveries."""
    library = CourseLibrary(default_prompts_dir())
    library.reload()
    course = library.get("de-escalation")
    store = await Store.open(target)
    rows = 0
    try:
        for n in range(cohorts):
            start = FIRST_START + timedelta(weeks=n % 100, days=7 * 100 * (n // 100))
            if n % 10 == 0:
                start = FIRST_START
            new = NewCohort(
                guild_id=1 + n // 50,  # fifty cohorts a server
                name=f"Cohort {n}",
                course_id="de-escalation",
                start=start,
                timezone=course.timezone,
                channel_id=10_000 + n,
                learner_role_id=20,
                instructor_role_id=30,
                announcements_channel_id=None,
                created_by=99,
            )
            cohort = await store.cohorts.create(
                new, sessions_for(course, start, zone(course.timezone)), NOW
            )
            items = timetable(
                course, cohort.calendar(course), await store.cohorts.sessions(cohort.id)
            )
            await store.deliveries.plan(cohort.id, items, NOW)
            rows += len(items)
        await _vary(store)
        if store.dialect == "postgres":  # fresh statistics, as autovacuum keeps them
            await store.db.script("ANALYZE")
    finally:
        await store.close()
    return rows


async def _vary(store: Store) -> None:
    """Some history and some pauses, as a real database has (this is the bench's own SQL)."""
    db = store.db
    await db.execute(
        "UPDATE deliveries SET state = ? WHERE due_at < ? AND cohort_id % 10 = 1",
        (DeliveryState.DONE.value, to_text(NOW)),
    )
    await db.execute("UPDATE cohorts SET state = ? WHERE id % 20 = 7", (CohortState.PAUSED.value,))
    await db.commit()


async def reconcile_once(target: Path | str) -> dict[str, float]:
    """One start-up: the phases' times in seconds, and how many wake-ups the scheduler holds."""
    kinds = [kind.value for kind in ItemKind]
    times: dict[str, float] = {}

    async def nothing() -> None:
        return None

    t0 = time.perf_counter()
    store = await Store.open(target)
    t1 = time.perf_counter()
    moments = await store.deliveries.wakeups(kinds)
    t2 = time.perf_counter()
    wakeups = WakeUps(FixedClock(), nothing)
    wakeups.replace_all(moments)
    t3 = time.perf_counter()
    wakeups.start()
    t4 = time.perf_counter()
    wakeups.replace_all(moments)  # what a cohort change does: rebuild from the same rows
    t5 = time.perf_counter()
    held = len(wakeups.scheduler.get_jobs())
    wakeups.shutdown()
    await store.close()
    times.update(open=t1 - t0, query=t2 - t1, replace_all=t3 - t2, start=t4 - t3, total=t4 - t0)
    times["rebuild"] = t5 - t4
    times["rows"] = float(len(moments))
    times["jobs"] = float(held)
    return times


async def main(cohorts: int, runs: int) -> None:
    # Past-due wake-ups start to run and are cancelled at shutdown: not the bench's business.
    logging.getLogger("apscheduler").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends():
            async with fresh_target(backend, Path(folder), "reconcile") as target:
                started = time.perf_counter()
                rows = await fill(target, cohorts)
                print(
                    f"{backend}: {cohorts} cohorts, {rows} deliveries,"
                    f" filled in {time.perf_counter() - started:.1f} s",
                    flush=True,
                )
                results = [await reconcile_once(target) for _ in range(runs)]
            median = {key: statistics.median(r[key] for r in results) for key in results[0]}
            print(
                f"{backend}: {int(median['rows'])} wake-up rows -> {int(median['jobs'])} scheduler jobs;"
                f" median of {runs}: open {median['open'] * 1000:.0f} ms,"
                f" query {median['query'] * 1000:.0f} ms,"
                f" replace_all {median['replace_all'] * 1000:.0f} ms,"
                f" start {median['start'] * 1000:.0f} ms,"
                f" total {median['total'] * 1000:.0f} ms"
                f" ({'under' if median['total'] < TARGET_S else 'OVER'} the {TARGET_S:g} s goal);"
                f" a rebuild after a cohort change (replace_all again) {median['rebuild'] * 1000:.0f} ms",
                flush=True,
            )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else COHORTS
    times = int(sys.argv[2]) if len(sys.argv) > 2 else RUNS
    asyncio.run(main(count, times))

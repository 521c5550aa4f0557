"""How long ``/participation summary`` takes for a large cohort, without the network.

Run by hand: ``.venv/bin/python bench/bench_summary.py [runs]``.

A real SQLite file in a temporary folder holds a cohort of 1,000 learners over
a 15-week course with 200,000 counted messages (a third original posts, the
rest replies, spread unevenly: some learners write a lot, some nothing), plus
another cohort's 100,000 rows in the same tables, as a busy server would have.

The handler's work is timed as ``cogs/participation.py`` does it for one
week: the store's aggregate query for that week's learners (and the excused
weeks), the
report for every learner, the summary text cut to an embed, the whole list as
a file when it does not fit, and the ``discord.Embed`` and ``discord.File``.
The network is left out (SimCord or Discord would add the round trip), and so
is the member list (discord.py's cache: a role's members are an in-memory
filter). Weeks are taken in turn; the median and the 95th percentile are
printed, with the median of each step, and how many of Python's full garbage
collections fell in the runs (each adds its time to one run). Target: at most 20 ms.

With ``DATABASE_URL=postgresql://…`` set, the same again on PostgreSQL in the
same run (a fresh schema, ``bench/backends.py``); the exit status is that of
SQLite's figure, the default backend's.
After the load, PostgreSQL's tables are left as autovacuum leaves them on a
running server: ``VACUUM (ANALYZE)``, i.e. fresh statistics and the visibility
map set, without which no index-only scan is possible (the rows' heap pages are
read: about twice the query's time). The load commits with ``synchronous_commit``
on, a normal server's default: the throwaway server's ``off`` would keep VACUUM,
run a moment after, from marking anything all-visible.

For comparison, the same figures for the whole course at once (what the
export, chart, digest and ``/progress`` read, none of them on this budget).
"""

from __future__ import annotations

import asyncio
import gc
import io
import itertools
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import discord
from backends import backends, fresh_store  # bench/backends.py: run as bench/bench_summary.py

from bot.cohort import NewCohort
from bot.course import Requirement
from bot.participation import CoursePosition, Learner, build_report, export_csv, week_summary
from bot.store import Store

LEARNERS = 1_000
WEEKS = 15
MESSAGES = 200_000
OTHER_COHORT_MESSAGES = 100_000
TARGET_MS = 20.0
REQUIREMENT = Requirement(original_posts=1, replies=2)
NOW = datetime(2027, 1, 20, tzinfo=UTC)
TABLES_READ = ("activity", "excusals", "attendance", "submissions", "recording_views")


def new_cohort(name: str, channel_id: int) -> NewCohort:
    return NewCohort(
        guild_id=1,
        name=name,
        course_id="bench",
        start=date(2026, 10, 13),
        timezone="UTC",
        channel_id=channel_id,
        learner_role_id=20,
        instructor_role_id=30,
        announcements_channel_id=None,
        created_by=99,
    )


def activity_rows(
    cohort_id: int, users: list[int], count: int, first_id: int, rnd: random.Random
) -> list[tuple[object, ...]]:
    """``count`` counted messages; how much each learner writes varies (a tenth write nothing)."""
    weights = [0.0 if rnd.random() < 0.1 else rnd.expovariate(1.0) for _ in users]
    authors = rnd.choices(users, weights=weights, k=count)
    return [
        (
            first_id + n,
            cohort_id,
            author,
            5_000 + rnd.randrange(200),  # a channel or thread
            "original" if rnd.random() < 1 / 3 else "reply",
            rnd.randint(1, WEEKS),
            "2026-11-01T12:00:00.000000Z",
        )
        for n, author in enumerate(authors)
    ]


async def fill(store: Store) -> tuple[int, list[Learner]]:
    rnd = random.Random(2026)
    cohort = await store.cohorts.create(new_cohort("Large", 10), [], NOW)
    other = await store.cohorts.create(new_cohort("Other", 11), [], NOW)
    learners = [
        Learner(10**17 + n, f"Learner {n:04} {rnd.choice('ABCDEFG')}") for n in range(LEARNERS)
    ]
    users = [learner.user_id for learner in learners]
    rows = activity_rows(cohort.id, users, MESSAGES, 10**18, rnd)
    rows += activity_rows(
        other.id, [u + LEARNERS for u in users], OTHER_COHORT_MESSAGES, 2 * 10**18, rnd
    )
    await store.db.executemany(
        "INSERT INTO activity (message_id, cohort_id, user_id, channel_id, kind, week, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    for user in rnd.sample(users, 50):
        await store.participation.excuse(cohort.id, user, rnd.randint(1, WEEKS), 99, NOW)
    await store.db.commit()
    return cohort.id, learners


Times = dict[str, list[float]]


def record(times: Times, stamps: list[tuple[str, float]]) -> None:
    """Each step's milliseconds from a list of (step, when it ended) after ("start", when it began)."""
    for (_, before), (name, after) in itertools.pairwise(stamps):
        times.setdefault(name, []).append((after - before) * 1000)
    times.setdefault("total", []).append((stamps[-1][1] - stamps[0][1]) * 1000)


async def summary_handler(
    store: Store, cohort_id: int, learners: list[Learner], week: int, times: Times
) -> None:
    """What the summary command does between the interaction arriving and the reply going out."""
    stamps = [("start", time.perf_counter())]
    users = [learner.user_id for learner in learners]
    counts = await store.participation.counts(cohort_id, week=week, users=users)
    stamps.append(("query", time.perf_counter()))
    position = CoursePosition(current_week=week, weeks_started=week)
    report = build_report(learners, counts, [week], REQUIREMENT, position)
    stamps.append(("report", time.perf_counter()))
    result = week_summary(report, week)
    discord.Embed(title="Participation: Large", description=result.text)
    if result.full is not None:
        discord.File(
            io.BytesIO(result.full.encode("utf-8")), filename=f"participation-week-{week}.txt"
        )
    stamps.append(("render", time.perf_counter()))
    record(times, stamps)


async def whole_course(store: Store, cohort_id: int, learners: list[Learner], times: Times) -> None:
    """The export's work: every week of every learner, as a CSV."""
    stamps = [("start", time.perf_counter())]
    users = [learner.user_id for learner in learners]
    counts = await store.participation.counts(cohort_id, users=users)
    stamps.append(("query", time.perf_counter()))
    report = build_report(
        learners, counts, range(1, WEEKS + 1), REQUIREMENT, CoursePosition(None, WEEKS)
    )
    stamps.append(("report", time.perf_counter()))
    export_csv(report)
    stamps.append(("csv", time.perf_counter()))
    record(times, stamps)


class FullCollections:
    """Python's full garbage collections (generation 2) while entered, and how long each took.

    They come every couple of dozen summaries (the handler's allocations trigger them)
    and last about as long as a summary: the slowest runs on both backends.
    """

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._began = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._began) * 1000)

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def show(self) -> None:
        if self.pauses:
            print(
                f"  full garbage collections meanwhile: {len(self.pauses)},"
                f" median {statistics.median(self.pauses):.1f} ms each"
            )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def show(title: str, times: Times) -> None:
    print(title)
    total = times["total"]
    print(
        f"  total: median {statistics.median(total):.2f} ms, p95 {percentile(total, 0.95):.2f} ms,"
        f" max {max(total):.2f} ms over {len(total)} runs"
    )
    for name, steps in times.items():
        if name != "total":
            print(f"    {name}: median {statistics.median(steps):.2f} ms")


async def main(runs: int) -> int:
    status = 0
    for backend in backends():
        print(f"== {backend}")
        with tempfile.TemporaryDirectory() as folder:
            async with fresh_store(backend, Path(folder), "summary") as store:
                p95 = await measure(store, runs)
        verdict = "within" if p95 <= TARGET_MS else "OVER"
        print(f"Target {TARGET_MS:.0f} ms: p95 {p95:.2f} ms is {verdict} it ({backend}).")
        if backend == "sqlite" and p95 > TARGET_MS:
            status = 1
    return status


async def measure(store: Store, runs: int) -> float:
    began = time.perf_counter()
    if store.dialect == "postgres":
        # A normal server's default (the throwaway one has it off): each commit's WAL is
        # flushed before it returns, so VACUUM below may set the rows' hint bits and the
        # visibility map; with it off, VACUUM right after the load leaves every page as it was.
        await store.db.script("SET synchronous_commit = on")
    cohort_id, learners = await fill(store)
    print(
        f"{LEARNERS} learners, {WEEKS} weeks, {MESSAGES:,} messages"
        f" (+{OTHER_COHORT_MESSAGES:,} in another cohort), filled in {time.perf_counter() - began:.1f} s"
    )
    if store.dialect == "postgres":  # as autovacuum leaves a table after a bulk insert:
        # fresh statistics, and the visibility map set (which index-only scans need)
        await store.db.script(f"VACUUM (ANALYZE) {', '.join(TABLES_READ)}")
    for week in range(1, WEEKS + 1):  # warm the page cache, as a running bot's is
        await summary_handler(store, cohort_id, learners, week, {})
    summary: Times = {}
    with FullCollections() as collections:
        for run in range(runs):
            await summary_handler(store, cohort_id, learners, run % WEEKS + 1, summary)
    show("/participation summary, one week (the handler's work, no network):", summary)
    collections.show()
    whole: Times = {}
    for _ in range(max(runs // 10, 5)):
        await whole_course(store, cohort_id, learners, whole)
    show("For comparison, the whole course at once (the export's work):", whole)
    return percentile(summary["total"], 0.95)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)))

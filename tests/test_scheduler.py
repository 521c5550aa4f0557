"""The scheduler's cache of wake-ups: one job per distinct instant, rebuilt to match the store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.features.scheduler import WakeUps

NOW = datetime(2026, 10, 13, 12, 0, tzinfo=UTC)
TUESDAY_9 = datetime(2026, 10, 20, 16, 0, tzinfo=UTC)
LATER = TUESDAY_9 + timedelta(hours=1)


class FixedClock:
    def now(self) -> datetime:
        return NOW

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def nothing() -> None:
    return None


def held(wakeups: WakeUps) -> list[datetime]:
    return sorted(job.trigger.run_date for job in wakeups.scheduler.get_jobs())


async def test_rows_that_share_an_instant_share_one_wake_up():
    wakeups = WakeUps(FixedClock(), nothing)
    wakeups.replace_all(
        [(f"{cohort}:module:2", TUESDAY_9) for cohort in range(1, 501)]
        + [("7:digest:1", TUESDAY_9), ("7:reminder:live-1:1h", LATER)]
        # Missed while the bot was down: all of them wake the runner once, now.
        + [("8:module:1", NOW - timedelta(days=2)), ("9:module:1", NOW - timedelta(hours=1))]
    )
    assert held(wakeups) == [NOW, TUESDAY_9, LATER]


async def test_a_rebuild_keeps_what_is_still_wanted_and_drops_the_rest():
    wakeups = WakeUps(FixedClock(), nothing)
    wakeups.start()
    try:
        wakeups.replace_all([("1:module:2", TUESDAY_9), ("1:digest:2", LATER)])
        kept = wakeups.scheduler.get_jobs()[0]
        wakeups.replace_all([("1:module:2", TUESDAY_9), ("2:module:2", TUESDAY_9)])
        assert held(wakeups) == [TUESDAY_9]
        assert wakeups.scheduler.get_jobs()[0].id == kept.id
        wakeups.replace_all([])
        assert held(wakeups) == []
    finally:
        wakeups.shutdown()

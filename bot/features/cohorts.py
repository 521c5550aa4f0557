"""Pausing, resuming and ending a cohort, on any platform: the rules and the answers.

Each adapter checks who asks, calls these, then rebuilds its wake-ups (the database is
the truth) and does what only it has (Discord's scheduled events).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.clock import Clock
from bot.cohort import Cohort, CohortState
from bot.errors import UserError
from bot.features.platform import Platform
from bot.store import Store
from bot.timetable import ItemKind

# Ending a cohort stops what it would still post; its archive and purge stay on schedule.
KEPT_WHEN_ENDED = (ItemKind.ARCHIVE, ItemKind.PURGE)


async def listing(platform: Platform, cohorts: Sequence[Cohort]) -> str:
    """``/cohort list``: a line for each cohort the asker runs (its course, when it starts,
    where it lives, and whether it runs), or how to start one."""
    if not cohorts:
        home = platform.words.home
        return f"No cohorts in this {home} yet: start one with `/cohort create`."
    lines = [
        f"**{c.name}** — {c.course_id}, from {c.start:%d %b %Y}"
        f" in {await platform.mention(c.channel_id)} ({c.state})"
        for c in cohorts
    ]
    return "\n".join(lines)


async def pause_or_resume(store: Store, cohort: Cohort, state: CohortState) -> str:
    """Pause (``PAUSED``) or resume (``ACTIVE``) the cohort; what to tell the instructor."""
    if cohort.state == CohortState.ENDED:
        raise UserError(f"{cohort.name} has ended; it can't be paused or resumed.")
    await store.cohorts.set_state(cohort.id, state)
    if state == CohortState.PAUSED:
        return f"⏸️ {cohort.name} is paused. Nothing will be posted until `/cohort resume`."
    return f"▶️ {cohort.name} is running again; anything missed while paused is being posted."


async def end(store: Store, clock: Clock, cohort: Cohort) -> str:
    """End the cohort early: no more posts, reminders or nudges; what to tell the instructor.

    Ending again (after a crash between the two writes, say) cancels what is left.
    """
    await store.cohorts.set_state(cohort.id, CohortState.ENDED)
    skipped = await store.deliveries.skip_pending(
        cohort.id, KEPT_WHEN_ENDED, clock.now(), "the cohort was ended"
    )
    return (
        f"⏹️ {cohort.name} has ended; {skipped} pending posts and reminders were cancelled. "
        "Its posts will still be archived, and its data purged, on schedule."
    )

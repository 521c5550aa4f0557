"""Planning a cohort's deliveries from its course and sessions, on any platform."""

from __future__ import annotations

from bot.clock import Clock
from bot.cohort import Cohort
from bot.library import CourseLibrary
from bot.replan import PlanChanges, plan_changes
from bot.store import Store
from bot.timetable import timetable


async def plan_cohort(
    store: Store, library: CourseLibrary, clock: Clock, cohort: Cohort
) -> PlanChanges:
    """Bring the cohort's deliveries in line with its course and sessions; what changed.

    The caller reschedules its wake-ups and tells its platform's calendar next.
    """
    course = library.get(cohort.course_id)
    sessions = await store.cohorts.sessions(cohort.id)
    now = clock.now()
    items = timetable(course, cohort.calendar(course), sessions, planned=now)
    changes = plan_changes(await store.deliveries.for_cohort(cohort.id), items)
    await store.deliveries.plan(cohort.id, items, now)
    return changes

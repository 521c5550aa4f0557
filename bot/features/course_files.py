"""After ``/course reload``: a cohort follows its course file, on any platform.

The adapter reloads the library, then for each of its running cohorts calls
``follow_course_file``, re-arms its scheduler, corrects what it had posted about sessions
the file moved or cancelled (``corrections`` says which posts and notices), and tells the
instructors ``reload_notice``.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot import sessions as words
from bot.clock import Clock
from bot.cohort import Cohort, CohortState
from bot.course import Course
from bot.features.planning import plan_cohort
from bot.library import CourseLibrary
from bot.render import Post
from bot.replan import PlanChanges, course_session_updates, describe_changes
from bot.store import Store
from bot.timetable import CohortSession

Changed = list[tuple[CohortSession | None, CohortSession]]


def follows(cohort: Cohort, library: CourseLibrary) -> bool:
    """Running, and its course file still loaded: it follows a reload."""
    return cohort.state is not CohortState.ENDED and cohort.course_id in library.ids()


async def follow_course_file(
    store: Store, library: CourseLibrary, clock: Clock, cohort: Cohort, before: Mapping[str, Course]
) -> tuple[Changed, PlanChanges]:
    """Sessions the file changed since ``before`` reach the cohort first (only those: an
    instructor's own sessions and moves stay); then pending items follow the file in force.
    Returns the sessions changed (old, new) and what was re-planned."""
    new = library.get(cohort.course_id)
    old = before.get(cohort.course_id, new)
    current = {s.key: s for s in await store.cohorts.sessions(cohort.id)}
    updates = course_session_updates(
        old, new, cohort.start, cohort.zone, current.values(), clock.now()
    )
    for session in updates:
        await store.cohorts.save_session(cohort.id, session)
    changes = await plan_cohort(store, library, clock, cohort)
    return [(current.get(s.key), s) for s in updates], changes


def reload_notice(course_id: str, changes: PlanChanges) -> str:
    return (
        f"The course file `{course_id}` changed, so I re-planned what is still to come "
        f"(what was sent stays as it was):\n{describe_changes(changes)}"
    )


def corrections(changed: Changed) -> list[tuple[CohortSession, Post, Post, str]]:
    """For each session moved or cancelled: the session as its announcement now shows it,
    the announcement's new words, the notice to post, and the notice's marker suffix."""
    found = []
    for old, new in changed:
        if old is None:
            continue  # added: announced with its week, like one added by hand
        if new.cancelled and not old.cancelled:
            found.append(
                (new, words.cancellation(old), words.cancellation(old), f"cancel:{old.key}")
            )
        elif not new.cancelled and new.start != old.start:
            found.append((new, words.announcement(new), words.moved(old, new), f"moved:{new.key}"))
    return found

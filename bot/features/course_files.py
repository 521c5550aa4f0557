"""After ``/course reload``: a cohort follows its course file, on any platform.

A process has one ``Courses``: the course library every platform it runs reads, and the
one reload. ``/course reload`` on either platform reloads it once, then each platform's
follower (registered by its adapter at start-up) re-plans that platform's running
cohorts: for each it calls ``follow_course_file``, re-arms its scheduler, corrects what it
had posted about sessions the file moved or cancelled (``session_changes.tell``, as for
a session moved or cancelled by hand), and tells the instructors ``reload_notice`` on their own platform.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.cohort import Cohort, CohortState, PlatformName
from bot.course import Course
from bot.course_file import Problem
from bot.features.planning import plan_cohort
from bot.library import CourseLibrary
from bot.replan import PlanChanges, course_session_updates, describe_changes
from bot.store import Store
from bot.timetable import CohortSession

Changed = list[tuple[CohortSession | None, CohortSession]]
# A platform's part of a reload: given the courses before it, re-plan that platform's
# running cohorts and tell their instructors; how many were re-planned.
Follower = Callable[[Mapping[str, Course]], Awaitable[int]]

log = logging.getLogger(__name__)


@dataclass
class Reloaded:
    problems: list[Problem]
    replanned: int = 0
    failed: list[PlatformName] = field(default_factory=list)  # a follower raised (logged)


class Courses:
    """The course files in force in this process, shared by every platform it runs."""

    def __init__(self, library: CourseLibrary) -> None:
        self.library = library
        self._followers: dict[PlatformName, Follower] = {}
        self._loaded = False

    def load(self) -> list[Problem]:
        """Read the files at start-up: the first platform to start reads them, the others
        find them read (a second read would be a reload that re-plans nothing)."""
        if self._loaded:
            return []
        self._loaded = True
        return self.library.reload()

    def follow(self, platform: PlatformName, follower: Follower) -> None:
        """``follower`` re-plans ``platform``'s cohorts after each reload (one per platform)."""
        self._followers[platform] = follower

    async def reload(self, store: Store) -> Reloaded:
        """Re-read the files (a broken one, or one gone that cohorts follow, keeps its
        previous version), then let every platform's running cohorts follow them."""
        before = {c.id: c for c in self.library.all()}
        in_use = {c.course_id for c in await store.cohorts.all()}
        reloaded = Reloaded(self.library.reload(in_use))
        self._loaded = True
        for platform, follower in self._followers.items():
            try:
                reloaded.replanned += await follower(before)
            except Exception:  # one platform's failure must not hide the other's answer
                log.exception("re-planning %s's cohorts after a reload failed", platform)
                reloaded.failed.append(platform)
        return reloaded

    def answer(self, reloaded: Reloaded) -> list[str]:
        """What the one who reloaded is told, on either platform (Markdown)."""
        ids = self.library.ids()
        lines = [f"Loaded {len(ids)} courses: {', '.join(ids)}."]
        if reloaded.replanned:
            lines.append(
                f"Re-planned {reloaded.replanned} running cohorts; their instructors were told."
            )
        for platform in reloaded.failed:
            lines.append(
                f"Re-planning the {platform.value.title()} cohorts failed (it is logged): try again."
            )
        if any(p.severity == "error" for p in reloaded.problems):
            lines += ["", "**Refused (the previous version stays in force):**"]
        lines += [f"`{p}`" for p in reloaded.problems]
        return lines


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

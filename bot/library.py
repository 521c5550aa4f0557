"""The course files in force, reloadable without losing a good version to a broken edit."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from bot.catalog import load_catalog, not_loaded
from bot.course import Course
from bot.course_file import Problem
from bot.errors import NotFound


class CourseLibrary:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._courses: dict[str, Course] = {}
        self._problems: list[Problem] = []  # of the last reload: why a course is missing

    def reload(self, in_use: Collection[str] = ()) -> list[Problem]:
        """Re-read every file. A file with errors keeps its previous version in force, and so
        does a course in ``in_use`` (cohorts follow it) whose file has gone."""
        catalog = load_catalog(self.directory)
        problems = list(catalog.problems)
        broken = {p.path.stem for p in problems if p.severity == "error"}
        kept = {cid: course for cid, course in self._courses.items() if cid in broken}
        for cid in sorted(set(in_use) & self._courses.keys() - catalog.courses.keys() - broken):
            kept[cid] = course = self._courses[cid]
            where = course.source or self.directory / f"{cid}.yaml"
            problems.append(
                Problem(
                    where,
                    1,
                    f"the file of course {cid!r} is gone, but cohorts follow it: the version"
                    " loaded before stays in force (put the file back to change it)",
                )
            )
        self._courses = {**kept, **catalog.courses}
        self._problems = problems
        return problems

    def get(self, course_id: str) -> Course:
        try:
            return self._courses[course_id]
        except KeyError:
            if broken := not_loaded(course_id, self._problems):
                raise NotFound(broken) from None
            known = ", ".join(sorted(self._courses)) or "none are loaded"
            raise NotFound(f"no course called {course_id!r} (known courses: {known})") from None

    def ids(self) -> list[str]:
        return sorted(self._courses)

    def all(self) -> list[Course]:
        return [self._courses[cid] for cid in self.ids()]

"""Every course file in a folder: the courses that load, and every problem found."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.course import Course
from bot.course_file import Problem, load_course

COURSE_SUFFIXES = (".yaml", ".yml")


@dataclass
class Catalog:
    courses: dict[str, Course] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def default_prompts_dir() -> Path:
    """The prompts/ folder shipped beside the package."""
    return Path(__file__).resolve().parent.parent / "prompts"


def course_files(paths: list[Path]) -> list[Path]:
    """The course files named, with folders expanded to the course files inside them."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in COURSE_SUFFIXES)
        else:
            found.append(path)
    return found


def load_catalog(*paths: Path) -> Catalog:
    """Load course files; a file with errors contributes its problems and no course."""
    catalog = Catalog()
    for path in course_files(list(paths)):
        course, problems = load_course(path)
        catalog.problems += problems
        if course is None:
            continue
        if course.id in catalog.courses:
            first = catalog.courses[course.id].source
            catalog.problems.append(
                Problem(path, 1, f"a course called {course.id!r} is already in {first}")
            )
            continue
        catalog.courses[course.id] = course
    return catalog

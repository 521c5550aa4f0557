"""Every course file in a folder: the courses that load, and every problem found."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bot.course import Course
from bot.course_file import Problem, load_course

COURSE_SUFFIXES = (".yaml", ".yml")


@dataclass
class Catalog:
    courses: dict[str, Course] = field(default_factory=dict)  # by course id
    problems: list[Problem] = field(default_factory=list)  # errors and warnings, file by file

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def not_loaded(course_id: str, problems: Iterable[Problem]) -> str | None:
    """Why ``course_id`` is missing when its file is there but has errors; else None."""
    errors = [p for p in problems if p.severity == "error" and p.path.stem == course_id]
    if not errors:
        return None
    return (
        f"course {course_id!r} is not loaded: its file has errors (`cohortbot check` lists"
        f" them all), first {errors[0]}"
    )


def default_prompts_dir() -> Path:
    """The prompts/ folder of a source checkout (where course files are edited);
    in an installed wheel, the copy shipped inside the package as ``bot.prompts``."""
    checkout = Path(__file__).resolve().parent.parent / "prompts"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("bot") / "prompts"))


def course_files(*paths: Path) -> list[Path]:
    """The files named, with each folder replaced by the course files directly inside it.

    Hidden files (an editor's ``.#draft.yaml``) are skipped.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.iterdir()
                if p.suffix in COURSE_SUFFIXES and not p.name.startswith(".")
            )
        else:
            found.append(path)
    return found


def load_catalog(directory: Path | None = None) -> Catalog:
    """The course files in ``directory`` (default: the shipped prompts/ folder)."""
    return load_files(course_files(directory or default_prompts_dir()))


def load_files(paths: Iterable[Path]) -> Catalog:
    """Load course files; a file with errors contributes its problems and no course."""
    catalog = Catalog()
    for path in paths:
        course, problems = load_course(path)
        catalog.problems += problems
        if course is None:
            continue
        if course.id in catalog.courses:
            first = catalog.courses[course.id].source
            catalog.problems.append(
                Problem(path, 1, f"a course called {course.id!r} is already loaded from {first}")
            )
            continue
        catalog.courses[course.id] = course
    return catalog

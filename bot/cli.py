"""The ``cohortbot`` command: run the bot, play the offline demo, check and inspect courses.

Only ``run`` and ``demo`` import discord, and only when they are chosen.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.catalog import default_prompts_dir, load_catalog
from bot.course import Course
from bot.course_file import load_course
from bot.errors import UserError
from bot.localtime import zone
from bot.render import item_label
from bot.timetable import Item, course_calendar, sessions_for, timetable


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except UserError as error:
        print(f"cohortbot: {error}", file=sys.stderr)
        return 2


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="cohortbot", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="start the bot (DISCORD_TOKEN from the environment or .env)"
    )
    run.set_defaults(handler=run_command)

    demo = commands.add_parser("demo", help="play a whole course offline, no token needed")
    demo.add_argument("course", nargs="?", help="course id (default: de-escalation)")
    demo.add_argument(
        "--out", type=Path, help="folder for the CSV and chart (default: ./demo-output)"
    )
    demo.set_defaults(handler=demo_command)

    check = commands.add_parser("check", help="validate course files (default: prompts/)")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    check.set_defaults(handler=check_command)

    schedule = commands.add_parser("schedule", help="print a cohort's timetable")
    schedule.add_argument("course", help="course id in the prompts folder, or a course file")
    schedule.add_argument("--start", required=True, help="the cohort's first day, YYYY-MM-DD")
    schedule.add_argument("--tz", help="IANA time zone (default: the course's)")
    schedule.add_argument("--prompts", type=Path, default=None, help="folder of course files")
    schedule.set_defaults(handler=schedule_command)
    return top


def run_command(args: argparse.Namespace) -> int:
    from bot.app.launch import run_bot

    return run_bot()


def demo_command(args: argparse.Namespace) -> int:
    from bot.app.demo import run_demo

    return run_demo(args.course, args.out)


def check_command(args: argparse.Namespace) -> int:
    catalog = load_catalog(*(args.paths or [default_prompts_dir()]))
    for problem in catalog.problems:
        print(problem)
    if catalog.errors:
        return 1
    for course in catalog.courses.values():
        warnings = sum(1 for p in catalog.problems if p.path == course.source)
        print(summary(course, warnings))
    return 0


def summary(course: Course, warnings: int) -> str:
    sessions = f"{len(course.sessions)} live session{'s' if len(course.sessions) != 1 else ''}"
    note = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
    return (
        f'{course.id}: "{course.title}", {len(course.weeks)} weeks, {sessions}, '
        f"{course.timezone} — OK{note}"
    )


def find_course(name: str, prompts: Path | None) -> Course:
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        course, problems = load_course(path)
    else:
        folder = prompts or default_prompts_dir()
        catalog = load_catalog(folder)
        if name in catalog.courses:
            return catalog.courses[name]
        known = ", ".join(sorted(catalog.courses)) or "none"
        raise UserError(f"no course {name!r} in {folder} (courses: {known})")
    if course is None:
        raise UserError("the course file has errors:\n" + "\n".join(map(str, problems)))
    return course


def schedule_command(args: argparse.Namespace) -> int:
    course = find_course(args.course, args.prompts)
    try:
        start = date.fromisoformat(args.start)
    except ValueError:
        raise UserError(f"--start {args.start!r} is not a date: write YYYY-MM-DD") from None
    tz = zone(args.tz or course.timezone)
    calendar = course_calendar(course, start, tz)
    items = timetable(course, calendar, sessions_for(course, start, tz))
    print(f"{course.title} — cohort starting {start:%A %d %B %Y}, times in {tz.key} and UTC\n")
    for item in items:
        local = item.due.astimezone(tz)
        print(
            f"{local:%a %Y-%m-%d %H:%M %Z}  {item.due:%Y-%m-%d %H:%M} UTC  {describe(course, item)}"
        )
    return 0


def describe(course: Course, item: Item) -> str:
    titles = {s.key: s.title for s in course.sessions}
    if item.kind == "module" and item.week is not None:
        return f"Week {item.week} module post: {course.week(item.week).title}"
    session = titles.get(item.session or "", item.session)
    return item_label(item.kind, item.week, session, item.key)


if __name__ == "__main__":
    raise SystemExit(main())

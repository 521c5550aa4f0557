"""The ``cohortbot`` command: run the bot, play the offline demo, check and inspect courses.

Only ``run`` and ``demo`` import discord, and only when they are chosen.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.catalog import (
    COURSE_SUFFIXES,
    course_files,
    default_prompts_dir,
    load_catalog,
    load_files,
    not_loaded,
)
from bot.course import Course
from bot.course_file import load_course
from bot.errors import UserError
from bot.localtime import zone
from bot.render import item_label, plural
from bot.settings import Settings
from bot.timetable import Item, ItemKind, course_calendar, sessions_for, timetable

USAGE_ERROR = 2  # as argparse exits for a bad option


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        status = int(args.handler(args))
        sys.stdout.flush()  # here, so that a closed pipe is caught below, not at exit
        return status
    except UserError as error:
        print(f"cohortbot: {error}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:
        # Read by `head` or a pager that quit: not an error worth a traceback. Later
        # writes (Python flushing stdout at exit) go nowhere instead of failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="cohortbot",
        description="Run the course bot, play the offline demo, check and inspect course files.",
    )
    commands = top.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="start the bot: Discord (DISCORD_TOKEN), Slack (SLACK_BOT_TOKEN and SLACK_APP_TOKEN)"
        " or both, from the environment or .env",
    )
    run.add_argument(
        "--sync-commands",
        action="store_true",
        help="send the slash commands to Discord even if they have not changed since the last sync",
    )
    run.set_defaults(handler=run_command)

    demo = commands.add_parser("demo", help="play a whole course offline, no token needed")
    demo.add_argument("course", nargs="?", help="course id (default: de-escalation)")
    demo.add_argument(
        "--out", type=Path, help="folder for the CSV and chart (default: ./demo-output)"
    )
    demo.set_defaults(handler=demo_command)

    check = commands.add_parser(
        "check", help="validate course files (default: PROMPTS_DIR, else prompts/)"
    )
    check.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="a course file or a folder of them"
    )
    check.set_defaults(handler=check_command)

    schedule = commands.add_parser("schedule", help="print a cohort's timetable")
    schedule.add_argument("course", help="course id in the prompts folder, or a course file")
    schedule.add_argument("--start", required=True, help="the cohort's first day, YYYY-MM-DD")
    schedule.add_argument("--tz", help="IANA time zone (default: the course's)")
    schedule.add_argument(
        "--prompts", type=Path, help="folder of course files (default: PROMPTS_DIR, else prompts/)"
    )
    schedule.set_defaults(handler=schedule_command)
    return top


def run_command(args: argparse.Namespace) -> int:
    """Every platform that has a token: Discord, Slack, or both in one process."""
    from bot.settings import Settings, SettingsError, prompts_problem

    try:
        settings = Settings.load(require_token=False)
    except SettingsError as error:
        print(f"cohortbot: {error}", file=sys.stderr)
        return 2
    if settings.slack is None:  # Discord only, as before Slack (run_bot checks the token)
        from bot.app.launch import run_bot

        return run_bot(force_sync=args.sync_commands)
    import asyncio

    from bot.app.launch import check_database
    from bot.slack.launch import run_slack

    try:
        if settings.prompts_dir and (problem := prompts_problem(settings.prompts_dir)):
            raise SettingsError(f"PROMPTS_DIR={settings.prompts_dir}: {problem}")
        asyncio.run(check_database(settings.database, settings.database_url))
    except SettingsError as error:
        print(f"cohortbot: {error}", file=sys.stderr)
        return 2
    if not settings.token:
        return run_slack(settings)
    from bot.app.launch import discord_service

    bot, run_discord = discord_service(settings, force_sync=args.sync_commands)
    return run_slack(
        settings, run_discord, beside=bot.wakeups, courses=bot.courses, stop_alongside=bot.close
    )


def demo_command(args: argparse.Namespace) -> int:
    from bot.app.demo import DEFAULT_OUT, run_demo

    writable_folder(args.out or DEFAULT_OUT)  # now, not after the whole course has played
    return run_demo(args.course, args.out, prompts_dir())


def writable_folder(folder: Path) -> None:
    """Make ``folder`` (and its parents) if missing; a clear error if it cannot hold files."""
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--out {folder} is a file: name a folder (it is made if missing)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"--out {folder}: cannot make the folder ({error.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"--out {folder}: the folder is read-only to this user")


def prompts_dir() -> Path:
    """The course folder every command uses: PROMPTS_DIR (environment or .env), else the
    shipped prompts/ folder, as the bot itself loads it."""
    return Settings.load(require_token=False).prompts_dir or default_prompts_dir()


def check_command(args: argparse.Namespace) -> int:
    """Every problem as FILE:LINE; then, if there is no error, one summary line per course."""
    paths = args.paths or [prompts_dir()]
    files = course_files(*paths)
    if not files:
        wanted = " or ".join(f"*{suffix}" for suffix in COURSE_SUFFIXES)
        raise UserError(f"no course files ({wanted}) in {', '.join(map(str, paths))}")
    catalog = load_files(files)
    for problem in catalog.problems:
        print(problem)
    if catalog.errors:
        return 1
    for course in catalog.courses.values():
        print(summary(course, warnings=sum(p.path == course.source for p in catalog.problems)))
    return 0


def summary(course: Course, warnings: int) -> str:
    note = f" ({plural(warnings, 'warning')})" if warnings else ""
    return (
        f'{course.id}: "{course.title}", {plural(len(course.weeks), "week")}, '
        f"{plural(len(course.sessions), 'live session')}, {hours_text(course.hours)}"
        f"{course.timezone} — OK{note}"
    )


def hours_text(hours: float | None) -> str:
    """``15 course hours, `` (or nothing, when the course file gives none)."""
    return "" if hours is None else f"{hours:g} course hours, "


def schedule_command(args: argparse.Namespace) -> int:
    course = find_course(args.course, args.prompts)
    start = parse_start(args.start)
    tz = zone(args.tz or course.timezone)
    try:
        calendar = course_calendar(course, start, tz)
        sessions = sessions_for(course, start, tz)
    except OverflowError:
        raise UserError(f"--start {args.start} is too far in the future") from None
    print(f"{course.title} — cohort starting {start:%A %d %B %Y}, times in {tz.key} and UTC\n")
    for item in timetable(course, calendar, sessions):
        local = item.due.astimezone(tz)
        when = f"{local:%a %Y-%m-%d %H:%M %Z}  {item.due:%Y-%m-%d %H:%M} UTC"
        print(f"{when}  {describe(course, item)}")
    return 0


def find_course(name: str, prompts: Path | None) -> Course:
    """A course by id from the prompts folder, or from a file when ``name`` is a path."""
    path = Path(name)
    if path.suffix in COURSE_SUFFIXES or path.is_file():
        course, problems = load_course(path)
        if course is None:
            errors = [str(p) for p in problems if p.severity == "error"]
            raise UserError(f"{path} has errors:\n" + "\n".join(errors))
        return course
    folder = prompts or prompts_dir()
    catalog = load_catalog(folder)
    if name not in catalog.courses:
        if broken := not_loaded(name, catalog.problems):
            raise UserError(broken)
        known = ", ".join(sorted(catalog.courses)) or "none"
        raise UserError(f"no course {name!r} in {folder} (courses: {known})")
    return catalog.courses[name]


def parse_start(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--start {text!r} is not a date: write YYYY-MM-DD") from None


def describe(course: Course, item: Item) -> str:
    if item.kind == ItemKind.MODULE and item.week is not None:
        return f"Week {item.week} module post: {course.week(item.week).title}"
    session = next((s.title for s in course.sessions if s.key == item.session), item.session)
    return item_label(item.kind, item.week, session, item.key)


if __name__ == "__main__":
    raise SystemExit(main())

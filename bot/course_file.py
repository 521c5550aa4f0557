"""Course files: YAML written by hand, validated into a ``Course`` with located problems.

Parsed with PyYAML's ``BaseLoader`` (every scalar stays a string, so ``10:00``
is not read as the number 600 and ``no`` is not False) into a node tree that
keeps the line of every value; each check below reports ``FILE:LINE: what is
wrong``. Nothing a file contains makes loading raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import urlparse

import yaml

from bot.course import Course, Lifecycle, ReminderAudience, Requirement, SessionSpec, Week
from bot.durations import parse_duration
from bot.errors import InvalidInput
from bot.localtime import to_utc, zone
from bot.timetable import course_calendar

# Discord's limits that a course file can run into.
THREAD_TITLE_LIMIT = 100
EMBED_LIMIT = 4096

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SLUG = re.compile(r"[a-z0-9-]{1,32}")
_T = TypeVar("_T")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


class _Invalid(Exception):
    """One value is wrong; already reported. Stops reading that value only."""


class _Reader:
    """Typed reads of YAML nodes, each error recorded with its line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, node: yaml.Node | None, message: str) -> _Invalid:
        self.problems.append(Problem(self.path, _line(node), message))
        return _Invalid(message)

    def warning(self, node: yaml.Node | None, message: str) -> None:
        self.problems.append(Problem(self.path, _line(node), message, "warning"))

    def mapping(
        self, node: yaml.Node, what: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping of `key: value` lines")
        found: dict[str, yaml.Node] = {}
        allowed = required + optional
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                raise self.error(
                    key_node, f"unknown key {key!r} in {what}; allowed: {', '.join(allowed)}"
                )
            if key in found:
                raise self.error(key_node, f"{key!r} appears twice in {what}")
            found[key] = value_node
        missing = [key for key in required if key not in found]
        if missing:
            raise self.error(node, f"{what} is missing {', '.join(repr(k) for k in missing)}")
        return found

    def text(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
            raise self.error(node, f"{what} must be some text")
        return str(node.value).strip()

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.error(
                node, f"{what} must be a list with at least one item (lines starting with '- ')"
            )
        return list(node.value)

    def texts(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        return tuple(self.text(item, f"each of {what}") for item in self.sequence(node, what))

    def count(self, node: yaml.Node, what: str) -> int:
        value = self.text(node, what)
        if not value.isdigit():
            raise self.error(node, f"{what} must be a whole number (0 or more), not {value!r}")
        return int(value)

    def convert(self, node: yaml.Node, what: str, parse: Callable[[str], _T], example: str) -> _T:
        value = self.text(node, what)
        try:
            return parse(value)
        except (ValueError, InvalidInput) as exc:
            detail = str(exc) if isinstance(exc, InvalidInput) else f"write it as {example}"
            raise self.error(node, f"{what} {value!r} is not valid: {detail}") from None

    def maybe_mapping(
        self, node: yaml.Node, what: str, keys: tuple[str, ...]
    ) -> dict[str, yaml.Node]:
        """An optional section: its keys, or none when it is malformed (already reported)."""
        try:
            return self.mapping(node, what, (), keys)
        except _Invalid:
            return {}

    def maybe_sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        try:
            return self.sequence(node, what)
        except _Invalid:
            return []

    def count_or(self, fields: dict[str, yaml.Node], key: str, default: int) -> int:
        """An optional whole number: the default when absent or wrong (wrong is reported)."""
        if key not in fields:
            return default
        return self.optional(lambda: self.count(fields[key], key), default)

    def optional(self, read: Callable[[], _T], default: _T) -> _T:
        """Read a value; a wrong one is reported and the default keeps the rest checkable."""
        try:
            return read()
        except _Invalid:
            return default


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def parse_weekly_post(text: str) -> tuple[int, time]:
    day, _, clock = text.strip().partition(" ")
    matches = [
        i for i, name in enumerate(WEEKDAYS) if name.startswith(day.lower()) and len(day) >= 3
    ]
    if len(matches) != 1:
        raise ValueError(day)
    return matches[0], parse_clock(clock)


def parse_clock(text: str) -> time:
    if not re.fullmatch(r"\d{1,2}:\d{2}", text.strip()):
        raise ValueError(text)
    return time.fromisoformat(text.strip().zfill(5))


def parse_wall_time(text: str) -> datetime:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}", text.strip()):
        raise ValueError(text)
    day, clock = text.strip().split(" ")
    return datetime.combine(date.fromisoformat(day), parse_clock(clock))


def https_url(text: str) -> str:
    parsed = urlparse(text)
    if parsed.scheme != "https" or not parsed.netloc:
        raise InvalidInput(f"{text} is not an https link: join links must start with https://")
    return text


def load_course(path: Path) -> tuple[Course | None, list[Problem]]:
    """The course in ``path``, or None, and every problem found (errors and warnings)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, 1, f"cannot read the file: {exc}")]
    return parse_course(text, path)


def parse_course(text: str, path: Path) -> tuple[Course | None, list[Problem]]:
    reader = _Reader(path)
    try:
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [Problem(path, line, f"not valid YAML: {exc.problem or exc.context}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, f"not valid YAML: {exc}")]
    if root is None:
        return None, [Problem(path, 1, "the file is empty: a course needs a title, weeks, …")]
    try:
        course = _course(reader, root, path)
    except _Invalid:
        course = None
    if any(p.severity == "error" for p in reader.problems):
        course = None
    return course, sorted(reader.problems, key=lambda p: p.line)


def _course(r: _Reader, root: yaml.Node, path: Path) -> Course:
    top = r.mapping(
        root,
        "the course",
        ("title", "instructor", "timezone", "start", "weekly_post", "weeks"),
        ("participation", "reminders", "lifecycle", "sessions"),
    )
    title = r.optional(lambda: r.text(top["title"], "title"), "")
    instructor = r.optional(lambda: r.text(top["instructor"], "instructor"), "")
    tz_name = r.optional(
        lambda: r.convert(
            top["timezone"], "timezone", lambda v: zone(v).key, "America/Los_Angeles"
        ),
        None,
    )
    start = r.optional(
        lambda: r.convert(top["start"], "start", date.fromisoformat, "YYYY-MM-DD, e.g. 2025-10-14"),
        None,
    )
    weekly = r.optional(
        lambda: r.convert(
            top["weekly_post"],
            "weekly_post",
            parse_weekly_post,
            "a weekday and a 24-hour time, e.g. Tuesday 09:00",
        ),
        None,
    )
    weeks = _weeks(r, top["weeks"])
    requirement, nudge = _participation(r, top.get("participation"))
    leads, audience = _reminders(r, top.get("reminders"))
    lifecycle = _lifecycle(r, top.get("lifecycle"))
    sessions = _sessions(r, top.get("sessions"))
    if tz_name is None or start is None or weekly is None or not weeks:
        raise _Invalid("incomplete")
    course = Course(
        id=path.stem,
        title=title,
        instructor=instructor,
        timezone=tz_name,
        start=start,
        post_weekday=weekly[0],
        post_time=weekly[1],
        weeks=weeks,
        sessions=tuple(s for s, _ in sessions),
        requirement=requirement,
        reminder_leads=leads,
        reminder_audience=audience,
        nudge_before=nudge,
        lifecycle=lifecycle,
        source=path,
    )
    _check_times(r, course, top["weekly_post"], sessions)
    return course


def _weeks(r: _Reader, node: yaml.Node) -> tuple[Week, ...]:
    read: list[tuple[Week, yaml.Node]] = []
    for item in r.maybe_sequence(node, "weeks"):
        try:
            read.append(_week(r, item))
        except _Invalid:
            continue
    kept: list[Week] = []
    first_line: dict[int, int] = {}
    for week, number_node in read:
        n = week.number
        if n in first_line:
            r.error(number_node, f"week {n} appears twice (first at line {first_line[n]})")
            continue
        first_line[n] = _line(number_node)
        if kept and n < kept[-1].number:
            r.error(
                number_node, f"week {n} comes after week {kept[-1].number}: list weeks in order"
            )
            continue
        expected = kept[-1].number + 1 if kept else 1
        if n > expected:
            gap = list(range(expected, n))
            missing = (
                f"week {gap[0]} is" if len(gap) == 1 else f"weeks {', '.join(map(str, gap))} are"
            )
            r.error(number_node, f"{missing} missing: number weeks 1, 2, 3, … with none skipped")
        kept.append(week)
    return tuple(kept)


def _week(r: _Reader, node: yaml.Node) -> tuple[Week, yaml.Node]:
    fields = r.mapping(node, "a week", ("week", "title", "objectives", "prompts"), ("assignment",))
    number = r.count(fields["week"], "week")
    if number < 1:
        raise r.error(fields["week"], "week numbers start at 1")
    title = r.text(fields["title"], "a week's title")
    if len(f"Week {number}: {title}") > THREAD_TITLE_LIMIT:
        raise r.error(
            fields["title"],
            f"'Week {number}: {title[:30]}…' is longer than Discord's {THREAD_TITLE_LIMIT}-character thread title",
        )
    objectives = r.texts(fields["objectives"], "objectives")
    prompts = r.texts(fields["prompts"], "prompts")
    assignment = r.text(fields["assignment"], "assignment") if "assignment" in fields else None
    long_parts = [("objectives", "\n".join(objectives)), ("assignment", assignment or "")]
    long_parts += [("prompts", prompt) for prompt in prompts]
    for key, value in long_parts:
        if len(value) > EMBED_LIMIT:
            r.warning(
                fields[key],
                f"{key} of week {number} is over {EMBED_LIMIT} characters: "
                "it will be split across several messages",
            )
    return Week(number, title, objectives, prompts, assignment), fields["week"]


def _participation(r: _Reader, node: yaml.Node | None) -> tuple[Requirement, timedelta | None]:
    default = Requirement()
    nudge: timedelta | None = timedelta(days=2)
    if node is None:
        return default, nudge
    fields = r.maybe_mapping(node, "participation", ("original_posts", "replies", "nudge"))
    originals = r.count_or(fields, "original_posts", default.original_posts)
    replies = r.count_or(fields, "replies", default.replies)
    if "nudge" in fields:
        value = fields["nudge"]
        if isinstance(value, yaml.ScalarNode) and value.value.strip().lower() == "off":
            nudge = None
        else:
            nudge = r.optional(
                lambda: r.convert(value, "nudge", parse_duration, "2d, or off"), nudge
            )
    return Requirement(originals, replies), nudge


def _reminders(
    r: _Reader, node: yaml.Node | None
) -> tuple[tuple[timedelta, ...], ReminderAudience]:
    leads: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    audience = ReminderAudience.OPTED_IN
    if node is None:
        return leads, audience
    fields = r.maybe_mapping(node, "reminders", ("lead_times", "dm"))
    if "lead_times" in fields:
        found: list[timedelta] = []
        for item in r.maybe_sequence(fields["lead_times"], "lead_times"):
            try:
                lead = r.convert(item, "a lead time", parse_duration, "24h, 1h or 10m")
            except _Invalid:
                continue
            if lead in found:
                r.error(item, f"lead time {item.value!r} is listed twice")
                continue
            found.append(lead)
        leads = tuple(found) or leads
    if "dm" in fields:
        choices = " or ".join(a.value for a in ReminderAudience)
        audience = r.optional(
            lambda: r.convert(fields["dm"], "dm", ReminderAudience, choices), audience
        )
    return leads, audience


def _lifecycle(r: _Reader, node: yaml.Node | None) -> Lifecycle:
    default = Lifecycle()
    if node is None:
        return default
    keys = ("consultation_weeks", "archive_weeks", "purge_days")
    fields = r.maybe_mapping(node, "lifecycle", keys)
    return Lifecycle(*(r.count_or(fields, key, getattr(default, key)) for key in keys))


def _sessions(r: _Reader, node: yaml.Node | None) -> list[tuple[SessionSpec, yaml.Node]]:
    if node is None:
        return []
    sessions: list[tuple[SessionSpec, yaml.Node]] = []
    seen: set[str] = set()
    for position, item in enumerate(r.maybe_sequence(node, "sessions"), 1):
        try:
            spec, key_node = _session(r, item, position)
        except _Invalid:
            continue
        if spec.key in seen:
            r.error(
                key_node, f"session id {spec.key!r} is used twice: give each session its own id"
            )
            continue
        seen.add(spec.key)
        sessions.append((spec, item))
    return sessions


def _session(r: _Reader, node: yaml.Node, position: int) -> tuple[SessionSpec, yaml.Node]:
    fields = r.mapping(node, "a session", ("title", "start", "duration"), ("id", "url"))
    key = f"live-{position}"
    if "id" in fields:
        key = r.text(fields["id"], "id")
        if not _SLUG.fullmatch(key):
            raise r.error(
                fields["id"], f"session id {key!r} must be 1-32 lower-case letters, digits or '-'"
            )
    title = r.text(fields["title"], "a session's title")
    start = r.convert(
        fields["start"], "start", parse_wall_time, "YYYY-MM-DD HH:MM, e.g. 2025-10-22 10:00"
    )
    duration = r.convert(fields["duration"], "duration", parse_duration, "75m or 1h15m")
    url = r.convert(fields["url"], "url", https_url, "https://…") if "url" in fields else None
    return SessionSpec(key, title, start, duration, url), fields.get("id", node)


def _check_times(
    r: _Reader, course: Course, post_node: yaml.Node, sessions: list[tuple[SessionSpec, yaml.Node]]
) -> None:
    """Wall times that do not exist (DST gaps), and sessions outside the course window."""
    tz = zone(course.timezone)
    try:
        calendar = course_calendar(course, course.start, tz)
    except InvalidInput as exc:
        r.error(post_node, f"the weekly post time {exc}")
        return
    for spec, node in sessions:
        start_node = _value(node, "start")
        try:
            instant = to_utc(spec.start, tz)
        except InvalidInput as exc:
            r.error(start_node, str(exc))
            continue
        if instant < calendar.weeks[0].opens or instant >= calendar.ends:
            r.warning(
                start_node,
                f"session {spec.key!r} ({spec.start:%Y-%m-%d %H:%M}) is outside the course, "
                f"which runs {calendar.weeks[0].opens.astimezone(tz):%Y-%m-%d} to "
                f"{calendar.ends.astimezone(tz):%Y-%m-%d}: it is kept, announced with the last week",
            )


def _value(node: yaml.Node, key: str) -> yaml.Node:
    for key_node, value_node in node.value:
        if key_node.value == key:
            return value_node
    return node

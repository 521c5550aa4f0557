"""Course files: YAML written by hand, validated into a ``Course`` with located problems.

Parsed with PyYAML's ``BaseLoader`` (every scalar stays a string, so ``10:00``
is not read as the number 600 and ``no`` is not False) into a node tree that
keeps the line of every value. Each check reports ``FILE:LINE: what is wrong``
and reading goes on, so one run lists every problem. Nothing a file contains
makes loading raise.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar, overload
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import yaml

from bot.certificate import unprintable
from bot.course import (
    Course,
    Lifecycle,
    Meets,
    Option,
    ReminderAudience,
    Requirement,
    SessionSpec,
    Week,
    WeekRule,
)
from bot.durations import format_duration, parse_duration
from bot.errors import InvalidInput
from bot.localtime import to_utc, zone
from bot.render import EMBED_LIMIT, TITLE_LIMIT
from bot.timetable import Calendar, course_calendar, session_week, sessions_for

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Upper bounds that keep every date computation inside what datetime can hold.
MAX_WEEKS = 52
MAX_POSTS = 100
MAX_SESSION = timedelta(hours=24)
MAX_LEAD = timedelta(days=28)
MAX_NUDGE = timedelta(days=6)  # a nudge must fall inside the week it is about
MAX_HOURS = 1000  # course hours a certificate states
LIFECYCLE_LIMITS = {"consultation_weeks": 52, "archive_weeks": 52, "purge_days": 3650}

COURSE_KEYS = ("title", "instructor", "timezone", "start", "weekly_post", "weeks")
COURSE_OPTIONAL = ("participation", "reminders", "lifecycle", "sessions", "hours", "assignments")
WEEK_KEYS = ("week", "title", "objectives", "prompts")
WEEK_OPTIONAL = ("assignment", "participation")
RULE_KEYS = ("meets", "options", "recording")  # what meets a week: the course's, or one week's
PARTICIPATION_KEYS = ("original_posts", "replies", "nudge", *RULE_KEYS)
SESSION_KEYS = ("title", "start", "duration")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_SLUG = re.compile(r"[a-z0-9-]{1,32}")

_T = TypeVar("_T")
Fields = dict[str, yaml.Node]


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


# Values as they are written: each parser takes the stripped text of one
# scalar and raises ValueError with a hint, or InvalidInput with a whole sentence.


def parse_zone(text: str) -> ZoneInfo:
    try:
        return zone(text)
    except InvalidInput:
        raise ValueError("use an IANA name such as America/Los_Angeles") from None


def parse_date(text: str) -> date:
    if not _DATE.fullmatch(text):
        raise ValueError("write it as YYYY-MM-DD, e.g. 2025-10-14")
    return date.fromisoformat(text)  # a ValueError names an impossible day, e.g. 2025-02-30


def parse_clock(text: str) -> time:
    match = _CLOCK.fullmatch(text)
    if not match:
        raise ValueError("write a 24-hour time as HH:MM, e.g. 09:00")
    return time(int(match[1]), int(match[2]))


def parse_weekday(text: str) -> int:
    """0 for Monday. English names in any case, shortened to at least three letters."""
    name = text.lower()
    for number, day in enumerate(WEEKDAYS):
        if len(name) >= 3 and day.startswith(name):
            return number
    raise ValueError(f"{text!r} is not a weekday: write Monday … Sunday, or Mon … Sun")


def parse_weekly_post(text: str) -> tuple[int, time]:
    parts = text.split()
    if len(parts) != 2:
        raise ValueError("write a weekday and a 24-hour time, e.g. Tuesday 09:00")
    return parse_weekday(parts[0]), parse_clock(parts[1])


def parse_wall_time(text: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` as a naive wall time. Raises ValueError."""
    parts = text.split()
    if len(parts) != 2:
        raise ValueError("write it as YYYY-MM-DD HH:MM, e.g. 2025-10-22 10:00")
    return datetime.combine(parse_date(parts[0]), parse_clock(parts[1]))


def https_url(text: str) -> str:
    """A join link; anything but https with a host is refused with InvalidInput."""
    try:
        parsed = urlparse(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parsed = urlparse("")
    if parsed.scheme != "https" or not parsed.netloc:
        raise InvalidInput(f"{text} is not https: join links must start with https:// and a host")
    return text


def parse_session_id(text: str) -> str:
    if not _SLUG.fullmatch(text):
        raise ValueError("use 1 to 32 lower-case letters, digits or '-', e.g. live-1")
    return text


def parse_audience(text: str) -> ReminderAudience:
    try:
        return ReminderAudience(text)
    except ValueError:
        raise ValueError(f"write {' or '.join(ReminderAudience)}") from None


def parse_option(text: str) -> Option:
    try:
        return Option(text)
    except ValueError:
        raise ValueError(f"write {', '.join(Option)}") from None


def parse_meets(text: str) -> Meets:
    try:
        return Meets(text)
    except ValueError:
        raise ValueError("write any (one option is enough) or all (every option)") from None


def parse_yes_no(text: str) -> bool:
    if text.lower() in ("yes", "true"):
        return True
    if text.lower() in ("no", "false"):
        return False
    raise ValueError("write yes or no")


def parse_nudge(text: str) -> timedelta | None:
    """How long before a week closes to nudge learners who are behind; None for ``off``."""
    return None if text.lower() == "off" else duration_up_to(MAX_NUDGE)(text)


def parse_hours(text: str) -> float:
    """Course hours: a positive number such as ``15`` or ``7.5``, at most ``MAX_HOURS``."""
    if not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,2})?", text) or not 0 < float(text) <= MAX_HOURS:
        raise ValueError(f"write a positive number of hours up to {MAX_HOURS}, e.g. 15 or 7.5")
    return float(text)


def whole_number(least: int, most: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        digits = text.isascii() and text.isdigit() and len(text) <= len(str(most))
        if not digits or not least <= int(text) <= most:
            raise ValueError(f"write a whole number from {least} to {most}")
        return int(text)

    return parse


def duration_up_to(most: timedelta) -> Callable[[str], timedelta]:
    def parse(text: str) -> timedelta:
        duration = parse_duration(text)
        if duration > most:
            raise ValueError(f"it can be at most {format_duration(most)}")
        return duration

    return parse


def existing_wall_time(tz: ZoneInfo | None) -> Callable[[str], datetime]:
    """A wall time that the clocks in ``tz`` show (not skipped for daylight saving)."""

    def parse(text: str) -> datetime:
        wall = parse_wall_time(text)
        if tz is not None:
            to_utc(wall, tz)
        return wall

    return parse


class _Invalid(Exception):
    """A value was wrong and has been reported; only that value is given up."""


class _Reader:
    """Typed reads of YAML nodes; every problem is recorded with its line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.path, _line(node), message))

    def warning(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.path, _line(node), message, "warning"))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def mapping(
        self, node: yaml.Node, what: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> Fields:
        """The node's keys and values; nothing if it is not a mapping."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of `key: value` lines")
            return {}
        allowed = required + optional
        fields: Fields = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            if key not in allowed:
                self.error(
                    key_node, f"unknown key {key!r} in {what}; allowed: {', '.join(allowed)}"
                )
            elif key in fields:
                self.error(key_node, f"{key!r} appears twice in {what}")
            else:
                fields[key] = value_node
        missing = ", ".join(repr(key) for key in required if key not in fields)
        if missing:
            self.error(node, f"{what} is missing {missing}")
        return fields

    def section(self, node: yaml.Node | None, what: str, keys: tuple[str, ...]) -> Fields:
        """An optional mapping whose keys are all optional."""
        return {} if node is None else self.mapping(node, what, (), keys)

    def items(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        """A list's items; none if it is absent (reported as missing) or not a list."""
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error(
                node, f"{what} must be a list with at least one item (lines starting with '- ')"
            )
            return []
        return list(node.value)

    def entries(
        self,
        node: yaml.Node | None,
        what: str,
        required: tuple[str, ...],
        optional: tuple[str, ...],
    ) -> list[tuple[yaml.Node, Fields]]:
        """A list of mappings, such as the weeks: each item with its fields."""
        item_name = f"each of the {what}"
        return [
            (item, self.mapping(item, item_name, required, optional))
            for item in self.items(node, what)
        ]

    def scalar(self, node: yaml.Node, what: str, parse: Callable[[str], _T]) -> _T:
        if not isinstance(node, yaml.ScalarNode):
            kind = "list" if isinstance(node, yaml.SequenceNode) else "mapping"
            self.error(node, f"{what} must be a single value, not a {kind}")
            raise _Invalid
        value = node.value.strip()
        if not value:
            self.error(node, f"{what} is empty")
            raise _Invalid
        try:
            return parse(value)
        except InvalidInput as exc:
            self.error(node, f"{what}: {exc}")
        except ValueError as exc:
            self.error(node, f"{what} {_shorten(value)!r} is not valid: {exc}")
        except OverflowError:
            self.error(node, f"{what} {_shorten(value)!r} is out of range")
        raise _Invalid

    @overload
    def read(self, fields: Fields, key: str, parse: Callable[[str], _T]) -> _T | None: ...

    @overload
    def read(self, fields: Fields, key: str, parse: Callable[[str], _T], default: _T) -> _T: ...

    def read(
        self, fields: Fields, key: str, parse: Callable[[str], _T], default: _T | None = None
    ) -> _T | None:
        """``fields[key]`` parsed; ``default`` when it is absent or wrong (wrong is reported)."""
        if key not in fields:
            return default
        try:
            return self.scalar(fields[key], key, parse)
        except _Invalid:
            return default

    def read_list(
        self, fields: Fields, key: str, parse: Callable[[str], _T], *, unique: bool = False
    ) -> tuple[_T, ...] | None:
        """Every item of the list ``fields[key]`` parsed; None if absent or any item is wrong."""
        items = self.items(fields.get(key), key)
        values: list[_T] = []
        for item in items:
            try:
                value = self.scalar(item, f"an entry of {key}", parse)
            except _Invalid:
                continue
            if unique and value in values:
                self.error(item, f"{item.value.strip()!r} is listed twice in {key}")
                continue
            values.append(value)
        return tuple(values) if values and len(values) == len(items) else None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _course_default(name: str) -> Any:
    """What ``Course`` assumes for a field the file leaves out: one source of truth."""
    return {f.name: f.default for f in dataclasses.fields(Course)}[name]


def load_course(path: Path) -> tuple[Course | None, list[Problem]]:
    """The course in ``path``, or None, and every problem found (errors and warnings)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, 1, f"cannot read the file: {exc}")]
    return parse_course(text, path)


def parse_course(text: str, path: Path) -> tuple[Course | None, list[Problem]]:
    """The course written in ``text`` (the file ``path``), or None if it has any error."""
    try:
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, path)]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, f"not valid YAML: {exc}")]
    except RecursionError:
        return None, [Problem(path, 1, "not valid YAML: nested too deeply")]
    if root is None:
        return None, [Problem(path, 1, "the file is empty: a course needs a title, weeks, …")]
    reader = _Reader(path)
    course = _course(reader, root, path)
    problems = sorted(reader.problems, key=lambda p: p.line)
    return (None if reader.has_errors else course), problems


def _syntax_problem(exc: yaml.MarkedYAMLError, path: Path) -> Problem:
    """Where PyYAML noticed the mistake, and where the construct it was reading began."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    message = f"not valid YAML: {exc.problem or exc.context}"
    if exc.problem and exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
        message += f" ({exc.context} from line {exc.context_mark.line + 1})"
    if exc.problem and "'\\t'" in exc.problem:  # PyYAML: found character '\t' that cannot …
        message = "not valid YAML: a tab where YAML needs spaces: indent with spaces only"
    return Problem(path, line, message)


def _course(r: _Reader, root: yaml.Node, path: Path) -> Course | None:
    top = r.mapping(root, "the course", COURSE_KEYS, COURSE_OPTIONAL)
    title = r.read(top, "title", str)
    instructor = r.read(top, "instructor", str)
    tz = r.read(top, "timezone", parse_zone)
    start = r.read(top, "start", parse_date)
    weekly_post = r.read(top, "weekly_post", parse_weekly_post)
    requirement, nudge, rule = _participation(r, top.get("participation"))
    weeks = _weeks(r, top.get("weeks"), rule)
    leads, audience = _reminders(r, top.get("reminders"))
    lifecycle = _lifecycle(r, top.get("lifecycle"))
    shared = r.read(r.section(top.get("assignments"), "assignments", ("shared",)), "shared",
                    parse_yes_no, _course_default("assignments_shared"))  # fmt: skip
    sessions = _sessions(r, top.get("sessions"), tz)
    hours = r.read(top, "hours", parse_hours)
    for key, text in (("title", title), ("instructor", instructor)):
        if text and (missing := unprintable(text)):
            r.warning(
                top[key],
                f"the certificate's font cannot print {' '.join(missing[:10])} in the {key}:"
                " certificates of completion would show it without them",
            )
    if (
        requirement.original_posts == requirement.replies == 0
        and any(Option.DISCUSSION in (week.rule or rule).options for week in weeks)
        and (section := top.get("participation")) is not None
    ):
        r.warning(
            section,
            "original_posts and replies are both 0: the discussion asks for nothing, so it"
            " counts as met for every learner, even one who wrote nothing",
        )
    if (
        title is None
        or instructor is None
        or tz is None
        or start is None
        or weekly_post is None
        or not weeks
    ):
        return None  # what is missing or wrong has been reported
    course = Course(
        id=path.stem,
        title=title,
        instructor=instructor,
        timezone=tz.key,
        start=start,
        post_weekday=weekly_post[0],
        post_time=weekly_post[1],
        weeks=weeks,
        sessions=tuple(spec for spec, _ in sessions),
        requirement=requirement,
        rule=rule,
        reminder_leads=leads,
        reminder_audience=audience,
        nudge_before=nudge,
        lifecycle=lifecycle,
        hours=hours,
        assignments_shared=shared,
        source=path,
    )
    _check_calendar(r, course, tz, top, [fields for _, fields in sessions])
    return course


def _weeks(r: _Reader, node: yaml.Node | None, rule: WeekRule) -> tuple[Week, ...]:
    numbered: list[tuple[int, yaml.Node]] = []
    weeks: list[Week] = []
    for _, fields in r.entries(node, "weeks", WEEK_KEYS, WEEK_OPTIONAL):
        number = r.read(fields, "week", whole_number(1, MAX_WEEKS))
        if number is None:
            continue
        numbered.append((number, fields["week"]))
        week = _week(r, fields, number, rule)
        if week is not None:
            weeks.append(week)
    _check_numbering(r, numbered)
    return tuple(weeks)


def _week(r: _Reader, fields: Fields, number: int, course_rule: WeekRule) -> Week | None:
    title = r.read(fields, "title", str)
    objectives = r.read_list(fields, "objectives", str)
    prompts = r.read_list(fields, "prompts", str)
    assignment = r.read(fields, "assignment", str)
    rule = None
    if "participation" in fields:
        own = r.section(fields["participation"], f"week {number}'s participation", RULE_KEYS)
        rule = _rule(r, own, course_rule)
        if Option.ASSIGNMENT in rule.options and assignment is None and "options" in own:
            r.error(
                own["options"],
                f"week {number} lists the option 'assignment' but has no assignment: "
                "add an `assignment:` to the week or leave the option out",
            )
    if title is None or objectives is None or prompts is None:
        return None
    week = Week(number, title, objectives, prompts, assignment, rule)
    _check_discord_limits(r, fields, week)
    return week


def _check_numbering(r: _Reader, numbered: list[tuple[int, yaml.Node]]) -> None:
    """Weeks are 1, 2, 3, … in order: report repeats, weeks out of order and gaps."""
    first_line: dict[int, int] = {}
    highest = 0
    for number, node in numbered:
        if number in first_line:
            r.error(node, f"week {number} appears twice (first at line {first_line[number]})")
            continue
        if number < highest:
            r.error(node, f"week {highest} comes before week {number}: list weeks in order")
        first_line[number] = _line(node)
        highest = max(highest, number)
    missing = [n for n in range(1, highest + 1) if n not in first_line]
    for gap in _runs(missing):
        after_gap = next(node for number, node in numbered if number > gap[-1])
        weeks = f"week {gap[0]} is" if len(gap) == 1 else f"weeks {gap[0]} to {gap[-1]} are"
        r.error(after_gap, f"{weeks} missing: weeks must be numbered 1, 2, 3, … with none skipped")


def _runs(numbers: list[int]) -> list[list[int]]:
    """Sorted numbers grouped into runs of consecutive ones: [3, 4, 7] -> [[3, 4], [7]]."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def _check_discord_limits(r: _Reader, fields: Fields, week: Week) -> None:
    heading = f"Week {week.number}: {week.title}"  # the forum post's title
    if len(heading) > TITLE_LIMIT:
        r.error(
            fields["title"],
            f"the forum post title {_shorten(heading, 40)!r} has {len(heading)} characters: "
            f"Discord allows at most {TITLE_LIMIT}",
        )
    texts = [(fields["objectives"], "the objectives", "\n".join(week.objectives))]
    texts += [
        (node, "a prompt", prompt)
        for node, prompt in zip(fields["prompts"].value, week.prompts, strict=True)
    ]
    if week.assignment is not None:
        texts.append((fields["assignment"], "the assignment", week.assignment))
    for node, what, text in texts:
        if len(text) > EMBED_LIMIT:
            r.warning(
                node,
                f"{what} of week {week.number} has {len(text)} characters, more than a Discord "
                f"embed's {EMBED_LIMIT}: it will be split across several messages",
            )


def _participation(
    r: _Reader, node: yaml.Node | None
) -> tuple[Requirement, timedelta | None, WeekRule]:
    fields = r.section(node, "participation", PARTICIPATION_KEYS)
    default = Requirement()
    count = whole_number(0, MAX_POSTS)
    requirement = Requirement(
        original_posts=r.read(fields, "original_posts", count, default.original_posts),
        replies=r.read(fields, "replies", count, default.replies),
    )
    nudge = r.read(fields, "nudge", parse_nudge, _course_default("nudge_before"))
    return requirement, nudge, _rule(r, fields, WeekRule())


def _rule(r: _Reader, fields: Fields, base: WeekRule) -> WeekRule:
    """``meets``, ``options`` and ``recording`` as written; what is left out comes from ``base``."""
    options = r.read_list(fields, "options", parse_option, unique=True)
    return WeekRule(
        meets=r.read(fields, "meets", parse_meets, base.meets),
        options=options or base.options,
        recording=r.read(fields, "recording", parse_yes_no, base.recording),
    )


def _reminders(
    r: _Reader, node: yaml.Node | None
) -> tuple[tuple[timedelta, ...], ReminderAudience]:
    fields = r.section(node, "reminders", ("lead_times", "dm"))
    leads = r.read_list(fields, "lead_times", duration_up_to(MAX_LEAD), unique=True)
    audience = r.read(fields, "dm", parse_audience, _course_default("reminder_audience"))
    return leads or _course_default("reminder_leads"), audience


def _lifecycle(r: _Reader, node: yaml.Node | None) -> Lifecycle:
    fields = r.section(node, "lifecycle", tuple(LIFECYCLE_LIMITS))
    default = Lifecycle()
    return Lifecycle(
        **{
            key: r.read(fields, key, whole_number(0, most), getattr(default, key))
            for key, most in LIFECYCLE_LIMITS.items()
        }
    )


def _sessions(
    r: _Reader, node: yaml.Node | None, tz: ZoneInfo | None
) -> list[tuple[SessionSpec, Fields]]:
    sessions: list[tuple[SessionSpec, Fields]] = []
    first_line: dict[str, int] = {}
    entries = r.entries(node, "sessions", SESSION_KEYS, ("id", "url"))
    for position, (item, fields) in enumerate(entries, 1):
        spec = _session(r, fields, position, tz)
        if spec is None:
            continue
        if spec.key in first_line:
            r.error(
                fields.get("id", item),
                f"session id {spec.key!r} is already used at line {first_line[spec.key]}: "
                "give each session its own id",
            )
            continue
        first_line[spec.key] = _line(item)
        sessions.append((spec, fields))
    return sessions


def _session(r: _Reader, fields: Fields, position: int, tz: ZoneInfo | None) -> SessionSpec | None:
    key = r.read(fields, "id", parse_session_id, f"live-{position}")
    title = r.read(fields, "title", str)
    start = r.read(fields, "start", existing_wall_time(tz))
    duration = r.read(fields, "duration", duration_up_to(MAX_SESSION))
    url = r.read(fields, "url", https_url)
    if title is None or start is None or duration is None:
        return None
    return SessionSpec(key, title, start, duration, url)


def _check_calendar(
    r: _Reader, course: Course, tz: ZoneInfo, top: Fields, session_fields: list[Fields]
) -> None:
    """The weekly posts exist on the clock, and the sessions fall inside the course."""
    try:
        calendar = course_calendar(course, course.start, tz)
    except InvalidInput as exc:
        r.error(top["weekly_post"], f"weekly_post: {exc}")
        return
    except OverflowError:
        r.error(top["start"], "start: the course's dates fall outside the years 1 to 9999")
        return
    _check_options(r, course, calendar, tz, top)
    opens, ends = calendar.weeks[0].opens, calendar.ends
    for fields, session in zip(session_fields, sessions_for(course, course.start, tz), strict=True):
        if opens <= session.start < ends:
            continue
        if session.start < opens:
            where = f"before the course opens ({opens.astimezone(tz):%Y-%m-%d %H:%M})"
            kept = (
                "it is kept, and announced as soon as a cohort is created, ahead of its reminders"
            )
        else:
            where = f"after the course ends ({ends.astimezone(tz):%Y-%m-%d %H:%M})"
            kept = "it is kept, and announced with the last week"
        r.warning(fields["start"], f"session {session.key!r} starts {where}: {kept}")


def _check_options(
    r: _Reader, course: Course, calendar: Calendar, tz: ZoneInfo, top: Fields
) -> None:
    """A week whose options it cannot offer (no session that week, no assignment) is flagged:
    only a session added by hand, or an excusal, can meet it."""
    session_weeks = {session_week(calendar, s) for s in sessions_for(course, course.start, tz)}
    for week in course.weeks:
        rule = course.rule_of(week.number)
        offered = rule.offered(week.number in session_weeks, week.assignment is not None)
        if offered:
            continue
        r.warning(
            _week_node(top["weeks"], week.number),
            f"week {week.number} can be met only by {' or '.join(rule.options)}, which it does "
            "not offer (no live session that week): add a session, or another option",
        )


def _week_node(weeks: yaml.Node, number: int) -> yaml.Node:
    """Where week ``number`` sets its own participation, or where the week starts."""
    for item in weeks.value if isinstance(weeks, yaml.SequenceNode) else []:
        if not isinstance(item, yaml.MappingNode):
            continue
        fields = {k.value: v for k, v in item.value if isinstance(k, yaml.ScalarNode)}
        found = fields.get("week")
        if isinstance(found, yaml.ScalarNode) and found.value.strip() == str(number):
            return fields.get("participation", item)
    return weeks

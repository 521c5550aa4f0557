"""Participation: each learner's weekly status, completion, and the reports built on them.

Pure: counts in (what counts as a post or a reply is decided in ``bot.tracking``),
statuses and words out. Nothing here ever sees what anyone wrote.

What meets a week is the course's rule (``WeekRule``, per course and per week):
one of its options or all of them, among the discussion (at least the course's
required original posts and replies), checking in to a live session of that
week (or confirming its recording, if the course allows), and handing in the
week's assignment. By default the discussion alone, as before options existed.
A week is *met* by the ways (``Way``) that did it, *partial* when the learner did
something short of that, *none* when they did nothing, and *excused* when an
instructor excused them (which counts as met). A learner completes the course
when every week counts as met.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from bot.certificate import Certificate
from bot.course import Course, Meets, Option, Requirement, WeekRule
from bot.localtime import discord_timestamp
from bot.render import how_to_meet, plain, plural
from bot.timetable import Calendar, CohortSession, session_week


class WeekStatus(StrEnum):
    MET = "met"
    PARTIAL = "partial"
    NONE = "none"
    EXCUSED = "excused"

    @property
    def counts_as_met(self) -> bool:
        return self in (WeekStatus.MET, WeekStatus.EXCUSED)


class Way(StrEnum):
    """How a week was met: one per option, and the recording standing in for a session."""

    DISCUSSION = "discussion"
    SESSION = "session"
    RECORDING = "recording"
    ASSIGNMENT = "assignment"


WAY_WORDS = {
    Way.DISCUSSION: "discussion",
    Way.SESSION: "live session",
    Way.RECORDING: "recording",
    Way.ASSIGNMENT: "assignment",
}


@dataclass(frozen=True)
class WeekPlan:
    """What meets one week of one cohort: the rule, and what the week offers."""

    rule: WeekRule = field(default_factory=WeekRule)
    sessions: frozenset[str] = frozenset()  # keys of the week's live sessions (not cancelled)
    assignment: bool = False  # the week sets an assignment

    @property
    def options(self) -> tuple[Option, ...]:
        """The options that count this week; all of the rule's if the week offers none."""
        return self.rule.offered(bool(self.sessions), self.assignment) or self.rule.options


DISCUSSION_ONLY = WeekPlan()


def week_plans(
    course: Course, calendar: Calendar, sessions: Iterable[CohortSession]
) -> dict[int, WeekPlan]:
    """Each week's plan for a cohort: its rule, its sessions, whether it sets an assignment."""
    by_week: dict[int, set[str]] = defaultdict(set)
    for session in sessions:
        if not session.cancelled:
            by_week[session_week(calendar, session)].add(session.key)
    return {
        week.number: WeekPlan(
            course.rule_of(week.number),
            frozenset(by_week[week.number]),
            week.assignment is not None,
        )
        for week in course.weeks
    }


class Tally(NamedTuple):
    """What one learner wrote in one week (a tuple: the store builds thousands at once)."""

    originals: int = 0
    replies: int = 0

    @property
    def total(self) -> int:
        return self.originals + self.replies


NOTHING = Tally()


def discussion_met(tally: Tally, requirement: Requirement) -> bool:
    return tally.originals >= requirement.original_posts and tally.replies >= requirement.replies


def week_status(tally: Tally, requirement: Requirement, excused: bool = False) -> WeekStatus:
    if excused:
        return WeekStatus.EXCUSED
    if discussion_met(tally, requirement):
        return WeekStatus.MET
    return WeekStatus.PARTIAL if tally.total else WeekStatus.NONE


class Done(NamedTuple):
    """What a learner did in one week besides writing."""

    attended: bool = False  # checked in to one of the week's live sessions
    watched: bool = False  # confirmed watching the recording of one of them
    handed_in: bool = False  # handed in the week's assignment
    late: bool = False  # ... after the week closed


NOTHING_DONE = Done()
BY_DISCUSSION = (Way.DISCUSSION,)


def week_outcome(
    tally: Tally,
    requirement: Requirement,
    plan: WeekPlan = DISCUSSION_ONLY,
    done: Done = NOTHING_DONE,
    excused: bool = False,
) -> tuple[WeekStatus, tuple[Way, ...]]:
    """The week's status, and the ways (among the week's options) that the learner met."""
    ways: dict[Option, Way] = {}
    if discussion_met(tally, requirement):
        ways[Option.DISCUSSION] = Way.DISCUSSION
    if done.attended:
        ways[Option.SESSION] = Way.SESSION
    elif done.watched and plan.rule.recording:
        ways[Option.SESSION] = Way.RECORDING
    if done.handed_in:
        ways[Option.ASSIGNMENT] = Way.ASSIGNMENT
    options = plan.options
    met = tuple(ways[option] for option in options if option in ways)
    if excused:
        return WeekStatus.EXCUSED, met
    enough = len(met) == len(options) if plan.rule.meets == Meets.ALL else bool(met)
    if enough:
        return WeekStatus.MET, met
    started = tally.total if Option.DISCUSSION in options else 0
    return (WeekStatus.PARTIAL if started or met else WeekStatus.NONE), met


@dataclass(frozen=True)
class Counts:
    """What the store aggregates for a cohort: tallies and excused weeks, by (user id, week)."""

    by_learner_week: Mapping[tuple[int, int], Tally] = field(default_factory=dict)
    excused: set[tuple[int, int]] = field(default_factory=set)
    # Live sessions each learner checked in to, by user id (whole-course reports).
    sessions_attended: Mapping[int, int] = field(default_factory=dict)
    # (user id, session key): who checked in, who confirmed watching the recording.
    checked_in: frozenset[tuple[int, str]] = frozenset()
    watched: frozenset[tuple[int, str]] = frozenset()
    # (user id, week) -> handed in late: the week's assignment was handed in.
    handed_in: Mapping[tuple[int, int], bool] = field(default_factory=dict)

    def done(self, user_id: int, week: int, plan: WeekPlan) -> Done:
        late = self.handed_in.get((user_id, week))
        return Done(
            attended=any((user_id, key) in self.checked_in for key in plan.sessions),
            watched=any((user_id, key) in self.watched for key in plan.sessions),
            handed_in=late is not None,
            late=bool(late),
        )


@dataclass(frozen=True)
class Learner:
    user_id: int
    name: str  # the display name in the server, as the member wrote it
    # How the platform names this person in a message (``<@id>``; ``<@U…>`` on Slack): shown
    # as their current name, and never the same for two learners of the same display name.
    mention: str = ""


def who(learner: Learner) -> str:
    """A learner in a list staff read in a message: their mention, else their name."""
    return learner.mention or plain(learner.name)


def who_in_file(learner: Learner) -> str:
    """A learner in a list sent as a file, where a mention is not shown as a name: their
    name, then their mention (which holds their user id) to tell two of one name apart.
    A text file is read as typed, never as Markdown: the name has no backslashes."""
    name = learner.name
    return f"{name} ({learner.mention})" if learner.mention else name


_PLATFORM_ID = re.compile(r"<@!?([^<>|]+)")  # Discord's <@123…>, Slack's <@U…>
TAIL = 4  # characters of a platform id that tell two learners of one name apart


def told_apart(learners: Sequence[Learner]) -> list[str]:
    """Each learner's name as a label where a mention cannot be shown (a chart's row), and
    where two or more share a name (ignoring case and spacing), the end of each one's platform
    id (``Sam (…4821)``: Discord's user id, Slack's member id), as long as it takes to differ."""
    labels = [learner.name for learner in learners]
    alike: dict[str, list[int]] = {}
    for index, learner in enumerate(learners):
        alike.setdefault(" ".join(learner.name.casefold().split()), []).append(index)
    for indexes in alike.values():
        if len(indexes) < 2:
            continue
        ids = [platform_id(learners[i]) for i in indexes]
        longest = max(map(len, ids))
        width = next(
            (n for n in range(TAIL, longest) if len({i[-n:] for i in ids}) == len(ids)), longest
        )
        for index, found in zip(indexes, ids, strict=True):
            tail = f"…{found[-width:]}" if len(found) > width else found
            labels[index] = f"{learners[index].name} ({tail})"
    return labels


def platform_id(learner: Learner) -> str:
    """The learner's id on their platform (from their mention), else the store's number."""
    found = _PLATFORM_ID.match(learner.mention)
    return found[1] if found else str(learner.user_id)


class WeekRecord(NamedTuple):
    week: int
    tally: Tally
    status: WeekStatus
    ways: tuple[Way, ...] = ()  # the week's options the learner met
    late: bool = False  # the assignment was handed in after the week closed

    @property
    def met_by(self) -> tuple[Way, ...]:
        """The ways that met the week (none unless it is met)."""
        return self.ways if self.status == WeekStatus.MET else ()


@dataclass(frozen=True)
class LearnerReport:
    learner: Learner
    weeks: tuple[WeekRecord, ...]  # the report's weeks, in order
    sessions_attended: int = 0

    def week(self, number: int) -> WeekRecord:
        for record in self.weeks:
            if record.week == number:
                return record
        raise KeyError(number)

    @property
    def total(self) -> Tally:
        return Tally(
            sum(r.tally.originals for r in self.weeks), sum(r.tally.replies for r in self.weeks)
        )

    @property
    def weeks_met(self) -> int:
        return sum(record.status.counts_as_met for record in self.weeks)

    def met_up_to(self, week: int) -> bool:
        """Every week up to and including ``week`` counts as met."""
        return all(r.status.counts_as_met for r in self.weeks if r.week <= week)

    @property
    def completed(self) -> bool:
        """Every week counts as met (a report of the whole course: the course is completed)."""
        return self.weeks_met == len(self.weeks)


@dataclass(frozen=True)
class CoursePosition:
    """Where a cohort is in its course, as reports need it."""

    current_week: int | None  # the week in progress; None before the start and after the end
    weeks_started: int  # weeks whose module has opened: 0 before the start, all after the end


def course_position(calendar: Calendar, now: datetime) -> CoursePosition:
    started = sum(window.opens <= now for window in calendar.weeks)
    return CoursePosition(calendar.current_week(now), started)


@dataclass(frozen=True)
class Report:
    requirement: Requirement
    weeks: tuple[int, ...]  # which course weeks the rows cover
    learners: tuple[LearnerReport, ...]  # by name
    position: CoursePosition
    plans: Mapping[int, WeekPlan] = field(default_factory=dict)  # by week; default: discussion

    def plan(self, week: int) -> WeekPlan:
        return self.plans.get(week, DISCUSSION_ONLY)

    def met_by_counts(self, week: int) -> dict[Way, int]:
        """How many learners met the week each way (a learner may count under several)."""
        counts = dict.fromkeys(Way, 0)
        for row in self.learners:
            for way in row.week(week).met_by:
                counts[way] += 1
        return counts

    def behind(self, week: int) -> list[LearnerReport]:
        """Learners for whom the week does not (yet) count as met."""
        return [row for row in self.learners if not row.week(week).status.counts_as_met]

    def not_posted(self) -> list[LearnerReport]:
        """Learners who wrote nothing at all in the report's weeks."""
        return [row for row in self.learners if row.total.total == 0]

    def status_counts(self, week: int) -> dict[WeekStatus, int]:
        counts = dict.fromkeys(WeekStatus, 0)
        for row in self.learners:
            counts[row.week(week).status] += 1
        return counts

    def totals(self, week: int) -> Tally:
        tallies = [row.week(week).tally for row in self.learners]
        return Tally(sum(t.originals for t in tallies), sum(t.replies for t in tallies))

    def row_of(self, user_id: int) -> LearnerReport | None:
        return next((row for row in self.learners if row.learner.user_id == user_id), None)


def build_report(
    learners: Iterable[Learner],
    counts: Counts,
    weeks: Sequence[int],
    requirement: Requirement,
    position: CoursePosition,
    plans: Mapping[int, WeekPlan] | None = None,
) -> Report:
    """Every learner (including those who never wrote), by name, for the given weeks.

    ``plans``: what meets each week (``week_plans``); without them, the discussion alone.
    """
    plans = plans or {}
    # A week that only the discussion meets takes the short road: a summary of a
    # thousand learners must stay within its budget (bench/bench_summary.py).
    chosen = [(week, plans.get(week, DISCUSSION_ONLY)) for week in weeks]
    short = {week: plan.options == (Option.DISCUSSION,) for week, plan in chosen}
    rows = []
    for learner in sorted(learners, key=lambda item: (item.name.casefold(), item.user_id)):
        records = []
        for week, plan in chosen:
            key = (learner.user_id, week)
            tally = counts.by_learner_week.get(key, NOTHING)
            if short[week]:
                status = week_status(tally, requirement, key in counts.excused)
                met = discussion_met(tally, requirement)
                records.append(WeekRecord(week, tally, status, BY_DISCUSSION if met else ()))
                continue
            done = counts.done(learner.user_id, week, plan)
            status, ways = week_outcome(tally, requirement, plan, done, key in counts.excused)
            late = done.late and Way.ASSIGNMENT in ways
            records.append(WeekRecord(week, tally, status, ways, late))
        attended = counts.sessions_attended.get(learner.user_id, 0)
        rows.append(LearnerReport(learner, tuple(records), attended))
    return Report(requirement, tuple(weeks), tuple(rows), position, dict(plans))


# -- the CSV export ------------------------------------------------------------------------

# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
# (also after leading blanks, and in full width as East Asian keyboards type them).
_FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")


def spreadsheet_text(text: str) -> str:
    """A cell that a spreadsheet shows as text, never runs (CSV formula injection)."""
    dangerous = text[:1] in _FORMULA_STARTS or text.lstrip()[:1] in _FORMULA_STARTS
    return "'" + text if dangerous else text


def export_csv(report: Report, certificates: Mapping[int, Certificate] | None = None) -> str:
    """One row per learner: name, user id, each week's posts, replies, status and what met
    it (``discussion``, ``session``, ``recording``, ``assignment``, joined by ``+``;
    ``assignment (late)`` for a late hand-in), live sessions attended, completed, and
    their certificate's code (if any) and whether an instructor issued it by hand."""
    certificates = certificates or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as spreadsheets expect
    header = ["display_name", "user_id"]
    for week in report.weeks:
        header += [f"week{week}_posts", f"week{week}_replies", f"week{week}_status"]
        header.append(f"week{week}_met_by")
    writer.writerow(
        [*header, "sessions_attended", "completed", "certificate", "certificate_override"]
    )
    for row in report.learners:
        cells: list[str | int] = [spreadsheet_text(row.learner.name), str(row.learner.user_id)]
        for record in row.weeks:
            cells += [record.tally.originals, record.tally.replies, record.status.value]
            cells.append("+".join(way_label(record, way, WAY_VALUES) for way in record.met_by))
        certificate = certificates.get(row.learner.user_id)
        issued = [certificate.code, "yes" if certificate.override else "no"] if certificate else []
        writer.writerow(
            [*cells, row.sessions_attended, "yes" if row.completed else "no", *(issued or ["", ""])]
        )
    return out.getvalue()


# -- words ---------------------------------------------------------------------------------

STATUS_MARK = {
    WeekStatus.MET: "✅",
    WeekStatus.PARTIAL: "🟡",
    WeekStatus.NONE: "⬜",
    WeekStatus.EXCUSED: "🔵",
}

WAY_VALUES = {way: way.value for way in Way}


def way_label(record: WeekRecord, way: Way, words: Mapping[Way, str] = WAY_WORDS) -> str:
    late = way == Way.ASSIGNMENT and record.late
    return words[way] + (" (late)" if late else "")


def status_text(record: WeekRecord, plan: WeekPlan = DISCUSSION_ONLY) -> str:
    """``met by discussion``, ``met by live session + assignment (late)``, ``partial``, …;
    plain ``met`` in a week that only the discussion meets, as before options existed."""
    if not record.met_by or plan.options == (Option.DISCUSSION,):
        return record.status.value
    return "met by " + " + ".join(way_label(record, way) for way in record.met_by)


def tally_text(tally: Tally) -> str:
    return (
        f"{plural(tally.originals, 'post', 'posts')}, {plural(tally.replies, 'reply', 'replies')}"
    )


def learner_line(
    row: LearnerReport,
    week: int,
    plan: WeekPlan = DISCUSSION_ONLY,
    label: Callable[[Learner], str] = who,
) -> str:
    record = row.week(week)
    mark = STATUS_MARK[record.status]
    return f"{mark} {label(row.learner)} — {tally_text(record.tally)} ({status_text(record, plan)})"


def fit(parts: Sequence[str], room: int, separator: str, more: Callable[[int], str]) -> str:
    """Join as many parts as fit in ``room`` characters, ending with ``more(how many left out)``."""
    whole = separator.join(parts)
    if len(whole) <= room:
        return whole
    used = 0
    for kept, part in enumerate(parts):
        note = more(len(parts) - kept)
        if used + len(part) + len(separator) + len(note) > room:
            return separator.join([*parts[:kept], note])
        used += len(part) + len(separator)
    raise AssertionError("unreachable: the whole did not fit")


def names(
    rows: Sequence[LearnerReport], room: int | None = None, label: Callable[[Learner], str] = who
) -> str:
    """Learners (all, or as many as fit in ``room`` characters), or "nobody"."""
    listed = [label(row.learner) for row in rows]
    if not listed:
        return "nobody"
    if room is None:
        return ", ".join(listed)
    return fit(listed, room, ", ", lambda n: f"… and {n} more")


@dataclass(frozen=True)
class Summary:
    """One week at a glance, cut to fit a message; ``full`` (every learner) when it was cut."""

    text: str
    full: str | None


def week_summary(report: Report, week: int, limit: int = 4096) -> Summary:
    """The week's status counts and totals, a line per learner, and who is behind."""
    head = "\n".join(
        (
            f"**Week {week}** — {plural(len(report.learners), 'learner', 'learners')}: "
            + status_counts_text(report, week),
            f"Written in week {week}: {tally_text(report.totals(week))}",
            *met_by_line(report, week),
            rule_text(report.requirement, report.plan(week)),
        )
    )
    lines = [learner_line(row, week, report.plan(week)) for row in report.learners]
    behind = report.behind(week)
    label = "this week" if week == report.position.current_week else f"in week {week}"
    title = f"**Behind {label} ({len(behind)}):** "
    room = limit - len(head) - 4  # two blank lines between head, body and foot
    foot = title + names(behind, room // 3 - len(title))
    body = fit(lines, room - len(foot), "\n", lambda n: f"… and {n} more: see the file")
    text = "\n\n".join(part for part in (head, body, foot) if part)  # no learners: no body
    if (body, foot) == ("\n".join(lines), title + names(behind)):
        return Summary(text, None)
    in_file = [learner_line(row, week, report.plan(week), who_in_file) for row in report.learners]
    return Summary(
        text, "\n\n".join((head, "\n".join(in_file), title + names(behind, None, who_in_file)))
    )


def met_by_line(report: Report, week: int) -> list[str]:
    """How many met the week each way, when the week has more than the discussion."""
    if report.plan(week).options == (Option.DISCUSSION,):
        return []
    counts = report.met_by_counts(week)
    shown = [f"{WAY_WORDS[way]} {n}" for way, n in counts.items() if n]
    return [f"Met week {week} by: " + (", ".join(shown) or "nobody yet")]


def rule_text(requirement: Requirement, plan: WeekPlan) -> str:
    return how_to_meet(requirement, plan.rule, plan.options)


def status_counts_text(report: Report, week: int) -> str:
    counts = report.status_counts(week)
    return ", ".join(f"{counts[status]} {status}" for status in WeekStatus)


def digest(report: Report, week: int, limit: int = 1900) -> str:
    """The instructor's weekly digest: counts, who is behind, who has not posted at all."""
    on_track = sum(row.met_up_to(week) for row in report.learners)
    behind, silent = report.behind(week), report.not_posted()
    head = "\n".join(
        (
            f"Weekly digest, week {week}: {plural(len(report.learners), 'learner', 'learners')}, "
            + status_counts_text(report, week),
            f"Written in week {week}: {tally_text(report.totals(week))}",
            *met_by_line(report, week),
            f"Every week met so far: {on_track} of {len(report.learners)}",
        )
    )
    tail = "Everyone, week by week: `/participation summary`, `/participation export`."
    room = (limit - len(head) - len(tail) - 100) // 2  # 100: the two titles and line breaks
    return "\n".join(
        (
            head,
            f"**Behind in week {week} ({len(behind)}):** {names(behind, room)}",
            f"**Not posted at all ({len(silent)}):** {names(silent, room)}",
            tail,
        )
    )


def left_this_week(
    record: WeekRecord, requirement: Requirement, plan: WeekPlan = DISCUSSION_ONLY
) -> str:
    """What a learner still has to do for the week in progress: each option not yet met."""
    if record.status.counts_as_met:
        return f"Week {record.week} is done. Thank you!"
    left = []
    for option in plan.options:
        if option == Option.DISCUSSION and Way.DISCUSSION not in record.ways:
            needs = []
            if (missing := requirement.original_posts - record.tally.originals) > 0:
                needs.append(plural(missing, "post", "posts") + " of your own")
            if (missing := requirement.replies - record.tally.replies) > 0:
                needs.append(plural(missing, "reply", "replies") + " to classmates")
            left.append(" and ".join(needs))
        elif option == Option.SESSION and not {Way.SESSION, Way.RECORDING} & set(record.ways):
            watch = " (or watch its recording)" if plan.rule.recording else ""
            left.append("check in to the live session" + watch)
        elif option == Option.ASSIGNMENT and Way.ASSIGNMENT not in record.ways:
            left.append("hand in the assignment")
    joiner = " — or " if plan.rule.meets == Meets.ANY else "; and "
    return f"Left this week (week {record.week}): " + joiner.join(left) + "."


def progress_text(
    row: LearnerReport,
    requirement: Requirement,
    position: CoursePosition,
    closes: datetime | None,
    plans: Mapping[int, WeekPlan] | None = None,
) -> str:
    """A learner's weeks so far, how many count as met, and what is left this week.

    ``closes``: when the week in progress closes (shown as a Discord timestamp).
    """
    if position.weeks_started == 0:
        return "The course has not started yet: nothing to count so far."
    plans = plans or {}
    lines = [
        f"{STATUS_MARK[r.status]} Week {r.week}: {tally_text(r.tally)} ({status_text(r, plans.get(r.week, DISCUSSION_ONLY))})"
        for r in row.weeks[: position.weeks_started]
    ]
    if row.completed:
        lines.append("Course completed: every week is met. 🎉")
    else:
        lines.append(
            f"Weeks met: {row.weeks_met} of {len(row.weeks)}. "
            "The course is complete when every week is met (or excused)."
        )
    if row.sessions_attended:
        lines.append(f"Live sessions attended: {row.sessions_attended}.")
    if position.current_week is not None:
        week = position.current_week
        left = left_this_week(row.week(week), requirement, plans.get(week, DISCUSSION_ONLY))
        lines.append(left + (f" It closes {discord_timestamp(closes, 'R')}." if closes else ""))
    return "\n".join(lines)


def nudge_text(
    name: str,
    course_title: str,
    record: WeekRecord,
    requirement: Requirement,
    closes: datetime,
    link: str,
    plan: WeekPlan = DISCUSSION_ONLY,
) -> str:
    """A kind DM to a learner who has not met the week's requirement yet."""
    return (
        f"Hi {plain(name)}! A friendly note from **{course_title}**: week {record.week} closes"
        f" {discord_timestamp(closes, 'R')}. {left_this_week(record, requirement, plan)}"
        " Your classmates will be glad to hear from you."
        f"\nThe week's discussion is here: {link}"
        "\n(Prefer no nudges? Use `/reminders off`.)"
    )

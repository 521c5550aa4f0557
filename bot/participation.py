"""Participation: each learner's weekly status, completion, and the reports built on them.

Pure: counts in (what counts as a post or a reply is decided in ``bot.tracking``),
statuses and words out. Nothing here ever sees what anyone wrote.

A week is *met* when the learner wrote at least the course's required original
posts and replies, *partial* when they wrote something short of that, *none*
when they wrote nothing, and *excused* when an instructor excused them (which
counts as met). A learner completes the course when every week counts as met.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from bot.certificate import Certificate
from bot.course import Requirement
from bot.localtime import discord_timestamp
from bot.render import plural, requirement_text
from bot.timetable import Calendar


class WeekStatus(StrEnum):
    MET = "met"
    PARTIAL = "partial"
    NONE = "none"
    EXCUSED = "excused"

    @property
    def counts_as_met(self) -> bool:
        return self in (WeekStatus.MET, WeekStatus.EXCUSED)


class Tally(NamedTuple):
    """What one learner wrote in one week (a tuple: the store builds thousands at once)."""

    originals: int = 0
    replies: int = 0

    @property
    def total(self) -> int:
        return self.originals + self.replies


NOTHING = Tally()


def week_status(tally: Tally, requirement: Requirement, excused: bool = False) -> WeekStatus:
    if excused:
        return WeekStatus.EXCUSED
    if tally.originals >= requirement.original_posts and tally.replies >= requirement.replies:
        return WeekStatus.MET
    return WeekStatus.PARTIAL if tally.total else WeekStatus.NONE


@dataclass(frozen=True)
class Counts:
    """What the store aggregates for a cohort: tallies and excused weeks, by (user id, week)."""

    by_learner_week: Mapping[tuple[int, int], Tally] = field(default_factory=dict)
    excused: set[tuple[int, int]] = field(default_factory=set)
    # Live sessions each learner checked in to, by user id: reported beside the
    # weeks, not part of the weekly requirement (recordings exist for those who
    # cannot come).
    sessions_attended: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Learner:
    user_id: int
    name: str  # the display name in the server, as the member wrote it


class WeekRecord(NamedTuple):
    week: int
    tally: Tally
    status: WeekStatus


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
) -> Report:
    """Every learner (including those who never wrote), by name, for the given weeks."""
    rows = []
    for learner in sorted(learners, key=lambda item: (item.name.casefold(), item.user_id)):
        records = []
        for week in weeks:
            key = (learner.user_id, week)
            tally = counts.by_learner_week.get(key, NOTHING)
            status = week_status(tally, requirement, key in counts.excused)
            records.append(WeekRecord(week, tally, status))
        attended = counts.sessions_attended.get(learner.user_id, 0)
        rows.append(LearnerReport(learner, tuple(records), attended))
    return Report(requirement, tuple(weeks), tuple(rows), position)


# -- the CSV export ------------------------------------------------------------------------

# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
# (also after leading blanks, and in full width as East Asian keyboards type them).
_FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")


def spreadsheet_text(text: str) -> str:
    """A cell that a spreadsheet shows as text, never runs (CSV formula injection)."""
    dangerous = text[:1] in _FORMULA_STARTS or text.lstrip()[:1] in _FORMULA_STARTS
    return "'" + text if dangerous else text


def export_csv(report: Report, certificates: Mapping[int, Certificate] | None = None) -> str:
    """One row per learner: name, user id, each week's posts, replies and status,
    live sessions attended, completed, and their certificate's code (if any) and
    whether an instructor issued it by hand."""
    certificates = certificates or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as spreadsheets expect
    header = ["display_name", "user_id"]
    for week in report.weeks:
        header += [f"week{week}_posts", f"week{week}_replies", f"week{week}_status"]
    writer.writerow(
        [*header, "sessions_attended", "completed", "certificate", "certificate_override"]
    )
    for row in report.learners:
        cells: list[str | int] = [spreadsheet_text(row.learner.name), str(row.learner.user_id)]
        for record in row.weeks:
            cells += [record.tally.originals, record.tally.replies, record.status.value]
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

_MARKDOWN_ESCAPED = str.maketrans({c: "\\" + c for c in "\\*_~`|[]>#"})


def plain(name: str) -> str:
    """A display name shown as written, not as Markdown."""
    return name.translate(_MARKDOWN_ESCAPED)


def tally_text(tally: Tally) -> str:
    return (
        f"{plural(tally.originals, 'post', 'posts')}, {plural(tally.replies, 'reply', 'replies')}"
    )


def learner_line(row: LearnerReport, week: int) -> str:
    record = row.week(week)
    mark = STATUS_MARK[record.status]
    return f"{mark} {plain(row.learner.name)} — {tally_text(record.tally)} ({record.status})"


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


def names(rows: Sequence[LearnerReport], room: int | None = None) -> str:
    """Learners' names (all, or as many as fit in ``room`` characters), or "nobody"."""
    listed = [plain(row.learner.name) for row in rows]
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
            requirement_text(report.requirement),
        )
    )
    lines = [learner_line(row, week) for row in report.learners]
    behind = report.behind(week)
    label = "this week" if week == report.position.current_week else f"in week {week}"
    title = f"**Behind {label} ({len(behind)}):** "
    room = limit - len(head) - 4  # two blank lines between head, body and foot
    foot = title + names(behind, room // 3 - len(title))
    body = fit(lines, room - len(foot), "\n", lambda n: f"… and {n} more: see the file")
    whole = ("\n".join(lines), title + names(behind))
    text = "\n\n".join(part for part in (head, body, foot) if part)  # no learners: no body
    return Summary(text, None if (body, foot) == whole else "\n\n".join((head, *whole)))


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


def left_this_week(record: WeekRecord, requirement: Requirement) -> str:
    """What a learner still has to write for the week in progress."""
    if record.status.counts_as_met:
        return f"Week {record.week} is done. Thank you!"
    needs = []
    if (missing := requirement.original_posts - record.tally.originals) > 0:
        needs.append(plural(missing, "post", "posts") + " of your own")
    if (missing := requirement.replies - record.tally.replies) > 0:
        needs.append(plural(missing, "reply", "replies") + " to classmates")
    return f"Left this week (week {record.week}): " + " and ".join(needs) + "."


def progress_text(
    row: LearnerReport, requirement: Requirement, position: CoursePosition, closes: datetime | None
) -> str:
    """A learner's weeks so far, how many count as met, and what is left this week.

    ``closes``: when the week in progress closes (shown as a Discord timestamp).
    """
    if position.weeks_started == 0:
        return "The course has not started yet: nothing to count so far."
    lines = [
        f"{STATUS_MARK[r.status]} Week {r.week}: {tally_text(r.tally)} ({r.status})"
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
        left = left_this_week(row.week(position.current_week), requirement)
        lines.append(left + (f" It closes {discord_timestamp(closes, 'R')}." if closes else ""))
    return "\n".join(lines)


def nudge_text(
    name: str,
    course_title: str,
    record: WeekRecord,
    requirement: Requirement,
    closes: datetime,
    link: str,
) -> str:
    """A kind DM to a learner who has not met the week's requirement yet."""
    return (
        f"Hi {plain(name)}! A friendly note from **{course_title}**: week {record.week} closes"
        f" {discord_timestamp(closes, 'R')}. {left_this_week(record, requirement)}"
        " Your classmates will be glad to hear from you."
        f"\nThe week's discussion is here: {link}"
        "\n(Prefer no nudges? Use `/reminders off`.)"
    )

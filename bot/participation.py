"""Participation: a learner's weekly status, reports and exports.

Pure: counts in (what counts is decided in ``bot.tracking``), statuses and
words out. Nothing here ever sees what anyone wrote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.course import Requirement
from bot.render import requirement_text


class WeekStatus(StrEnum):
    MET = "met"
    PARTIAL = "partial"
    NONE = "none"
    EXCUSED = "excused"

    @property
    def counts_as_met(self) -> bool:
        return self in (WeekStatus.MET, WeekStatus.EXCUSED)


@dataclass(frozen=True)
class Tally:
    originals: int = 0
    replies: int = 0

    @property
    def total(self) -> int:
        return self.originals + self.replies


def week_status(tally: Tally, requirement: Requirement, excused: bool = False) -> WeekStatus:
    if excused:
        return WeekStatus.EXCUSED
    if tally.originals >= requirement.original_posts and tally.replies >= requirement.replies:
        return WeekStatus.MET
    return WeekStatus.PARTIAL if tally.total else WeekStatus.NONE


@dataclass(frozen=True)
class Learner:
    user_id: int
    name: str


@dataclass(frozen=True)
class LearnerReport:
    learner: Learner
    tallies: tuple[Tally, ...]  # week 1 first
    statuses: tuple[WeekStatus, ...]

    @property
    def completed(self) -> bool:
        return all(status.counts_as_met for status in self.statuses)

    @property
    def total(self) -> Tally:
        return Tally(sum(t.originals for t in self.tallies), sum(t.replies for t in self.tallies))


@dataclass(frozen=True)
class Report:
    weeks: int
    requirement: Requirement
    learners: tuple[LearnerReport, ...]
    current_week: int | None = None

    def behind(self, week: int) -> list[LearnerReport]:
        return [r for r in self.learners if not r.statuses[week - 1].counts_as_met]

    def silent(self) -> list[LearnerReport]:
        """Learners who have not posted at all."""
        return [r for r in self.learners if r.total.total == 0]

    def status_counts(self, week: int) -> dict[WeekStatus, int]:
        counts = dict.fromkeys(WeekStatus, 0)
        for row in self.learners:
            counts[row.statuses[week - 1]] += 1
        return counts


@dataclass
class Counts:
    """Per learner, per week: (originals, replies), as the store aggregates them."""

    by_learner_week: Mapping[tuple[int, int], Tally] = field(default_factory=dict)
    excused: set[tuple[int, int]] = field(default_factory=set)


def build_report(
    learners: Iterable[Learner],
    counts: Counts,
    weeks: int,
    requirement: Requirement,
    current_week: int | None = None,
) -> Report:
    rows = []
    for learner in sorted(learners, key=lambda item: item.name.casefold()):
        tallies = tuple(
            counts.by_learner_week.get((learner.user_id, w), Tally()) for w in range(1, weeks + 1)
        )
        statuses = tuple(
            week_status(t, requirement, (learner.user_id, w) in counts.excused)
            for w, t in enumerate(tallies, 1)
        )
        rows.append(LearnerReport(learner, tallies, statuses))
    return Report(weeks, requirement, tuple(rows), current_week)


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas in a display name (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["display_name", "user_id"]
    for w in range(1, report.weeks + 1):
        header += [f"week{w}_posts", f"week{w}_replies", f"week{w}_status"]
    writer.writerow([*header, "completed"])
    for row in report.learners:
        cells: list[str | int] = [_cell(row.learner.name), str(row.learner.user_id)]
        for tally, status in zip(row.tallies, row.statuses, strict=True):
            cells += [tally.originals, tally.replies, status.value]
        writer.writerow([*cells, "yes" if row.completed else "no"])
    return out.getvalue()


STATUS_MARK = {
    WeekStatus.MET: "✅",
    WeekStatus.PARTIAL: "🟡",
    WeekStatus.NONE: "⬜",
    WeekStatus.EXCUSED: "🔵",
}


def learner_line(row: LearnerReport, week: int) -> str:
    tally, status = row.tallies[week - 1], row.statuses[week - 1]
    return (
        f"{STATUS_MARK[status]} {row.learner.name} — {tally.originals} posts,"
        f" {tally.replies} replies ({status.value})"
    )


def summary_text(report: Report, week: int, limit: int = 4000) -> str:
    """The week at a glance, cut to ``limit`` characters (the export has every row)."""
    counts = report.status_counts(week)
    head = [
        f"**Week {week}** — {len(report.learners)} learners: "
        + ", ".join(f"{counts[s]} {s.value}" for s in WeekStatus),
        f"Requirement: {requirement_text(report.requirement)}",
        "",
    ]
    behind = report.behind(week)
    completed = sum(row.completed for row in report.learners)
    foot = [
        "",
        f"**Behind this week ({len(behind)}):** "
        + (", ".join(r.learner.name for r in behind) or "nobody"),
        f"**Met every week so far:** {completed} of {len(report.learners)}",
    ]
    room = limit - len("\n".join(head + foot)) - 80
    body: list[str] = []
    for index, row in enumerate(report.learners):
        line = learner_line(row, week)
        if room < len(line) + 1:
            body.append(f"… and {len(report.learners) - index} more: see `/participation export`")
            break
        body.append(line)
        room -= len(line) + 1
    return "\n".join(head + body + foot)[:limit]


def learner_text(row: LearnerReport, requirement: Requirement, current_week: int | None) -> str:
    lines = [f"**{row.learner.name}**"]
    for week, (tally, status) in enumerate(zip(row.tallies, row.statuses, strict=True), 1):
        lines.append(
            f"{STATUS_MARK[status]} Week {week}: {tally.originals} posts, {tally.replies} replies ({status.value})"
        )
    lines.append("")
    lines.append("Course completed ✅" if row.completed else "Not completed yet")
    if current_week is not None:
        lines.append(left_this_week(row, requirement, current_week))
    return "\n".join(lines)


def left_this_week(row: LearnerReport, requirement: Requirement, week: int) -> str:
    tally, status = row.tallies[week - 1], row.statuses[week - 1]
    if status.counts_as_met:
        return f"This week (week {week}) is done — thank you!"
    needs = []
    if (missing := requirement.original_posts - tally.originals) > 0:
        needs.append(f"{missing} post{'s' if missing != 1 else ''} of your own")
    if (missing := requirement.replies - tally.replies) > 0:
        needs.append(f"{missing} repl{'ies' if missing != 1 else 'y'} to classmates")
    return f"Left this week (week {week}): " + " and ".join(needs) + "."

"""The participation heatmap: learners by weeks, coloured by status, as PNG bytes.

A met week is coloured by the way it was met (discussion, live session,
recording, assignment, or several), and carries that way's letter, so the
difference does not rest on colour alone; the legend names each.

Built on matplotlib's object API (a ``Figure`` of our own, no ``pyplot``): no
global figure registry to leak, and safe to render in a worker thread while
the bot's event loop carries on.

Large cohorts: a name per row stops being readable long before 1,000 rows, and
the figure would take seconds to draw. So the chart shows at most ``MAX_ROWS``
learners; when there are more, it shows those furthest behind (fewest weeks
met, then by name), and the title says how many of how many. The CSV export
has everyone. A row is labelled by display name; learners who share one each
get the end of their platform id (``participation.told_apart``).
"""

from __future__ import annotations

import io
import threading

from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.participation import (
    WAY_WORDS,
    LearnerReport,
    Report,
    Way,
    WeekRecord,
    WeekStatus,
    told_apart,
)

# Colour by status: a traffic light readable with the common colour blindnesses
# (light grey, orange, blue-green), and excused in a clearly different purple.
COLOURS = {
    WeekStatus.NONE: "#e0e0e0",
    WeekStatus.PARTIAL: "#f4a259",
    WeekStatus.MET: "#1b9e77",
    WeekStatus.EXCUSED: "#9e9ac8",
}
# A met week, by the way it was met: the discussion keeps the met green.
SEVERAL = "several"
MET_COLOURS: dict[Way | str, str] = {
    Way.DISCUSSION: COLOURS[WeekStatus.MET],
    Way.SESSION: "#2b6cb0",
    Way.RECORDING: "#7fb8e0",
    Way.ASSIGNMENT: "#a6761d",
    SEVERAL: "#225c46",
}
LETTERS: dict[Way | str, str] = {
    Way.DISCUSSION: "D",
    Way.SESSION: "S",
    Way.RECORDING: "R",
    Way.ASSIGNMENT: "A",
    SEVERAL: "+",
}
# The colour map's entries: each status but met, then each way of meeting a week.
CELLS: tuple[WeekStatus | Way | str, ...] = (
    WeekStatus.NONE,
    WeekStatus.PARTIAL,
    WeekStatus.EXCUSED,
    *MET_COLOURS,
)
ORDER = tuple(COLOURS)  # the statuses, as the legend names them
MAX_ROWS = 60
ROW_INCHES = 0.28
DPI = 110


def shown_rows(report: Report) -> tuple[LearnerReport, ...]:
    """Every learner, or the ``MAX_ROWS`` furthest behind (then by name)."""
    if len(report.learners) <= MAX_ROWS:
        return report.learners
    most_behind = sorted(
        report.learners, key=lambda row: row.weeks_met
    )  # stable: names stay sorted
    return tuple(most_behind[:MAX_ROWS])


def figure(report: Report, title: str) -> Figure:
    """The heatmap, ready to save (separate from rendering, so tests can look at the axes)."""
    rows = shown_rows(report)
    size = (2.5 + 0.9 * len(report.weeks), 1.6 + ROW_INCHES * max(len(rows), 1))
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    kinds = [[cell_kind(record) for record in row.weeks] for row in rows]
    cells = [[CELLS.index(kind) for kind in row] for row in kinds]
    ax.imshow(
        cells or [[CELLS.index(WeekStatus.NONE)] * len(report.weeks)],
        cmap=ListedColormap([colour(kind) for kind in CELLS]),
        vmin=0,
        vmax=len(CELLS) - 1,
        aspect="auto",
        interpolation="nearest",
    )
    ways_shown = {kind for row in kinds for kind in row if kind in MET_COLOURS}
    if ways_shown - {Way.DISCUSSION}:  # only then does a letter tell anything
        for y, row in enumerate(kinds):
            for x, kind in enumerate(row):
                if kind in MET_COLOURS:
                    ax.text(x, y, LETTERS[kind], ha="center", va="center", color="white")
    label_axes(ax, report, rows)
    if len(rows) < len(report.learners):
        title += f"\n{len(rows)} of {len(report.learners)} learners, furthest behind first"
    ax.set_title(title, parse_math=False)
    ax.legend(
        handles=legend_handles(ways_shown),
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        frameon=False,
        title="Status",
    )
    return fig


def cell_kind(record: WeekRecord) -> WeekStatus | Way | str:
    """A cell's look: its status, or for a met week the way it was met."""
    if record.status != WeekStatus.MET or not record.met_by:
        return record.status
    return record.met_by[0] if len(record.met_by) == 1 else SEVERAL


def colour(kind: WeekStatus | Way | str) -> str:
    return COLOURS[kind] if isinstance(kind, WeekStatus) else MET_COLOURS[kind]


def legend_handles(ways_shown: set[Way | str]) -> list[Patch]:
    """Every status; a met week as "met" while the discussion alone meets weeks, and as
    "met by <way>" for each way the chart shows once any other way appears."""
    if not ways_shown - {Way.DISCUSSION}:
        return [Patch(color=COLOURS[status], label=status.value) for status in ORDER]
    handles = [Patch(color=COLOURS[s], label=s.value) for s in ORDER if s != WeekStatus.MET]
    for kind in MET_COLOURS:
        if kind in ways_shown:
            words = WAY_WORDS[kind] if isinstance(kind, Way) else "several ways"
            handles.append(
                Patch(color=MET_COLOURS[kind], label=f"met by {words} ({LETTERS[kind]})")
            )
    return handles


def label_axes(ax: Axes, report: Report, rows: tuple[LearnerReport, ...]) -> None:
    """ "Week N" along the top, a name per row, and white lines between the cells."""
    ax.set_xticks(range(len(report.weeks)), [f"Week {week}" for week in report.weeks])
    ax.xaxis.tick_top()
    # Two learners of one name are two rows: each name with a short tail of their id.
    learners = [row.learner for row in report.learners]
    labels = dict(zip((learner.user_id for learner in learners), told_apart(learners), strict=True))
    # parse_math off: a display name with two "$" must print as written, not as TeX.
    ax.set_yticks(range(len(rows)), [labels[row.learner.user_id] for row in rows], parse_math=False)
    # Lines rather than minor ticks between the cells: ticks carry labels that are slow to lay out.
    ax.vlines([x - 0.5 for x in range(1, len(report.weeks))], -0.5, len(rows) - 0.5, "white", lw=2)
    ax.hlines([y - 0.5 for y in range(1, len(rows))], -0.5, len(report.weeks) - 0.5, "white", lw=2)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


# matplotlib's font cache is the process's: one chart at a time, whichever platform asks
# (both may run in one process), each drawn in a worker thread.
_DRAWING = threading.Lock()


def heatmap_png(report: Report, title: str) -> bytes:
    buffer = io.BytesIO()
    with _DRAWING:
        figure(report, title).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()

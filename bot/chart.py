"""The participation heatmap: learners by weeks, coloured by status, as PNG bytes.

Built on matplotlib's object API (a ``Figure`` of our own, no ``pyplot``): no
global figure registry to leak, and safe to render in a worker thread while
the bot's event loop carries on.

Large cohorts: a name per row stops being readable long before 1,000 rows, and
the figure would take seconds to draw. So the chart shows at most ``MAX_ROWS``
learners; when there are more, it shows those furthest behind (fewest weeks
met, then by name), and the title says how many of how many. The CSV export
has everyone.
"""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.participation import LearnerReport, Report, WeekStatus

# Colour by status: a traffic light readable with the common colour blindnesses
# (light grey, orange, blue-green), and excused in a clearly different purple.
COLOURS = {
    WeekStatus.NONE: "#e0e0e0",
    WeekStatus.PARTIAL: "#f4a259",
    WeekStatus.MET: "#1b9e77",
    WeekStatus.EXCUSED: "#9e9ac8",
}
ORDER = tuple(COLOURS)  # the colour map's index of each status
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
    cells = [[ORDER.index(record.status) for record in row.weeks] for row in rows]
    ax.imshow(
        cells or [[ORDER.index(WeekStatus.NONE)] * len(report.weeks)],
        cmap=ListedColormap([COLOURS[status] for status in ORDER]),
        vmin=0,
        vmax=len(ORDER) - 1,
        aspect="auto",
        interpolation="nearest",
    )
    label_axes(ax, report, rows)
    if len(rows) < len(report.learners):
        title += f"\n{len(rows)} of {len(report.learners)} learners, furthest behind first"
    ax.set_title(title, parse_math=False)
    ax.legend(
        handles=[Patch(color=COLOURS[status], label=status.value) for status in ORDER],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        frameon=False,
        title="Status",
    )
    return fig


def label_axes(ax: Axes, report: Report, rows: tuple[LearnerReport, ...]) -> None:
    """ "Week N" along the top, a name per row, and white lines between the cells."""
    ax.set_xticks(range(len(report.weeks)), [f"Week {week}" for week in report.weeks])
    ax.xaxis.tick_top()
    # parse_math off: a display name with two "$" must print as written, not as TeX.
    ax.set_yticks(range(len(rows)), [row.learner.name for row in rows], parse_math=False)
    # Lines rather than minor ticks between the cells: ticks carry labels that are slow to lay out.
    ax.vlines([x - 0.5 for x in range(1, len(report.weeks))], -0.5, len(rows) - 0.5, "white", lw=2)
    ax.hlines([y - 0.5 for y in range(1, len(rows))], -0.5, len(report.weeks) - 0.5, "white", lw=2)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def heatmap_png(report: Report, title: str) -> bytes:
    buffer = io.BytesIO()
    figure(report, title).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()

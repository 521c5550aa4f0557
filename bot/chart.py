"""The participation heatmap: learners by weeks, coloured by status, as PNG bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: render straight to a file

from matplotlib import pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.participation import Report, WeekStatus

ORDER = (WeekStatus.NONE, WeekStatus.PARTIAL, WeekStatus.MET, WeekStatus.EXCUSED)
COLOURS = ("#e5e7eb", "#facc15", "#16a34a", "#60a5fa")  # grey, amber, green, blue
MAX_ROWS = 60  # beyond this a name per row is unreadable: the CSV has everyone


def figure(report: Report, title: str) -> Figure:
    rows = report.learners[:MAX_ROWS]
    values = [[ORDER.index(status) for status in row.statuses] for row in rows] or [
        [0] * report.weeks
    ]
    height = 1.5 + 0.28 * max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(2.2 + 0.9 * report.weeks, height))
    ax.imshow(values, cmap=ListedColormap(COLOURS), vmin=0, vmax=len(ORDER) - 1, aspect="auto")
    ax.set_xticks(range(report.weeks), [f"Week {w}" for w in range(1, report.weeks + 1)])
    ax.set_yticks(range(len(rows)), [row.learner.name for row in rows])
    ax.set_xticks([x - 0.5 for x in range(1, report.weeks)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(rows))], minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    shown = (
        f" (first {MAX_ROWS} of {len(report.learners)})" if len(report.learners) > MAX_ROWS else ""
    )
    ax.set_title(f"{title}{shown}")
    ax.legend(
        handles=[Patch(color=c, label=s.value) for s, c in zip(ORDER, COLOURS, strict=True)],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        frameon=False,
    )
    fig.tight_layout()
    return fig


def heatmap_png(report: Report, title: str) -> bytes:
    fig = figure(report, title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()

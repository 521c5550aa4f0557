"""The heatmap: a PNG, a legend of every status, names and weeks on the axes, large cohorts capped."""

from __future__ import annotations

from matplotlib.colors import to_rgba

from bot.chart import COLOURS, MAX_ROWS, figure, heatmap_png
from bot.participation import Learner, Report, Tally, WeekStatus
from tests.test_participation import report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def cohort(size: int, met: dict[int, int] | None = None) -> Report:
    """``size`` learners over 4 weeks; ``met[user]``: how many of the first weeks that learner met."""
    tallies = {(user, w): Tally(1, 2) for user, n in (met or {}).items() for w in range(1, n + 1)}
    return report(tallies, learners=tuple(Learner(u, f"Learner {u:04}") for u in range(size)))


def test_the_chart_is_a_png():
    assert heatmap_png(cohort(12), "Participation: Fall 2026").startswith(PNG_SIGNATURE)


def test_the_legend_names_every_status_in_its_colour():
    ax = figure(cohort(3), "Fall 2026").axes[0]
    legend = ax.get_legend()
    assert legend is not None
    labels = [text.get_text() for text in legend.get_texts()]
    assert sorted(labels) == sorted(status.value for status in WeekStatus)
    for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True):
        assert handle.get_facecolor() == to_rgba(COLOURS[WeekStatus(text.get_text())])


def test_names_down_the_side_and_weeks_along_the_top_as_written():
    tricky = "Cash $5 and $6 _x_"  # two dollars would be TeX if math were parsed
    two = report({}, learners=(Learner(1, tricky), Learner(2, "Amara")), weeks=range(1, 4))
    ax = figure(two, "Fall 2026").axes[0]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["Amara", tricky]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["Week 1", "Week 2", "Week 3"]
    assert heatmap_png(two, "Fall $2026$").startswith(PNG_SIGNATURE)


def test_two_learners_of_one_name_are_two_different_rows():
    sams = (Learner(1, "Sam", "<@U01AAAA1111>"), Learner(2, "Sam", "<@U01BBBB2222>"))
    ax = figure(report({}, learners=(*sams, Learner(3, "Amara"))), "Fall 2026").axes[0]
    names = [label.get_text() for label in ax.get_yticklabels()]
    assert sorted(names) == ["Amara", "Sam (…1111)", "Sam (…2222)"], names


def test_a_large_cohort_shows_those_furthest_behind_and_says_how_many():
    size = 1000
    met = {user: 4 for user in range(size)} | {7: 0, 500: 1, 999: 2}
    ax = figure(cohort(size, met=met), "Fall 2026").axes[0]
    names = [label.get_text() for label in ax.get_yticklabels()]
    assert len(names) == MAX_ROWS
    assert names[:3] == ["Learner 0007", "Learner 0500", "Learner 0999"]
    assert f"{MAX_ROWS} of {size} learners, furthest behind first" in ax.get_title()


def test_a_cohort_without_learners_still_draws():
    assert heatmap_png(cohort(0), "Empty").startswith(PNG_SIGNATURE)

"""Who gets a nudge, and how often an instructor may nudge by hand.

Pure: a participation report, the opt-outs and the server's members in;
the learners to nudge and the fan-out key out.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.participation import LearnerReport, Report


def nudge_recipients(
    report: Report, week: int, opted_out: Collection[int], members: Collection[int]
) -> list[LearnerReport]:
    """Learners behind in ``week`` who did not opt out and are still in the server."""
    return [
        row
        for row in report.behind(week)
        if row.learner.user_id not in opted_out and row.learner.user_id in members
    ]


def by_hand_key(week: int, now: datetime, zone: ZoneInfo) -> str:
    """A nudge by hand: once per learner per day, the cohort's local day.

    However often an instructor runs it, a learner hears at most once a day;
    the day turns at local midnight, where the learners and the instructor live.
    """
    return f"nudge:{week}:by-hand:{now.astimezone(zone):%Y-%m-%d}"

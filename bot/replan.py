"""Re-planning a running cohort when its course file changes: what moves, what is added, what goes.

Pure: the cohort's delivery rows and its new timetable in, the difference out.
What was done (sent, claimed, skipped, failed) stays done; only pending rows
move or leave, and an item that comes back after it left is planned again.
The store applies the same rules (``DeliveryQueries.plan``); this says what
they did, so the instructor can be told.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.cohort import Delivery, DeliveryState
from bot.course import Course
from bot.localtime import discord_timestamp
from bot.render import item_label
from bot.timetable import CohortSession, Item, run_order, sessions_for


@dataclass(frozen=True)
class Change:
    key: str
    kind: str
    week: int | None
    session: str | None
    was: datetime | None  # None: newly planned
    now: datetime | None  # None: no longer planned

    @property
    def label(self) -> str:
        return item_label(self.kind, self.week, self.session, self.key)


@dataclass(frozen=True)
class PlanChanges:
    moved: tuple[Change, ...] = ()
    added: tuple[Change, ...] = ()
    dropped: tuple[Change, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.moved or self.added or self.dropped)


def plan_changes(rows: Iterable[Delivery], items: Iterable[Item]) -> PlanChanges:
    """What ``DeliveryQueries.plan`` will do to ``rows`` to make them follow ``items``."""
    by_key = {row.key: row for row in rows}
    planned = {item.key: item for item in items}
    moved, added, dropped = [], [], []
    for item in sorted(planned.values(), key=lambda i: run_order(i.due, i.kind, i.key)):
        row = by_key.get(item.key)
        change = Change(item.key, item.kind, item.week, item.session, None, item.due)
        if row is None or row.state is DeliveryState.UNPLANNED:
            added.append(change)
        elif row.state is DeliveryState.PENDING and row.due != item.due:
            moved.append(Change(item.key, item.kind, item.week, item.session, row.due, item.due))
    for row in sorted(by_key.values(), key=lambda r: run_order(r.due, r.kind, r.key)):
        if row.state is DeliveryState.PENDING and row.key not in planned:
            dropped.append(Change(row.key, row.kind, row.week, row.session, row.due, None))
    return PlanChanges(tuple(moved), tuple(added), tuple(dropped))


def course_session_updates(
    old: Course,
    new: Course,
    start: date,
    tz: ZoneInfo,
    current: Iterable[CohortSession],
    now: datetime,
) -> list[CohortSession]:
    """The cohort's sessions to save after the course file went from ``old`` to ``new``.

    Only what the file changed is applied, so a session an instructor added or
    moved by hand stays as it is unless the file changed that very session. A
    session added to the file is added; one the file changed is updated; one it
    removed is cancelled. Sessions that have already started are history.
    """
    before = {s.key: s for s in sessions_for(old, start, tz)}
    after = {s.key: s for s in sessions_for(new, start, tz)}
    have = {s.key: s for s in current}
    updates = []
    for key in sorted(before.keys() | after.keys()):
        was, will, held = before.get(key), after.get(key), have.get(key)
        if was == will:
            continue
        if held is not None and held.start <= now:
            continue  # it has taken place (or is under way): nothing moves it now
        if will is None:  # the file removed it
            if held is not None and not held.cancelled:
                updates.append(_cancelled(held))
        elif was is None:  # the file added it (a hand-made session of that id stays)
            if held is None and will.start > now:
                updates.append(will)
        elif held is not None:  # the file changed it; a cancellation stands
            updates.append(_cancelled(will) if held.cancelled else will)
    return updates


def _cancelled(session: CohortSession) -> CohortSession:
    return CohortSession(
        session.key, session.title, session.start, session.duration, session.url, cancelled=True
    )


def describe_changes(changes: PlanChanges, limit: int = 8) -> str:
    """A short list for the instructor: what moved, what was added, what was dropped.

    At most ``limit`` lines of each, soonest first; the rest are counted.
    """
    sections = (
        [f"• {c.label}: {_when(c.was)} → {_when(c.now)}" for c in changes.moved],
        [f"• added: {c.label}, {_when(c.now)}" for c in changes.added],
        [f"• dropped: {c.label} (was {_when(c.was)})" for c in changes.dropped],
    )
    lines = []
    for section in sections:
        lines += section[:limit]
        if len(section) > limit:
            lines.append(f"  … and {len(section) - limit} more like it (see `/cohort show`)")
    return "\n".join(lines)


def _when(instant: datetime | None) -> str:
    return discord_timestamp(instant) if instant is not None else "—"

"""Re-planning after a course file changed: pure table tests, no event loop."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from bot.catalog import load_catalog
from bot.cohort import Delivery, DeliveryState
from bot.course import SessionSpec
from bot.localtime import zone
from bot.replan import PlanChanges, course_session_updates, describe_changes, plan_changes
from bot.timetable import CohortSession, Item, ItemKind, sessions_for

COURSE = load_catalog().courses["de-escalation"]
LA = zone("America/Los_Angeles")
START = date(2025, 10, 14)
T = datetime(2025, 10, 14, 16, tzinfo=UTC)
HOUR = timedelta(hours=1)


def row(key: str, kind: ItemKind, due: datetime, state: DeliveryState, week=1) -> Delivery:
    return Delivery(
        1, key, kind.value, due, week, None, None, state, 0, None, None, None, None, None, None,
        False, None,
    )  # fmt: skip


def test_only_open_rows_move_and_what_was_done_stays_done():
    rows = [
        row("module:1", ItemKind.MODULE, T, DeliveryState.DONE),
        row("module:2", ItemKind.MODULE, T + 7 * 24 * HOUR, DeliveryState.PENDING, 2),
        row("reminder:live-1:24h", ItemKind.REMINDER, T + 2 * HOUR, DeliveryState.PENDING),
        row("reminder:live-1:1h", ItemKind.REMINDER, T + 3 * HOUR, DeliveryState.UNPLANNED),
        row("nudge:1", ItemKind.NUDGE, T + 4 * HOUR, DeliveryState.SKIPPED),
        row("digest:1", ItemKind.DIGEST, T + 5 * HOUR, DeliveryState.PENDING),
    ]
    items = [
        Item("module:1", ItemKind.MODULE, T + HOUR, week=1),  # done: it stays where it was
        Item("module:2", ItemKind.MODULE, T + 8 * 24 * HOUR, week=2),  # moves
        Item("reminder:live-1:1h", ItemKind.REMINDER, T + 3 * HOUR, 1, "live-1"),  # back
        Item("reminder:live-1:2h", ItemKind.REMINDER, T + 2 * HOUR, 1, "live-1"),  # new
        Item("nudge:1", ItemKind.NUDGE, T + 9 * HOUR, week=1),  # skipped: history
        Item("digest:1", ItemKind.DIGEST, T + 5 * HOUR, week=1),  # unchanged
    ]
    changes = plan_changes(rows, items)
    assert [(c.key, c.was, c.now) for c in changes.moved] == [
        ("module:2", T + 7 * 24 * HOUR, T + 8 * 24 * HOUR)
    ]
    assert [c.key for c in changes.added] == ["reminder:live-1:2h", "reminder:live-1:1h"]
    assert [(c.key, c.now) for c in changes.dropped] == [("reminder:live-1:24h", None)]
    dropped = plan_changes(rows, [*items[:1], *items[2:]]).dropped
    assert [c.key for c in dropped] == ["reminder:live-1:24h", "module:2"]
    assert not plan_changes([], [])


def test_describe_changes_is_a_short_list_with_discord_timestamps():
    rows = [row(f"module:{n}", ItemKind.MODULE, T, DeliveryState.PENDING, n) for n in range(1, 20)]
    items = [Item(f"module:{n}", ItemKind.MODULE, T + HOUR, week=n) for n in range(1, 19)]
    text = describe_changes(plan_changes(rows, items), limit=3)
    first, *_, last, dropped = text.splitlines()
    assert (
        first
        == f"• Week 1 module post: <t:{int(T.timestamp())}:F> → <t:{int((T + HOUR).timestamp())}:F>"
    )
    assert last == "  … and 15 more like it (see `/cohort show`)"
    assert dropped.startswith("• dropped: Week 19 module post (was <t:")
    assert describe_changes(PlanChanges()) == ""


def spec(key: str, start: datetime) -> SessionSpec:
    return SessionSpec(key, f"Session {key}", start, timedelta(hours=1))


def test_only_the_sessions_the_file_changed_reach_the_cohort():
    naive = datetime(2025, 10, 22, 10)
    old = dataclasses.replace(
        COURSE,
        sessions=(
            spec("moved", naive),
            spec("removed", naive),
            spec("kept", naive),
            spec("cancelled-by-hand", naive),
            spec("past", datetime(2025, 10, 15, 10)),
        ),
    )
    later = naive + timedelta(days=1)
    new = dataclasses.replace(
        COURSE,
        sessions=(
            spec("moved", later),
            spec("kept", naive),
            spec("cancelled-by-hand", later),
            spec("past", datetime(2025, 10, 16, 10)),
            spec("added", later),
            spec("office-hour", later),  # an id the instructor already used by hand
        ),
    )
    current = {s.key: s for s in sessions_for(old, START, LA)}
    current["removed"] = dataclasses.replace(
        current["removed"], start=current["removed"].start + HOUR
    )
    current["cancelled-by-hand"] = dataclasses.replace(current["cancelled-by-hand"], cancelled=True)
    current["office-hour"] = CohortSession("office-hour", "Office hour", T + HOUR, HOUR)
    now = datetime(2025, 10, 20, tzinfo=UTC)  # "past" took place; the rest is to come

    updates = {s.key: s for s in course_session_updates(old, new, START, LA, current.values(), now)}

    after = {s.key: s for s in sessions_for(new, START, LA)}
    assert sorted(updates) == ["added", "cancelled-by-hand", "moved", "removed"]
    assert updates["moved"] == after["moved"]
    assert updates["added"] == after["added"]
    assert updates["removed"] == dataclasses.replace(current["removed"], cancelled=True)
    assert updates["cancelled-by-hand"] == dataclasses.replace(
        after["cancelled-by-hand"], cancelled=True
    )

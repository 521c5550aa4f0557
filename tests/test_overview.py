"""What staff read about a cohort (bot.overview): table tests, no Discord and no event loop."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.catalog import load_catalog
from bot.cohort import Cohort, CohortState, Delivery, DeliveryState
from bot.localtime import discord_timestamp
from bot.overview import SHOWN_DONE, cohort_overview, sort_deliveries, timetable_text
from bot.timetable import CohortSession, ItemKind

DUE = datetime(2026, 10, 13, 16, tzinfo=UTC)
COHORT = Cohort(
    guild_id=1,
    name="Fall 2026",
    course_id="de-escalation",
    start=date(2026, 10, 13),
    timezone="America/Los_Angeles",
    channel_id=10,
    learner_role_id=20,
    instructor_role_id=30,
    announcements_channel_id=None,
    created_by=99,
    id=3,
    state=CohortState.ACTIVE,
)


def delivery(
    key: str, state: DeliveryState, *, note: str | None = None, days: int = 0, **more
) -> Delivery:
    kind, _, rest = key.partition(":")
    fields = dict(
        cohort_id=3,
        key=key,
        kind=kind,
        due=DUE + timedelta(days=days),
        week=int(rest) if kind == ItemKind.MODULE else None,
        session=None,
        expires=None,
        state=state,
        attempts=0,
        next_attempt=None,
        claimed_by=None,
        claimed_at=None,
        done_at=None,
        channel_id=None,
        message_id=None,
        late=False,
        note=note,
    )
    return Delivery(**(fields | more))


@pytest.mark.parametrize(
    ("row", "where", "text"),
    [
        (
            delivery("module:1", DeliveryState.DONE, channel_id=5, message_id=6),
            "done",
            "✅ Week 1 module post — https://discord.com/channels/1/5/6",
        ),
        (
            delivery("module:1", DeliveryState.DONE, late=True),
            "done",
            "✅ Week 1 module post (late)",
        ),
        (
            delivery("module:2", DeliveryState.PENDING, days=7),
            "upcoming",
            f"• Week 2 module post — {discord_timestamp(DUE + timedelta(days=7))}",
        ),
        (
            delivery("module:2", DeliveryState.PENDING, note="HTTP 500"),
            "attention",
            "⚠️ Week 2 module post: HTTP 500 — retrying",
        ),
        (
            delivery("module:3", DeliveryState.FAILED, note="Missing Permissions"),
            "attention",
            "❌ Week 3 module post: Missing Permissions",
        ),
        (delivery("module:4", DeliveryState.SKIPPED), None, None),
        (delivery("module:4", DeliveryState.CLAIMED), None, None),
    ],
)
def test_each_delivery_lands_in_one_list(row, where, text):
    found = sort_deliveries(1, [row])
    lists = {"done": found.done, "upcoming": found.upcoming, "attention": found.attention}
    for name, items in lists.items():
        if name == where:
            assert len(items) == 1 and items[0].startswith(text)
        else:
            assert items == []


def test_the_overview_puts_problems_first_and_keeps_to_the_latest_and_next():
    rows = [delivery(f"module:{n}", DeliveryState.DONE) for n in range(1, 13)]
    rows += [delivery("module:13", DeliveryState.FAILED, note="gone")]
    text = cohort_overview(COHORT, rows)
    assert text.startswith("**Fall 2026** (de-escalation) — active\n\n**Needs attention**\n❌")
    assert "Week 2 module" not in text and f"Week {12 - SHOWN_DONE + 1} module" in text
    assert text.endswith("**Next**\nnothing left")
    assert cohort_overview(COHORT, []).count("nothing") == 2


def test_the_timetable_lists_every_week_live_sessions_the_end_and_the_archive():
    course = load_catalog().courses["de-escalation"]
    live = CohortSession("live-1", "Listening", DUE, timedelta(hours=1))
    gone = CohortSession("live-2", "Cancelled one", DUE, timedelta(hours=1), cancelled=True)
    text = timetable_text(COHORT, course, [live, gone])
    calendar = COHORT.calendar(course)
    assert text.startswith(f"**Course:** {course.title} · **Starts:** Tuesday 13 October 2026")
    for week, window in zip(course.weeks, calendar.weeks, strict=True):
        assert f"**Week {week.number}: {week.title}** — {discord_timestamp(window.opens)}" in text
    assert f"• Listening — {discord_timestamp(DUE)}" in text
    assert "Cancelled one" not in text
    assert text.endswith(f"**Posts archived** {discord_timestamp(calendar.archives, 'D')}")
    assert "Live sessions" not in timetable_text(COHORT, course, [gone])

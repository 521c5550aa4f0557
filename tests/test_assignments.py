"""Assignments as tables: when a hand-in is on time, late or refused; what it must give;
what staff are shown. And the store: who, week, when, where, reviewed, and nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.assignments import Submission, feedback_dm, hand_in, hand_in_is_late, listing
from bot.catalog import default_prompts_dir
from bot.course_file import load_course
from bot.errors import InvalidInput, NotAllowed
from bot.localtime import zone
from bot.participation import Learner
from bot.timetable import course_calendar
from bot.vocabulary import DISCORD
from tests.helpers import NOW

COURSE, _ = load_course(default_prompts_dir() / "safe-workplace.yaml")
assert COURSE is not None
CALENDAR = course_calendar(COURSE, COURSE.start, zone(COURSE.timezone))
WEEK_2 = CALENDAR.week(2)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("now", "late"),
    [
        (WEEK_2.opens, False),
        (WEEK_2.closes - SECOND, False),
        (WEEK_2.closes, True),
        (CALENDAR.ends + timedelta(days=3), True),
        (CALENDAR.consultation_ends - SECOND, True),
    ],
)
def test_a_hand_in_is_on_time_until_the_week_closes_then_late(now, late):
    assert hand_in_is_late(CALENDAR, 2, now) is late


@pytest.mark.parametrize(
    ("now", "phrase"),
    [
        (CALENDAR.consultation_ends, "closed with the consultation period"),
        (WEEK_2.opens - SECOND, "Week 2 has not opened yet"),
    ],
)
def test_a_hand_in_is_refused_before_the_week_and_after_the_consultation(now, phrase):
    with pytest.raises(NotAllowed, match=phrase):
        hand_in_is_late(CALENDAR, 2, now)


@pytest.mark.parametrize(
    ("link", "note", "given"),
    [
        (" https://x.org/a ", "", ("https://x.org/a", None)),
        ("", " My note ", (None, "My note")),
        ("https://x.org/a", "n", ("https://x.org/a", "n")),
    ],
)
def test_a_hand_in_gives_a_link_or_a_note(link, note, given):
    assert hand_in(link, note, DISCORD) == given


@pytest.mark.parametrize(("link", "note"), [("", "  "), (None, None), ("ftp://x.org/a", "n")])
def test_a_hand_in_without_either_or_with_a_non_https_link_is_refused(link, note):
    with pytest.raises(InvalidInput):
        hand_in(link, note, DISCORD)


def submission(user_id: int, late: bool = False, reviewed: bool = False) -> Submission:
    return Submission(
        1, user_id, 2, NOW, late, 500, 600 + user_id,
        9 if reviewed else None, NOW if reviewed else None,
    )  # fmt: skip


def links(submissions: list[Submission]) -> dict[int, str]:
    return {
        s.user_id: f"https://discord.com/channels/7/{s.channel_id}/{s.message_id}"
        for s in submissions
    }


def test_the_listing_shows_who_handed_in_late_or_reviewed_and_who_not():
    people = [Learner(1, "Amara"), Learner(2, "bao"), Learner(3, "Carmen *x*")]
    handed = [submission(2, late=True), submission(1, reviewed=True)]
    text = listing(2, people, handed, links(handed))
    lines = text.splitlines()
    assert lines[0] == "**Week 2**: 2 handed in, 1 not yet."
    assert lines[1].startswith("• Amara — <t:") and lines[1].endswith(
        "reviewed ✅: https://discord.com/channels/7/500/601"
    )
    assert lines[2].endswith("late, not reviewed: https://discord.com/channels/7/500/602")
    assert lines[3] == "**Not handed in (1):** Carmen *x*"  # a file: as typed, no backslashes


@pytest.mark.parametrize("room", [400, 2000])
def test_a_listing_in_a_message_always_shows_the_count_and_who_did_not_hand_in(room):
    people = [Learner(n, f"Learner {n:04}") for n in range(1, 1001)]
    handed = [submission(n) for n in range(1, 501)]
    text = listing(2, people, handed, links(handed), room=room)
    lines = text.splitlines()
    assert len(text) <= room
    assert lines[0] == "**Week 2**: 500 handed in, 500 not yet."
    assert lines[-2].endswith("more hand-ins: see the file")
    assert lines[-1].startswith("**Not handed in (500):** Learner 0501, ")
    assert lines[-1].endswith("more")
    small = [Learner(1, "Amara"), Learner(2, "Bao")]
    one = [submission(1)]
    assert listing(2, small, one, links(one), room=room) == listing(2, small, one, links(one))


def test_feedback_names_the_week_and_the_hand_in():
    text = feedback_dm("Course", 2, "Well done.", "https://discord.com/channels/7/500/601")
    assert "week 2 assignment for **Course** has been reviewed" in text
    assert "Well done." in text and text.endswith("/601")


async def test_the_store_keeps_where_and_when_and_review_never_the_work(store, cohort_id):
    at = datetime(2026, 10, 21, tzinfo=UTC)
    first = Submission(cohort_id, 11, 2, at, False, 500, 601)
    await store.assignments.record(first)
    assert await store.assignments.review(cohort_id, 11, 2, 9, at + timedelta(days=1))
    reviewed = await store.assignments.get(cohort_id, 11, 2)
    assert reviewed is not None and reviewed.reviewed and reviewed.reviewed_by == 9
    again = Submission(cohort_id, 11, 2, at + timedelta(days=2), True, 500, 602)
    await store.assignments.record(again)  # handed in again: awaits review again
    assert await store.assignments.for_week(cohort_id, 2) == [again]
    assert not await store.assignments.review(cohort_id, 12, 2, 9, at)  # nothing to review
    assert await store.assignments.thread(cohort_id, 11) is None
    await store.assignments.set_thread(cohort_id, 11, 500)
    assert await store.assignments.thread(cohort_id, 11) == 500
    counts = await store.participation.counts(cohort_id, week=2)
    assert counts.handed_in == {(11, 2): True}
    assert await store.participation.purge_cohort(cohort_id) >= 2
    assert await store.assignments.get(cohort_id, 11, 2) is None
    assert await store.assignments.thread(cohort_id, 11) is None

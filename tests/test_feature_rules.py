"""The product rules both adapters share (bot/features, bot/*.py), tested with neither
platform: each was once written in cogs/ and bot/slack/ (or in one of them only)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import InvalidInput
from bot.features.participation import ParticipationFeature
from bot.library import CourseLibrary

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
# The de-escalation course (four weeks), its cohort "Fall 2026" from 13 Oct 2026 (conftest).
IN_WEEK_TWO = datetime(2026, 10, 21, 12, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        raise AssertionError("a rule never waits")


@pytest.fixture
def library() -> CourseLibrary:
    loaded = CourseLibrary(PROMPTS)
    loaded.reload()
    return loaded


async def nothing() -> None:
    return None


def participation(store, library, now=IN_WEEK_TWO) -> ParticipationFeature:
    return ParticipationFeature(None, store, library, Clock(now), nothing)  # type: ignore[arg-type]


# -- which week ------------------------------------------------------------------------------


@pytest.mark.parametrize("week", [0, 5, 52])
def test_a_week_the_course_does_not_have_is_refused(cohort, library, week):
    with pytest.raises(InvalidInput, match=f"Fall 2026's course has weeks 1 to 4, not {week}."):
        cohort.require_week(library.get(cohort.course_id), week)


@pytest.mark.parametrize("week", [1, 4])
def test_a_week_of_the_course_is_taken(cohort, library, week):
    cohort.require_week(library.get(cohort.course_id), week)


@pytest.mark.parametrize(
    ("now", "asked", "shown"),
    [
        (IN_WEEK_TWO, None, 2),  # the week in progress
        (datetime(2026, 9, 1, tzinfo=UTC), None, 1),  # before the start: the first
        (datetime(2027, 3, 1, tzinfo=UTC), None, 4),  # after the end: the last
        (IN_WEEK_TWO, 3, 3),  # the week named
    ],
)
def test_the_week_a_summary_shows(store, cohort, library, now, asked, shown):
    assert participation(store, library, now).week_to_show(cohort, asked) == shown


def test_a_summary_of_week_zero_is_refused_not_a_summary_of_every_week(store, cohort, library):
    with pytest.raises(InvalidInput, match="weeks 1 to 4, not 0"):
        participation(store, library).week_to_show(cohort, 0)

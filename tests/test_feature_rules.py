"""The product rules both adapters share (bot/features, bot/*.py), tested with neither
platform: each was once written in cogs/ and bot/slack/ (or in one of them only)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import AsyncMock

import pytest

from bot.certificate import Certificate
from bot.cohort import Cohort, DeliveryState
from bot.errors import InvalidInput, UserError
from bot.features.modules import ModulePosts
from bot.features.participation import ParticipationFeature, set_reminders
from bot.features.platform import Sent
from bot.library import CourseLibrary
from bot.participation import Learner

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


class People:
    """The little of a platform the rules ask: who the cohort's learners are."""

    def __init__(self, *learners: Learner) -> None:
        self.all = list(learners)

    async def learners(self, cohort: Cohort) -> list[Learner]:
        return self.all

    async def people(self, cohort: Cohort, user_ids: list[int]) -> list[Learner]:
        return [p for p in self.all if p.user_id in user_ids]


def participation(store, library, now=IN_WEEK_TWO, platform=None) -> ParticipationFeature:
    return ParticipationFeature(platform, store, library, Clock(now), nothing)  # type: ignore[arg-type]


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


# -- export, nudges by hand -------------------------------------------------------------------


async def test_the_export_names_each_learners_certificate_on_every_platform(store, cohort, library):
    """Slack's export left the certificate columns empty (it never asked for them)."""
    platform = People(Learner(7, "Ana", "<@7>"), Learner(8, "Ben", "<@8>"))
    issued = Certificate(
        "K7QX4-M2ZPA", cohort.id, 8, "Ben B.", "De-escalation", IN_WEEK_TWO.date(),
        IN_WEEK_TWO.date(), None, "Dr. X", IN_WEEK_TWO, issued_by=99,
    )  # fmt: skip
    await store.certificates.issue(issued, lambda: "UNUSED")
    csv, said = await participation(store, library, platform=platform).export(cohort)
    rows = {line.split(",")[1]: line for line in csv.splitlines()[1:]}
    assert rows["8"].endswith(",K7QX4-M2ZPA,yes") and rows["7"].endswith(",,")
    assert said == "Participation in Fall 2026: 2 learners, 0 completed."


async def test_nudging_by_hand_before_the_course_starts_is_refused(store, cohort, library):
    before = participation(store, library, datetime(2026, 9, 1, tzinfo=UTC), People())
    with pytest.raises(InvalidInput, match="Fall 2026 has no week in progress to nudge about"):
        await before.nudge_now(cohort)


# -- /module post now ---------------------------------------------------------------------------


class Runner:
    """The delivery runner as /module post sees it: what it sent now, and sent again."""

    def __init__(self, now: Sent | None) -> None:
        self.now, self.again = now, 0

    async def deliver_now(self, cohort: Cohort, key: str) -> Sent | None:
        assert key == "module:2"
        return self.now

    async def send_again(self, cohort: Cohort, key: str) -> Sent:
        self.again += 1
        return Sent(5, 6)


class Links(People):
    async def link(self, cohort: Cohort, channel_id: int | None, message_id: int | None) -> str:
        return f"<{channel_id}/{message_id}>"


def delivered(state: DeliveryState) -> SimpleNamespace:
    row = SimpleNamespace(state=state, channel_id=3, message_id=4, note="Missing Access")
    return SimpleNamespace(deliveries=SimpleNamespace(get=AsyncMock(return_value=row)))


@pytest.mark.parametrize(
    ("sent_now", "state", "repost", "said", "again"),
    [
        (Sent(1, 2), None, False, "Posted week 2: <1/2>", 0),  # due or not, posted now
        (None, DeliveryState.DONE, False, "Week 2 is already posted: <3/4>. REPOST", 0),
        (None, DeliveryState.DONE, True, "Posted week 2: <5/6>", 1),  # again, on purpose
        (None, DeliveryState.SKIPPED, False, "Posted week 2: <5/6>", 1),  # e.g. while paused
    ],
)
async def test_a_week_posted_by_hand_is_posted_once_unless_asked_again(
    cohort, library, sent_now, state, repost, said, again
):
    runner = Runner(sent_now)
    posts = ModulePosts(Links(), delivered(state), library)  # type: ignore[arg-type]
    assert await posts.post_now(runner, cohort, 2, repost, "REPOST") == said  # type: ignore[arg-type]
    assert runner.again == again


async def test_a_week_that_failed_to_post_by_hand_says_why_and_is_not_sent_again(cohort, library):
    runner = Runner(None)
    posts = ModulePosts(Links(), delivered(DeliveryState.PENDING), library)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="I could not post week 2: Missing Access"):
        await posts.post_now(runner, cohort, 2, True, "REPOST")  # type: ignore[arg-type]
    assert runner.again == 0


# -- /reminders ----------------------------------------------------------------------------------


async def test_reminders_off_and_on_again_say_how_to_undo(store):
    clock = Clock(IN_WEEK_TWO)
    off = await set_reminders(store, clock, 7, False)
    assert 7 in await store.participation.reminders_off()
    assert off == (
        "Done: no more nudges, and no session reminders unless you press **Remind me**. "
        "`/reminders on` turns them back on."
    )
    assert await set_reminders(store, clock, 7, True) == "Nudges and reminders are on again."
    assert 7 not in await store.participation.reminders_off()

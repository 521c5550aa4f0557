"""Slack's people lookups are remembered briefly (``bot.slack.directory``): a report over
200 learners costs one ``users.info`` per person and one ``usergroups.users.list`` per group,
and someone taken out of the staff group loses staff rights at once when Slack says so, and
within ``CACHE_FOR`` when it does not."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.slack.directory import CACHE_FOR, Directory
from tests.slack_helpers import BEFORE, ManualClock, SlackWorld
from tests.slack_standin import SlackStandin, standard_workspace

LEARNERS = 200
INFO, MEMBERS = "users.info", "usergroups.users.list"


@pytest.fixture
async def big(tmp_path) -> AsyncIterator[SlackWorld]:
    clock = ManualClock(BEFORE)
    workspace = standard_workspace(learners=LEARNERS, clock=lambda: clock.now().timestamp())
    async with SlackStandin(workspace) as slack:
        world = SlackWorld(slack, tmp_path / "cohortbot.sqlite3", clock)
        await world.start()
        await world.appoint_staff()
        assert await world.create_cohort(instructors="cohort-staff") == {}
        yield world
        await world.bot.close()


def lookups(sworld: SlackWorld) -> dict[str, int]:
    return {method: sworld.slack.count(method) for method in (INFO, MEMBERS)}


async def test_a_report_over_200_learners_asks_slack_once_per_person_and_group(big: SlackWorld):
    instructor = big.slack.person("instructor")
    big.clock.at += CACHE_FOR * 2  # nothing remembered from creating the cohort
    before = lookups(big)
    summary = await instructor.command("/participation", 'summary "Fall 2026" 1')
    assert "200 learners" in summary["text"] or "learner200" in summary["text"], summary
    first = {m: n - before[m] for m, n in lookups(big).items()}
    people = LEARNERS + 1  # the learners and the instructor who asked
    assert first[INFO] <= people, first  # was 2 × 200: standing, then the name
    assert first[MEMBERS] <= 3, first  # staff, learners, instructors: was 2 × 200 + 1
    await instructor.command("/participation", 'summary "Fall 2026" 1')
    again = {m: n - before[m] - first[m] for m, n in lookups(big).items()}
    assert again == {INFO: 0, MEMBERS: 0}  # within the window: nothing asked again
    big.clock.at += CACHE_FOR
    await instructor.command("/participation", 'summary "Fall 2026" 1')
    later = {m: n - before[m] - first[m] for m, n in lookups(big).items()}
    assert later == first  # after the window: asked afresh, the same few calls


async def test_taken_out_of_staff_loses_staff_rights_when_slack_says_so(sworld: SlackWorld):
    await sworld.create_cohort()
    instructor = sworld.slack.person("instructor")
    listed = await instructor.command("/cohort", "list")
    assert "Fall 2026" in listed["text"], listed
    await sworld.slack.set_usergroup("cohort-staff", [])  # subteam_members_changed
    refused = await instructor.command("/cohort", "list")
    assert refused["text"] == "Only course staff can do that.", refused
    reload = await instructor.command("/course", "reload")
    assert reload["text"] == "Only course staff can do that.", reload


async def test_taken_out_of_staff_silently_loses_staff_rights_within_the_window(
    sworld: SlackWorld,
):
    await sworld.create_cohort()
    instructor = sworld.slack.person("instructor")
    assert "Fall 2026" in (await instructor.command("/cohort", "list"))["text"]
    await sworld.slack.set_usergroup("cohort-staff", [], tell=False)  # no event came
    sworld.clock.at += CACHE_FOR - timedelta(seconds=1)
    stale = await instructor.command("/cohort", "list")
    assert "Fall 2026" in stale["text"], stale  # the window documented in the README
    sworld.clock.at += timedelta(seconds=1)
    refused = await instructor.command("/cohort", "list")
    assert refused["text"] == "Only course staff can do that.", refused


async def test_an_admin_demoted_loses_staff_rights_when_slack_says_so(sworld: SlackWorld):
    admin = sworld.slack.person("admin")
    assert "Fall 2026" not in (await admin.command("/cohort", "list"))["text"]
    await sworld.slack.change_user("admin", is_admin=False)  # user_change
    refused = await admin.command("/cohort", "list")
    assert refused["text"] == "Only course staff can do that.", refused


class Groups:
    """A Web API client that answers ``usergroups.users.list`` and counts the calls."""

    def __init__(self) -> None:
        self.members = {"S1": ["U1", "U2"]}
        self.calls = 0
        self.during: Callable[[], None] | None = None  # an event while Slack answers

    async def usergroups_users_list(self, usergroup: str) -> dict[str, list[str]]:
        self.calls += 1
        answer = {"users": list(self.members[usergroup])}
        if self.during is not None:
            self.during()
        return answer


async def test_an_answer_is_kept_for_the_window_and_not_when_the_clock_goes_back():
    clock = ManualClock(BEFORE)
    client = Groups()
    directory = Directory(client, clock)  # type: ignore[arg-type]
    assert await directory.members("S1") == ("U1", "U2")
    for moved in (timedelta(0), CACHE_FOR - timedelta(microseconds=1)):
        clock.at = BEFORE + moved
        await directory.members("S1")
    assert client.calls == 1
    for moved in (CACHE_FOR, -timedelta(seconds=1)):  # the window over; a clock set back
        clock.at = BEFORE + moved
        await directory.members("S1")
    assert client.calls == 3


async def test_an_answer_that_crossed_an_event_is_not_kept():
    clock = ManualClock(BEFORE)
    client = Groups()
    directory = Directory(client, clock)  # type: ignore[arg-type]
    client.during = lambda: directory.forget_group("S1")  # removed while Slack answered
    await directory.members("S1")
    client.during = None
    client.members["S1"] = ["U1"]
    assert await directory.members("S1") == ("U1",)
    assert client.calls == 2

"""Both platforms in one process, on one database: each posts its own cohorts' weeks, once.

The Discord bot runs on SimCord (``world``), the Slack app on the stand-in, on the same
database file and the same clock. Each runner claims only its platform's cohorts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cohort import DeliveryState, PlatformName
from bot.errors import NotAllowed
from bot.slack.app import SlackBot
from tests.helpers import World, dms, other_cohorts_instructor, refusals, week_threads
from tests.scenarios import WEDNESDAY_2, admin, editable_course
from tests.slack_helpers import START, WEEK_POSTS, SlackWorld
from tests.slack_standin import SlackStandin, standard_workspace


@asynccontextmanager
async def both_platforms(world: World) -> AsyncIterator[SlackWorld]:
    """The Slack app beside the Discord bot, as ``cohortbot run`` with both tokens builds
    them: one database, one clock, one scheduler, one course library; staff appointed."""
    workspace = standard_workspace(clock=lambda: world.clock.now().timestamp())
    async with SlackStandin(workspace) as slack:
        sworld = SlackWorld(slack, world.database, world.clock)  # type: ignore[arg-type]
        sworld.bot = SlackBot(
            sworld.settings(),
            database=world.database,
            clock=world.clock,
            scheduled=False,
            dm_pace=0,
            beside=world.bot.wakeups,  # its jobs in the Discord bot's scheduler
            courses=world.bot.courses,  # and one course library, as `cohortbot run` builds them
        )
        await sworld.bot.start()
        try:
            await sworld.appoint_staff()
            yield sworld
        finally:
            await sworld.bot.close()


async def test_discord_and_slack_share_one_database_and_each_posts_its_own_weeks(world: World):
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    async with both_platforms(world) as sworld:
        assert await sworld.create_cohort() == {}
        for instant in WEEK_POSTS[:2]:
            await world.advance_to(instant + timedelta(seconds=1))
            # Both runners look at the database, as their shared scheduler's wake-ups
            # make them (run here by hand: SimCord's virtual time moves only timers the
            # Discord bot set itself, and the Slack side's rebuilds come from this test).
            await sworld.bot.deliveries.run_due()
            await world.bot.deliveries.run_due()

        assert {k: len(v) for k, v in week_threads(world).items()} == {"Week 1": 1, "Week 2": 1}
        assert [len(sworld.titled(f"Week {n}")) for n in (1, 2, 3)] == [1, 1, 0]
        store = sworld.bot.store
        cohorts = {c.platform: c for c in await store.cohorts.all()}
        assert set(cohorts) == {PlatformName.DISCORD, PlatformName.SLACK}
        runners = {
            PlatformName.DISCORD: world.bot.deliveries.instance,
            PlatformName.SLACK: sworld.bot.deliveries.instance,
        }
        slack_channel = cohorts[PlatformName.SLACK].channel_id
        assert slack_channel not in world.bot.tracker._followed  # Discord counts its own
        jobs = {job.name for job in world.bot.wakeups.scheduler.get_jobs()}
        assert jobs == {"deliveries", "slack"}  # one scheduler holds both runners' wake-ups
        for platform, cohort in cohorts.items():
            for key in ("module:1", "module:2"):
                row = await store.deliveries.get(cohort.id, key)
                assert (row.state, row.claimed_by) == ("done", runners[platform]), key


async def test_two_runners_share_one_scheduler_without_touching_each_others_jobs():
    from bot.features.scheduler import WakeUps
    from tests.slack_helpers import ManualClock

    clock = ManualClock(datetime(2026, 10, 12, tzinfo=UTC))

    async def wake() -> None:
        return None

    discord_side = WakeUps(clock, wake)
    discord_side.start()
    slack_side = discord_side.beside(wake, "slack")
    at = [datetime(2026, 10, 13, 16 + n, tzinfo=UTC) for n in range(4)]
    discord_side.replace_all([("1:module:1", at[0])])
    slack_side.replace_all([("2:module:1", at[1]), ("2:nudge:1", at[2])])
    discord_side.replace_all([("1:module:2", at[3])])  # rebuilt: only its own jobs change
    slack_side.replace_all([("2:nudge:1", at[2])])
    jobs = {job.id: job.next_run_time for job in discord_side.scheduler.get_jobs()}
    assert sorted(jobs.values()) == [at[2], at[3]]
    assert sorted(jobs) == [f"slack:wake:{at[2].isoformat()}", f"wake:{at[3].isoformat()}"]
    slack_side.shutdown()  # Slack stops: Discord's scheduler runs on with its own jobs
    assert [job.next_run_time for job in discord_side.scheduler.get_jobs()] == [at[3]]
    assert discord_side.scheduler.running
    discord_side.shutdown()


def edit(course: Path) -> None:
    """Week 2 renamed and moved from Tuesday 09:00 to Wednesday 10:00."""
    course.write_text(
        course.read_text()
        .replace("weekly_post: Tuesday 09:00", "weekly_post: Wednesday 10:00")
        .replace("title: Building Welcoming Library Experiences", "title: Welcome, Edited")
    )


async def two_cohorts(world: World, sworld: SlackWorld) -> None:
    await world.create_cohort(start=START)
    assert await sworld.create_cohort() == {}
    await world.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))  # week 1 is out on both
    await sworld.bot.deliveries.run_due()
    await world.bot.deliveries.run_due()


async def assert_both_replanned(world: World, sworld: SlackWorld) -> None:
    """Each platform's cohort has week 2 at the new time, its instructor was told on its own
    platform, and at that time each platform posts the new week 2, once."""
    store = sworld.bot.store
    cohorts = {c.platform: c for c in await store.cohorts.all()}
    for cohort in cohorts.values():
        row = await store.deliveries.get(cohort.id, "module:2")
        assert (row.state, row.due) == (DeliveryState.PENDING, WEDNESDAY_2), cohort.platform
    ws = sworld.slack.workspace
    slack_told = [m.text for m in ws.dms(ws.user_named("instructor"))]
    assert any("The course file `de-escalation` changed" in t for t in slack_told), slack_told
    discord_told = [m.content for m in dms(world, world.server.instructor)]
    assert any("The course file `de-escalation` changed" in t for t in discord_told)
    for instant in (WEEK_POSTS[1] + timedelta(minutes=1), WEDNESDAY_2 + timedelta(minutes=1)):
        await world.advance_to(instant)
        await sworld.bot.deliveries.run_due()
        await world.bot.deliveries.run_due()
    assert [m.text for m in sworld.titled("Week 2")] == ["Week 2: Welcome, Edited"]
    assert [t.name for t in week_threads(world)["Week 2"]] == ["Week 2: Welcome, Edited"]


@pytest.mark.parametrize("reload_on", [PlatformName.DISCORD, PlatformName.SLACK])
async def test_a_course_reloaded_on_one_platform_is_followed_on_both(
    world: World, tmp_path: Path, reload_on: PlatformName
):
    course = editable_course(world, tmp_path)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    async with both_platforms(world) as sworld:
        assert sworld.bot.library is world.bot.library  # one library in the process
        await two_cohorts(world, sworld)
        edit(course)
        if reload_on is PlatformName.DISCORD:
            answer = (await admin(world).slash(world.server.staff, "course reload")).response
            text = str(answer.content)
        else:
            text = (await sworld.slack.person("instructor").command("/course", "reload"))["text"]
        assert "Re-planned 2 running cohorts" in text, text
        preview = await sworld.slack.person("instructor").command(
            "/module", 'preview "Fall 2026" 2'
        )
        assert "Welcome, Edited" in str(preview), preview
        await assert_both_replanned(world, sworld)


async def test_cohortbot_run_with_both_tokens_gives_slack_the_discord_bots_courses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The wiring the test above assumes: one library, one scheduler, and Slack's election
    able to stop the Discord bot, from `cohortbot run` itself (the platforms not reached)."""
    from bot import cli
    from bot.slack import launch

    built: dict[str, object] = {}

    def run_slack(settings, alongside=None, **beside: object) -> int:
        built.update(beside, alongside=alongside)
        return 0

    monkeypatch.setattr(launch, "run_slack", run_slack)
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "DISCORD_TOKEN": "discord-token",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "DATABASE_PATH": str(tmp_path / "cohortbot.sqlite3"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PROMPTS_DIR", raising=False)
    await asyncio.to_thread(cli.main, ["run"])  # it runs its own event loop
    bot = built["stop_alongside"].__self__  # type: ignore[attr-defined]
    assert built["courses"] is bot.courses and built["beside"] is bot.wakeups
    assert callable(built["alongside"])


async def test_a_refused_reload_on_either_platform_changes_neither(world: World, tmp_path: Path):
    """Learners, outsiders and another cohort's instructor, on Discord and on Slack: refused
    privately; no platform's cohort is re-planned, the courses in force stay as they were."""
    course = editable_course(world, tmp_path)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    async with both_platforms(world) as sworld:
        ws = sworld.slack.workspace
        teacher = ws.add_user("teacher_b")
        ws.add_usergroup("spring-instructors", [teacher])
        ws.add_channel("spring", [teacher])
        await two_cohorts(world, sworld)
        created = await sworld.create_cohort(
            "Spring 2027", channel="spring", instructors="spring-instructors"
        )
        assert created == {}
        rival = await other_cohorts_instructor(world)
        store = sworld.bot.store
        before = {c.id: await store.deliveries.for_cohort(c.id) for c in await store.cohorts.all()}
        edit(course)
        server = world.server
        for who in (server.learners[0], server.outsider, rival):
            tried = await who.slash(server.staff, "course reload")
            assert tried.ephemeral
        assert [type(e) for e in refusals(world)] == [NotAllowed] * 3
        for who in ("learner1", "outsider", "teacher_b"):
            refused = await sworld.slack.person(who).command("/course", "reload")
            assert refused["text"] == "Only course staff can do that.", (who, refused)
            assert refused.get("response_type") != "in_channel"
        after = {c.id: await store.deliveries.for_cohort(c.id) for c in await store.cohorts.all()}
        assert after == before and len(after) == 4
        assert world.bot.library.get("de-escalation").post_weekday == 1  # still Tuesday
        told = [m.text for m in ws.dms(ws.user_named("instructor"))]
        assert not any("changed" in t for t in told), told
        assert not [m for m in dms(world, server.instructor) if "changed" in m.content]

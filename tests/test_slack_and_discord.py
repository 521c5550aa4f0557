"""Both platforms in one process, on one database: each posts its own cohorts' weeks, once.

The Discord bot runs on SimCord (``world``), the Slack app on the stand-in, on the same
database file and the same clock. Each runner claims only its platform's cohorts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cohort import PlatformName
from bot.slack.app import SlackBot
from tests.helpers import World, week_threads
from tests.slack_helpers import START, WEEK_POSTS, SlackWorld
from tests.slack_standin import SlackStandin, standard_workspace


async def test_discord_and_slack_share_one_database_and_each_posts_its_own_weeks(world: World):
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
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
        )
        await sworld.bot.start()
        try:
            await sworld.appoint_staff()
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
        finally:
            await sworld.bot.close()


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

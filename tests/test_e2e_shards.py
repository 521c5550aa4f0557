"""More than one process, each over some of the shards, on one database (issue #16 §2).

SimCord runs one bot at a time, so the processes take turns on one world of
four guilds, one per shard: what a process does while the other is down shows
what it does and does not touch; racing runners show the claims hold anyway.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import discord
import pytest
import simcord

from bot.app.client import CohortBot, make_bot
from bot.app.sandbox import CourseServer, SimClock, build_course_server
from bot.cohort import DeliveryState
from bot.shards import Shards, guild_shard
from bot.store import Store
from bot.timetable import ItemKind
from tests.helpers import PROMPTS, World, dms, forum_posts, second_runner

COUNT = 4
FIRST = Shards(COUNT, (0, 1))  # SHARD_IDS=0,1 of SHARD_COUNT=4
SECOND = Shards(COUNT, (2, 3))  # SHARD_IDS=2,3
START = date(2026, 10, 13)
WEEK_POSTS = [datetime(2026, 10, 13, 16, tzinfo=UTC), datetime(2026, 10, 20, 16, tzinfo=UTC)]
WEDNESDAY_2 = datetime(2026, 10, 21, 17, tzinfo=UTC)  # week 2 at Wednesday 10:00 PDT


def process(database: Path, clock: SimClock, served: Shards, **options: object) -> CohortBot:
    """What ``cohortbot run`` starts with SHARD_COUNT and SHARD_IDS set."""
    options.setdefault("prompts_dir", PROMPTS)
    return make_bot(database=database, clock=clock, served=served, **options)


@pytest.fixture
async def simcord_bot(tmp_path, sim_clock):
    """The first process to start (conftest's fixture, sharded)."""
    return process(tmp_path / "cohortbot.sqlite3", sim_clock, FIRST)


@dataclass
class Fleet:
    """Processes taking turns on one database and one world of four guilds, one per shard."""

    env: simcord.Env
    clock: SimClock
    database: Path
    bot: CohortBot
    servers: list[CourseServer] = field(default_factory=list)  # servers[n] is in shard n
    instances: dict[str, Shards] = field(default_factory=dict)  # claim owner -> its shards

    async def advance_to(self, instant: datetime) -> None:
        await self.world(0).advance_to(instant)

    def world(self, shard: int) -> World:
        return World(self.env, self.bot, self.servers[shard], self.clock, self.database)

    async def switch_to(self, served: Shards, **options: object) -> CohortBot:
        """This process stops; a process over ``served`` starts on the same database."""
        old, self.bot = self.bot, process(self.database, self.clock, served, **options)
        await self.env.restart_bot(self.bot)
        await old.release()
        self.instances[self.bot.deliveries.instance] = served
        return self.bot

    async def start_cohort(self, shard: int) -> int:
        world = self.world(shard)
        await world.server.appoint_staff()
        answer = await world.create_cohort(start=START)
        assert "Created Fall 2026" in answer.response.content, answer.response.content
        cohort = await self.bot.store.cohorts.by_name(world.server.guild.id, "Fall 2026")
        assert cohort is not None
        return cohort.id

    def weeks_posted(self, shard: int) -> list[str]:
        names = [t.name or "" for t in forum_posts(self.world(shard))]
        return sorted(name.split(":")[0] for name in names if name.startswith("Week "))

    async def woken_for(self) -> set[int]:
        """The cohorts this process has wake-ups for: the rows its scheduler was built from,
        whose instants are exactly the scheduler's jobs (one per instant)."""
        bot = self.bot
        rows = await bot.deliveries.wakeups()
        now = self.clock.now()
        held = {job.next_run_time for job in bot.wakeups.scheduler.get_jobs()}
        assert held == {max(when, now) for _, when in rows}
        return {int(row_id.split(":")[0]) for row_id, _ in rows}


@pytest.fixture
async def fleet(simcord_env, simcord_bot, sim_clock):
    sim_clock.attach(simcord_env)
    fleet = Fleet(simcord_env, sim_clock, simcord_bot.database, simcord_bot)
    fleet.instances[simcord_bot.deliveries.instance] = FIRST
    fleet.servers = [build_course_server(simcord_env, 2, shard_id=n) for n in range(COUNT)]
    yield fleet
    await fleet.bot.release()


def test_simcord_places_guilds_where_discords_rule_says(fleet: Fleet):
    assert [guild_shard(s.guild.id, COUNT) for s in fleet.servers] == [0, 1, 2, 3]
    assert [FIRST.owns_guild(s.guild.id) for s in fleet.servers] == [True, True, False, False]


async def test_each_guilds_cohort_is_posted_once_by_the_process_of_its_shard(fleet: Fleet):
    await fleet.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    cohorts = {n: await fleet.start_cohort(n) for n in FIRST.ids}
    assert await fleet.woken_for() == {cohorts[0], cohorts[1]}

    await fleet.switch_to(SECOND)
    cohorts |= {n: await fleet.start_cohort(n) for n in SECOND.ids}
    assert await fleet.woken_for() == {cohorts[2], cohorts[3]}  # not the first process's cohorts

    # Week 1 comes while the first process is down: this one posts only its own guilds'.
    await fleet.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    assert [fleet.weeks_posted(n) for n in range(COUNT)] == [[], [], ["Week 1"], ["Week 1"]]

    await fleet.switch_to(FIRST)  # it comes back and catches up, late, its own guilds only
    assert await fleet.woken_for() == {cohorts[0], cohorts[1]}
    assert [fleet.weeks_posted(n) for n in range(COUNT)] == [["Week 1"]] * COUNT

    await fleet.advance_to(WEEK_POSTS[1] + timedelta(hours=1))
    await fleet.switch_to(SECOND)
    await fleet.advance_to(WEEK_POSTS[1] + timedelta(hours=2))

    assert [fleet.weeks_posted(n) for n in range(COUNT)] == [["Week 1", "Week 2"]] * COUNT
    for shard, cohort_id in cohorts.items():
        posts = [
            d
            for d in await fleet.bot.store.deliveries.for_cohort(cohort_id)
            if d.kind == ItemKind.MODULE and d.state is DeliveryState.DONE
        ]
        assert [d.key for d in posts] == ["module:1", "module:2"]
        assert all(
            fleet.instances[d.claimed_by].owns_guild(fleet.servers[shard].guild.id) for d in posts
        )


async def test_racing_runners_post_once_and_never_outside_their_shards(fleet: Fleet):
    """At every wake-up the process of shards 0,1 races one (misconfigured) of shards 1,2,3:
    shard 1's weeks are raced for and posted once; shard 0's are never the rival's."""
    await fleet.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    bot = fleet.bot
    cohorts = {n: await fleet.start_cohort(n) for n in FIRST.ids}
    store = await Store.open(fleet.database)
    rival = second_runner(bot, store, Shards(COUNT, (1, 2, 3)))

    async def both_wake() -> None:
        await asyncio.gather(bot.deliveries.run_due(), rival.run_due())

    bot.wakeups.wake = both_wake
    try:
        await fleet.advance_to(WEEK_POSTS[1] + timedelta(hours=1))
        rows = {n: await store.deliveries.for_cohort(cohorts[n]) for n in FIRST.ids}
    finally:
        await store.close()

    assert [fleet.weeks_posted(n) for n in range(COUNT)] == [["Week 1", "Week 2"]] * 2 + [[]] * 2
    done = {n: {d.claimed_by for d in rows[n] if d.state is DeliveryState.DONE} for n in rows}
    assert done[0] == {bot.deliveries.instance}  # shard 0 is not the rival's
    assert done[1] <= {bot.deliveries.instance, rival.instance}


def command_syncs(env: simcord.Env) -> int:
    return sum(1 for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands"))


async def test_a_process_counts_participation_only_in_its_shards_guilds(fleet: Fleet, caplog):
    await fleet.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    cohorts = {n: await fleet.start_cohort(n) for n in FIRST.ids}
    await fleet.switch_to(SECOND)
    cohorts[2] = await fleet.start_cohort(2)
    await fleet.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    learner = fleet.servers[2].learners[0]
    await fleet.world(2).server.forum_post(learner, "Hello", "My first post")
    await fleet.switch_to(SECOND)  # a restart reads the followed channels' history again

    assert "is gone" not in caplog.text  # it does not look for other processes' channels
    counted = await fleet.bot.store.participation.counts(cohorts[2])
    assert {user for user, _ in counted.by_learner_week} == {learner.id}


async def test_course_reload_replans_only_the_cohorts_of_the_process_that_heard_it(
    fleet: Fleet, tmp_path: Path
):
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS, prompts)
    course = prompts / "de-escalation.yaml"
    await fleet.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    first = await fleet.start_cohort(0)
    await fleet.switch_to(SECOND, prompts_dir=prompts)
    second = await fleet.start_cohort(2)
    await fleet.switch_to(FIRST, prompts_dir=prompts)
    course.write_text(
        course.read_text().replace("weekly_post: Tuesday 09:00", "weekly_post: Wednesday 10:00")
    )

    answer = await fleet.servers[0].admin.slash(fleet.servers[0].staff, "course reload")

    assert "Re-planned 1 running cohorts" in answer.response.content
    store = fleet.bot.store
    assert (await store.deliveries.get(first, "module:2")).due == WEDNESDAY_2
    assert (await store.deliveries.get(second, "module:2")).due == WEEK_POSTS[1]  # not its own
    await fleet.switch_to(SECOND, prompts_dir=prompts)
    answer = await fleet.servers[2].admin.slash(fleet.servers[2].staff, "course reload")
    assert (await fleet.bot.store.deliveries.get(second, "module:2")).due == WEDNESDAY_2
    told = [m.content for m in dms(fleet.world(2), fleet.servers[2].instructor)]
    assert sum("re-planned" in text for text in told) == 1


async def test_only_the_process_of_shard_0_syncs_the_commands(fleet: Fleet):
    assert command_syncs(fleet.env) == 1  # the first start, on an empty database
    await fleet.switch_to(SECOND, force_sync=True)  # even when told to: not shard 0's process
    assert command_syncs(fleet.env) == 1
    await fleet.switch_to(FIRST, force_sync=True)
    assert command_syncs(fleet.env) == 2


def test_without_shard_settings_the_bot_is_the_plain_one(tmp_path):
    plain = make_bot(database=tmp_path / "a.sqlite3")
    sharded = make_bot(database=tmp_path / "b.sqlite3", served=FIRST)
    assert not isinstance(plain, discord.AutoShardedClient) and plain.served is None
    assert isinstance(sharded, discord.AutoShardedClient)
    assert (sharded.shard_count, sharded.shard_ids, sharded.served) == (4, [0, 1], FIRST)

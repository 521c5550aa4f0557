"""The Slack adapter end to end: the real slack-bolt app on the stand-in, as people use it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.cohort import CLAIM_LEASE, DeliveryState, PlatformName
from bot.features.deliveries import DeliveryRunner
from bot.slack.ids import ts_id
from bot.store import Store
from tests.slack_helpers import WEEK_POSTS, ManualClock, SlackWorld
from tests.slack_standin import SlackStandin, standard_workspace

BEFORE = datetime(2026, 10, 12, tzinfo=UTC)


@pytest.fixture
async def sworld(tmp_path) -> AsyncIterator[SlackWorld]:
    clock = ManualClock(BEFORE)
    workspace = standard_workspace(clock=lambda: clock.now().timestamp())
    async with SlackStandin(workspace) as slack:
        world = SlackWorld(slack, tmp_path / "cohortbot.sqlite3", clock)
        await world.start()
        await world.appoint_staff()
        yield world
        await world.bot.close()


async def test_a_cohort_created_in_a_modal_gets_each_week_posted_once(sworld: SlackWorld):
    assert await sworld.create_cohort() == {}
    cohort = await sworld.cohort()
    assert cohort.platform == PlatformName.SLACK
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(minutes=5))
    (week1,) = sworld.titled("Week 1")
    assert week1.metadata == {
        "event_type": "cohortbot_post",
        "event_payload": {"marker": f"cohort {cohort.id} · module:1"},
    }
    assert week1.blocks[0]["type"] == "header" and week1.thread_ts is None  # top level
    row = await sworld.bot.store.deliveries.get(cohort.id, "module:1")
    assert row.state == DeliveryState.DONE and row.message_id == ts_id(
        week1.ts, week1_channel(sworld)
    )
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(seconds=1))
    assert [len(sworld.titled(f"Week {n}")) for n in (1, 2, 3)] == [1, 1, 0]


def week1_channel(sworld: SlackWorld) -> str:
    return sworld.slack.workspace.channel_named("cohort").id


async def test_killed_between_claim_and_send_restarts_with_no_gap_and_no_duplicate(
    sworld: SlackWorld,
):
    await sworld.create_cohort()
    cohort = await sworld.cohort()
    sworld.clock.at = WEEK_POSTS[0]
    ghost = await Store.open(sworld.database)  # a process claims week 1 and dies
    assert await ghost.deliveries.claim(cohort.id, "module:1", "ghost", sworld.clock.now())
    await ghost.close()

    await sworld.restart()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=5))
    assert sworld.titled("Week 1") == []  # the claim is fresh: it might still be sending
    await sworld.advance_to(WEEK_POSTS[0] + CLAIM_LEASE + timedelta(seconds=1))
    assert len(sworld.titled("Week 1")) == 1


async def test_killed_between_send_and_record_finds_its_post_by_metadata(sworld: SlackWorld):
    await sworld.create_cohort()
    cohort = await sworld.cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    (posted,) = sworld.titled("Week 1")
    await sworld.forget_it_was_sent(cohort.id, "module:1")

    await sworld.restart()
    await sworld.advance_to(WEEK_POSTS[0] + CLAIM_LEASE + timedelta(seconds=2))

    assert len(sworld.titled("Week 1")) == 1
    row = await sworld.bot.store.deliveries.get(cohort.id, "module:1")
    assert (row.state, row.message_id) == ("done", ts_id(posted.ts, week1_channel(sworld)))
    history = [c for c in sworld.slack.calls if c[0] == "conversations.history"]
    assert any(args.get("include_all_metadata") in (True, "true", "1", 1) for _, args in history)


async def test_two_processes_on_one_database_post_each_week_once(sworld: SlackWorld):
    await sworld.create_cohort()
    bot = sworld.bot
    other_store = await Store.open(sworld.database)
    other = DeliveryRunner(
        other_store,
        bot.clock,
        bot.library,
        ready=bot._ready,
        report=bot.platform.tell_instructors,
        rebuild=bot.reschedule,
        errors=bot.platform,
        platform=PlatformName.SLACK,
    )
    for kind, (handler, find) in bot.deliveries._handlers.items():
        other.handle(kind, handler, find)
    for instant in WEEK_POSTS:
        sworld.clock.at = instant + timedelta(seconds=1)
        await asyncio.gather(bot.deliveries.run_due(), other.run_due())
    await other_store.close()
    assert [len(sworld.titled(f"Week {n}")) for n in (1, 2, 3)] == [1, 1, 1]

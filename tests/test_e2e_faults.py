"""Faults on weekly posts, raised the way discord.py raises them once its own retries are spent.

Nothing lost (a failed post stays pending and is retried with backoff, then
reported), nothing doubled, and the instructor told what is wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cohort import MAX_ATTEMPTS
from tests.helpers import World, dms
from tests.test_e2e_cohorts import START, WEEK_POSTS, cohort_id, week_threads


async def start_course(world: World) -> None:
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)


def forum_threads_path(world: World) -> str:
    return f"/channels/{world.server.forum.id}/threads"


async def test_a_rate_limit_on_a_weekly_post_is_retried_and_posted_once(world: World):
    await start_course(world)
    world.env.inject_error(
        "POST", forum_threads_path(world), status=429, message="You are being rate limited."
    )
    await world.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    assert week_threads(world) == {}
    (told,) = [m.content for m in dms(world, world.server.instructor)]
    assert "rate-limiting" in told and "retry" in told

    await world.advance_to(WEEK_POSTS[0] + timedelta(minutes=1))

    assert {k: len(v) for k, v in week_threads(world).items()} == {"Week 1": 1}


async def test_a_forum_that_refuses_the_bot_names_the_permission_and_posts_once_fixed(world: World):
    await start_course(world)
    world.env.inject_error(
        "POST",
        forum_threads_path(world),
        status=403,
        code=50013,
        message="Missing Permissions",
        times=2,
    )
    await world.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    (told,) = [m.content for m in dms(world, world.server.instructor)]
    assert world.server.forum.mention in told and "**Send Messages**" in told
    row = await world.bot.store.deliveries.get(await cohort_id(world), "module:1")
    assert row.state == "pending" and "Send Messages" in row.note

    await world.advance_to(WEEK_POSTS[0] + timedelta(minutes=5))  # two refusals, then fixed

    assert {k: len(v) for k, v in week_threads(world).items()} == {"Week 1": 1}


async def test_permissions_taken_away_after_creation_are_named_from_the_bots_own_view(world: World):
    await start_course(world)
    world.server.deny_bot(world.server.forum, "embed_links")
    await world.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    (told,) = [m.content for m in dms(world, world.server.instructor)]
    assert "I am missing **Embed Links**" in told
    assert week_threads(world) == {}


async def test_a_post_that_keeps_failing_is_given_up_and_reported_never_doubled(world: World):
    await start_course(world)
    world.env.inject_error("POST", forum_threads_path(world), status=500, times=None)
    await world.advance_to(WEEK_POSTS[0] + timedelta(hours=2))

    row = await world.bot.store.deliveries.get(await cohort_id(world), "module:1")
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    messages = [m.content for m in dms(world, world.server.instructor)]
    assert len(messages) == 2  # the first failure, then giving up
    assert "gave up" in messages[1] and "/module post" in messages[1]
    assert week_threads(world) == {}
    show = await world.server.instructor.slash(
        world.server.staff, "cohort show", cohort="Fall 2026"
    )
    assert "❌" in show.response.embeds[0].description

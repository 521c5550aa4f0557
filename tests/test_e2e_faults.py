"""Faults on weekly posts, raised the way discord.py raises them once its own retries are spent.

Nothing lost (a failed post stays pending and is retried with backoff, then
reported), nothing doubled, and the instructor told what is wrong.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta

from bot.cohort import MAX_ATTEMPTS, DeliveryState
from tests.helpers import PROMPTS, START, WEEK_POSTS, World, cohort_id, dms, week_threads


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


async def test_a_stale_claim_of_a_cohort_whose_course_file_is_gone_holds_up_no_other_cohort(
    world: World, tmp_path
):
    """A course file renamed or removed while a process died holding one of its posts:
    that cohort's items fail and are reported; every other cohort's posts still go out."""
    server = world.server
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=date(2026, 10, 13))
    other_forum = server.guild.create_forum_channel("safety-forum")
    await world.create_cohort(
        course="safe-workplace", start=date(2026, 10, 13), name="Safety", forum=other_forum
    )
    await world.advance_to(datetime(2026, 10, 13, 17, tzinfo=UTC))  # both week 1 posts are out
    fall, safety = await world.bot.store.cohorts.all()
    await world.forget_it_was_sent(fall.id, "module:1")  # died holding Fall's week 1

    only_safety = tmp_path / "prompts"
    only_safety.mkdir()
    shutil.copy(world.prompts / "safe-workplace.yaml", only_safety)
    world.prompts = only_safety
    await world.restart()
    for day in range(14, 21):  # a week of looking again, now and then
        await world.advance_to(datetime(2026, 10, day, 17, tzinfo=UTC))  # Safety's week 2: 20th

    week_2 = await world.bot.store.deliveries.get(safety.id, "module:2")
    assert week_2.state == DeliveryState.DONE
    assert len([t for t in other_forum.threads if t.name.startswith("Week 2")]) == 1
    held = await world.bot.store.deliveries.get(fall.id, "module:1")
    assert held.state == DeliveryState.CLAIMED  # never sent again blindly

    world.prompts = PROMPTS  # the file is back: Fall's week 1 is found, not posted twice
    await world.restart()
    await world.advance_to(datetime(2026, 10, 20, 19, tzinfo=UTC))
    held = await world.bot.store.deliveries.get(fall.id, "module:1")
    assert held.state == DeliveryState.DONE
    week_1 = [t for t in server.forum.threads if t.name.startswith("Week 1")]
    assert len(week_1) == 1


async def test_a_stale_claim_in_a_channel_it_cannot_read_is_looked_at_now_and_then(world: World):
    """Read Message History taken away while a process died holding a post: the bot looks
    for the post at most hourly (not in a tight loop) and posts nothing blindly."""
    server = world.server
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    cid = await cohort_id(world)
    await world.forget_it_was_sent(cid, "module:1")
    server.deny_bot(server.forum, "read_message_history")
    requests = len(world.env.http_requests)

    await world.restart()
    await world.advance_to(WEEK_POSTS[0] + timedelta(hours=6))

    looks = [r for r in world.env.http_requests[requests:] if r.method == "GET"]
    assert len(looks) < 60, len(looks)
    held = await world.bot.store.deliveries.get(cid, "module:1")
    assert held.state == DeliveryState.CLAIMED
    assert len(week_threads(world)["Week 1"]) == 1

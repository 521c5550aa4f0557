"""A week met in more than one way, end to end: the de-escalation sample lets a learner meet
a week by the discussion, a live session (or its recording, confirmed with "Watched it"), or
the assignment; reports, the CSV and /progress say which."""

from __future__ import annotations

from datetime import timedelta

import simcord

from tests.helpers import WEEK_POSTS, World, bot_posts, dms, other_cohorts_instructor, refusals
from tests.scenarios import (
    COHORT,
    LIVE_1,
    add_recording,
    announced,
    exported,
    line_of,
    posts_for,
    summary_lines,
    take_part,
)


def recording_post(world: World) -> object:
    (post,) = [m for m in bot_posts(world.server.announcements) if "rec/1" in m.content]
    return post


async def test_watching_the_recording_meets_the_week_and_the_button_outlives_a_restart(
    world: World,
):
    await announced(world)  # week 2 is open, with live-1 in it
    amara, bao, carmen = world.server.learners[:3]
    await world.advance_to(LIVE_1 + timedelta(minutes=1))
    (starting,) = posts_for(world, "starting:live-1")
    await bao.click(starting, label="Check in")
    await take_part(world, carmen, 2, posts=1, replies=2)
    await world.advance_to(LIVE_1 + timedelta(hours=3))
    await add_recording(world, url="https://example.org/rec/1")
    post = recording_post(world)
    assert [c.label for row in post.components for c in row.children] == ["Watched it"]

    await world.restart()
    pressed = await amara.click(post, label="Watched it")
    assert pressed.ephemeral and "counts as attending" in pressed.response.content
    again = await amara.click(post, label="Watched it")
    assert "already" in again.response.content

    lines = await summary_lines(world, 2)
    assert line_of(lines, "Amara").endswith("(met by recording)")
    assert line_of(lines, "Bao").endswith("(met by live session)")
    assert line_of(lines, "Carmen").endswith("(met by discussion)")
    assert "Met week 2 by: discussion 1, live session 1, recording 1" in lines
    rows = {row["display_name"]: row for row in await exported(world)}
    assert [rows[n]["week2_met_by"] for n in ("Amara", "Bao", "Carmen")] == [
        "recording",
        "session",
        "discussion",
    ]
    progress = await amara.slash(world.server.staff, "progress")
    assert "✅ Week 2: 0 posts, 0 replies (met by recording)" in (
        progress.response.embeds[0].description.splitlines()
    )
    await world.advance_to(WEEK_POSTS[2] + timedelta(minutes=1))  # week 2 closes: the digest
    (digest,) = [
        m.content
        for m in dms(world, world.server.instructor)
        if "Weekly digest, week 2" in m.content
    ]
    assert "Met week 2 by: discussion 1, live session 1, recording 1" in digest.splitlines()


async def test_only_the_cohorts_learners_can_say_they_watched(world: World):
    await announced(world)
    other = await other_cohorts_instructor(world)
    await add_recording(world, url="https://example.org/rec/1")
    post = recording_post(world)
    for who in (world.server.outsider, other, world.server.instructor):
        refused = await who.click(post, label="Watched it")
        assert refused.ephemeral and "for learners of Fall 2026" in refused.response.content
    assert refusals(world) == []  # a button's refusal is its answer, not an error
    async with world.bot.store.db.execute("SELECT COUNT(*) FROM recording_views") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_a_course_without_recordings_standing_in_has_no_watched_button(
    world: World, tmp_path
):
    sample = (world.prompts / "de-escalation.yaml").read_text()
    (tmp_path / "de-escalation.yaml").write_text(sample.replace("  recording: yes\n", ""))
    world.prompts = tmp_path
    await world.restart()
    await announced(world)
    await add_recording(world, url="https://example.org/rec/1")
    assert recording_post(world).components == []


async def test_the_module_post_and_nudges_say_every_way_to_meet_the_week(world: World):
    await announced(world)
    week_2 = next(t for t in world.server.forum.threads if (t.name or "").startswith("Week 2"))
    (first, *_) = bot_posts(week_2)
    text = first.embeds[0].description
    assert (
        "**How participation counts:** To complete this week, take part in the discussion" in text
    )
    assert "**or** check in to the week's live session or watch its recording" in text
    assert "**or** hand in the assignment." in text
    await world.server.instructor.slash(world.server.staff, "participation nudge", cohort=COHORT)
    amara = world.server.learners[0]
    channel = world.env.backend.get_dm_channel(amara.id)
    dms = bot_posts(simcord.ChannelHandle(world.env, None, channel))
    (nudge,) = [m for m in dms if "week 2 closes" in m.content]
    assert "— or check in to the live session (or watch its recording)" in nudge.content
    assert "— or hand in the assignment." in nudge.content

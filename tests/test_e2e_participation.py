"""Participation end to end: counted without message content, reported, exported, nudged, erased."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot.errors import NotAllowed
from tests.helpers import World, dms, refusals
from tests.test_e2e_cohorts import START, WEEK_POSTS, week_threads


async def course_in_week_1(world: World) -> None:
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_POSTS[0] + timedelta(hours=1))


async def summary(world: World, week: int = 1) -> str:
    result = await world.server.instructor.slash(
        world.server.staff, "participation summary", cohort="Fall 2026", week=week
    )
    assert result.ephemeral
    return result.response.embeds[0].description


def line_for(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if f" {name} — " in line)


async def test_posts_replies_and_threads_are_counted_and_deletes_uncounted(world: World):
    await course_in_week_1(world)
    server = world.server
    amara, bao, carmen = server.learners[:3]
    weekly = server.thread(week_threads(world)["Week 1"][0].id)

    own_thread, first = await server.forum_post(amara, "My first week", "Hello all")
    await amara.send(own_thread, "A follow-up in my own thread")  # still her own: an original
    await bao.send(own_thread, "Welcome, Amara")  # someone else's thread: a reply
    await bao.send(weekly, "My answer to the prompt")  # the bot's thread: a reply
    await carmen.send(own_thread, "Agreed", reply_to=first)  # a reply
    await server.instructor.send(own_thread, "Instructors are not counted")
    edited = await carmen.send(weekly, "Will be edited")
    await carmen.edit(edited, "Edited: changes nothing")
    doomed = await bao.send(weekly, "Will be deleted")
    await bao.delete(doomed)
    bulk = [await carmen.send(weekly, f"bulk {i}") for i in range(3)]
    world.env.backend.bulk_delete_messages(weekly.id, [m.id for m in bulk])
    await world.env.settle()

    text = await summary(world)
    assert "Amara — 2 posts, 0 replies (partial)" in line_for(text, "Amara")
    assert "Bao — 0 posts, 2 replies (partial)" in line_for(text, "Bao")
    assert "Carmen — 0 posts, 2 replies (partial)" in line_for(text, "Carmen")
    assert "Dmitri — 0 posts, 0 replies (none)" in line_for(text, "Dmitri")
    assert "Ms Rivera" not in text


async def test_meeting_the_requirement_and_excusing_a_week(world: World):
    await course_in_week_1(world)
    server = world.server
    amara, bao, carmen = server.learners[:3]
    await server.forum_post(amara, "Mine", "post")
    other, _ = await server.forum_post(bao, "Bao's", "post")
    await amara.send(other, "reply one")
    await amara.send(other, "reply two")
    excused = await server.instructor.slash(
        server.staff, "participation excuse", cohort="Fall 2026", member=carmen, week=1
    )
    assert "excused for week 1" in excused.response.content

    text = await summary(world)
    assert "✅ Amara — 1 posts, 2 replies (met)" in text
    assert "🔵 Carmen — 0 posts, 0 replies (excused)" in text
    assert "Behind this week (10):" in text and "Amara," not in text.split("Behind")[1]


async def test_missed_while_down_is_counted_once_after_restart(world: World):
    """The bot is deaf while learners post (as if down); its restart reads the history."""
    await course_in_week_1(world)
    server = world.server
    amara, bao = server.learners[:2]
    thread, _ = await server.forum_post(amara, "Before", "counted live")
    deaf = world.bot.tracker
    deaf.observe = lambda message: None  # type: ignore[method-assign]
    await bao.send(thread, "written while the bot was down")
    late_thread, _ = await server.forum_post(bao, "While down", "also missed")

    await world.restart()
    await world.restart()  # a second start finds nothing new to add

    text = await summary(world)
    assert "Amara — 1 posts, 0 replies" in line_for(text, "Amara")
    assert "Bao — 1 posts, 1 replies" in line_for(text, "Bao")
    assert late_thread.id != thread.id


async def test_the_export_matches_the_summary_and_the_chart_is_a_png(world: World):
    await course_in_week_1(world)
    server = world.server
    thread, _ = await server.forum_post(server.learners[0], "Post", "text")
    await server.learners[1].send(thread, "reply")
    result = await server.instructor.slash(server.staff, "participation export", cohort="Fall 2026")
    (attachment,) = result.response.attachments
    rows = list(csv.DictReader(io.StringIO((await attachment.read()).decode())))
    assert len(rows) == 12
    text = await summary(world)
    for row in rows:
        line = line_for(text, row["display_name"])
        assert (
            f"{row['week1_posts']} posts, {row['week1_replies']} replies ({row['week1_status']})"
            in line
        )
        assert row["completed"] == "no"
    chart = await server.instructor.slash(server.staff, "participation chart", cohort="Fall 2026")
    (png,) = chart.response.attachments
    assert (await png.read()).startswith(b"\x89PNG\r\n\x1a\n")


async def test_learners_cannot_run_instructor_commands_or_see_others(world: World):
    await course_in_week_1(world)
    server = world.server
    amara, bao = server.learners[:2]
    await server.forum_post(bao, "Bao's post", "text")
    refused = await amara.slash(server.staff, "participation summary", cohort="Fall 2026")
    assert refused.ephemeral and "instructors" in refused.response.content
    spying = await amara.slash(
        server.staff, "participation learner", cohort="Fall 2026", member=bao
    )
    assert "instructors" in spying.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed, NotAllowed]

    mine = await amara.slash(server.staff, "progress")
    assert mine.ephemeral
    assert "Amara" in mine.response.content and "Bao" not in mine.response.content
    assert (
        "Left this week (week 1): 1 post of your own and 2 replies to classmates."
        in mine.response.content
    )


async def test_nudges_reach_only_those_behind_skip_closed_dms_and_respect_opt_outs(world: World):
    await course_in_week_1(world)
    server = world.server
    done, closed, opted_out, behind = (
        server.learners[0],
        server.learners[1],
        server.learners[2],
        server.learners[3],
    )
    await server.forum_post(done, "Done", "text")
    other, _ = await server.forum_post(closed, "Other", "text")
    await done.send(other, "one")
    await done.send(other, "two")
    await opted_out.slash(server.staff, "reminders off")
    dm_channel = world.env.backend.get_dm_channel(closed.id)
    world.env.inject_error(
        "POST", f"/channels/{dm_channel.id}/messages", status=403, code=50007, times=None
    )

    await world.advance_to(WEEK_POSTS[1] - timedelta(days=2) + timedelta(minutes=1))  # nudge time

    assert dms(world, done) == [] and dms(world, opted_out) == []
    (nudge,) = dms(world, behind)
    thread_id = week_threads(world)["Week 1"][0].id
    assert f"/{thread_id}/" in nudge.content and "/reminders off" in nudge.content
    told = [m.content for m in dms(world, server.instructor)]
    assert told == ["**Fall 2026**: Week 1 nudges: 9 sent, 1 skipped (DMs closed)."]
    public = [
        m.content for ch in (server.forum, server.announcements, server.staff) for m in ch.history()
    ]
    assert not any(closed.name in text or "Bao" in text for text in public)
    # An instructor's nudge now is a new round, again only for those still behind.
    await server.forum_post(behind, "Catching up", "text")
    now = await server.instructor.slash(server.staff, "participation nudge", cohort="Fall 2026")
    assert "9 sent, 1 skipped (DMs closed)" in now.response.content
    assert len(dms(world, behind)) == 2  # still behind on replies


async def test_the_weekly_digest_reaches_the_instructor_privately(world: World):
    await course_in_week_1(world)
    await world.server.forum_post(world.server.learners[0], "Post", "text")
    await world.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))
    digest = [
        m.content for m in dms(world, world.server.instructor) if "Weekly digest" in m.content
    ]
    assert len(digest) == 1
    assert "Not posted at all (11)" in digest[0] and "Week 1" in digest[0]


async def test_mydata_shows_and_forgetme_erases_everything_from_the_file(world: World):
    await course_in_week_1(world)
    server = world.server
    amara = server.learners[0]
    await server.forum_post(amara, "Post", "a sentence only amara wrote 7f3c")
    await amara.slash(server.staff, "reminders off")
    shown = await amara.slash(server.staff, "mydata")
    assert "1 × messages you wrote" in shown.response.content
    assert "1 × your reminder choice" in shown.response.content

    asked = await amara.slash(server.staff, "forgetme")
    assert asked.ephemeral  # only Amara sees, and so only she can press, the button
    confirmed = await amara.click(asked.response.message, label="Erase my data")
    assert "erased" in confirmed.response.content

    again = await amara.slash(server.staff, "mydata")
    assert "I keep nothing about you" in again.response.content
    raw = world.database.read_bytes() + (
        world.database.with_name(world.database.name + "-wal").read_bytes()
        if world.database.with_name(world.database.name + "-wal").exists()
        else b""
    )
    assert amara.id.to_bytes(8, "big") not in raw
    assert b"7f3c" not in raw  # and no one's text was ever stored


async def test_participation_data_is_purged_on_schedule(world: World):
    await course_in_week_1(world)
    await world.server.forum_post(world.server.learners[0], "Post", "text")
    course = world.bot.library.get("de-escalation")
    cohort = (await world.bot.store.cohorts.all())[0]
    await world.advance_to(cohort.calendar(course).purges + timedelta(minutes=1))
    assert await world.bot.store.activity.active_users(cohort.id) == []

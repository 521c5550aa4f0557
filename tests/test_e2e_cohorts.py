"""Cohorts and weekly module posts, end to end on SimCord with the injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import discord
import pytest
import simcord

from bot.app.permissions import MissingPermissions
from bot.cohort import CLAIM_LEASE
from bot.errors import NotAllowed
from bot.store import Store
from tests.helpers import (
    COURSE_END,
    START,
    WEEK_POSTS,
    World,
    bot_posts,
    cohort_id,
    dms,
    footers,
    forum_posts,
    refusals,
    second_runner,
    week_threads,
)


# The 2025 course, run 52 weeks later (same weekdays), crosses the US DST end on 1 Nov 2026.
async def test_a_whole_course_posts_every_week_once_on_time_across_dst(world: World):
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    answer = await world.create_cohort(start=START)
    timetable = answer.response.embeds[0].description
    assert "Week 1: " in timetable and f"<t:{int(WEEK_POSTS[0].timestamp())}:F>" in timetable
    assert f"<t:{int(WEEK_POSTS[3].timestamp())}:F>" in timetable  # after the DST change
    assert week_threads(world) == {}

    await world.advance_to(COURSE_END + timedelta(weeks=6))

    posts = week_threads(world)
    assert sorted(posts) == ["Week 1", "Week 2", "Week 3", "Week 4"]
    forum = world.bot.get_channel(world.server.forum.id)
    for number, instant in enumerate(WEEK_POSTS, 1):
        (thread,) = posts[f"Week {number}"]
        starter = thread.history()[0]
        assert starter.created_at == instant, f"week {number} posted at {starter.created_at}"
        body = starter.embeds[0].description
        assert "Objectives" in body and "How participation counts" in body
        assert "Posted late" not in body
        tag_names = {t.name for t in forum.available_tags if t.id in thread._channel.applied_tags}
        assert tag_names == {f"Week {number}"}
    # The course's closing posts went to the announcements channel, once each.
    notices = footers(bot_posts(world.server.announcements))
    assert sum(f.endswith("· wrapup") for f in notices) == 1
    assert sum(f.endswith("· consultation") for f in notices) == 1
    # At the archive date every module thread is locked and archived.
    for number in range(1, 5):
        meta = world.server.thread(posts[f"Week {number}"][0].id)._channel.thread_metadata
        assert meta.archived and meta.locked


async def test_a_learner_cannot_create_a_cohort_and_nothing_changes(world: World):
    learner, server = world.server.learners[0], world.server
    with pytest.raises(simcord.SetupError, match="not visible"):  # hidden from learners
        await learner.slash(server.staff, "cohort create")
    world.show_staff_commands_to_everyone()  # an admin shows it to everyone: still refused
    result = await learner.slash(  # naming a role one holds as the instructor role is not enough
        server.staff,
        "cohort create",
        course="de-escalation",
        name="Mine",
        start="2026-10-13",
        forum=server.forum,
        learner_role=server.instructor_role,
        instructor_role=server.learner_role,
    )
    assert result.ephemeral
    assert "Only course staff" in result.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed]
    assert await world.bot.store.cohorts.all() == []


async def test_a_forum_the_bot_cannot_post_in_is_named_with_the_missing_permission(world: World):
    world.server.deny_bot(world.server.forum, "send_messages")
    result = await world.create_cohort(start=START)
    assert result.ephemeral
    assert "Send Messages" in result.response.content
    assert world.server.forum.mention in result.response.content
    assert [type(e) for e in refusals(world)] == [MissingPermissions]
    assert await world.bot.store.cohorts.all() == []


async def test_unknown_course_bad_date_and_unknown_zone_are_refused_clearly(world: World):
    cases = [
        ({"course": "knitting"}, "no course called 'knitting'"),
        ({"start": "13/10/2026"}, "YYYY-MM-DD"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"name": "   "}, "a cohort needs a name"),
    ]
    for options, message in cases:
        start = options.pop("start", START.isoformat())
        result = await world.server.instructor.slash(
            world.server.staff,
            "cohort create",
            course=options.pop("course", "de-escalation"),
            name=options.pop("name", "Fall 2026"),
            start=start,
            forum=world.server.forum,
            learner_role=world.server.learner_role,
            instructor_role=world.server.instructor_role,
            **options,
        )
        assert result.ephemeral and message in result.response.content
    assert len(refusals(world)) == len(cases)
    assert await world.bot.store.cohorts.all() == []


async def test_a_cohort_started_in_the_past_posts_every_week_whose_time_has_come(world: World):
    await world.advance_to(datetime(2026, 10, 28, tzinfo=UTC))  # weeks 1-3 have begun
    await world.create_cohort(start=START)
    threads = forum_posts(world)
    assert [t.name.split(":")[0] for t in threads] == ["Week 1", "Week 2", "Week 3"]
    assert all("Posted late" in t.history()[0].embeds[0].description for t in threads)


async def test_bot_down_across_week_2_posts_it_at_start_up_late_and_once(world: World):
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    world.bot.wakeups.shutdown()  # the bot goes down: nothing wakes it
    await world.advance_to(WEEK_POSTS[1] + timedelta(hours=5))
    assert sorted(week_threads(world)) == ["Week 1"]

    await world.restart()

    posts = week_threads(world)
    assert sorted(posts) == ["Week 1", "Week 2"]
    assert "Posted late" in posts["Week 2"][0].history()[0].embeds[0].description
    await world.advance_to(WEEK_POSTS[2] + timedelta(minutes=1))
    assert {k: len(v) for k, v in week_threads(world).items()} == {
        "Week 1": 1,
        "Week 2": 1,
        "Week 3": 1,
    }


async def test_killed_between_claim_and_send_restarts_with_no_gap_and_no_duplicate(world: World):
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    world.bot.wakeups.shutdown()
    await world.advance_to(WEEK_POSTS[0])
    # A process claims week 1 and dies before sending.
    ghost = await Store.open(world.database)
    assert await ghost.deliveries.claim(
        await cohort_id(world), "module:1", "ghost", world.clock.now()
    )
    await ghost.close()

    await world.restart()
    assert week_threads(world) == {}  # the claim is fresh: it might still be sending
    await world.advance_to(WEEK_POSTS[0] + CLAIM_LEASE + timedelta(seconds=1))
    assert {k: len(v) for k, v in week_threads(world).items()} == {"Week 1": 1}


async def test_killed_between_send_and_record_finds_its_post_instead_of_resending(world: World):
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    (posted,) = week_threads(world)["Week 1"]
    # The process sent the post but died before recording it: the row is still claimed.
    cid = await cohort_id(world)
    await world.forget_it_was_sent(cid, "module:1")

    await world.restart()
    await world.advance_to(WEEK_POSTS[0] + CLAIM_LEASE + timedelta(seconds=2))

    assert {k: len(v) for k, v in week_threads(world).items()} == {"Week 1": 1}
    row = await world.bot.store.deliveries.get(cid, "module:1")
    assert (row.state, row.channel_id) == ("done", posted.id)
    assert await world.bot.store.deliveries.threads(cid) == [posted.id]  # kept for the archive


async def test_two_bot_processes_on_one_database_post_each_week_once(world: World):
    """A second process: its own connection and claim identity, the same Discord handlers.

    Every wake-up runs both processes' runners at the same moment, so each
    item is raced for; the database's atomic claim must let exactly one win.
    """
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    bot = world.bot
    other_store = await Store.open(world.database)
    other = second_runner(bot, other_store)
    wins = {"this": 0, "other": 0}

    async def both_wake() -> None:
        await asyncio.gather(bot.deliveries.run_due(), other.run_due())

    bot.wakeups.wake = both_wake
    await world.create_cohort(start=START)
    await world.advance_to(COURSE_END)
    for delivery in await other_store.deliveries.for_cohort(await cohort_id(world)):
        if delivery.state == "done":
            wins["this" if delivery.claimed_by == bot.deliveries.instance else "other"] += 1
    await other_store.close()

    assert {k: len(v) for k, v in week_threads(world).items()} == {
        f"Week {n}": 1 for n in range(1, 5)
    }
    assert sum(wins.values()) >= 4


async def test_pausing_stops_posts_and_resuming_posts_what_was_missed(world: World):
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    paused = await world.server.instructor.slash(
        world.server.staff, "cohort pause", cohort="Fall 2026"
    )
    assert "paused" in paused.response.content
    await world.advance_to(WEEK_POSTS[2] + timedelta(hours=1))
    assert sorted(week_threads(world)) == ["Week 1"]

    await world.server.instructor.slash(world.server.staff, "cohort resume", cohort="Fall 2026")

    names = [t.name.split(":")[0] for t in forum_posts(world)]
    assert names == ["Week 1", "Week 2", "Week 3"]


async def test_module_preview_and_post_now_then_only_repost_posts_again(world: World):
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    instructor, staff = world.server.instructor, world.server.staff

    preview = await instructor.slash(staff, "module preview", cohort="Fall 2026", week=2)
    assert preview.ephemeral and preview.response.embeds[0].title.startswith("Week 2: ")

    first = await instructor.slash(staff, "module post", cohort="Fall 2026", week=2)
    again = await instructor.slash(staff, "module post", cohort="Fall 2026", week=2)
    assert "Posted week 2" in first.response.content
    assert "already posted" in again.response.content
    assert len(week_threads(world)["Week 2"]) == 1
    await instructor.slash(staff, "module post", cohort="Fall 2026", week=2, repost=True)
    assert len(week_threads(world)["Week 2"]) == 2
    # The scheduled moment later does not post it a third time.
    await world.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))
    assert len(week_threads(world)["Week 2"]) == 2

    world.show_staff_commands_to_everyone()
    learner_try = await world.server.learners[0].slash(
        staff, "module post", cohort="Fall 2026", week=3
    )
    assert learner_try.ephemeral and "instructors" in learner_try.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed]


async def test_a_failed_post_is_retried_with_backoff_and_the_instructor_is_told(world: World):
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    world.env.inject_error("POST", f"/channels/{world.server.forum.id}/threads", status=500)
    await world.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    assert week_threads(world) == {}
    (told,) = [m.content for m in dms(world, world.server.instructor)]
    assert "module:1" in told and "server error (HTTP 500)" in told and "retry" in told

    await world.advance_to(WEEK_POSTS[0] + timedelta(minutes=2))

    assert {k: len(v) for k, v in week_threads(world).items()} == {"Week 1": 1}
    assert len(dms(world, world.server.instructor)) == 1  # told once, not on every retry


async def test_courses_and_cohorts_autocomplete_and_list_and_show(world: World):
    instructor, staff = world.server.instructor, world.server.staff
    choices = await instructor.autocomplete(staff, "cohort create", "course", "de-esc")
    assert [c["value"] for c in choices] == ["de-escalation"]
    await world.advance_to(datetime(2026, 10, 14, tzinfo=UTC))
    await world.create_cohort(start=START)
    names = await instructor.autocomplete(staff, "cohort show", "cohort", "fall")
    assert [c["value"] for c in names] == ["Fall 2026"]

    listing = await instructor.slash(staff, "cohort list")
    assert "**Fall 2026** — de-escalation" in listing.response.content
    show = (await instructor.slash(staff, "cohort show", cohort="Fall 2026")).response.embeds[0]
    assert "✅ Week 1 module post" in show.description
    assert "• Week 2 module post" in show.description

    missing = await instructor.slash(staff, "cohort show", cohort="Spring")
    assert "no cohort called 'Spring'" in missing.response.content
    assert [type(e).__name__ for e in refusals(world)] == ["NotFound"]


async def test_ending_a_cohort_cancels_what_is_pending_but_still_archives(world: World):
    await world.advance_to(datetime(2026, 10, 14, tzinfo=UTC))
    await world.create_cohort(start=START)
    ended = await world.server.instructor.slash(
        world.server.staff, "cohort end", cohort="Fall 2026"
    )
    assert "has ended" in ended.response.content
    await world.advance_to(COURSE_END + timedelta(weeks=6))
    assert sorted(week_threads(world)) == ["Week 1"]
    meta = world.server.thread(week_threads(world)["Week 1"][0].id)._channel.thread_metadata
    assert meta.archived and meta.locked


async def test_course_reload_refuses_a_broken_file_and_keeps_the_previous_version(
    world: World, tmp_path
):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    good = (world.prompts / "de-escalation.yaml").read_text()
    (prompts / "de-escalation.yaml").write_text(good)
    world.bot.library.directory = prompts
    staff = world.server.staff
    admins = world.server.guild.create_role(
        "Admins", permissions=discord.Permissions(manage_guild=True)
    )
    admin = world.server.guild.add_member(world.env.create_user("admin"), roles=[admins])

    (prompts / "de-escalation.yaml").write_text(
        good.replace("title: De-escalation in the Library", "title: Calm Responses").replace(
            "timezone: America/Los_Angeles", "timezone: Atlantis/Capital"
        )
    )
    refused = await admin.slash(staff, "course reload")
    assert (
        "de-escalation.yaml:5: timezone 'Atlantis/Capital' is not valid" in refused.response.content
    )
    assert "previous version stays in force" in refused.response.content
    assert world.bot.library.get("de-escalation").title == "De-escalation in the Library"

    (prompts / "de-escalation.yaml").write_text(
        good.replace("title: De-escalation in the Library", "title: Calm Responses")
    )
    accepted = await admin.slash(staff, "course reload")
    assert "Loaded 1 courses: de-escalation" in accepted.response.content
    assert world.bot.library.get("de-escalation").title == "Calm Responses"

    world.show_staff_commands_to_everyone()
    learner_try = await world.server.learners[0].slash(staff, "course reload")
    assert "Manage Server" in learner_try.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed]


async def test_in_a_text_channel_each_week_is_a_message_with_its_own_thread(world: World):
    chat = world.server.guild.create_text_channel("course-chat")
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START, forum=chat)
    await world.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))

    posts = [m for m in chat.history(viewer=world.server.learners[0]) if m.embeds]
    assert [m.embeds[0].title for m in posts] == [
        "Week 1: Making Sure People Feel Heard",
        "Week 2: Building Welcoming Library Experiences",
    ]
    # Each week's discussion is a thread started on its post, named like a forum post.
    threads = {thread.id: thread.name for thread in chat.threads}
    assert [threads.get(m.id) for m in posts] == [m.embeds[0].title for m in posts]

"""A cohort's life after its weeks: the archive finds every thread it made, through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import simcord

from bot.cohort import DeliveryState
from bot.errors import NotAllowed
from tests.helpers import (
    START,
    WEEK_POSTS,
    World,
    cohort_id,
    dms,
    other_cohorts_instructor,
    refusals,
    week_threads,
)
from tests.scenarios import (
    ARCHIVED,
    WEDNESDAY_2,
    admin,
    closed,
    editable_course,
    events,
    posts_for,
    titled,
)


def auto_archive(world: World, thread: simcord.ChannelHandle) -> None:
    """Discord archives a quiet thread on its own: archived, not locked, gone from the cache."""
    world.env.backend.edit_channel(thread.id, {}, thread_metadata={"archived": True})


async def started(world: World) -> None:
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))


async def test_the_archive_locks_auto_archived_threads_and_both_threads_of_a_repost(world: World):
    await started(world)
    instructor, staff = world.server.instructor, world.server.staff
    reposted = await instructor.slash(staff, "module post", cohort="Fall 2026", week=2, repost=True)
    assert "Posted week 2" in reposted.response.content
    first, _ = week_threads(world)["Week 2"]
    (week_1,) = week_threads(world)["Week 1"]
    auto_archive(world, week_1)
    await world.advance_to(WEEK_POSTS[1] + timedelta(minutes=2))
    assert world.bot.get_channel(week_1.id) is None  # only the API knows it now
    assert closed(world, week_1) == (True, False)
    own, _ = await world.server.forum_post(world.server.learners[0], "My question", "Hello")

    await world.advance_to(ARCHIVED + timedelta(hours=1))

    threads = [t for posts in week_threads(world).values() for t in posts]
    assert len(threads) == 5  # weeks 1 to 4, and week 2 twice
    assert all(closed(world, t) == (True, True) for t in threads)
    assert closed(world, own) == (False, False)  # a learner's own post is not the bot's to lock
    cid = await cohort_id(world)
    row = await world.bot.store.deliveries.get(cid, "module:2")
    # The row still names the first post; the repost is kept beside it.
    assert (row.state, row.channel_id, row.note) == (DeliveryState.DONE, first.id, "reposted")
    assert set(await world.bot.store.deliveries.threads(cid)) == {t.id for t in threads}
    archive = await world.bot.store.deliveries.get(cid, "archive")
    assert (archive.state, archive.note) == (DeliveryState.DONE, "archived 5 threads")


async def test_a_repost_whose_record_was_lost_is_found_by_its_marker_and_locked(world: World):
    """The process reposted and died before recording the thread: the listings still show it."""
    await started(world)
    instructor, staff = world.server.instructor, world.server.staff
    await instructor.slash(staff, "module post", cohort="Fall 2026", week=2, repost=True)
    _, lost = week_threads(world)["Week 2"]
    await world.bot.store.db.execute("DELETE FROM cohort_threads WHERE thread_id = ?", (lost.id,))
    await world.bot.store.db.commit()
    auto_archive(world, lost)  # and Discord archived it meanwhile: only the archived listing has it
    # Another cohort, a week behind, in its own forum: its threads are not this archive's.
    await instructor.slash(
        staff,
        "cohort create",
        course="de-escalation",
        name="Late 2026",
        start=(START + timedelta(weeks=1)).isoformat(),
        forum=world.server.guild.create_forum_channel("late-forum"),
        learner_role=world.server.learner_role,
        instructor_role=world.server.instructor_role,
    )

    await world.advance_to(ARCHIVED + timedelta(hours=1))

    assert closed(world, lost) == (True, True)
    assert lost.id in await world.bot.store.deliveries.threads(await cohort_id(world))
    late = await world.bot.store.cohorts.by_name(world.server.guild.id, "Late 2026")
    theirs = await world.bot.store.deliveries.threads(late.id)
    assert len(theirs) >= 4  # its weeks, and (with no announcements channel) its notices
    assert lost.id not in theirs
    assert all(closed(world, world.server.thread(t)) == (False, False) for t in theirs)
    assert (await world.bot.store.deliveries.get(late.id, "archive")).state is (
        DeliveryState.PENDING
    )


async def test_only_the_cohorts_instructors_can_repost(world: World):
    await started(world)
    server, staff = world.server, world.server.staff
    other = await other_cohorts_instructor(world)
    cid = await cohort_id(world)
    before = await world.bot.store.deliveries.for_cohort(cid)
    threads = len(server.forum.threads)
    for who in (server.learners[0], server.outsider, other):
        tried = await who.slash(staff, "module post", cohort="Fall 2026", week=1, repost=True)
        assert tried.ephemeral
    assert [type(e) for e in refusals(world)] == [NotAllowed] * 3
    assert len(server.forum.threads) == threads
    assert await world.bot.store.deliveries.for_cohort(cid) == before


# -- /course reload re-plans running cohorts ------------------------------------------

LIVE_1 = datetime(2026, 10, 21, 17, tzinfo=UTC)  # 2025-10-22 10:00, 364 days on
LIVE_2_MOVED = datetime(2026, 11, 12, 18, tzinfo=UTC)  # 2025-11-13 10:00 PST, 364 days on


def told(world: World, text: str) -> list[str]:
    return [m.content for m in dms(world, world.server.instructor) if text in m.content]


async def test_reload_moves_what_is_pending_of_a_running_cohort_and_tells_the_instructor(
    world: World, tmp_path: Path
):
    course = editable_course(world, tmp_path)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_POSTS[0] + timedelta(hours=1))  # week 1 is out
    course.write_text(
        course.read_text()
        .replace("weekly_post: Tuesday 09:00", "weekly_post: Wednesday 10:00")
        .replace("lead_times: [24h, 1h]", "lead_times: [2h]")
        .replace("start: 2025-11-12 10:00", "start: 2025-11-13 10:00")
    )

    answer = await admin(world).slash(world.server.staff, "course reload")

    assert "Re-planned 1 running cohorts" in answer.response.content
    cid = await cohort_id(world)
    rows = {d.key: d for d in await world.bot.store.deliveries.for_cohort(cid)}
    assert (rows["module:1"].state, rows["module:1"].due) == (DeliveryState.DONE, WEEK_POSTS[0])
    assert (rows["module:2"].state, rows["module:2"].due) == (DeliveryState.PENDING, WEDNESDAY_2)
    assert rows["reminder:live-1:1d"].state is DeliveryState.UNPLANNED
    assert rows["reminder:live-1:2h"].due == LIVE_1 - timedelta(hours=2)
    assert rows["starting:live-2"].due == LIVE_2_MOVED
    live_2 = {s.key: s for s in await world.bot.store.cohorts.sessions(cid)}["live-2"]
    assert live_2.start == LIVE_2_MOVED
    (message,) = told(world, "re-planned")
    stamp = int(WEEK_POSTS[1].timestamp()), int(WEDNESDAY_2.timestamp())
    assert f"• Week 2 module post: <t:{stamp[0]}:F> → <t:{stamp[1]}:F>" in message
    assert "• added: Reminder: live-1 (2h before)" in message
    assert "• dropped: Reminder: live-1 (1d before)" in message
    assert "Week 1 module post" not in message  # sent: it stays as it was

    # What learners see: no week 2 at the old time; at the new one, once.
    await world.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))
    assert sorted(week_threads(world)) == ["Week 1"]
    await world.restart()  # the new plan is in the database, not only in the scheduler
    await world.advance_to(WEDNESDAY_2 + timedelta(minutes=1))
    posts = week_threads(world)
    assert {k: len(v) for k, v in posts.items()} == {"Week 1": 1, "Week 2": 1}
    assert posts["Week 2"][0].history()[0].created_at == WEDNESDAY_2


async def test_reload_of_a_broken_or_unchanged_file_moves_nothing(world: World, tmp_path: Path):
    course = editable_course(world, tmp_path)
    good = course.read_text()
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    cid = await cohort_id(world)
    before = await world.bot.store.deliveries.for_cohort(cid)
    boss = admin(world)

    course.write_text(
        good.replace("weekly_post: Tuesday 09:00", "weekly_post: Wednesday 10:00").replace(
            "timezone: America/Los_Angeles", "timezone: Atlantis/Capital"
        )
    )
    refused = await boss.slash(world.server.staff, "course reload")
    course.write_text(good)
    unchanged = await boss.slash(world.server.staff, "course reload")

    assert "previous version stays in force" in refused.response.content
    assert "Re-planned" not in refused.response.content + unchanged.response.content
    assert await world.bot.store.deliveries.for_cohort(cid) == before
    assert told(world, "re-planned") == []


async def test_only_staff_can_reload_and_a_refusal_moves_nothing(world: World, tmp_path: Path):
    course = editable_course(world, tmp_path)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    server = world.server
    other = await other_cohorts_instructor(world)
    cid = await cohort_id(world)
    before = await world.bot.store.deliveries.for_cohort(cid)
    course.write_text(
        course.read_text().replace("weekly_post: Tuesday 09:00", "weekly_post: Wednesday 10:00")
    )

    for who in (server.learners[0], server.outsider, other):
        tried = await who.slash(server.staff, "course reload")
        assert tried.ephemeral

    assert [type(e) for e in refusals(world)] == [NotAllowed] * 3
    assert await world.bot.store.deliveries.for_cohort(cid) == before
    assert world.bot.library.get("de-escalation").post_weekday == 1  # still Tuesday
    assert told(world, "re-planned") == []


async def test_reload_corrects_an_announced_session_it_moved_and_cancels_one_it_removed(
    world: World, tmp_path: Path
):
    course = editable_course(world, tmp_path)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))  # week 2 announces live-1
    (announcement,) = posts_for(world, "announce:live-1")
    text = course.read_text()
    live_2 = text[text.index("  - id: live-2") :]
    course.write_text(
        text.replace(live_2, "").replace("start: 2025-10-22 10:00", "start: 2025-10-22 12:00")
    )

    await admin(world).slash(world.server.staff, "course reload")
    await world.advance_to(world.clock.now() + timedelta(seconds=1))

    new_start = datetime(2026, 10, 21, 19, tzinfo=UTC)  # 12:00 PDT
    stamp = f"<t:{int(new_start.timestamp())}:F>"
    (updated,) = posts_for(world, "announce:live-1")
    assert updated.id == announcement.id and stamp in updated.embeds[0].description
    (notice,) = titled(world, "Moved")
    assert stamp in notice.embeds[0].description
    assert titled(world, "Cancelled") == []  # live-2 was never announced: nobody to tell
    cid = await cohort_id(world)
    sessions = {s.key: s for s in await world.bot.store.cohorts.sessions(cid)}
    assert sessions["live-2"].cancelled and sessions["live-1"].start == new_start
    rows = {d.key: d for d in await world.bot.store.deliveries.for_cohort(cid)}
    assert rows["starting:live-1"].due == new_start
    assert rows["starting:live-2"].state is DeliveryState.UNPLANNED
    assert [e.scheduled_start_time for e in events(world)] == [new_start.isoformat()]


async def test_a_post_that_failed_is_sent_by_hand_recorded_and_its_thread_kept(world: World):
    await started(world)  # weeks 1 and 2 are out
    cid = await cohort_id(world)
    await world.bot.store.db.execute(  # as if every attempt at week 3 had failed
        "UPDATE deliveries SET state = 'failed', note = 'HTTP 500' WHERE item_key = 'module:3'"
    )
    await world.bot.store.db.commit()
    await world.advance_to(WEEK_POSTS[2] + timedelta(hours=1))
    assert "Week 3" not in week_threads(world)

    sent = await world.server.instructor.slash(
        world.server.staff, "module post", cohort="Fall 2026", week=3
    )

    assert "Posted week 3" in sent.response.content
    (thread,) = week_threads(world)["Week 3"]
    assert "Posted late" not in thread.history()[0].embeds[0].description
    row = await world.bot.store.deliveries.get(cid, "module:3")
    assert (row.state, row.channel_id, row.note) == (DeliveryState.DONE, thread.id, "sent by hand")
    assert thread.id in await world.bot.store.deliveries.threads(cid)


async def test_a_file_changed_while_the_bot_was_down_is_followed_at_the_next_reload(
    world: World, tmp_path: Path
):
    course = editable_course(world, tmp_path)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    course.write_text(
        course.read_text().replace("weekly_post: Tuesday 09:00", "weekly_post: Wednesday 10:00")
    )
    await world.restart()  # the new process reads the changed file; the plan is the old one

    answer = await admin(world).slash(world.server.staff, "course reload")

    assert "Re-planned 1 running cohorts" in answer.response.content
    row = await world.bot.store.deliveries.get(await cohort_id(world), "module:2")
    assert row.due == WEDNESDAY_2
    (message,) = told(world, "re-planned")
    assert "• Week 2 module post: " in message


async def test_in_a_text_channel_the_archive_finds_each_week_thread_even_a_lost_one(world: World):
    chat = world.server.guild.create_text_channel("course-chat")
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START, forum=chat)
    await world.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))
    first, second = chat.threads
    await world.bot.store.db.execute("DELETE FROM cohort_threads WHERE thread_id = ?", (second.id,))
    await world.bot.store.db.commit()
    auto_archive(world, first)

    await world.advance_to(ARCHIVED + timedelta(hours=1))

    assert len(chat.threads) == 4
    assert all(closed(world, t) == (True, True) for t in chat.threads)
    assert second.id in await world.bot.store.deliveries.threads(await cohort_id(world))


async def test_a_running_cohorts_course_file_removed_by_mistake_stays_in_force(
    world: World, tmp_path: Path
):
    course = editable_course(world, tmp_path)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    course.rename(course.with_suffix(".yaml.bak"))  # a careless admin tidies the folder

    answer = await admin(world).slash(world.server.staff, "course reload")

    assert "de-escalation" in world.bot.library.ids()
    assert "course 'de-escalation' is gone, but cohorts follow it" in answer.response.content
    await world.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))
    assert sorted(week_threads(world)) == ["Week 1", "Week 2"]
    assert world.env.errors == []

"""Live sessions end to end: announcements, reminders across DST, buttons, events, recordings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
from icalendar import Calendar

from bot.cohort import CLAIM_LEASE
from bot.errors import NotAllowed
from bot.store import Store
from tests.helpers import World, bot_posts, dms, refusals
from tests.test_e2e_cohorts import START, cohort_id

LIVE_1 = datetime(2026, 10, 21, 17, tzinfo=UTC)  # 10:00 PDT
LIVE_2 = datetime(2026, 11, 11, 18, tzinfo=UTC)  # 10:00 PST, after the DST end


def posts_for(world: World, key: str) -> list[discord.Message]:
    return [
        m for m in bot_posts(world.server.announcements)
        if any((e.footer.text or "").endswith(f"· {key}") for e in m.embeds)
    ]  # fmt: skip


def reminder_dms(world: World, learner) -> list[str]:
    return [m.content for m in dms(world, learner) if "Reminder:" in m.content]


def events(world: World) -> dict[str, object]:
    guild = world.env.backend.get_guild(world.server.guild.id)
    return {e.name: e for e in guild.scheduled_events.values()}


async def created(world: World) -> None:
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)


async def announced(world: World) -> discord.Message:
    await created(world)
    await world.advance_to(datetime(2026, 10, 20, 16, 1, tzinfo=UTC))  # week 2 opens
    (message,) = posts_for(world, "announce:live-1")
    return message


async def test_reminders_fall_before_each_session_on_both_sides_of_the_dst_end(world: World):
    await created(world)
    await world.advance_to(LIVE_2 + timedelta(hours=2))
    expected = {
        "reminder:live-1:1d": LIVE_1 - timedelta(hours=24),
        "reminder:live-1:1h": LIVE_1 - timedelta(hours=1),
        "starting:live-1": LIVE_1,
        "reminder:live-2:1d": LIVE_2 - timedelta(hours=24),
        "reminder:live-2:1h": LIVE_2 - timedelta(hours=1),
        "starting:live-2": LIVE_2,
    }
    for key, instant in expected.items():
        (post,) = posts_for(world, key)
        assert post.created_at == instant, (key, post.created_at)
    (announcement,) = posts_for(world, "announce:live-1")
    body = announcement.embeds[0].description
    assert (
        f"<t:{int(LIVE_1.timestamp())}:F>" in body
        and "https://example.org/live/de-escalation-1" in body
    )


async def test_remind_me_dms_before_the_session_and_still_works_after_a_restart(world: World):
    message = await announced(world)
    amara, bao = world.server.learners[:2]
    pressed = await amara.click(message, label="Remind me")
    assert pressed.ephemeral and "DM you" in pressed.response.content

    await world.restart()
    after = await bao.click(message, label="Remind me")  # the button outlived the process
    assert "DM you" in after.response.content
    await world.advance_to(LIVE_1 - timedelta(hours=1) + timedelta(seconds=1))

    for learner in (amara, bao):
        reminders = reminder_dms(world, learner)
        assert len(reminders) == 2 and "Reminder: Live session 1" in reminders[0]
    assert reminder_dms(world, world.server.learners[2]) == []


async def test_add_to_calendar_gives_an_ics_with_the_right_instants(world: World):
    message = await announced(world)
    result = await world.server.learners[0].click(message, label="Add to calendar")
    (attachment,) = result.response.attachments
    calendar = Calendar.from_ical(await attachment.read())
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == LIVE_1
    assert event.decoded("dtend") == LIVE_1 + timedelta(minutes=75)
    whole = await world.server.learners[0].slash(world.server.staff, "sessions calendar")
    (file,) = whole.response.attachments
    starts = [e.decoded("dtstart") for e in Calendar.from_ical(await file.read()).walk("VEVENT")]
    assert starts == [LIVE_1, LIVE_2]


async def test_reschedule_moves_every_reminder_and_cancel_removes_them_with_a_notice(world: World):
    await created(world)
    staff, instructor = world.server.staff, world.server.instructor
    moved = await instructor.slash(
        staff, "session reschedule", cohort="Fall 2026", session="live-1", start="2026-10-22 11:00"
    )
    assert "Moved" in moved.response.content
    await instructor.slash(staff, "session cancel", cohort="Fall 2026", session="live-2")
    (notice,) = [
        m
        for m in bot_posts(world.server.announcements)
        if m.embeds and m.embeds[0].title.startswith("Cancelled")
    ]
    assert "Live session 2" in notice.embeds[0].title

    await world.advance_to(LIVE_2 + timedelta(days=1))
    new_start = datetime(2026, 10, 22, 18, tzinfo=UTC)  # 11:00 PDT
    assert posts_for(world, "reminder:live-1:1h")[0].created_at == new_start - timedelta(hours=1)
    assert posts_for(world, "starting:live-1")[0].created_at == new_start
    assert [
        posts_for(world, k) for k in ("reminder:live-2:1d", "reminder:live-2:1h", "starting:live-2")
    ] == [[], [], []]


async def test_a_restart_between_claim_and_send_gives_exactly_one_reminder(world: World):
    await created(world)
    await world.advance_to(LIVE_1 - timedelta(hours=1, minutes=5))
    world.bot.wakeups.shutdown()
    await world.advance_to(LIVE_1 - timedelta(hours=1))
    ghost = await Store.open(world.database)
    assert await ghost.deliveries.claim(
        await cohort_id(world), "reminder:live-1:1h", "ghost", world.clock.now()
    )
    await ghost.close()
    await world.restart()
    await world.advance_to(LIVE_1 - timedelta(hours=1) + CLAIM_LEASE + timedelta(seconds=1))
    assert len(posts_for(world, "reminder:live-1:1h")) == 1


async def test_no_reminder_is_ever_sent_after_its_session_started(world: World):
    await created(world)
    await world.advance_to(LIVE_1 - timedelta(hours=2))
    world.bot.wakeups.shutdown()  # down across both reminders and the start
    await world.advance_to(LIVE_1 + timedelta(minutes=80))
    await world.restart()
    assert (
        posts_for(world, "reminder:live-1:1h") == [] and posts_for(world, "starting:live-1") == []
    )
    row = await world.bot.store.deliveries.get(await cohort_id(world), "reminder:live-1:1h")
    assert row.state == "skipped"


async def test_recordings_are_posted_listed_and_their_passcode_kept_out_of_public_channels(
    world: World,
):
    message = await announced(world)
    staff, instructor, amara = world.server.staff, world.server.instructor, world.server.learners[0]
    await amara.click(message, label="Remind me")
    refused = await amara.slash(
        staff, "recording add", cohort="Fall 2026", session="live-1", url="https://x.org/r"
    )
    assert "instructors" in refused.response.content
    bad = await instructor.slash(
        staff, "recording add", cohort="Fall 2026", session="live-1", url="http://x.org/r"
    )
    assert "https" in bad.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed, type(refusals(world)[1])]

    added = await instructor.slash(
        staff,
        "recording add",
        cohort="Fall 2026",
        session="live-1",
        url="https://example.org/rec/1",
        passcode="s3cret",
        note="Slides are in the thread.",
    )
    assert "Recording posted" in added.response.content
    public = [m.content for m in world.server.announcements.history()] + [
        m.content for t in world.server.forum.threads for m in t.history()
    ]
    assert any("https://example.org/rec/1" in text for text in public)
    assert not any("s3cret" in text for text in public)
    (dm,) = [m.content for m in dms(world, amara) if "Recording" in m.content]
    assert "s3cret" in dm
    listed = await amara.slash(staff, "recordings", cohort="Fall 2026")
    assert (
        listed.ephemeral
        and "https://example.org/rec/1" in listed.response.content
        and "s3cret" in listed.response.content
    )


async def test_closed_dms_are_skipped_and_counted_for_the_instructor_only(world: World):
    message = await announced(world)
    amara, bao = world.server.learners[:2]
    for learner in (amara, bao):
        await learner.click(message, label="Remind me")
    dm_channel = world.env.backend.get_dm_channel(bao.id)
    world.env.inject_error(
        "POST", f"/channels/{dm_channel.id}/messages", status=403, code=50007, times=None
    )
    await world.advance_to(LIVE_1 - timedelta(hours=24) + timedelta(seconds=1))
    assert len(reminder_dms(world, amara)) == 1
    told = [m.content for m in dms(world, world.server.instructor)]
    assert any("1 sent, 1 skipped (DMs closed)" in t for t in told)
    public = [m.content for m in world.server.announcements.history()]
    assert not any("bao" in t.lower() for t in public)


async def test_sessions_become_discord_events_that_follow_reschedules_and_cancels(world: World):
    await announced(world)
    (name,) = events(world)
    event = events(world)[name]
    assert name == "Live session 1: Listening Under Pressure (Fall 2026)"
    assert datetime.fromisoformat(event.scheduled_start_time) == LIVE_1
    assert event.entity_metadata == {"location": "https://example.org/live/de-escalation-1"}
    await world.server.instructor.slash(
        world.server.staff,
        "session reschedule",
        cohort="Fall 2026",
        session="live-1",
        start="2026-10-21 12:00",
    )
    (moved,) = events(world).values()
    assert moved.id == event.id  # updated, not duplicated
    assert datetime.fromisoformat(moved.scheduled_start_time) == datetime(
        2026, 10, 21, 19, tzinfo=UTC
    )
    await world.server.instructor.slash(
        world.server.staff, "session cancel", cohort="Fall 2026", session="live-1"
    )
    assert events(world) == {}


async def test_check_in_is_open_only_while_the_session_runs(world: World):
    await created(world)
    await world.advance_to(LIVE_1 + timedelta(minutes=1))
    (starting,) = posts_for(world, "starting:live-1")
    amara = world.server.learners[0]
    ok = await amara.click(starting, label="Check in")
    assert "Checked in" in ok.response.content
    await world.advance_to(LIVE_1 + timedelta(minutes=90))
    late = await world.server.learners[1].click(starting, label="Check in")
    assert "only while the session is on" in late.response.content
    refusals(world)
    assert await world.bot.store.sessions.attendance(await cohort_id(world)) == {amara.id: 1}


async def test_an_added_session_is_announced_and_listed(world: World):
    await world.advance_to(datetime(2026, 10, 14, tzinfo=UTC))
    await world.create_cohort(start=START)
    added = await world.server.instructor.slash(
        world.server.staff,
        "session add",
        cohort="Fall 2026",
        title="Office hour",
        start="2026-10-15 16:00",
        duration="45m",
        url="https://example.org/office",
    )
    assert "live-3" in added.response.content
    assert len(posts_for(world, "announce:live-3")) == 1  # its week has begun: announced now
    upcoming = await world.server.learners[0].slash(world.server.staff, "sessions upcoming")
    assert (
        "Office hour" in upcoming.response.content and "Live session 2" in upcoming.response.content
    )

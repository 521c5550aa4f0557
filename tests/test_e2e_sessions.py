"""Live sessions end to end: announcements, reminders across DST, buttons, events, recordings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import discord
import simcord
from icalendar import Calendar
from simcord.backend.models.channel import Overwrite, OverwriteType

from bot.cohort import CLAIM_LEASE
from bot.errors import InvalidInput, NotAllowed
from bot.store import Store
from tests.helpers import (
    START,
    World,
    bot_posts,
    cohort_id,
    dms,
    other_cohorts_instructor,
    refusals,
)
from tests.scenarios import (
    LIVE_1,
    WEEK_2_OPENS,
    add_recording,
    announced,
    created,
    events,
    exported,
    posts_for,
    session_command,
    titled,
)

# The 2025 sample's sessions, 52 weeks later: 10:00 in Los Angeles on both sides of the DST end.
LIVE_2 = datetime(2026, 11, 11, 18, tzinfo=UTC)  # 10:00 PST, 60 minutes


def dms_containing(world: World, member: simcord.MemberActor, text: str) -> list[str]:
    return [m.content for m in dms(world, member) if text in m.content]


def hide_from_everyone(world: World, channel: simcord.ChannelHandle) -> None:
    """Make a channel members-only: @everyone may not view it; learners, staff and the bot may."""
    view = discord.Permissions(view_channel=True).value
    guild = world.env.backend.get_guild(world.server.guild.id)
    (bot_role,) = [r for r in guild.roles.values() if r.managed]
    overwrites = [Overwrite(target_id=guild.id, type=OverwriteType.ROLE, deny=view)]
    for role_id in (world.server.learner_role.id, world.server.instructor_role.id, bot_role.id):
        overwrites.append(Overwrite(target_id=role_id, type=OverwriteType.ROLE, allow=view))
    for overwrite in overwrites:
        world.env.backend.set_overwrite(channel.id, overwrite)


# -- reminders ----------------------------------------------------------------------------


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
    (day_before,) = posts_for(world, "reminder:live-2:1d")
    (hour_before,) = posts_for(world, "reminder:live-2:1h")
    assert "starts in 24 hours" in day_before.embeds[0].description
    assert "starts in 1 hour" in hour_before.embeds[0].description
    (starting,) = posts_for(world, "starting:live-2")
    assert "https://example.org/live/de-escalation-2" in starting.embeds[0].description


async def test_the_announcement_shows_both_times_as_discord_timestamps_and_the_link(world: World):
    message = await announced(world)
    assert message.created_at == WEEK_2_OPENS  # with its week's module post
    body = message.embeds[0].description
    start, end = int(LIVE_1.timestamp()), int((LIVE_1 + timedelta(minutes=75)).timestamp())
    assert f"<t:{start}:F>" in body and f"<t:{start}:R>" in body and f"<t:{end}:t>" in body
    assert "https://example.org/live/de-escalation-1" in body
    labels = [c.label for row in message.components for c in row.children]
    assert labels == ["Remind me", "Add to calendar"]


async def test_remind_me_dms_before_the_session_and_still_works_after_a_restart(world: World):
    message = await announced(world)
    amara, bao, carmen = world.server.learners[:3]
    pressed = await amara.click(message, label="Remind me")
    assert pressed.ephemeral and "DM you" in pressed.response.content
    await carmen.click(message, label="Remind me")
    undone = await carmen.click(message, label="Remind me")  # a toggle: pressed again, off
    assert "no DMs" in undone.response.content

    await world.restart()
    after = await bao.click(message, label="Remind me")  # the button outlived the process
    assert "DM you" in after.response.content
    await world.advance_to(LIVE_1 - timedelta(hours=1) + timedelta(seconds=1))

    for learner in (amara, bao):
        reminders = dms_containing(world, learner, "Reminder:")
        assert len(reminders) == 2 and "starts in 1 hour" in reminders[1]
    assert dms_containing(world, carmen, "Reminder:") == []


async def test_a_course_that_reminds_everyone_skips_those_who_opted_out(world: World, tmp_path):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    sample = (world.prompts / "de-escalation.yaml").read_text()
    (prompts / "de-escalation.yaml").write_text(sample.replace("dm: opted_in", "dm: everyone"))
    world.bot.library.directory = prompts
    world.bot.library.reload()
    amara, bao = world.server.learners[:2]
    await bao.slash(world.server.staff, "reminders off")
    await created(world)
    await world.advance_to(LIVE_1 - timedelta(hours=24) + timedelta(seconds=1))
    assert len(dms_containing(world, amara, "Reminder:")) == 1  # never pressed "Remind me"
    assert dms_containing(world, bao, "Reminder:") == []
    assert dms_containing(world, world.server.outsider, "Reminder:") == []


async def test_a_restart_between_claim_and_send_gives_exactly_one_reminder(world: World):
    message = await announced(world)
    amara = world.server.learners[0]
    await amara.click(message, label="Remind me")
    await world.advance_to(LIVE_1 - timedelta(hours=1, minutes=5))
    world.bot.wakeups.shutdown()
    await world.advance_to(LIVE_1 - timedelta(hours=1))
    ghost = await Store.open(world.database)  # another process claims it, then dies
    assert await ghost.deliveries.claim(
        await cohort_id(world), "reminder:live-1:1h", "ghost", world.clock.now()
    )
    await ghost.close()
    await world.restart()
    assert posts_for(world, "reminder:live-1:1h") == []  # a fresh claim might still be sending
    await world.advance_to(LIVE_1 - timedelta(hours=1) + CLAIM_LEASE + timedelta(seconds=1))
    assert len(posts_for(world, "reminder:live-1:1h")) == 1
    assert len(dms_containing(world, amara, "starts in")) == 2  # the day before, and this one


async def test_killed_after_posting_a_reminder_finds_it_instead_of_reminding_twice(world: World):
    message = await announced(world)
    amara = world.server.learners[0]
    await amara.click(message, label="Remind me")
    await world.advance_to(LIVE_1 - timedelta(hours=1) + timedelta(seconds=1))
    (posted,) = posts_for(world, "reminder:live-1:1h")
    # The process posted the reminder but died before recording it: the row is still claimed.
    cid = await cohort_id(world)
    await world.forget_it_was_sent(cid, "reminder:live-1:1h")
    await world.restart()
    await world.advance_to(LIVE_1 - timedelta(hours=1) + CLAIM_LEASE + timedelta(seconds=2))
    assert posts_for(world, "reminder:live-1:1h") == [posted]
    assert len(dms_containing(world, amara, "starts in 1 hour")) == 1
    row = await world.bot.store.deliveries.get(cid, "reminder:live-1:1h")
    assert (row.state, row.message_id) == ("done", posted.id)


async def test_a_reminder_retried_after_a_failure_posts_and_dms_once(world: World):
    message = await announced(world)
    amara = world.server.learners[0]
    await amara.click(message, label="Remind me")
    dm_channel = world.env.backend.get_dm_channel(amara.id)
    world.env.inject_error("POST", f"/channels/{dm_channel.id}/messages", status=500, times=1)
    await world.advance_to(LIVE_1 - timedelta(hours=24) + timedelta(minutes=10))
    assert len(posts_for(world, "reminder:live-1:1d")) == 1
    assert len(dms_containing(world, amara, "Reminder:")) == 1
    row = await world.bot.store.deliveries.get(await cohort_id(world), "reminder:live-1:1d")
    assert (row.state, row.attempts) == ("done", 2)  # failed once, then went out


async def test_no_reminder_is_ever_sent_after_its_session_started(world: World):
    await created(world)
    await world.advance_to(LIVE_1 - timedelta(hours=2))
    world.bot.wakeups.shutdown()  # down across both reminders and the start
    await world.advance_to(LIVE_1 + timedelta(minutes=80))
    await world.restart()
    assert posts_for(world, "reminder:live-1:1h") == []
    assert posts_for(world, "starting:live-1") == []
    row = await world.bot.store.deliveries.get(await cohort_id(world), "reminder:live-1:1h")
    assert row.state == "skipped"


async def test_back_after_downtime_across_two_reminders_the_nearer_one_alone_is_sent(
    world: World,
):
    message = await announced(world)
    amara = world.server.learners[0]
    await amara.click(message, label="Remind me")
    await world.advance_to(LIVE_1 - timedelta(hours=24, minutes=30))
    world.bot.wakeups.shutdown()  # down across the day-before and the hour-before reminders
    await world.advance_to(LIVE_1 - timedelta(minutes=30))
    await world.restart()
    assert posts_for(world, "reminder:live-1:1d") == []
    (reminder,) = posts_for(world, "reminder:live-1:1h")
    assert "starts in 30 minutes" in reminder.embeds[0].description
    (dm,) = dms_containing(world, amara, "Reminder:")
    assert "starts in 30 minutes" in dm
    row = await world.bot.store.deliveries.get(await cohort_id(world), "reminder:live-1:1d")
    assert (row.state, row.note) == ("skipped", "a nearer reminder replaced it")


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
    assert len(dms_containing(world, amara, "Reminder:")) == 1
    (told,) = dms_containing(world, world.server.instructor, "skipped")
    assert "1 sent, 1 skipped (DMs closed)" in told and "bao" not in told.lower()
    public = [m.content for m in world.server.announcements.history()]
    assert not any("bao" in text.lower() or "skipped" in text for text in public)


async def test_a_kick_off_added_before_week_1_is_announced_at_once_before_its_reminders(
    world: World,
):
    await created(world)  # 12 Oct; week 1 opens 13 Oct 16:00 UTC
    added_at = world.clock.now()
    await session_command(world, "add", title="Kick-off", start="2026-10-13 08:00", duration="30m")
    kick_off = datetime(2026, 10, 13, 15, tzinfo=UTC)  # 08:00 PDT, before the first module
    (announcement,) = posts_for(world, "announce:kick-off")
    assert announcement.created_at == added_at
    await world.advance_to(kick_off + timedelta(minutes=1))
    (day_before,) = posts_for(world, "reminder:kick-off:1d")
    (hour_before,) = posts_for(world, "reminder:kick-off:1h")
    assert day_before.created_at == kick_off - timedelta(days=1)
    assert hour_before.created_at == kick_off - timedelta(hours=1)
    (starting,) = posts_for(world, "starting:kick-off")
    assert announcement.id < day_before.id < hour_before.id < starting.id


async def test_a_course_files_kick_off_is_announced_when_the_cohort_is_created(
    world: World, tmp_path
):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    sample = (world.prompts / "de-escalation.yaml").read_text()
    kick_off = sample.replace("start: 2025-10-22 10:00", "start: 2025-10-13 10:00", 1)
    (prompts / "de-escalation.yaml").write_text(kick_off)
    world.bot.library.directory = prompts
    world.bot.library.reload()
    await created(world)  # 12 Oct 00:00 UTC; the kick-off is 12 Oct 10:00 PDT, 17 hours away
    created_at = world.clock.now()
    (announcement,) = posts_for(world, "announce:live-1")
    (reminder,) = titled(world, "Reminder: Live session 1")  # the day-before one, overdue: now
    assert announcement.created_at == reminder.created_at == created_at
    assert announcement.id < reminder.id
    assert "starts in 17 hours" in reminder.embeds[0].description
    assert posts_for(world, "reminder:live-1:1d") == [reminder]
    await world.advance_to(datetime(2026, 10, 12, 17, 1, tzinfo=UTC))
    assert len(titled(world, "Reminder: Live session 1")) == 2  # and the hour-before one


async def test_a_session_added_four_minutes_ahead_gets_one_reminder(world: World):
    await created(world)
    await world.advance_to(datetime(2026, 10, 20, 16, 56, tzinfo=UTC))  # 09:56 PDT, week 2
    await session_command(world, "add", title="Drop-in", start="2026-10-20 10:00", duration="30m")
    await world.advance_to(datetime(2026, 10, 20, 17, 1, tzinfo=UTC))
    (announcement,) = posts_for(world, "announce:drop-in")
    (reminder,) = titled(world, "Reminder: Drop-in")
    assert "starts in 4 minutes" in reminder.embeds[0].description
    assert announcement.id < reminder.id
    assert len(posts_for(world, "starting:drop-in")) == 1


# -- calendar files -------------------------------------------------------------------------


async def test_add_to_calendar_gives_an_ics_with_the_right_instants(world: World):
    message = await announced(world)
    result = await world.server.learners[0].click(message, label="Add to calendar")
    assert result.ephemeral
    (attachment,) = result.response.attachments
    (event,) = Calendar.from_ical(await attachment.read()).walk("VEVENT")
    assert event.decoded("dtstart") == LIVE_1
    assert event.decoded("dtend") == LIVE_1 + timedelta(minutes=75)
    assert str(event["location"]) == "https://example.org/live/de-escalation-1"

    whole = await world.server.learners[0].slash(world.server.staff, "sessions calendar")
    (file,) = whole.response.attachments
    found = Calendar.from_ical(await file.read()).walk("VEVENT")
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in found] == [
        (LIVE_1, LIVE_1 + timedelta(minutes=75)),
        (LIVE_2, LIVE_2 + timedelta(minutes=60)),
    ]


# -- instructors change sessions --------------------------------------------------------------


async def test_reschedule_moves_every_reminder_and_cancel_removes_them_with_a_notice(world: World):
    await created(world)
    moved = await session_command(world, "reschedule", session="live-1", start="2026-10-22 11:00")
    assert "Moved" in moved.response.content
    cancelled = await session_command(world, "cancel", session="live-2")
    assert "Cancelled" in cancelled.response.content
    (notice,) = titled(world, "Cancelled")
    assert "Live session 2" in notice.embeds[0].title

    await world.advance_to(LIVE_2 + timedelta(days=1))
    new_start = datetime(2026, 10, 22, 18, tzinfo=UTC)  # 11:00 PDT
    assert posts_for(world, "reminder:live-1:1d")[0].created_at == new_start - timedelta(hours=24)
    assert posts_for(world, "reminder:live-1:1h")[0].created_at == new_start - timedelta(hours=1)
    assert posts_for(world, "starting:live-1")[0].created_at == new_start
    for key in ("announce:live-2", "reminder:live-2:1d", "reminder:live-2:1h", "starting:live-2"):
        assert posts_for(world, key) == [], key


async def test_moving_an_announced_session_corrects_its_announcement_and_says_so(world: World):
    message = await announced(world)
    await session_command(world, "reschedule", session="live-1", start="2026-10-21 12:00")
    new_start = int(datetime(2026, 10, 21, 19, tzinfo=UTC).timestamp())
    (updated,) = posts_for(world, "announce:live-1")
    assert updated.id == message.id and f"<t:{new_start}:F>" in updated.embeds[0].description
    (notice,) = titled(world, "Moved")
    assert f"<t:{int(LIVE_1.timestamp())}:F>" in notice.embeds[0].description
    assert f"<t:{new_start}:F>" in notice.embeds[0].description
    result = await world.server.learners[0].click(updated, label="Add to calendar")
    (event,) = Calendar.from_ical(await result.response.attachments[0].read()).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 10, 21, 19, tzinfo=UTC)


async def test_a_move_whose_notice_a_crash_stopped_is_told_when_run_again(world: World):
    """The process saved the moved session and died before correcting the announcement and
    posting the notice; the instructor runs the same /session reschedule again: told now."""
    message = await announced(world)
    cohort = (await world.bot.store.cohorts.all())[0]
    (old,) = [s for s in await world.bot.store.cohorts.sessions(cohort.id) if s.key == "live-1"]
    new_start = datetime(2026, 10, 21, 19, tzinfo=UTC)  # 12:00 PDT
    await world.bot.store.cohorts.save_session(cohort.id, replace(old, start=new_start))
    assert titled(world, "Moved") == []

    await session_command(world, "reschedule", session="live-1", start="2026-10-21 12:00")
    (updated,) = posts_for(world, "announce:live-1")
    shown = f"<t:{int(new_start.timestamp())}:F>"
    assert updated.id == message.id and shown in updated.embeds[0].description
    (notice,) = titled(world, "Moved")
    assert shown in notice.embeds[0].description


async def test_cancelling_an_announced_session_takes_its_buttons_off_as_on_slack(world: World):
    """Its announcement says it is cancelled, without Remind me or Add to calendar (they
    stayed under it before), then a notice; moving it again brings them back."""
    message = await announced(world)
    assert [c.label for row in message.components for c in row.children] == [
        "Remind me",
        "Add to calendar",
    ]
    await session_command(world, "cancel", session="live-1")
    (updated,) = posts_for(world, "announce:live-1")
    assert updated.embeds[0].title.startswith("Cancelled") and updated.components == []
    assert len(titled(world, "Cancelled")) == 2  # the announcement, and the notice
    await session_command(world, "reschedule", session="live-1", start="2026-10-21 12:00")
    (back,) = posts_for(world, "announce:live-1")
    assert [c.label for row in back.components for c in row.children] == [
        "Remind me",
        "Add to calendar",
    ]


async def test_session_changes_refuse_learners_past_times_and_double_cancels(world: World):
    await created(world)
    learner = world.server.learners[0]
    world.show_staff_commands_to_everyone()
    tried = await learner.slash(
        world.server.staff, "session cancel", cohort="Fall 2026", session="live-1"
    )
    assert "instructors" in tried.response.content
    past = await session_command(world, "reschedule", session="live-1", start="2026-10-01 10:00")
    assert "already passed" in past.response.content
    gap = await session_command(
        world, "add", title="Spring", start="2027-03-14 02:30", duration="1h"
    )
    assert "does not exist" in gap.response.content  # the clocks skip 02:30 that night
    await session_command(world, "cancel", session="live-1")
    again = await session_command(world, "cancel", session="live-1")
    assert "already cancelled" in again.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed, *[InvalidInput] * 3]
    assert len(titled(world, "Cancelled")) == 1


async def test_an_added_session_is_announced_listed_and_autocompleted(world: World):
    await world.advance_to(datetime(2026, 10, 14, tzinfo=UTC))
    await world.create_cohort(start=START)
    added = await session_command(
        world,
        "add",
        title="Office hour",
        start="2026-10-15 16:00",
        duration="45m",
        url="https://example.org/office",
    )
    assert "`office-hour`" in added.response.content
    (announcement,) = posts_for(world, "announce:office-hour")  # its week has begun: now
    assert "https://example.org/office" in announcement.embeds[0].description
    upcoming = await world.server.learners[0].slash(world.server.staff, "sessions upcoming")
    assert "Office hour" in upcoming.response.content
    assert "Live session 2" in upcoming.response.content
    listed = await session_command(world, "list")
    assert "`office-hour`" in listed.response.content and "0 checked in" in listed.response.content
    choices = await world.server.instructor.autocomplete(
        world.server.staff, "session reschedule", "session", "office", cohort="Fall 2026"
    )
    assert [c["value"] for c in choices] == ["office-hour"]


# -- Discord scheduled events ---------------------------------------------------------------


def event_named(world: World, prefix: str):
    (event,) = [e for e in events(world) if e.name.startswith(prefix)]
    return event


async def test_sessions_are_discord_events_from_planning_that_follow_reschedules_and_cancels(
    world: World,
):
    await created(world)  # weeks before anything is announced
    assert sorted(e.name for e in events(world)) == [
        "Live session 1: Listening Under Pressure (Fall 2026)",
        "Live session 2: Putting It Into Practice (Fall 2026)",
    ]
    event = event_named(world, "Live session 1")
    assert event.entity_type == discord.EntityType.external.value
    assert datetime.fromisoformat(event.scheduled_start_time) == LIVE_1
    assert datetime.fromisoformat(event.scheduled_end_time) == LIVE_1 + timedelta(minutes=75)
    assert event.entity_metadata == {"location": "https://example.org/live/de-escalation-1"}

    await session_command(
        world, "add", title="Office hour", start="2026-10-15 16:00", duration="45m"
    )
    office = event_named(world, "Office hour")
    assert datetime.fromisoformat(office.scheduled_start_time) == datetime(
        2026, 10, 15, 23, tzinfo=UTC
    )
    assert office.entity_metadata == {"location": "See the course announcements"}
    assert office.description.startswith("Live session of Fall 2026. The join link comes in")

    await session_command(world, "reschedule", session="live-1", start="2026-10-21 12:00")
    moved = event_named(world, "Live session 1")
    assert moved.id == event.id  # updated, not duplicated
    assert datetime.fromisoformat(moved.scheduled_start_time) == datetime(
        2026, 10, 21, 19, tzinfo=UTC
    )
    await session_command(world, "cancel", session="live-1")
    assert not [e for e in events(world) if e.name.startswith("Live session 1")]
    assert len(events(world)) == 2

    await world.advance_to(WEEK_2_OPENS + timedelta(minutes=1))  # announcing makes no second one
    assert len(events(world)) == 2
    edits = [
        r for r in world.env.http_requests if r.method == "PATCH" and "scheduled-events" in r.path
    ]
    assert len(edits) == 1  # the reschedule's: an event that is right is left alone


async def test_an_event_made_but_not_recorded_before_a_crash_is_found_not_made_again(
    world: World,
):
    await created(world)
    made = {e.id for e in events(world)}
    cid = await cohort_id(world)
    # The process created the events and died before recording their ids.
    await world.bot.store.db.execute("DELETE FROM session_events WHERE cohort_id = ?", (cid,))
    await world.bot.store.db.commit()
    await world.restart()
    await session_command(world, "reschedule", session="live-2", start="2026-11-11 11:00")
    await world.advance_to(WEEK_2_OPENS + timedelta(minutes=1))
    assert {e.id for e in events(world)} == made
    assert await world.bot.store.sessions.event_id(cid, "live-1") in made
    moved = event_named(world, "Live session 2")
    assert datetime.fromisoformat(moved.scheduled_start_time) == LIVE_2 + timedelta(hours=1)


async def test_without_manage_events_sessions_are_still_announced(world: World):
    guild = world.env.backend.get_guild(world.server.guild.id)
    (bot_role,) = [r for r in guild.roles.values() if r.managed]  # the bot's integration role
    permissions = discord.Permissions(bot_role.permissions)
    permissions.manage_events = False
    world.env.backend.edit_role(guild.id, bot_role.id, {"permissions": permissions.value})
    await announced(world)
    assert events(world) == []
    assert not [r for r in world.env.http_requests if "scheduled-events" in r.path]  # not tried


# -- check-in -----------------------------------------------------------------------------


async def test_check_in_is_open_only_while_the_session_runs(world: World):
    await created(world)
    await world.advance_to(LIVE_1 + timedelta(minutes=1))
    (starting,) = posts_for(world, "starting:live-1")
    amara, bao = world.server.learners[:2]
    ok = await amara.click(starting, label="Check in")
    assert "Checked in" in ok.response.content
    twice = await amara.click(starting, label="Check in")
    assert "already checked in" in twice.response.content
    outsider = await world.server.outsider.click(starting, label="Check in")
    assert "for learners" in outsider.response.content

    await world.advance_to(LIVE_1 + timedelta(minutes=76))
    late = await bao.click(starting, label="Check in")
    assert late.ephemeral and "closed when" in late.response.content
    assert await world.bot.store.sessions.attendance(await cohort_id(world)) == {amara.id: 1}
    listed = await session_command(world, "list")
    assert "1 checked in" in listed.response.content
    # Attendance is part of participation: in the export, and in the learner's progress.
    attended = {row["user_id"]: row["sessions_attended"] for row in await exported(world)}
    assert attended[str(amara.id)] == "1" and attended[str(bao.id)] == "0"
    progress = await amara.slash(world.server.staff, "progress")
    assert "Live sessions attended: 1." in progress.response.embeds[0].description


# -- recordings -----------------------------------------------------------------------------


async def test_a_learner_cannot_add_a_recording_and_links_must_be_https(world: World):
    await announced(world)
    world.show_staff_commands_to_everyone()
    refused = await add_recording(world, world.server.learners[0], url="https://x.org/r")
    assert "instructors" in refused.response.content
    bad = await add_recording(world, url="http://x.org/r")
    assert "recording link must be an https:// link" in bad.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed, InvalidInput]
    assert await world.bot.store.sessions.recordings(await cohort_id(world)) == []


async def test_recordings_are_posted_dmed_and_listed_with_the_passcode_kept_private(world: World):
    message = await announced(world)
    amara = world.server.learners[0]
    await amara.click(message, label="Remind me")
    added = await add_recording(
        world, url="https://example.org/rec/1", passcode="s3cret", note="Slides in the thread."
    )
    assert "Recording posted" in added.response.content  # the deferred answer

    (reply,) = [m for m in bot_posts(world.server.announcements) if "rec/1" in m.content]
    assert reply.reference is not None and reply.reference.message_id == message.id
    week_2 = next(t for t in world.server.forum.threads if (t.name or "").startswith("Week 2"))
    assert any("rec/1" in m.content for m in week_2.history())
    public = [m.content for m in world.server.announcements.history()]
    public += [m.content for t in world.server.forum.threads for m in t.history()]
    assert not any("s3cret" in text for text in public)
    assert any("use `/recordings`" in text for text in public)

    (dm,) = dms_containing(world, amara, "Recording")
    assert "s3cret" in dm and "rec/1" in dm
    listed = await amara.slash(world.server.staff, "recordings", cohort="Fall 2026")
    assert listed.ephemeral and "rec/1" in listed.response.content
    assert (
        "s3cret" in listed.response.content
        and "Listening Under Pressure" in listed.response.content
    )
    stranger = await world.server.outsider.slash(
        world.server.staff, "recordings", cohort="Fall 2026"
    )
    assert "for its learners" in stranger.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed]


async def test_a_recording_note_naming_everyone_or_a_role_pings_nobody(world: World):
    """What staff typed (a recording's note) is posted in the cohort's channels as written:
    ``@everyone``, ``@here`` and a role mention in it notify no one (the client's
    ``AllowedMentions``: no everyone, no roles; each send inherits it)."""
    await announced(world)
    role = world.server.learner_role.id
    note = f"@everyone @here <@&{role}> watch this before Tuesday"
    await add_recording(world, url="https://example.org/rec/1", note=note)
    places = [world.server.announcements, *world.server.forum.threads]
    posted = [(c, m) for c in places for m in bot_posts(c) if "watch this" in m.content]
    assert len(posted) == 2  # under the announcement and in the week's thread
    for channel, message in posted:
        sent = world.env.backend.messages[channel.id][message.id]
        assert not sent.mention_everyone and sent.ping_role_ids == [], message.content
        assert not message.mention_everyone and note in message.content


async def test_a_members_only_channel_shows_the_passcode(world: World):
    hide_from_everyone(world, world.server.announcements)
    await announced(world)
    await add_recording(world, url="https://example.org/rec/1", passcode="s3cret")
    (reply,) = [m for m in bot_posts(world.server.announcements) if "rec/1" in m.content]
    assert "s3cret" in reply.content
    in_forum = [m.content for t in world.server.forum.threads for m in t.history()]
    assert any("rec/1" in text for text in in_forum)
    assert not any("s3cret" in text for text in in_forum)  # the forum is public


async def test_recordings_are_listed_until_the_cohort_is_archived(world: World):
    await announced(world)
    await add_recording(world, url="https://example.org/rec/1")
    amara = world.server.learners[0]
    course = world.bot.library.get("de-escalation")
    cohort = await world.bot.store.cohorts.get(await cohort_id(world))
    archives = cohort.calendar(course).archives
    await world.advance_to(archives - timedelta(minutes=1))
    before = await amara.slash(world.server.staff, "recordings", cohort="Fall 2026")
    assert "rec/1" in before.response.content
    await world.advance_to(archives + timedelta(minutes=1))
    after = await amara.slash(world.server.staff, "recordings", cohort="Fall 2026")
    assert "rec/1" not in after.response.content


async def test_a_recording_reaches_the_weeks_thread_after_it_left_the_cache(world: World):
    await announced(world)
    week_2 = next(t for t in world.server.forum.threads if (t.name or "").startswith("Week 2"))
    # Quiet for days, the thread is auto-archived, and Discord drops it from the bot's cache.
    world.env.backend.edit_channel(week_2.id, {}, thread_metadata={"archived": True})
    assert world.bot.get_channel(week_2.id) is None
    added = await add_recording(world, url="https://example.org/rec/1")
    assert week_2.mention in added.response.content
    assert any("rec/1" in m.content for m in week_2.history() if m.author.bot)


async def test_only_the_cohorts_instructors_change_its_sessions_events_and_recordings(
    world: World,
):
    await announced(world)
    others = [
        world.server.learners[0],
        world.server.outsider,
        await other_cohorts_instructor(world),
    ]
    cid = await cohort_id(world)
    sessions_before = await world.bot.store.cohorts.sessions(cid)
    events_before = [(e.id, e.name, e.scheduled_start_time) for e in events(world)]
    posts_before = [m.id for m in bot_posts(world.server.announcements)]
    attempts = [
        ("session add", {"title": "Mine", "start": "2026-10-23 10:00", "duration": "1h"}),
        ("session reschedule", {"session": "live-1", "start": "2026-10-23 10:00"}),
        ("session cancel", {"session": "live-2"}),
        ("recording add", {"session": "live-1", "url": "https://example.org/rec/x"}),
    ]
    for actor in others:
        for command, options in attempts:
            tried = await actor.slash(world.server.staff, command, cohort="Fall 2026", **options)
            assert tried.ephemeral and "instructors" in tried.response.content, (actor, command)
    assert [type(e) for e in refusals(world)] == [NotAllowed] * len(others) * len(attempts)
    assert await world.bot.store.cohorts.sessions(cid) == sessions_before
    assert [(e.id, e.name, e.scheduled_start_time) for e in events(world)] == events_before
    assert [m.id for m in bot_posts(world.server.announcements)] == posts_before
    assert await world.bot.store.sessions.recordings(cid) == []


async def test_a_recording_of_a_session_not_yet_announced_is_refused_privately(world: World):
    await created(world)
    refused = await add_recording(world, session="live-2", url="https://example.org/rec/2")
    assert refused.ephemeral and "has not been announced yet" in refused.response.content
    assert [type(e) for e in refusals(world)] == [InvalidInput]
    assert await world.bot.store.sessions.recordings(await cohort_id(world)) == []


async def test_outsiders_and_other_cohorts_see_none_of_a_cohorts_sessions_or_links(world: World):
    await created(world)
    other = await other_cohorts_instructor(world)  # instructs Spring 2027, not Fall 2026
    server, staff = world.server, world.server.staff
    for who in (server.outsider, other):
        for command in ("sessions upcoming", "sessions calendar", "recordings"):
            named = await who.slash(staff, command, cohort="Fall 2026")
            assert named.ephemeral and "are for its learners" in named.response.content
            assert named.response.attachments == []
    # Without a name: the outsider takes part in nothing; the other instructor sees theirs only.
    alone = await server.outsider.slash(staff, "sessions upcoming")
    assert alone.response.content == "You are not in any cohort in this server."
    theirs = await other.slash(staff, "sessions upcoming")
    assert "__Spring 2027__" in theirs.response.content
    assert "Fall 2026" not in theirs.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed] * 7
    # The session option offers a cohort's sessions to its instructors only.
    for who in (server.learners[0], server.outsider, other):
        offered = await who.autocomplete(
            staff, "session reschedule", "session", "", cohort="Fall 2026"
        )
        assert offered == [], who
    mine = await server.instructor.autocomplete(
        staff, "session reschedule", "session", "", cohort="Fall 2026"
    )
    assert [c["value"] for c in mine] == ["live-1", "live-2"]


async def test_ending_a_cohort_early_takes_its_coming_sessions_out_of_discords_events(
    world: World,
):
    await created(world)
    assert len(events(world)) == 2  # planned with the cohort

    ended = await world.server.instructor.slash(
        world.server.staff, "cohort end", cohort="Fall 2026"
    )

    assert "has ended" in ended.response.content
    assert events(world) == []  # no event for a session nobody will run
    await world.restart()  # and nothing brings them back
    await world.advance_to(WEEK_2_OPENS + timedelta(minutes=1))
    assert events(world) == []


async def test_after_the_cohort_ended_remind_me_is_refused_and_nothing_is_stored(world: World):
    message = await announced(world)
    await world.server.instructor.slash(world.server.staff, "cohort end", cohort="Fall 2026")
    amara = world.server.learners[0]

    pressed = await amara.click(message, label="Remind me")

    assert pressed.ephemeral and "has ended" in pressed.response.content
    assert await world.bot.store.sessions.rsvps(await cohort_id(world), "live-1") == []


async def test_a_session_added_by_hand_is_held_to_the_course_files_length_limit(world: World):
    await created(world)
    cid = await cohort_id(world)
    before = await world.bot.store.cohorts.sessions(cid)
    for duration, said in (("3d", "at most 1d"), ("99999999999999w", "is too long")):
        added = await session_command(
            world, "add", title="Marathon", start="2026-10-23 10:00", duration=duration
        )
        assert added.ephemeral and said in added.response.content, added.response.content
    assert [type(e) for e in refusals(world)] == [InvalidInput, InvalidInput]
    assert await world.bot.store.cohorts.sessions(cid) == before
    assert len(events(world)) == 2


async def test_a_members_only_cohort_keeps_its_join_links_out_of_the_servers_events(
    world: World,
):
    # Events are listed to every member of the server: an outsider would read the link there.
    hide_from_everyone(world, world.server.announcements)
    await created(world)
    assert len(events(world)) == 2
    for event in events(world):
        shown = f"{event.name} {event.description} {event.entity_metadata}"
        assert "https://" not in shown, shown
        assert event.entity_metadata == {"location": "See the course announcements"}

"""The Slack adapter end to end: the real slack-bolt app on the stand-in, as people use it."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from slack_sdk.http_retry import builtin_async_handlers

from bot.cohort import CLAIM_LEASE, DeliveryState, PlatformName
from bot.slack import platform as slack_platform
from bot.slack.app import SlackBot
from bot.slack.commands import STAFF_COMMANDS
from bot.slack.ids import ts_id
from bot.store import Store
from tests.slack_helpers import (
    LIVE_1,
    WEEK_POSTS,
    SlackWorld,
    announced,
    eventually,
    snapshot,
    two_cohorts,
    write_while_down,
)
from tests.slack_standin import BOT_USER_ID, Message


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


async def claimed_by_a_ghost(sworld: SlackWorld, cohort_id: int) -> None:
    """At week 1's moment another process claims its post and dies before sending it."""
    sworld.clock.at = WEEK_POSTS[0]
    ghost = await Store.open(sworld.database)
    assert await ghost.deliveries.claim(cohort_id, "module:1", "ghost", sworld.clock.now())
    await ghost.close()


async def test_killed_between_claim_and_send_restarts_with_no_gap_and_no_duplicate(
    sworld: SlackWorld,
):
    await sworld.create_cohort()
    cohort = await sworld.cohort()
    await claimed_by_a_ghost(sworld, cohort.id)

    await sworld.restart()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=5))
    assert sworld.titled("Week 1") == []  # the claim is fresh: it might still be sending
    await sworld.advance_to(WEEK_POSTS[0] + CLAIM_LEASE + timedelta(seconds=1))
    assert len(sworld.titled("Week 1")) == 1


async def test_another_apps_message_carrying_the_marker_is_not_taken_for_the_post(
    sworld: SlackWorld,
):
    """Only the bot's own message is its post: another app in the channel that copies a
    message with its metadata (or forges it) does not stop the week from being posted."""
    await sworld.create_cohort()
    cohort = await sworld.cohort()
    await claimed_by_a_ghost(sworld, cohort.id)
    ws = sworld.slack.workspace
    other = ws.add_user("relay", is_bot=True)
    copied = Message(ws.next_ts(), other.id, "Week 1", bot_id="B0RELAY")
    copied.metadata = {
        "event_type": "cohortbot_post",
        "event_payload": {"marker": f"cohort {cohort.id} · module:1"},
    }
    ws.channel_named("cohort").messages.append(copied)

    await sworld.restart()
    await sworld.advance_to(WEEK_POSTS[0] + CLAIM_LEASE + timedelta(seconds=1))

    (week1,) = sworld.titled("Week 1")
    row = await sworld.bot.store.deliveries.get(cohort.id, "module:1")
    assert row.message_id == ts_id(week1.ts, week1_channel(sworld))


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
    """Two whole SlackBots (each its own store connection, client and Socket Mode link) on
    one database and workspace, both running what is due at the same instants."""
    await sworld.create_cohort()
    bot = sworld.bot
    other = SlackBot(
        sworld.settings(), database=sworld.database, clock=sworld.clock, scheduled=False, dm_pace=0
    )
    await other.start()
    try:
        for instant in sorted([*WEEK_POSTS, NUDGE_1, NUDGE_1 + timedelta(days=7)]):
            sworld.clock.at = instant + timedelta(seconds=1)
            await asyncio.gather(bot.deliveries.run_due(), other.deliveries.run_due())
    finally:
        await other.close()
    assert [len(sworld.titled(f"Week {n}")) for n in (1, 2, 3)] == [1, 1, 1]
    ws = sworld.slack.workspace
    nudges = [
        [m for m in ws.dms(ws.user_named(f"learner{i}")) if "nudge:" in str(m.metadata)]
        for i in range(1, 5)
    ]
    assert [len(n) for n in nudges] == [2, 2, 2, 2]  # weeks 1 and 2, once each


# -- participation -------------------------------------------------------------------------------

CANARY = "CANARY-7f3e-what-a-learner-wrote"


async def counts(sworld: SlackWorld, name: str) -> tuple[int, int]:
    """(originals, replies) counted for a person in week 1."""
    cohort = await sworld.cohort()
    user = await sworld.bot.platform.number(sworld.slack.workspace.user_named(name).id)
    rows = await sworld.bot.store.participation.counts(cohort.id, week=1, users=[user])
    found = rows.by_learner_week.get((user, 1))
    return (found.originals, found.replies) if found else (0, 0)


async def test_participation_is_counted_exactly_and_its_text_is_never_kept(
    sworld: SlackWorld, caplog
):
    caplog.set_level(logging.INFO)  # the level the README recommends, for every library
    caplog.set_level(logging.DEBUG, logger="bot")  # and all of the bot's own lines
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    (week1,) = sworld.titled("Week 1")
    sworld.clock.at = WEEK_POSTS[0] + timedelta(hours=1)
    first, second = sworld.slack.person("learner1"), sworld.slack.person("learner2")
    post = await first.post("cohort", f"My thoughts {CANARY}")
    await second.reply("cohort", post, f"I agree {CANARY}")  # a reply in someone's thread
    await second.reply("cohort", week1, f"On the week's prompt {CANARY}")  # the bot's thread
    await first.reply("cohort", post, f"A follow-up in my own thread {CANARY}")
    await second.edit("cohort", post.replies[0], f"I agree, mostly {CANARY}")  # no new count
    await sworld.slack.person("instructor").post("cohort", f"Staff do not count {CANARY}")
    doomed = await second.post("cohort", f"Deleted later {CANARY}")
    await second.delete("cohort", doomed)

    assert await counts(sworld, "learner1") == (2, 0)
    assert await counts(sworld, "learner2") == (0, 2)
    assert await counts(sworld, "instructor") == (0, 0)
    await sworld.bot.close()
    assert CANARY.encode() not in sworld.database.read_bytes()
    for suffix in ("-wal", "-shm"):
        side = sworld.database.with_name(sworld.database.name + suffix)
        assert not side.exists() or CANARY.encode() not in side.read_bytes()
    assert CANARY not in caplog.text
    await sworld.start()  # the fixture closes it


async def test_what_was_written_during_downtime_is_caught_up_once(sworld: SlackWorld, caplog):
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    (week1,) = sworld.titled("Week 1")
    sworld.clock.at = WEEK_POSTS[0] + timedelta(hours=1)
    live = await sworld.slack.person("learner1").post("cohort", "live, before the downtime")
    await sworld.bot.close()
    sworld.clock.at += timedelta(hours=1)
    parent = write_while_down(sworld.slack, "learner3", f"while the bot was down {CANARY}")
    write_while_down(sworld.slack, "learner4", f"a reply while down {CANARY}", parent=parent)
    write_while_down(sworld.slack, "learner4", "on the week's post while down", parent=week1)
    write_while_down(sworld.slack, "learner2", "a reply in a thread begun live", parent=live)
    write_while_down(sworld.slack, "instructor", f"staff never count {CANARY}")
    write_while_down(sworld.slack, "instructor", "nor in a thread", parent=parent)
    live.text, live.edited_ts = f"edited while down {CANARY}", sworld.slack.workspace.next_ts()

    await sworld.start()
    await sworld.restart()  # reading it all again counts nothing twice

    assert await counts(sworld, "learner1") == (1, 0)  # the edit is the same message
    assert await counts(sworld, "learner2") == (0, 1)
    assert await counts(sworld, "learner3") == (1, 0)
    assert await counts(sworld, "learner4") == (0, 2)
    assert await counts(sworld, "instructor") == (0, 0)
    replies = [a for name, a in sworld.slack.calls if name == "conversations.replies"]
    assert replies  # threads were read after their cursors
    await sworld.bot.close()
    assert CANARY.encode() not in sworld.database.read_bytes()  # what history said, unkept
    assert CANARY not in caplog.text
    await sworld.start()  # the fixture closes it


async def test_what_was_written_while_the_connection_was_lost_is_caught_up_on_reconnect(
    sworld: SlackWorld,
):
    """The process runs on, but its Socket Mode connection was lost for longer than Slack
    redelivers events: on the new connection the history is read again."""
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    (week1,) = sworld.titled("Week 1")
    sworld.clock.at = WEEK_POSTS[0] + timedelta(hours=1)
    live = await sworld.slack.person("learner1").post("cohort", "live")
    lost = write_while_down(sworld.slack, "learner3", "its event never came")
    write_while_down(sworld.slack, "learner4", "a reply whose event never came", parent=live)
    write_while_down(sworld.slack, "learner4", "on the week's post", parent=week1)
    assert await counts(sworld, "learner3") == (0, 0)

    await sworld.slack.socket.disconnect()
    await sworld.slack.socket.wait_connections(2)
    await eventually(lambda: sworld.bot.socket_sessions >= 2)
    await sworld.bot.settle()

    assert await counts(sworld, "learner1") == (1, 0)
    assert await counts(sworld, "learner3") == (1, 0)
    assert await counts(sworld, "learner4") == (0, 2)
    await sworld.slack.person("learner3").delete("cohort", lost)  # live events still count
    assert await counts(sworld, "learner3") == (0, 0)


# -- who may do what -----------------------------------------------------------------------------


STAFF_REFUSALS = {
    "Only course staff can do that.",
    "Only Fall 2026's instructors (or course staff) can do that.",
    "Only a workspace admin sets who is course staff (`/setup`).",
}


@pytest.mark.parametrize("who", ["learner1", "outsider", "teacher_b"])
async def test_every_staff_subcommand_is_refused_privately_with_no_change(
    sworld: SlackWorld, who: str
):
    """Every subcommand of STAFF_COMMANDS (a new one is walked without editing this test), run
    on Fall 2026 by one of its learners, an outsider and Spring 2027's instructor: each is
    refused privately, and nothing changes in the database, the channels, DMs or files."""
    await two_cohorts(sworld)
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))  # a week to act on
    await sworld.slack.person("learner1").post("cohort", "a post to count")
    before = await snapshot(sworld)
    learner1 = sworld.slack.workspace.user_named("learner1").id
    person = sworld.slack.person(who)
    walked = 0
    for command, subcommands in STAFF_COMMANDS.items():
        for sub in (*subcommands, "anything"):
            text = f'{sub} "Fall 2026" <@{learner1}> 1 https://example.org/rec'
            answer = await person.command(command, text)
            assert answer.get("response_type") != "in_channel", (command, sub)
            if who != "teacher_b":  # runs no cohort: refused before anything is read
                assert answer["text"] == "Only course staff can do that.", (command, sub)
            elif (command, sub) == ("/cohort", "list"):  # their own cohorts, not Fall
                assert "Spring 2027" in answer["text"] and "Fall" not in answer["text"]
            elif sub != "anything":
                assert answer["text"] in STAFF_REFUSALS, (command, sub, answer["text"])
            walked += sub != "anything"
    assert walked == sum(len(subs) for subs in STAFF_COMMANDS.values()) >= 25
    assert await snapshot(sworld) == before
    # /setup takes a workspace admin, not course staff
    refused = await sworld.slack.person("instructor").command("/setup", "staff S0NOPE")
    assert "admin" in refused["text"]


async def test_staff_commands_a_modal_cannot_be_submitted_by_a_learner(sworld: SlackWorld):
    """The modal's submission checks who submits it, not only who opened it."""
    await sworld.slack.person("instructor").command("/cohort", "create")
    view = sworld.slack.workspace.views[-1]["view"]
    sworld.slack.workspace.views[-1]["user"] = sworld.slack.person("learner1").id
    answer = await sworld.slack.person("learner1").submit(view, {})
    assert answer["response_action"] == "errors"
    assert await sworld.bot.store.cohorts.all() == []


# -- sessions, reminders, DMs --------------------------------------------------------------------


async def test_remind_me_and_add_to_calendar_then_the_reminder_comes_by_dm_once(
    sworld: SlackWorld,
):
    announcement = await announced(sworld)
    labels = [e["text"]["text"] for e in announcement.blocks[-1]["elements"]]
    assert labels == ["Remind me", "Add to calendar"]
    body = " ".join(b["text"]["text"] for b in announcement.blocks if b["type"] == "section")
    unix = int(LIVE_1.timestamp())
    assert f"<!date^{unix}^" in body and "<t:" not in body  # each reader's own time zone
    learner, gone = sworld.slack.person("learner1"), sworld.slack.person("learner2")
    await sworld.restart()  # the buttons outlive the process that posted them
    await learner.press("cohort", announcement, "cohortbot_remind")
    await gone.press("cohort", announcement, "cohortbot_remind")
    await learner.press("cohort", announcement, "cohortbot_ics")
    (ics,) = [f for f in sworld.slack.workspace.files.values() if f["name"].endswith(".ics")]
    assert ics["content"].startswith(b"BEGIN:VCALENDAR")
    sworld.slack.workspace.user_named("learner2").deleted = True  # cannot be DMed any more

    await sworld.advance_to(LIVE_1 - timedelta(hours=1))
    await sworld.advance_to(LIVE_1 - timedelta(minutes=30))

    reminders = [m for m in sworld.slack.workspace.dms(learner.user) if m.metadata]
    assert len(reminders) == 1 and "reminder:live-1:1h" in str(reminders[0].metadata)
    cohort = await sworld.cohort()
    row = await sworld.bot.store.deliveries.get(cohort.id, "reminder:live-1:1h")
    assert row.state == "done" and "1 sent" in row.note and "1 failed" in row.note


async def test_a_learner_outside_the_cohort_cannot_check_in(sworld: SlackWorld):
    await sworld.create_cohort()
    await sworld.advance_to(LIVE_1 + timedelta(seconds=1))
    (starting,) = [m for m in sworld.posts() if m.metadata and "starting:" in str(m.metadata)]
    outsider, learner = sworld.slack.person("instructor"), sworld.slack.person("learner3")
    await sworld.restart()  # Check in outlives the process that posted it
    await outsider.press("cohort", starting, "cohortbot_checkin")
    await learner.press("cohort", starting, "cohortbot_checkin")
    cohort = await sworld.cohort()
    attended = await sworld.bot.store.sessions.attendance(cohort.id)
    assert list(attended.values()) == [1] and len(attended) == 1
    refused = sworld.slack.workspace.ephemeral_to(outsider.user)
    assert "Only learners" in refused[-1]["text"]


NUDGE_1 = WEEK_POSTS[1] - timedelta(days=2)


async def test_nudges_go_by_dm_once_and_those_who_cannot_be_dmed_are_counted(sworld: SlackWorld):
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    sworld.slack.workspace.user_named("learner4").deleted = True
    await sworld.advance_to(NUDGE_1 + timedelta(seconds=1))
    await sworld.advance_to(NUDGE_1 + timedelta(minutes=1))
    ws = sworld.slack.workspace
    nudged = {n: len(ws.dms(ws.user_named(n))) for n in ("learner1", "learner2", "learner3")}
    assert nudged == {"learner1": 1, "learner2": 1, "learner3": 1}
    told = [m.text for m in ws.dms(ws.user_named("instructor"))]
    assert any("Week 1 nudges: 3 sent, 1 failed" in t for t in told), told
    assert ws.dms(ws.user_named("instructor"))  # the instructor is told privately, by DM
    assert not [m for m in sworld.posts() if "nudge" in m.text.lower()]


async def test_mydata_shows_and_forgetme_erases_after_confirmation(sworld: SlackWorld):
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    learner, other = sworld.slack.person("learner1"), sworld.slack.person("learner2")
    await learner.post("cohort", "hello")
    answer = await learner.command("/mydata")
    assert "messages you wrote" in answer["text"]
    (shared,) = [f for f in sworld.slack.workspace.files.values() if f["name"] == "my-data.json"]
    assert b'"activity"' in shared["content"] and b"hello" not in shared["content"]

    await learner.command("/forgetme")
    (confirm,) = [e for e in sworld.slack.workspace.ephemeral_to(learner.user) if e.get("blocks")]
    await sworld.restart()  # the confirmation outlives the process that asked for it
    await learner.press("cohort", confirm, "cohortbot_forget")
    assert confirm["text"].startswith("Erased:")  # the question is replaced by the answer
    # Not even the number that stood for their Slack id is left (nothing names it now).
    assert await sworld.bot.platform.known_number(learner.id) is None
    assert learner.id.encode() not in sworld.database.read_bytes()
    assert await counts(sworld, "learner1") == (0, 0)
    assert "nothing" in (await learner.command("/mydata"))["text"]
    assert (await other.command("/mydata"))["text"]  # others are untouched
    assert await sworld.bot.platform.known_number(other.id) is not None

    await learner.post("cohort", "back again")  # counted afresh, under a new number
    assert await counts(sworld, "learner1") == (1, 0)


async def test_forgetme_keeps_the_number_of_staff_whose_cohort_names_them(sworld: SlackWorld):
    """The staff member who created the cohort erases their data: the cohort's record still
    names its creator, so the number standing for them stays, and the cohort still runs."""
    await sworld.create_cohort()
    staff = sworld.slack.person("instructor")
    number = await sworld.bot.platform.known_number(staff.id)
    assert number is not None
    await staff.command("/forgetme")
    (confirm,) = [e for e in sworld.slack.workspace.ephemeral_to(staff.user) if e.get("blocks")]
    await staff.press("cohort", confirm, "cohortbot_forget")
    assert await sworld.bot.platform.known_number(staff.id) == number
    assert await sworld.bot.platform.slack_id(number) == staff.id


# -- Slack's errors and limits -------------------------------------------------------------------


async def test_not_in_channel_is_told_to_the_instructor_and_retried(sworld: SlackWorld):
    await sworld.create_cohort()
    conv = sworld.slack.workspace.channel_named("cohort")
    conv.members.discard(BOT_USER_ID)  # someone removed the bot from the channel
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    ws = sworld.slack.workspace
    (told,) = [m.text for m in ws.dms(ws.user_named("instructor")) if "could not" in m.text]
    assert "not in that channel" in told and "invite" in told
    conv.members.add(BOT_USER_ID)
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(minutes=30))
    assert len(sworld.titled("Week 1")) == 1


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("missing_scope", "`chat:write`"),
        ("is_archived", "archived"),
        ("channel_not_found", "cannot find"),
    ],
)
async def test_slacks_refusals_are_told_to_the_instructor(sworld: SlackWorld, fault, words):
    await sworld.create_cohort()
    ws = sworld.slack.workspace
    if fault == "missing_scope":
        ws.bot_scopes.discard("chat:write")
    elif fault == "is_archived":
        ws.channel_named("cohort").is_archived = True
    else:
        del ws.conversations[ws.channel_named("cohort").id]  # deleted under us
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    ws.bot_scopes.add("chat:write")  # the instructor's DM needs it too
    cohort = await sworld.cohort()
    row = await sworld.bot.store.deliveries.get(cohort.id, "module:1")
    assert row.state == "pending" and words in row.note


async def test_a_429_is_honoured_and_the_week_still_posts_once(sworld: SlackWorld, monkeypatch):
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(builtin_async_handlers, "asyncio", SimpleNamespace(sleep=no_wait))
    await sworld.create_cohort()
    sworld.slack.faults.rate_limit("chat.postMessage", times=1, retry_after=4)
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    assert len(sworld.titled("Week 1")) == 1 and 4 <= waits[0] < 5


async def test_killed_between_a_nudge_dm_and_its_record_nobody_is_nudged_twice(
    sworld: SlackWorld,
):
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    await sworld.advance_to(NUDGE_1 + timedelta(seconds=1))
    ws = sworld.slack.workspace
    learners = [ws.user_named(f"learner{i}") for i in range(1, 5)]
    assert [len(ws.dms(u)) for u in learners] == [1, 1, 1, 1]
    cohort = await sworld.cohort()
    # The process DMed learner1 and died before recording it; learner2 was not reached yet.
    await sworld.forget_it_was_sent(cohort.id, "nudge:1")
    db = sworld.bot.store.db
    for user, unsent in ((learners[0], False), (learners[1], True)):
        number = await sworld.bot.platform.number(user.id)
        await db.execute(
            "UPDATE delivery_recipients SET outcome = 'sending', at = ?"
            " WHERE cohort_id = ? AND item_key = 'nudge:1' AND user_id = ?",
            ("2026-10-18T16:00:00.000000Z", cohort.id, number),
        )
        if unsent:
            (im,) = [c for c in ws.conversations.values() if c.is_im and user.id in c.members]
            im.messages.clear()
    await db.commit()
    assert ws.dms(learners[1]) == []

    await sworld.restart()
    await sworld.advance_to(NUDGE_1 + CLAIM_LEASE + timedelta(seconds=2))

    assert [len(ws.dms(u)) for u in learners] == [1, 1, 1, 1]
    row = await sworld.bot.store.deliveries.get(cohort.id, "nudge:1")
    assert row.state == "done"


async def test_the_summary_is_ephemeral_and_the_csv_comes_by_dm(sworld: SlackWorld):
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    await sworld.slack.person("learner1").post("cohort", "my first post")
    instructor = sworld.slack.person("instructor")
    summary = await instructor.command("/participation", 'summary "Fall 2026" 1')
    assert (
        "@learner1" in sworld.seen(summary["text"]) and summary.get("response_type") != "in_channel"
    )
    answer = await instructor.command("/participation", 'export "Fall 2026"')
    assert "DMs" in answer["text"]
    (csv,) = [f for f in sworld.slack.workspace.files.values() if f["name"].endswith(".csv")]
    text = csv["content"].decode("utf-8-sig")
    assert text.splitlines()[0].startswith("display_name,") and "learner1" in text
    assert len(text.splitlines()) == 1 + 4  # a row per learner, staff not among them
    learner1 = sworld.slack.workspace.user_named("learner1").id
    assert any(line.split(",")[1] == learner1 for line in text.splitlines())  # Slack's own id
    (im,) = csv["channels"]
    assert im.startswith("D")  # shared in the instructor's DM, not in the channel


async def test_the_csv_names_the_certificate_issued_as_on_discord(sworld: SlackWorld):
    """The export's certificate columns were empty on Slack: it never asked for them."""
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    learner1 = sworld.slack.workspace.user_named("learner1").id
    instructor = sworld.slack.person("instructor")
    issued = await instructor.command("/certificates", f'issue "Fall 2026" <@{learner1}>')
    code = issued["text"].split("*")[1]
    answer = await instructor.command("/participation", 'export "Fall 2026"')
    assert "DMs" in answer["text"]
    (csv,) = [f for f in sworld.slack.workspace.files.values() if f["name"].endswith(".csv")]
    rows = {r.split(",")[1]: r for r in csv["content"].decode("utf-8-sig").splitlines()[1:]}
    assert rows[learner1].endswith(f",{code},yes")
    assert csv["initial_comment"].endswith("4 learners, 0 completed.")


async def test_a_summary_too_long_for_a_message_sends_everyone_in_a_file(
    sworld_crowd: SlackWorld,
):
    """120 learners do not fit one answer: it says "see the file", and the file (the whole
    list, as on Discord) comes to who asked by DM; the answer stays ephemeral and within
    what Slack shows of a message whole (3,000 characters, escaped)."""
    sworld = sworld_crowd
    assert await sworld.create_cohort() == {}
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    instructor = sworld.slack.person("instructor")
    answer = await instructor.command("/participation", 'summary "Fall 2026" 1')
    text = answer["text"]
    assert answer.get("response_type") != "in_channel"
    assert "more: see the file" in text and "in your DMs" in text, text
    assert len(text) <= 3000, len(text)
    (sent,) = [f for f in sworld.slack.workspace.files.values() if f["name"].endswith(".txt")]
    (im,) = sent["channels"]
    assert im == sworld.slack.workspace.open_im(instructor.id).id
    whole = sent["content"].decode("utf-8")
    ws = sworld.slack.workspace
    for i in range(1, 121):
        learner = ws.user_named(f"learner{i}")
        (line,) = [x for x in whole.splitlines() if f"(<@{learner.id}>) — " in x]
        assert line.endswith("(none)") and f"learner{i} " in line, line


async def test_cohort_list_shows_each_cohorts_start_and_channel_as_on_discord(sworld: SlackWorld):
    """It showed name, course and state only; Discord also shows when it starts and where."""
    await sworld.create_cohort()
    listed = await sworld.slack.person("instructor").command("/cohort", "list")
    channel = sworld.slack.workspace.channel_named("cohort").id
    assert (
        listed["text"] == f"*Fall 2026* — de-escalation, from 13 Oct 2026 in <#{channel}> (active)"
    )


async def test_a_recording_goes_under_its_announcement_and_by_dm_to_who_asked(sworld: SlackWorld):
    announcement = await announced(sworld)
    learner = sworld.slack.person("learner1")
    await learner.press("cohort", announcement, "cohortbot_remind")
    await sworld.advance_to(LIVE_1 + timedelta(hours=2))
    instructor = sworld.slack.person("instructor")
    url = "https://example.org/rec/1"
    answer = await instructor.command("/recording", f'add "Fall 2026" live-1 {url} s3cret')
    assert "1 sent" in answer["text"], answer
    (under,) = [r for r in announcement.replies if url in r.text]
    assert "s3cret" not in under.text  # #cohort is public: the whole workspace can read it
    (dm,) = [m for m in sworld.slack.workspace.dms(learner.user) if url in m.text]
    assert "s3cret" in dm.text and dm.metadata
    again = await sworld.slack.person("learner2").command(
        "/recording", f'add "Fall 2026" live-1 {url}'
    )
    assert again["text"] == "Only course staff can do that."


async def test_a_recording_goes_in_its_weeks_thread_too_as_on_discord_with_a_note(
    sworld: SlackWorld,
):
    """Under the announcement and in the thread of its week's post (Discord posts in both);
    ``-`` for no passcode, and the words after it a note for learners."""
    announcement = await announced(sworld)
    await sworld.advance_to(LIVE_1 + timedelta(hours=2))
    url = "https://example.org/rec/1"
    answer = await sworld.slack.person("instructor").command(
        "/recording", f'add "Fall 2026" live-1 {url} - "Slides are in the thread."'
    )
    assert answer["text"].count("https://slack.com/archives/") == 2, answer
    cohort = await sworld.cohort()
    announce = await sworld.bot.store.deliveries.get(cohort.id, "announce:live-1")
    assert announce is not None
    (week,) = sworld.titled(f"Week {announce.week}")
    for post in (announcement, week):
        (posted,) = [r for r in post.replies if url in r.text]
        assert "Slides are in the thread." in posted.text and "Passcode" not in posted.text
    (kept,) = await sworld.bot.store.sessions.recordings(cohort.id)
    assert (kept.passcode, kept.note) == (None, "Slides are in the thread.")


async def test_watched_it_under_a_recording_counts_for_the_cohorts_learners_only(
    sworld: SlackWorld,
):
    """The sample course lets a recording stand in for its session (``recording: yes``)."""
    announcement = await announced(sworld)
    await sworld.advance_to(LIVE_1 + timedelta(hours=2))
    url = "https://example.org/rec/1"
    await sworld.slack.person("instructor").command("/recording", f'add "Fall 2026" live-1 {url}')
    (under,) = [r for r in announcement.replies if url in r.text]
    ws = sworld.slack.workspace
    for who in ("outsider", "instructor"):
        await sworld.slack.person(who).press("cohort", under, "cohortbot_watched")
    assert ws.dms(ws.user_named("outsider"))[-1].text == "Only learners of Fall 2026 can do that."
    assert ws.ephemeral_to(ws.user_named("instructor"))[-1]["text"].startswith("Only learners")
    learner = sworld.slack.person("learner2")
    await learner.press("cohort", under, "cohortbot_watched")
    assert "counts as attending" in ws.ephemeral_to(learner.user)[-1]["text"]
    await learner.press("cohort", under, "cohortbot_watched")
    assert ws.ephemeral_to(learner.user)[-1]["text"] == "You have already said you watched it."
    cohort = await sworld.cohort()
    counts = await sworld.bot.store.participation.counts(cohort.id)
    learner2 = await sworld.bot.platform.number(learner.id)
    assert {u for u, _ in counts.watched} == {learner2}


async def test_a_fan_out_is_paced_between_dms(sworld: SlackWorld, monkeypatch):
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(slack_platform, "asyncio", SimpleNamespace(sleep=no_wait))
    sworld.bot.platform.pace = 0.2
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    await sworld.advance_to(NUDGE_1 + timedelta(seconds=1))
    assert waits == [0.2] * 3  # four learners nudged, a pause between each two


async def test_without_a_learner_group_the_learners_are_the_channels_members_less_staff(
    sworld: SlackWorld,
):
    assert await sworld.create_cohort(learners=None) == {}
    cohort = await sworld.cohort()
    learners = await sworld.bot.platform.learners(cohort)
    ws = sworld.slack.workspace
    expected = {
        await sworld.bot.platform.number(ws.user_named(f"learner{i}").id) for i in range(1, 5)
    }
    assert {x.user_id for x in learners} == expected  # not the instructor (staff), not the bot
    again = await sworld.create_cohort("Fall 2026 again")
    assert again["response_action"] == "errors" and "already holds" in again["errors"]["name"]
    assert f"<#{ws.channel_named('cohort').id}>" in again["errors"]["name"]  # Slack's mention


async def test_check_in_on_slack_keeps_to_the_same_window_as_on_discord(sworld: SlackWorld):
    """The rules of a press are shared (bot.features.presses): no attending a session by
    pressing Check in hours after it ended."""
    await sworld.create_cohort()
    await sworld.advance_to(LIVE_1 + timedelta(seconds=1))
    (starting,) = [m for m in sworld.posts() if m.metadata and "starting:" in str(m.metadata)]
    await sworld.advance_to(LIVE_1 + timedelta(hours=6))
    late = sworld.slack.person("learner3")
    await late.press("cohort", starting, "cohortbot_checkin")
    cohort = await sworld.cohort()
    assert await sworld.bot.store.sessions.attendance(cohort.id) == {}
    refused = sworld.slack.workspace.ephemeral_to(late.user)
    assert "check" in refused[-1]["text"].lower() and "welcome" not in refused[-1]["text"]


async def test_a_command_slower_than_slack_waits_is_acked_at_once_and_answered_when_done(
    sworld: SlackWorld,
):
    """Slack shows an error when a command's ack takes over 3 seconds: a slow one says it is
    working, and its answer follows through the command's response_url."""
    await sworld.create_cohort()
    sworld.bot.ack_within = 0  # every command is slower than the bot waits
    instructor = sworld.slack.person("instructor")
    answer = await instructor.command("/cohort", "list")
    assert answer["text"] == "Working on it…"
    await sworld.bot.settle()
    shown = sworld.slack.workspace.ephemeral_to(instructor.user)[-1]
    assert shown["via"] == "response_url" and "Fall 2026" in shown["text"]
    refused = await sworld.slack.person("learner1").command("/cohort", "list")
    assert refused["text"] == "Working on it…"
    await sworld.bot.settle()
    (late,) = [
        e
        for e in sworld.slack.workspace.ephemeral_to(sworld.slack.person("learner1").user)
        if e["via"] == "response_url"
    ]
    assert late["text"] == "Only course staff can do that."


async def test_a_cohort_form_with_an_unknown_group_or_an_archived_channel_says_which(
    sworld: SlackWorld,
):
    """A careless admin: a learner group id Slack does not know, or an archived channel. The
    form says what is wrong, in the form, and no cohort is made."""
    sworld.slack.faults.error("usergroups.users.list", "no_such_subteam")
    unknown = await sworld.create_cohort(by="admin")
    assert unknown.get("response_action") == "errors", unknown
    assert "no user group" in str(unknown["errors"]), unknown
    sworld.slack.workspace.channel_named("cohort").is_archived = True
    archived = await sworld.create_cohort(by="admin")
    assert archived.get("response_action") == "errors", archived
    assert "archived" in str(archived["errors"]), archived
    sworld.slack.faults.error("conversations.info", "missing_scope", needed="channels:read")
    refused = await sworld.create_cohort(by="admin")
    assert "channels:read" in str(refused.get("errors")), refused
    assert await sworld.bot.store.cohorts.all() == []


async def test_a_cohort_form_slower_than_slack_waits_says_so_then_done(sworld: SlackWorld):
    sworld.bot.ack_within = 0  # slower than the bot waits
    ack = await sworld.create_cohort()
    assert ack["response_action"] == "update" and "Working on it" in str(ack["view"])
    await sworld.bot.settle()
    view_id = sworld.slack.workspace.views[-1]["view"]["id"]
    (shown,) = [v["view"] for v in sworld.slack.workspace.views if v["view"]["id"] == view_id]
    assert shown["title"]["text"] == "Done"
    assert [c.name for c in await sworld.bot.store.cohorts.all()] == ["Fall 2026"]

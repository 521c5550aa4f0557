"""Assignments on Slack, end to end: **Submit assignment** under a week's post opens a form;
the hand-in goes to a private channel the bot makes for the learner and the cohort's
instructors (or, in a course that shares hand-ins, the cohort's channel); staff list a week
and review with feedback by DM; late until the consultation window closes; the work itself
is never stored. The real slack-bolt app on the stand-in."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from bot.cohort import CLAIM_LEASE, DeliveryState
from bot.slack.blocks import TEXT_LIMIT
from bot.slack.ids import ts_id
from tests.helpers import stored_bytes
from tests.slack_helpers import WEEK_POSTS, SlackWorld, snapshot
from tests.slack_standin import BOT_USER_ID, Conversation, Message

LINK = "https://docs.example.org/space-audit-qx71"
NOTE = "Three places where misunderstandings begin: zv93k"


async def in_week(sworld: SlackWorld, week: int = 2, **cohort: Any) -> None:
    assert await sworld.create_cohort(**cohort) == {}
    await sworld.advance_to(WEEK_POSTS[week - 1] + timedelta(seconds=1))


def week_post(sworld: SlackWorld, week: int) -> Message:
    (post,) = sworld.titled(f"Week {week}")
    return post


def form(link: str | None = LINK, note: str | None = NOTE) -> dict[str, Any]:
    return {
        "link": {"value": {"type": "plain_text_input", "value": link}},
        "note": {"value": {"type": "plain_text_input", "value": note}},
    }


async def press_submit(sworld: SlackWorld, who: str, week: int = 2) -> dict[str, Any] | None:
    """``who`` presses Submit under the week's post: the form it opened, or None."""
    ws = sworld.slack.workspace
    opened = len(ws.views)
    await sworld.slack.person(who).press("cohort", week_post(sworld, week), "cohortbot_submit")
    return ws.views[-1]["view"] if len(ws.views) > opened else None


async def hand_in(
    sworld: SlackWorld, who: str = "learner1", week: int = 2, **values: str | None
) -> dict[str, Any]:
    """Press Submit, fill in the form, submit it: the ack's payload."""
    view = await press_submit(sworld, who, week)
    assert view is not None, told(sworld, who)
    return await sworld.slack.person(who).submit(view, form(**values))


def said(ack: dict[str, Any]) -> str:
    """What the form shows after a submission: its new view's text, or its field's error."""
    if ack.get("response_action") == "errors":
        return " ".join(ack["errors"].values())
    return str(ack["view"]["blocks"][0]["text"]["text"])


def told(sworld: SlackWorld, who: str) -> str:
    """The last thing only ``who`` was shown: an ephemeral answer, or (outside the channel,
    where Slack shows none) a DM."""
    ws = sworld.slack.workspace
    user = ws.user_named(who)
    shown = [(e["ts"], str(e["text"])) for e in ws.ephemeral_to(user)]
    shown += [(m.ts, m.text) for m in ws.dms(user)]
    return max(shown)[1] if shown else ""


def hand_in_channels(sworld: SlackWorld) -> list[Conversation]:
    return [
        c for c in sworld.slack.workspace.conversations.values() if c.name.startswith("hand-ins-")
    ]


def member(sworld: SlackWorld, *names: str) -> set[str]:
    return {sworld.slack.workspace.user_named(n).id for n in names}


async def rows(sworld: SlackWorld, table: str = "submissions") -> list[dict[str, Any]]:
    async with sworld.bot.store.db.execute(f"SELECT * FROM {table}") as cursor:
        return [dict(row) for row in await cursor.fetchall()]


async def test_a_hand_in_goes_to_a_private_channel_for_the_learner_and_instructors(
    sworld: SlackWorld,
):
    ws = sworld.slack.workspace
    teacher = ws.add_user("teacher_a")
    ws.add_usergroup("fall-instructors", [teacher])
    await in_week(sworld, instructors="fall-instructors")
    done = await hand_in(sworld)
    assert done["response_action"] == "update" and done["view"]["title"]["text"] == "Handed in"
    (channel,) = hand_in_channels(sworld)
    assert f"<#{channel.id}>" in said(done) and "only you and your instructors" in said(done)
    cohort = await sworld.cohort()
    learner1 = ws.user_named("learner1")
    assert (
        channel.is_private
        and channel.name == f"hand-ins-learner1-{cohort.id}-{learner1.id}".lower()
    )
    # the learner, the cohort's creator and its instructor group; no classmate, no other staff
    assert channel.members == {BOT_USER_ID} | member(sworld, "learner1", "instructor", "teacher_a")
    (post,) = ws.posted(channel)
    assert LINK in post.text and NOTE in post.text and f"<@{learner1.id}>" in post.text
    (row,) = await rows(sworld)
    assert row["week"] == 2 and not row["late"] and row["reviewed_at"] is None
    assert row["channel_id"] == await sworld.bot.platform.number(channel.id)
    assert row["message_id"] == ts_id(post.ts, channel.id)

    # week 3 goes to the same channel; another learner gets her own
    await sworld.advance_to(WEEK_POSTS[2] + timedelta(seconds=1))
    await hand_in(sworld, week=3, link=None)
    await hand_in(sworld, "learner2", week=3)
    first, second = hand_in_channels(sworld)
    assert first is channel and len(ws.posted(channel)) == 2
    assert learner1.id not in second.members and member(sworld, "learner2") <= second.members


async def test_the_form_refuses_a_non_https_link_or_an_empty_hand_in(sworld: SlackWorld):
    await in_week(sworld)
    refused = await hand_in(sworld, link="javascript:alert(1)", note=None)
    assert refused["response_action"] == "errors" and "https" in said(refused)
    empty = await hand_in(sworld, link="  ", note=None)
    assert empty["response_action"] == "errors" and "link or a note" in said(empty)
    assert hand_in_channels(sworld) == [] and await rows(sworld) == []


async def test_only_the_cohorts_learners_open_the_form_or_submit_it(sworld: SlackWorld):
    await in_week(sworld)
    before = await snapshot(sworld)
    for who in ("outsider", "instructor"):
        assert await press_submit(sworld, who) is None
        assert told(sworld, who) == "Handing in is for learners of Fall 2026."
    # a form opened by a learner, submitted as someone else (the submission is checked too)
    view = await press_submit(sworld, "learner1")
    assert view is not None
    sworld.slack.workspace.views[-1]["user"] = sworld.slack.person("outsider").id
    forged = await sworld.slack.person("outsider").submit(view, form())
    assert forged["response_action"] == "errors" and "for learners" in said(forged)
    after = await snapshot(sworld)  # the database, and the files: only refusals and a form
    assert after[:-3] == before[:-3] and after[-1] == before[-1]
    assert hand_in_channels(sworld) == []


async def test_late_hand_ins_are_accepted_until_the_consultation_closes(sworld: SlackWorld):
    await in_week(sworld, week=3)  # week 2 has closed
    late = await hand_in(sworld, week=2)
    assert said(late).startswith("Handed in (late, and accepted): week 2")
    (row,) = await rows(sworld)
    assert row["late"]
    await sworld.advance_to(await consultation_end(sworld) + timedelta(minutes=1))
    for week in (2, 3):  # the Submit buttons now say hand-ins are closed
        post = week_post(sworld, week)
        assert "cohortbot_submit" not in str(post.blocks) and "Hand-ins closed" in str(post.blocks)
        assert post.blocks[0]["type"] == "header" and post.metadata  # the rest as it was
    assert len(await rows(sworld)) == 1


async def test_a_submit_button_that_could_not_be_closed_says_hand_ins_have_closed(
    sworld: SlackWorld,
):
    await in_week(sworld, week=3)
    sworld.slack.faults.error("chat.update", "cant_update_message", times=2)
    await sworld.advance_to(await consultation_end(sworld) + timedelta(minutes=1))
    assert "cohortbot_submit" in str(week_post(sworld, 3).blocks)
    assert await press_submit(sworld, "learner2", week=3) is None
    assert "closed with the consultation period" in told(sworld, "learner2")
    assert await rows(sworld) == []


async def consultation_end(sworld: SlackWorld):
    cohort = await sworld.cohort()
    return cohort.calendar(sworld.bot.library.get(cohort.course_id)).consultation_ends


async def test_staff_list_who_handed_in_and_review_with_feedback_by_dm(sworld: SlackWorld):
    await in_week(sworld)
    await hand_in(sworld)
    ws = sworld.slack.workspace
    learner1 = ws.user_named("learner1")
    staff = sworld.slack.person("instructor")
    listed = (await staff.command("/assignment", 'list "Fall 2026" 2'))["text"]
    lines = sworld.seen(listed).splitlines()
    assert lines[0] == "*Week 2*: 1 handed in, 3 not yet."
    (channel,) = hand_in_channels(sworld)
    assert lines[1].startswith("• @learner1 — <!date^") and "not reviewed" in lines[1]
    assert listed.splitlines()[1].startswith(f"• <@{learner1.id}> — ")  # Slack names them
    assert f"https://slack.com/archives/{channel.id}/p" in lines[1]
    assert lines[2] == "*Not handed in (3):* @learner2, @learner3, @learner4"

    nobody = await staff.command(
        "/assignment", f'review "Fall 2026" <@{ws.user_named("learner2").id}|learner2> 2'
    )
    assert "has not handed in week 2" in nobody["text"]
    opened = len(ws.views)
    assert (
        await staff.command("/assignment", f'review "Fall 2026" <@{learner1.id}|learner1> 2') == {}
    )
    assert len(ws.views) == opened + 1
    view = ws.views[-1]["view"]
    feedback = {"feedback": {"value": {"type": "plain_text_input", "value": "Clear and kind."}}}
    done = await staff.submit(view, feedback)
    assert said(done) == f"Week 2 of <@{learner1.id}> is marked reviewed, and DMed them."
    (dm,) = ws.dms(learner1)
    assert "has been reviewed" in dm.text and "Clear and kind." in dm.text
    assert f"https://slack.com/archives/{channel.id}/p" in dm.text
    (row,) = await rows(sworld)
    assert row["reviewed_by"] == await sworld.bot.platform.number(staff.id)
    again = (await staff.command("/assignment", 'list "Fall 2026" 2'))["text"]
    assert "reviewed ✅" in again.splitlines()[1]


async def test_a_review_form_submitted_by_a_learner_changes_nothing(sworld: SlackWorld):
    await in_week(sworld)
    await hand_in(sworld)
    ws = sworld.slack.workspace
    learner1 = ws.user_named("learner1")
    staff = sworld.slack.person("instructor")
    await staff.command("/assignment", f'review "Fall 2026" <@{learner1.id}> 2')
    view = ws.views[-1]["view"]
    ws.views[-1]["user"] = learner1.id  # the learner submits the instructor's form
    forged = await sworld.slack.person("learner1").submit(view, {})
    assert forged["response_action"] == "errors"
    (row,) = await rows(sworld)
    assert row["reviewed_at"] is None and ws.dms(learner1) == []


async def test_a_crash_between_making_the_channel_and_recording_it_reuses_that_channel(
    sworld: SlackWorld,
):
    await in_week(sworld)
    await hand_in(sworld)
    (channel,) = hand_in_channels(sworld)
    # As if the process had died after conversations.create, before recording the channel
    # (and, so, before posting): Slack has the channel, the database does not know it.
    await sworld.bot.store.db.execute("DELETE FROM assignment_threads")
    await sworld.bot.store.db.execute("DELETE FROM submissions")
    await sworld.bot.store.db.commit()
    await sworld.restart()
    again = await hand_in(sworld)
    assert said(again).startswith("Handed in") and hand_in_channels(sworld) == [channel]
    (place,) = await rows(sworld, "assignment_threads")
    assert place["thread_id"] == await sworld.bot.platform.number(channel.id)


async def test_a_crash_between_posting_and_recording_is_handed_in_again_in_the_same_channel(
    sworld: SlackWorld, monkeypatch
):
    await in_week(sworld)
    record = sworld.bot.store.assignments.record

    async def crash(submission: object) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(sworld.bot.store.assignments, "record", crash)
    view = await press_submit(sworld, "learner1")
    assert view is not None
    failed = await sworld.slack.person("learner1").submit(view, form())
    assert "something went wrong" in said(failed)
    (channel,) = hand_in_channels(sworld)
    assert len(sworld.slack.workspace.posted(channel)) == 1 and await rows(sworld) == []
    monkeypatch.setattr(sworld.bot.store.assignments, "record", record)
    await hand_in(sworld)
    assert hand_in_channels(sworld) == [channel]
    posts = sworld.slack.workspace.posted(channel)
    (row,) = await rows(sworld)
    assert len(posts) == 2 and row["message_id"] == ts_id(posts[-1].ts, channel.id)


async def test_a_channel_of_that_name_made_by_someone_else_is_never_used(sworld: SlackWorld):
    """A learner makes a private channel with a classmate's hand-in name and invites the bot:
    the classmate's work must not go there."""
    await in_week(sworld)
    ws = sworld.slack.workspace
    cohort = await sworld.cohort()
    learner1, learner2 = ws.user_named("learner1"), ws.user_named("learner2")
    name = f"hand-ins-learner1-{cohort.id}-{learner1.id.lower()}"
    trap = ws.add_channel(name, [learner2], private=True)
    trap.creator = learner2.id
    refused = await hand_in(sworld)
    assert refused["response_action"] == "errors" and "I did not make it" in said(refused)
    assert ws.posted(trap) == [] and learner1.id not in trap.members
    assert await rows(sworld) == []


async def test_the_database_never_holds_a_hand_ins_note_or_link(sworld: SlackWorld, caplog):
    caplog.set_level(logging.INFO)  # the most the README recommends
    await in_week(sworld)
    await hand_in(sworld)
    staff = sworld.slack.person("instructor")
    learner1 = sworld.slack.workspace.user_named("learner1").id
    await staff.command("/assignment", f'review "Fall 2026" <@{learner1}> 2')
    feedback = {"feedback": {"value": {"type": "plain_text_input", "value": "Good: fb7q"}}}
    await staff.submit(sworld.slack.workspace.views[-1]["view"], feedback)
    for secret in ("zv93k", "qx71", "fb7q"):
        assert secret not in caplog.text
    (channel,) = hand_in_channels(sworld)
    assert NOTE in sworld.slack.workspace.posted(channel)[0].text  # Slack holds it
    raw = await stored_bytes(sworld.bot.store, sworld.database)
    for secret in ("zv93k", "qx71", "fb7q"):
        assert secret.encode() not in raw and secret.encode("utf-16-le") not in raw
    assert b"Fall 2026" in raw  # the search sees what is stored (the cohort's name)


async def test_mydata_shows_hand_ins_and_forgetme_erases_them(sworld: SlackWorld):
    await in_week(sworld)
    await hand_in(sworld)
    learner = sworld.slack.person("learner1")
    shown = await learner.command("/mydata")
    assert "1 × assignments you handed in" in shown["text"]
    (file,) = [f for f in sworld.slack.workspace.files.values() if f["name"] == "my-data.json"]
    assert set(json.loads(file["content"])) >= {"submissions", "assignment_threads"}
    asked = await learner.command("/forgetme")
    prompt = sworld.slack.workspace.ephemeral_to(learner.user)[-1]
    assert asked["blocks"] and prompt["blocks"]
    await learner.press("cohort", prompt, "cohortbot_forget")
    assert await rows(sworld) == [] and await rows(sworld, "assignment_threads") == []


async def test_after_forgetme_a_learner_whose_channel_was_archived_gets_a_new_one(
    sworld: SlackWorld,
):
    await in_week(sworld)
    await hand_in(sworld)
    (old,) = hand_in_channels(sworld)
    old.is_archived = True  # an admin tidied it away
    learner = sworld.slack.person("learner1")
    await learner.command("/forgetme")
    prompt = sworld.slack.workspace.ephemeral_to(learner.user)[-1]
    await learner.press("cohort", prompt, "cohortbot_forget")
    again = await hand_in(sworld)
    assert said(again).startswith("Handed in"), said(again)
    first, new = hand_in_channels(sworld)
    assert first is old and new.name == f"{old.name}-2" and not new.is_archived
    assert learner.id in new.members and len(sworld.slack.workspace.posted(new)) == 1


async def test_the_archive_archives_the_hand_in_channels(sworld: SlackWorld):
    await in_week(sworld)
    await hand_in(sworld)
    cohort = await sworld.cohort()
    archives = cohort.calendar(sworld.bot.library.get(cohort.course_id)).archives
    await sworld.advance_to(archives + timedelta(minutes=1))
    (channel,) = hand_in_channels(sworld)
    assert channel.is_archived
    row = await sworld.bot.store.deliveries.get(cohort.id, "archive")
    assert "1 hand-in channel archived" in (row.note or "")


async def test_a_course_that_shares_hand_ins_posts_them_in_the_cohorts_channel(
    sworld: SlackWorld, tmp_path
):
    sample = (sworld.bot.library.get("de-escalation").source).read_text()
    (tmp_path / "de-escalation.yaml").write_text(sample + "\nassignments:\n  shared: yes\n")
    sworld.prompts = tmp_path
    await sworld.restart()
    await in_week(sworld)
    done = await hand_in(sworld)
    assert "classmates can read it too" in said(done)
    cohort_channel = sworld.slack.workspace.channel_named("cohort")
    (post,) = [m for m in sworld.posts() if NOTE in m.text]
    assert post.thread_ts is None and f"<#{cohort_channel.id}>" in said(done)
    assert hand_in_channels(sworld) == [] and await rows(sworld, "assignment_threads") == []


async def test_a_hand_in_slower_than_slack_waits_says_so_and_then_where_it_went(
    sworld: SlackWorld,
):
    """Slack shows an error if a form's ack takes over 3 seconds: a slow hand-in (the first
    one makes a channel and invites people) turns the form into "Working on it…" at once and
    then into its answer, in the same modal."""
    await in_week(sworld)
    view = await press_submit(sworld, "learner1")
    assert view is not None
    sworld.bot.ack_within = 0  # slower than the bot waits
    ack = await sworld.slack.person("learner1").submit(view, form())
    assert ack["response_action"] == "update" and "Working on it" in said(ack)
    await sworld.bot.settle()
    (shown,) = [v["view"] for v in sworld.slack.workspace.views if v["view"]["id"] == view["id"]]
    assert shown["title"]["text"] == "Handed in" and "week 2" in said({"view": shown})
    assert len(await rows(sworld)) == 1
    # a refusal found late is shown the same way
    again = await press_submit(sworld, "learner2")
    assert again is not None
    late = await sworld.slack.person("learner2").submit(again, form(link="http://x.org"))
    assert "Working on it" in said(late)
    await sworld.bot.settle()
    (shown,) = [v["view"] for v in sworld.slack.workspace.views if v["view"]["id"] == again["id"]]
    assert shown["title"]["text"] == "Not done" and "https" in said({"view": shown})


async def test_a_hand_in_cannot_ping_the_channel_or_mask_a_link(sworld: SlackWorld, tmp_path):
    """Slack reads ``<!channel>``, ``<@U…>`` and ``<url|label>`` in anything the bot posts: a
    learner's note and link are posted as typed, never as Slack's markup (in a course that
    shares hand-ins they go to the whole cohort's channel)."""
    sample = (sworld.bot.library.get("de-escalation").source).read_text()
    (tmp_path / "de-escalation.yaml").write_text(sample + "\nassignments:\n  shared: yes\n")
    sworld.prompts = tmp_path
    await sworld.restart()
    await in_week(sworld)
    ws = sworld.slack.workspace
    staff = ws.user_named("instructor").id
    note = f"<!channel> <!here> <@{staff}> read <https://evil.example|the syllabus> & more"
    done = await hand_in(sworld, link="https://docs.example.org/a?b=1&c=<!everyone>", note=note)
    assert said(done).startswith("Handed in")
    (post,) = [m for m in sworld.posts() if "the syllabus" in m.text]
    learner1 = ws.user_named("learner1")
    assert f"<@{learner1.id}>" in post.text  # the bot's own mention of who handed in
    markup = post.text.replace(f"<@{learner1.id}>", "")
    assert "<" not in markup and ">" not in markup, post.text
    assert "&lt;!channel&gt; &lt;!here&gt;" in markup and "&amp; more" in markup
    before = len(sworld.posts())
    await hand_in(sworld, "learner2", link=None, note="<" * 1500)  # escaped, still whole
    # 6,000 characters as Slack counts them: in messages of at most 3,000 each, one after
    # the other, none cut inside an entity.
    texts = [m.text for m in sworld.posts()[before:]]
    assert len(texts) == 3 and all(len(t) <= TEXT_LIMIT for t in texts), [len(t) for t in texts]
    assert ("&lt;" * 1500) in "".join(texts) and all(t.endswith("&lt;") for t in texts[:-1])


async def test_when_slack_refuses_a_hand_in_the_learner_and_the_instructor_are_told(
    sworld: SlackWorld, caplog
):
    """A missing scope, or the learner's hand-in channel archived by hand: the learner is
    told it did not go in and that the instructor knows; the instructor is told by DM what
    Slack refused and what to fix; nothing is recorded."""
    await in_week(sworld)
    ws = sworld.slack.workspace
    instructor = ws.user_named("instructor")
    before = len(ws.dms(instructor))
    sworld.slack.faults.error("conversations.create", "missing_scope", needed="groups:write")
    refused = await hand_in(sworld, note="first try, secret-kq02")
    assert refused["view"]["title"]["text"] == "Not handed in"
    assert "told your instructor" in said(refused) and "scope" not in said(refused)
    (dm,) = ws.dms(instructor)[before:]
    learner1 = ws.user_named("learner1").id
    assert "groups:write" in dm.text and f"<@{learner1}>" in dm.text and "week 2" in dm.text
    assert "secret-kq02" not in dm.text and "secret-kq02" not in caplog.text
    assert await rows(sworld) == []

    await hand_in(sworld)  # the scope was added: it goes in, then an admin archives its channel
    (channel,) = hand_in_channels(sworld)
    channel.is_archived = True
    again = await hand_in(sworld)
    assert again["view"]["title"]["text"] == "Not handed in" and "told your instructor" in said(
        again
    )
    assert "archived" in ws.dms(instructor)[-1].text and len(await rows(sworld)) == 1


async def test_a_crash_after_the_closing_notice_does_not_post_it_twice(sworld: SlackWorld):
    """The archive posts a closing notice (Slack cannot lock threads), then is recorded: a
    process that dies between the two leaves the notice, and the next one finds it."""
    await in_week(sworld)
    await hand_in(sworld)
    cohort = await sworld.cohort()
    archives = cohort.calendar(sworld.bot.library.get(cohort.course_id)).archives
    await sworld.advance_to(archives + timedelta(minutes=1))
    assert len(sworld.titled(f"{cohort.name} has ended")) == 1
    await sworld.forget_it_was_sent(cohort.id, "archive")
    await sworld.restart()
    await sworld.advance_to(archives + CLAIM_LEASE + timedelta(days=3))
    assert len(sworld.titled(f"{cohort.name} has ended")) == 1
    row = await sworld.bot.store.deliveries.get(cohort.id, "archive")
    assert row.state == DeliveryState.DONE and "1 hand-in channel archived" in (row.note or "")


def invites(sworld: SlackWorld) -> list[str]:
    return [args["users"] for name, args in sworld.slack.calls if name == "conversations.invite"]


async def test_fifty_instructors_are_invited_in_one_call_and_one_refused_keeps_no_one_out(
    sworld: SlackWorld,
):
    """Slack allows about 50 invitations a minute, and the form must be answered within 3
    seconds: the instructor group comes in one call, not one call a person. If Slack refuses
    that call (one of them has left the workspace), the others are invited one by one."""
    ws = sworld.slack.workspace
    teachers = [ws.add_user(f"teacher_{i}") for i in range(50)]
    ws.add_usergroup("big-staff", teachers)
    await in_week(sworld, instructors="big-staff")
    await hand_in(sworld)
    (channel,) = hand_in_channels(sworld)
    assert {t.id for t in teachers} | member(sworld, "learner1", "instructor") <= channel.members
    assert len(invites(sworld)) == 1  # the learner and the instructors at once

    sworld.slack.faults.error("conversations.invite", "user_is_inactive")
    del sworld.slack.calls[:]
    await hand_in(sworld, "learner2")
    second = next(c for c in hand_in_channels(sworld) if c is not channel)
    assert {t.id for t in teachers} <= second.members and len(invites(sworld)) == 1 + 52


async def test_a_crash_between_the_consultation_post_and_closing_the_buttons_still_closes_them(
    sworld: SlackWorld, monkeypatch
):
    """At the consultation end the notice is posted, then each Submit button is closed, then
    it is recorded: a process that dies after the notice has its successor, which finds the
    notice, close the buttons too."""
    await in_week(sworld, week=3)
    ends = await consultation_end(sworld)

    async def died(cohort: object) -> None:
        return None  # the process died after posting the notice, before closing the buttons

    monkeypatch.setattr(sworld.bot.platform, "hand_ins_closed", died)
    await sworld.advance_to(ends + timedelta(minutes=1))
    cohort = await sworld.cohort()
    await sworld.forget_it_was_sent(cohort.id, "consultation")
    assert "cohortbot_submit" in str(week_post(sworld, 3).blocks)
    await sworld.restart()
    await sworld.advance_to(ends + CLAIM_LEASE + timedelta(minutes=2))
    row = await sworld.bot.store.deliveries.get(cohort.id, "consultation")
    assert row.state == DeliveryState.DONE
    for week in (2, 3):
        assert "Hand-ins closed" in str(week_post(sworld, week).blocks)


async def test_a_learner_named_without_a_mention_is_a_clear_error_and_stores_nothing(
    sworld: SlackWorld,
):
    """``/assignment review`` and ``/certificates issue`` take the learner as an @mention: a
    name typed without one (or with <!channel>) is refused, saying so, and leaves no row."""
    await in_week(sworld)
    staff = sworld.slack.person("instructor")
    before = await rows(sworld, "external_ids")
    for command, text in (
        ("/assignment", 'review "Fall 2026" learner1 2'),
        ("/assignment", 'review "Fall 2026" <!channel> 2'),
        ("/certificates", 'issue "Fall 2026" learner1'),
    ):
        answer = (await staff.command(command, text))["text"]
        assert "@mention" in answer, answer
    assert await rows(sworld, "external_ids") == before


async def test_a_submit_button_or_review_form_naming_another_platforms_cohort_does_nothing(
    sworld: SlackWorld,
):
    await in_week(sworld)
    await hand_in(sworld)
    ws = sworld.slack.workspace
    staff = sworld.slack.person("instructor")
    await staff.command("/assignment", f'review "Fall 2026" <@{ws.user_named("learner1").id}> 2')
    review_form = ws.views[-1]["view"]
    cohort = await sworld.cohort()
    await sworld.bot.store.db.execute(  # as if the cohort ran on another platform
        "UPDATE cohorts SET platform = 'discord' WHERE id = ?", (cohort.id,)
    )
    await sworld.bot.store.db.commit()
    before = await snapshot(sworld)
    assert await press_submit(sworld, "learner2") is None
    assert "no longer exists" in told(sworld, "learner2")
    refused = await staff.submit(review_form, {})
    assert refused["response_action"] == "errors" and "no longer exists" in said(refused)
    after = await snapshot(sworld)
    assert after[:-3] == before[:-3] and hand_in_channels(sworld)[0].members
    (row,) = await rows(sworld)
    assert row["reviewed_at"] is None


async def test_a_form_submitted_after_hand_ins_closed_says_when_in_plain_words(sworld: SlackWorld):
    """A form's field errors are plain text on Slack: no ``**`` and no ``<t:…>`` tokens."""
    await in_week(sworld, week=3)
    view = await press_submit(sworld, "learner1", week=3)
    assert view is not None
    sworld.clock.at = await consultation_end(sworld) + timedelta(minutes=1)
    refused = await sworld.slack.person("learner1").submit(view, form())
    text = said(refused)
    assert "closed with the consultation period" in text and "<" not in text, text
    assert "UTC" in text and await rows(sworld) == []


async def test_an_instructor_of_another_cohort_can_neither_hand_in_nor_review(
    sworld: SlackWorld,
):
    from tests.slack_helpers import two_cohorts

    await two_cohorts(sworld)
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(seconds=1))
    (post,) = [m for m in sworld.titled("Week 2") if m in sworld.posts("cohort")]
    ws = sworld.slack.workspace
    await sworld.slack.person("learner3").press("cohort", post, "cohortbot_submit")
    await sworld.slack.person("learner3").submit(ws.views[-1]["view"], form())
    teacher_a, teacher_b = sworld.slack.person("teacher_a"), sworld.slack.person("teacher_b")
    await teacher_a.command(
        "/assignment", f'review "Fall 2026" <@{ws.user_named("learner3").id}> 2'
    )
    review_form = ws.views[-1]["view"]
    before = await snapshot(sworld)
    opened = len(ws.views)
    await teacher_b.press("cohort", post, "cohortbot_submit")
    assert len(ws.views) == opened and "for learners of Fall 2026" in told(sworld, "teacher_b")
    ws.views[-1]["user"] = teacher_b.id  # teacher_b submits teacher_a's review form
    refused = await teacher_b.submit(review_form, {})
    assert refused["response_action"] == "errors" and "instructors" in said(refused)
    after = await snapshot(sworld)
    assert after[:-3] == before[:-3]
    (row,) = await rows(sworld)
    assert row["reviewed_at"] is None and hand_in_channels(sworld)[0].members >= member(
        sworld, "learner3", "teacher_a"
    )
    assert teacher_b.id not in hand_in_channels(sworld)[0].members


async def test_a_deleted_instructor_group_does_not_stop_the_cohort(sworld: SlackWorld, caplog):
    """An admin deletes the cohort's instructor user group after the term started: learners
    still hand in and press buttons, the creator and course staff still run the cohort."""
    ws = sworld.slack.workspace
    ws.add_usergroup("fall-instructors", [ws.add_user("teacher_a")])
    await in_week(sworld, instructors="fall-instructors")
    del ws.usergroups[sworld.group("fall-instructors")]
    await sworld.restart()  # nothing cached
    done = await hand_in(sworld)
    assert said(done).startswith("Handed in"), said(done)
    listed = await sworld.slack.person("instructor").command("/assignment", 'list "Fall 2026" 2')
    assert "1 handed in" in listed["text"], listed
    assert "no_such_subteam" in caplog.text


async def test_a_learner_added_to_the_learner_group_hands_in_at_once(sworld: SlackWorld):
    """Who the learners are is remembered a while; Slack's subteam_members_changed drops it,
    so a latecomer added to the group is not refused for minutes."""
    ws = sworld.slack.workspace
    ws.add_user("latecomer")
    await in_week(sworld)
    assert await press_submit(sworld, "latecomer") is None  # not a learner yet
    learners = [f"learner{i}" for i in range(1, 5)]
    await sworld.slack.set_usergroup("cohort-learners", [*learners, "latecomer"])
    ws.channel_named("cohort").members.add(ws.user_named("latecomer").id)
    done = await hand_in(sworld, "latecomer")
    assert said(done).startswith("Handed in"), said(done)


async def test_two_learners_of_one_name_are_told_apart_in_the_list_and_the_summary(
    sworld: SlackWorld,
):
    """learner1 and learner2 both go by "Sam": each line names its person by mention (Slack
    shows each reader their current name, and whose line it is), never "Sam" twice."""
    ws = sworld.slack.workspace
    one, two = ws.user_named("learner1"), ws.user_named("learner2")
    one.display_name = two.display_name = "Sam"
    await in_week(sworld)
    await hand_in(sworld)
    staff = sworld.slack.person("instructor")
    listed = (await staff.command("/assignment", 'list "Fall 2026" 2'))["text"]
    (handed,) = [line for line in listed.splitlines() if line.startswith("• ")]
    assert handed.startswith(f"• <@{one.id}> — "), listed
    missing = listed.splitlines()[-1]
    assert f"<@{two.id}>" in missing and f"<@{one.id}>" not in missing, missing

    summary = (await staff.command("/participation", 'summary "Fall 2026" 2'))["text"]
    (first,) = [line for line in summary.splitlines() if f" <@{one.id}> — " in line]
    (second,) = [line for line in summary.splitlines() if f" <@{two.id}> — " in line]
    assert first.endswith("(met by assignment)") and second.endswith("(none)")
    assert " Sam — " not in summary


async def test_a_hand_in_form_submitted_twice_at_once_is_handed_in_both_times(sworld: SlackWorld):
    """A double submission: the second finds the channel the first made while the first
    was inviting; it was told "Slack would not let me post your hand-in" (already_in_channel)
    and the instructor was DMed of a failure. Now both are in, in one channel."""
    import asyncio

    await in_week(sworld)
    view = await press_submit(sworld, "learner1")
    assert view is not None
    learner = sworld.slack.person("learner1")
    answers = await asyncio.gather(*(learner.submit(view, form()) for _ in range(2)))
    assert [said(a).split(":")[0] for a in answers] == ["Handed in", "Handed in"], answers
    (channel,) = hand_in_channels(sworld)
    assert channel.members >= member(sworld, "learner1", "instructor")
    (row,) = await rows(sworld)
    assert row["week"] == 2
    staff = sworld.slack.workspace.user_named("instructor")
    assert not [m for m in sworld.slack.workspace.dms(staff) if "could not be posted" in m.text]

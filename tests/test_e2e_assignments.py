"""Assignments end to end: a learner hands in from the week's post into a private thread;
staff list and review; late hand-ins until the consultation window closes; nothing of the
work itself is stored."""

from __future__ import annotations

import json
from datetime import timedelta

import discord
import pytest
import simcord

from bot.errors import InvalidInput, NotAllowed, NotFound
from tests.helpers import (
    WEEK_POSTS,
    World,
    as_shown,
    bot_posts,
    dms,
    other_cohorts_instructor,
    refusals,
    stored_bytes,
)
from tests.scenarios import (
    ARCHIVED,
    COHORT,
    closed,
    course_in_week,
    every_row_holding,
    exported,
    instructor,
    line_of,
    summary_lines,
)

LINK = "https://docs.example.org/space-audit-qx71"
NOTE = "Three places where misunderstandings begin: zv93k"


def week_post(world: World, week: int) -> discord.Message:
    thread = next(
        t for t in world.server.forum.threads if (t.name or "").startswith(f"Week {week}:")
    )
    return bot_posts(thread)[0]


async def hand_in(
    world: World, learner: simcord.MemberActor, week: int = 2, **values: str
) -> simcord.InteractionResult:
    shown = await learner.click(week_post(world, week), label="Submit assignment")
    assert shown.modal is not None, shown.response.content
    return await learner.submit_modal(shown, values or {"link": LINK, "note": NOTE})


def hand_in_threads(world: World) -> list[simcord.ChannelHandle]:
    return [
        t for t in world.server.announcements.threads if (t.name or "").startswith("Assignments")
    ]


async def rows(world: World) -> list[dict]:
    async with world.bot.store.db.execute("SELECT * FROM submissions") as cursor:
        return [dict(row) for row in await cursor.fetchall()]


async def test_a_hand_in_goes_to_a_private_thread_for_the_learner_and_instructors(world: World):
    await course_in_week(world, 2)
    amara, bao = world.server.learners[:2]
    buttons = [c.label for row in week_post(world, 2).components for c in row.children]
    assert buttons == ["Submit assignment"]
    assert week_post(world, 1).components == []  # week 1 sets no assignment

    done = await hand_in(world, amara)

    assert done.ephemeral and "Handed in: week 2" in done.response.content
    (thread,) = hand_in_threads(world)
    assert thread.name == "Assignments: Amara"
    (post,) = bot_posts(thread)
    assert LINK in post.content and NOTE in post.content and "(late)" not in post.content
    assert [m.content for m in thread.history(viewer=world.server.instructor)] == [post.content]
    with pytest.raises(simcord.SetupError):  # a classmate cannot open it
        thread.history(viewer=bao)
    (row,) = await rows(world)
    assert (row["user_id"], row["week"], row["late"], row["channel_id"]) == (
        amara.id, 2, 0, thread.id,
    )  # fmt: skip
    assert row["message_id"] == post.id and row["reviewed_at"] is None

    await world.restart()  # the button outlives the process; the same thread is reused
    await hand_in(world, amara, link="https://docs.example.org/v2")
    assert len(hand_in_threads(world)) == 1 and len(bot_posts(thread)) == 2
    assert len(await rows(world)) == 1

    # Handing in meets week 2 (the sample lets any option do it).
    assert line_of(await summary_lines(world, 2), "Amara").endswith("(met by assignment)")


async def test_a_link_must_be_https_and_something_must_be_given(world: World):
    await course_in_week(world, 2)
    amara = world.server.learners[0]
    bad = await hand_in(world, amara, link="http://x.org/a")
    assert "link must be an https:// link" in bad.response.content
    empty = await hand_in(world, amara, note="   ")
    assert "Give a link or a note" in empty.response.content
    assert await rows(world) == [] and hand_in_threads(world) == []
    assert bad.ephemeral and empty.ephemeral
    only_note = await hand_in(world, amara, note="My audit is in the file I add next.")
    assert "Handed in" in only_note.response.content


async def test_late_hand_ins_are_accepted_and_shown_until_the_consultation_closes(world: World):
    await course_in_week(world, 2)
    amara = world.server.learners[0]
    await world.advance_to(WEEK_POSTS[3] + timedelta(days=10))  # the course is over
    late = await hand_in(world, amara)
    assert "late, and accepted" in late.response.content
    (post,) = bot_posts(hand_in_threads(world)[0])
    assert "(late)" in post.content
    listed = await instructor(world, "assignment list", week=2)
    assert amara.mention in listed.response.content and "late" in listed.response.content

    course = world.bot.library.get("de-escalation")
    (cohort, *_) = await world.bot.store.cohorts.all()
    await world.advance_to(cohort.calendar(course).consultation_ends + timedelta(minutes=1))
    (button,) = [c for row in week_post(world, 2).components for c in row.children]
    assert (button.label, button.disabled) == ("Hand-ins closed", True)
    assert len(await rows(world)) == 1


async def test_a_button_that_could_not_be_closed_still_says_hand_ins_have_closed(world: World):
    await course_in_week(world, 2)
    post = week_post(world, 2)
    course = world.bot.library.get("de-escalation")
    (cohort,) = await world.bot.store.cohorts.all()
    await world.advance_to(cohort.calendar(course).consultation_ends - timedelta(minutes=1))
    shown = await world.server.learners[0].click(post, label="Submit assignment")
    await world.advance_to(cohort.calendar(course).consultation_ends + timedelta(minutes=1))
    late = await world.server.learners[0].submit_modal(shown, {"link": LINK})
    assert "Hand-ins for this course closed" in late.response.content  # the form came too late
    assert late.ephemeral
    assert await rows(world) == []


async def test_staff_list_who_handed_in_and_review_with_feedback_by_dm(world: World):
    await course_in_week(world, 2)
    amara, bao = world.server.learners[:2]
    await hand_in(world, amara)
    listed = await instructor(world, "assignment list", week=2)
    assert listed.ephemeral  # a mention there shows the member, and notifies nobody
    text = as_shown(world, listed.response.content)
    assert text.startswith("**Week 2**: 1 handed in, 11 not yet.")
    assert "• @Amara — " in text and "not reviewed" in text
    (thread,) = hand_in_threads(world)
    assert f"/{thread.id}/" in text  # where it is
    assert "**Not handed in (11):** @Bao, " in text

    reviewed = await instructor(
        world, "assignment review", member=amara, week=2, feedback="Clear and practical."
    )
    assert "marked reviewed, and DMed them" in reviewed.response.content
    (dm,) = [m.content for m in dms(world, amara) if "reviewed" in m.content]
    assert "Clear and practical." in dm and f"/{thread.id}/" in dm
    assert "reviewed ✅" in (await instructor(world, "assignment list", week=2)).response.content
    (row,) = await rows(world)
    assert row["reviewed_by"] == world.server.instructor.id

    missing = await instructor(world, "assignment review", member=bao, week=2)
    no_assignment = await instructor(world, "assignment list", week=1)
    assert [type(e) for e in refusals(world)] == [NotFound, InvalidInput]
    assert "has not handed in" in missing.response.content
    assert "has no assignment" in no_assignment.response.content


async def test_only_the_cohorts_learners_hand_in_and_only_its_instructors_list_and_review(
    world: World,
):
    await course_in_week(world, 2)
    amara = world.server.learners[0]
    other = await other_cohorts_instructor(world)
    await hand_in(world, amara)
    before = await rows(world)
    for who in (world.server.outsider, other, world.server.instructor):
        refused = await who.click(week_post(world, 2), label="Submit assignment")
        assert refused.modal is None and "for learners of Fall 2026" in refused.response.content
    staff = world.server.staff
    for who in (amara, world.server.outsider, other):
        listed = await who.slash(staff, "assignment list", cohort=COHORT, week=2)
        review = await who.slash(
            staff, "assignment review", cohort=COHORT, member=amara, week=2, feedback="x"
        )
        for result in (listed, review):
            assert result.ephemeral and "instructors" in result.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed] * 6
    assert await rows(world) == before
    assert [m for m in dms(world, amara) if "reviewed" in m.content] == []


async def test_a_crash_between_posting_and_recording_is_handed_in_again_in_the_same_thread(
    world: World, monkeypatch, caplog
):
    await course_in_week(world, 2)
    amara = world.server.learners[0]
    record = world.bot.store.assignments.record

    async def crash(submission):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(world.bot.store.assignments, "record", crash)
    failed = await hand_in(world, amara)
    assert "something went wrong" in failed.response.content
    (logged,) = [r for r in caplog.records if r.exc_info and "unexpected error" in r.message]
    assert "died here" in str(logged.exc_info[1])
    (thread,) = hand_in_threads(world)
    assert len(bot_posts(thread)) == 1 and await rows(world) == []

    monkeypatch.setattr(world.bot.store.assignments, "record", record)
    await hand_in(world, amara)
    assert [t.id for t in hand_in_threads(world)] == [thread.id] and len(bot_posts(thread)) == 2
    (row,) = await rows(world)
    assert row["message_id"] == bot_posts(thread)[-1].id


async def test_a_crash_between_making_the_thread_and_recording_it_reuses_that_thread(
    world: World, monkeypatch
):
    await course_in_week(world, 2)
    amara = world.server.learners[0]
    set_thread = world.bot.store.assignments.set_thread

    async def crash(*args: object) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(world.bot.store.assignments, "set_thread", crash)
    failed = await hand_in(world, amara)
    assert "something went wrong" in failed.response.content
    (orphan,) = hand_in_threads(world)
    assert bot_posts(orphan) == [] and await rows(world) == []
    monkeypatch.setattr(world.bot.store.assignments, "set_thread", set_thread)
    await world.restart()

    done = await hand_in(world, amara)

    assert orphan.mention in done.response.content
    assert [t.id for t in hand_in_threads(world)] == [orphan.id] and len(bot_posts(orphan)) == 1
    (row,) = await rows(world)
    assert row["channel_id"] == orphan.id


async def test_the_database_never_holds_a_hand_ins_note_or_link(world: World):
    await course_in_week(world, 2)
    await hand_in(world, world.server.learners[0])
    assert NOTE in bot_posts(hand_in_threads(world)[0])[0].content  # Discord holds it
    raw = await stored_bytes(world.bot.store, world.database)
    for secret in ("zv93k", "qx71"):
        assert secret.encode() not in raw and secret.encode("utf-16-le") not in raw
    assert b"Fall 2026" in raw  # the search sees what is stored (the cohort's name)


async def test_mydata_shows_hand_ins_and_forgetme_erases_them(world: World):
    await course_in_week(world, 2)
    amara = world.server.learners[0]
    await hand_in(world, amara)
    shown = await amara.slash(world.server.staff, "mydata")
    assert "1 × assignments you handed in" in shown.response.content
    stored = json.loads(await shown.response.attachments[0].read())
    assert set(stored) >= {"submissions", "assignment_threads"}
    asked = await amara.slash(world.server.staff, "forgetme")
    await amara.click(asked.response.message, label="Erase my data")
    assert await every_row_holding(world, amara.id) == []


async def test_without_create_private_threads_the_learner_is_told_and_nothing_is_stored(
    world: World,
):
    await course_in_week(world, 2)
    world.server.deny_bot(world.server.announcements, "create_private_threads")
    refused = await hand_in(world, world.server.learners[0])
    assert "Create Private Threads" in refused.response.content, refused.response.content
    assert await rows(world) == [] and hand_in_threads(world) == [] and refused.ephemeral


async def test_a_course_that_shares_hand_ins_posts_them_where_classmates_can_read(
    world: World, tmp_path
):
    sample = (world.prompts / "de-escalation.yaml").read_text()
    (tmp_path / "de-escalation.yaml").write_text(sample + "\nassignments:\n  shared: yes\n")
    world.prompts = tmp_path
    await world.restart()
    await course_in_week(world, 2)
    amara, bao = world.server.learners[:2]
    done = await hand_in(world, amara)
    assert "classmates can read it too" in done.response.content
    (thread,) = hand_in_threads(world)
    assert NOTE in thread.history(viewer=bao)[0].content


async def test_a_hand_in_after_discord_auto_archived_the_thread_goes_to_the_same_thread(
    world: World,
):
    await course_in_week(world, 2)
    amara = world.server.learners[0]
    await hand_in(world, amara)
    (thread,) = hand_in_threads(world)
    # Quiet for days, Discord archives the thread and drops it from the bot's cache.
    world.env.backend.edit_channel(thread.id, {}, thread_metadata={"archived": True})
    assert world.bot.get_channel(thread.id) is None

    again = await hand_in(world, amara, link="https://docs.example.org/v2")

    assert thread.mention in again.response.content
    assert [t.id for t in hand_in_threads(world)] == [thread.id] and len(bot_posts(thread)) == 2
    (row,) = await rows(world)
    assert row["channel_id"] == thread.id


async def test_hand_ins_close_on_a_week_post_discord_auto_archived(world: World):
    await course_in_week(world, 2)
    post = week_post(world, 2)
    world.env.backend.edit_channel(post.channel.id, {}, thread_metadata={"archived": True})
    assert world.bot.get_channel(post.channel.id) is None
    course = world.bot.library.get("de-escalation")
    (cohort,) = await world.bot.store.cohorts.all()
    await world.advance_to(cohort.calendar(course).consultation_ends + timedelta(minutes=1))
    (button,) = [c for row in week_post(world, 2).components for c in row.children]
    assert (button.label, button.disabled) == ("Hand-ins closed", True)


async def test_two_learners_filling_in_the_same_weeks_form_at_once_both_hand_in(world: World):
    await course_in_week(world, 2)
    amara, bao = world.server.learners[:2]
    amaras = await amara.click(week_post(world, 2), label="Submit assignment")
    baos = await bao.click(week_post(world, 2), label="Submit assignment")

    first = await amara.submit_modal(amaras, {"link": LINK})
    second = await bao.submit_modal(baos, {"note": NOTE})

    assert "Handed in" in first.response.content and "Handed in" in second.response.content
    assert sorted(r["user_id"] for r in await rows(world)) == sorted([amara.id, bao.id])


async def test_a_form_opened_before_a_restart_is_handed_in_after_it(world: World):
    await course_in_week(world, 2)
    amara = world.server.learners[0]
    shown = await amara.click(week_post(world, 2), label="Submit assignment")
    await world.restart()  # a deploy while the learner types

    done = await amara.submit_modal(shown, {"link": LINK, "note": NOTE})

    assert done.ephemeral and "Handed in: week 2" in done.response.content
    (row,) = await rows(world)
    assert row["user_id"] == amara.id
    (post,) = bot_posts(hand_in_threads(world)[0])
    assert LINK in post.content and NOTE in post.content


async def test_the_archive_locks_the_learners_hand_in_threads_too(world: World):
    await course_in_week(world, 2)
    await hand_in(world, world.server.learners[0])
    (thread,) = hand_in_threads(world)
    world.env.backend.edit_channel(thread.id, {}, thread_metadata={"archived": True})

    await world.advance_to(ARCHIVED + timedelta(hours=1))

    assert closed(world, thread) == (True, True)  # the work stays readable; nothing is added


async def test_after_the_cohort_ended_hand_ins_are_refused(world: World):
    await course_in_week(world, 2)
    amara = world.server.learners[0]
    shown = await amara.click(week_post(world, 2), label="Submit assignment")  # form open
    await world.server.instructor.slash(world.server.staff, "cohort end", cohort=COHORT)

    late = await amara.submit_modal(shown, {"link": LINK})
    again = await amara.click(week_post(world, 2), label="Submit assignment")

    for refused in (late, again):
        assert refused.ephemeral and "has ended" in refused.response.content
    assert again.modal is None
    assert await rows(world) == [] and hand_in_threads(world) == []


async def test_a_big_cohorts_list_names_everyone_and_who_did_not_hand_in(world: World):
    guild, role = world.server.guild, world.server.learner_role
    extra = [
        guild.add_member(world.env.create_user(f"learner{n:02}"), roles=[role]) for n in range(20)
    ]
    await course_in_week(world, 2)
    for learner in extra:
        await hand_in(world, learner, note="done")

    listed = await instructor(world, "assignment list", week=2)

    shown = listed.response.content
    assert len(shown) <= 2000 and shown.startswith("**Week 2**: 20 handed in, 12 not yet.")
    amara = world.server.learners[0]
    assert "**Not handed in (12):**" in shown and amara.mention in shown  # never cut off
    (attached,) = listed.response.attachments
    whole = (await attached.read()).decode()  # a file: names, and mentions that tell them apart
    assert all(f"{learner.name} ({learner.mention})" in whole for learner in extra)


async def test_two_learners_of_one_name_are_told_apart_in_the_list_and_the_summary(world: World):
    """Two members shown as "Sam": each line names its member by mention (the ephemeral
    answer shows their name, and whose line it is), never "Sam" twice."""
    guild, role = world.server.guild, world.server.learner_role
    sams = [
        guild.add_member(world.env.create_user(f"sam{n}", global_name="Sam"), roles=[role])
        for n in (1, 2)
    ]
    await course_in_week(world, 2)
    await hand_in(world, sams[0])

    listed = (await instructor(world, "assignment list", week=2)).response.content
    (handed,) = [line for line in listed.splitlines() if line.startswith("• ")]
    assert handed.startswith(f"• {sams[0].mention} — "), listed
    missing = listed.splitlines()[-1]
    assert sams[1].mention in missing and sams[0].mention not in missing, missing

    summary = (await instructor(world, "participation summary", week=2)).response.embeds[0]
    lines = (summary.description or "").splitlines()
    (first,) = [line for line in lines if f" {sams[0].mention} — " in line]
    (second,) = [line for line in lines if f" {sams[1].mention} — " in line]
    assert first.endswith("(met by assignment)") and second.endswith("(none)")
    assert " Sam — " not in summary.description
    rows = {row["user_id"]: row for row in await exported(world)}  # the CSV has the id
    assert rows[str(sams[0].id)]["display_name"] == rows[str(sams[1].id)]["display_name"] == "Sam"

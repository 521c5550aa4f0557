"""Participation end to end: learners post through SimCord; the bot reports, exports, nudges, erases.

How messages are counted (posts, replies, deletes, downtime) is test_e2e_tracking.py;
here learners simply take part, and the tests look at what Discord then holds.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import simcord

from bot.errors import NotAllowed
from cogs.privacy import confirmation
from tests.helpers import (
    WEEK_POSTS,
    World,
    as_shown,
    dms,
    refusals,
    stored_bytes,
)
from tests.scenarios import (
    COHORT,
    course_in_week,
    every_row_holding,
    exported,
    instructor,
    line_of,
    summary_lines,
    take_part,
    week_thread,
)


def public_text(world: World, viewer: simcord.MemberActor) -> str:
    """Everything ``viewer`` can read in the server's channels and threads (no one's DMs)."""
    places = [*world.server.guild.channels.values()]
    places += [thread for place in list(places) for thread in place.threads]
    return "\n".join(
        f"{m.content} {[e.to_dict() for e in m.embeds]}"
        for place in places
        for m in place.history(viewer=viewer)
    )


# -- reports ---------------------------------------------------------------------------------


async def test_the_summary_shows_each_learners_week_the_totals_and_who_is_behind(world: World):
    await course_in_week(world, 1)
    amara, bao = world.server.learners[:2]
    await take_part(world, amara, 1, posts=1, replies=2)
    await take_part(world, bao, 1, replies=1)
    await world.server.instructor.send(week_thread(world, 1), "Instructors are not learners")

    lines = await summary_lines(world)

    assert lines[:2] == [
        "**Week 1** — 12 learners: 1 met, 1 partial, 10 none, 0 excused",
        "Written in week 1: 1 post, 3 replies",
    ]
    assert line_of(lines, "Amara") == "✅ @Amara — 1 post, 2 replies (met)"
    assert line_of(lines, "Bao") == "🟡 @Bao — 0 posts, 1 reply (partial)"
    assert line_of(lines, "Lucia") == "⬜ @Lucia — 0 posts, 0 replies (none)"
    behind = lines[-1]
    assert behind.startswith("**Behind this week (11):** @Bao, @Carmen, @Dmitri")
    assert "Amara" not in behind and "Ms Rivera" not in "\n".join(lines)

    # A week later, the default is the new week, and week 1 can still be asked for.
    await world.advance_to(WEEK_POSTS[1] + timedelta(hours=1))
    assert (await summary_lines(world))[0].startswith("**Week 2** — 12 learners: 0 met")
    assert (await summary_lines(world, 1))[-1].startswith("**Behind in week 1 (11):**")


async def test_one_learners_weeks_for_the_instructor(world: World):
    await course_in_week(world, 2)
    amara = world.server.learners[0]
    await take_part(world, amara, 2, posts=1, replies=1)
    result = await instructor(world, "participation learner", member=amara)
    (embed,) = result.response.embeds
    assert embed.title == f"Amara in {COHORT}"
    assert embed.description.splitlines()[:2] == [
        "⬜ Week 1: 0 posts, 0 replies (none)",
        "🟡 Week 2: 1 post, 1 reply (partial)",
    ]
    assert "Left this week (week 2): 1 reply to classmates — or check in" in embed.description


async def test_the_export_rows_match_the_summary_of_every_week_and_name_who_completed(world: World):
    await course_in_week(world, 1)
    amara, bao, carmen = world.server.learners[:3]
    await instructor(world, "participation excuse", member=bao, week=3)
    for week in range(1, 5):
        await world.advance_to(WEEK_POSTS[week - 1] + timedelta(hours=1))
        await take_part(world, amara, week, posts=1, replies=2)
        if week != 3:
            await take_part(world, bao, week, posts=2, replies=3)
        await take_part(world, carmen, week, replies=week)

    rows = await exported(world)

    assert [row["display_name"] for row in rows] == [m.name.title() for m in world.server.learners]
    assert {row["display_name"]: row["completed"] for row in rows if row["completed"] == "yes"} == {
        "Amara": "yes",
        "Bao": "yes",  # excused in week 3
    }
    carmen_row = rows[2]  # replies only, never a post of her own
    assert [carmen_row[f"week{w}_status"] for w in range(1, 5)] == ["partial"] * 4
    assert [row["user_id"] for row in rows] == [str(m.id) for m in world.server.learners]
    for week in range(1, 5):
        lines = await summary_lines(world, week)
        for row in rows:
            expected = (
                f"{row[f'week{week}_posts']} post"
                + ("" if row[f"week{week}_posts"] == "1" else "s"),
                f"{row[f'week{week}_replies']} repl"
                + ("y" if row[f"week{week}_replies"] == "1" else "ies"),
                f"({row[f'week{week}_status']}",  # "(met" or "(met by …" where options exist
            )
            line = line_of(lines, row["display_name"])
            assert all(part in line for part in expected), (line, expected)


async def test_the_chart_is_a_png_attachment(world: World):
    await course_in_week(world, 1)
    await take_part(world, world.server.learners[0], 1, posts=1, replies=2)
    result = await instructor(world, "participation chart")
    (png,) = result.response.attachments
    assert png.filename == "participation-fall-2026.png"
    assert (await png.read()).startswith(b"\x89PNG\r\n\x1a\n")


async def test_an_excused_week_counts_as_met_and_shows_as_excused(world: World):
    await course_in_week(world, 1)
    carmen = world.server.learners[2]
    answer = await instructor(world, "participation excuse", member=carmen, week=1)
    assert "excused for week 1" in answer.response.content

    lines = await summary_lines(world)
    assert line_of(lines, "Carmen") == "🔵 @Carmen — 0 posts, 0 replies (excused)"
    assert "Carmen" not in lines[-1]  # not behind
    mine = await carmen.slash(world.server.staff, "progress")
    assert "Week 1 is done. Thank you!" in mine.response.embeds[0].description

    too_late = await instructor(world, "participation excuse", member=carmen, week=5)
    assert "weeks 1 to 4" in too_late.response.content
    outsider = await instructor(world, "participation excuse", member=world.server.outsider, week=1)
    assert "not a learner" in outsider.response.content
    assert len(refusals(world)) == 2


# -- what learners see ----------------------------------------------------------------------


async def test_progress_shows_a_learner_their_own_weeks_and_what_is_left(world: World):
    await course_in_week(world, 1)
    amara, bao = world.server.learners[:2]
    await take_part(world, amara, 1, posts=1, replies=2)
    await world.advance_to(WEEK_POSTS[1] + timedelta(hours=1))
    await take_part(world, amara, 2, replies=1)
    await take_part(world, bao, 2, posts=3)

    mine = await amara.slash(world.server.staff, "progress")

    assert mine.ephemeral
    (embed,) = mine.response.embeds
    assert embed.title == f"Amara in {COHORT}"
    closes = int(WEEK_POSTS[2].timestamp())
    assert embed.description.splitlines() == [
        "✅ Week 1: 1 post, 2 replies (met)",
        "🟡 Week 2: 0 posts, 1 reply (partial)",
        "Weeks met: 1 of 4. The course is complete when every week is met (or excused).",
        "Left this week (week 2): 1 post of your own and 1 reply to classmates"
        " — or check in to the live session (or watch its recording)"
        f" — or hand in the assignment. It closes <t:{closes}:R>.",
    ]
    named = await amara.slash(world.server.staff, "progress", cohort=COHORT)
    assert named.response.embeds[0].description == embed.description
    stranger = await world.server.outsider.slash(world.server.staff, "progress")
    assert "not a learner" in stranger.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed]


INSTRUCTOR_ONLY = [
    ("participation summary", {}),
    ("participation learner", {"member": 1}),
    ("participation export", {}),
    ("participation chart", {}),
    ("participation excuse", {"member": 1, "week": 1}),
    ("participation nudge", {}),
]


@pytest.mark.parametrize(
    ("command", "options"), INSTRUCTOR_ONLY, ids=[c for c, _ in INSTRUCTOR_ONLY]
)
async def test_a_learner_cannot_run_instructor_commands(world: World, command: str, options: dict):
    await course_in_week(world, 1)
    amara, bao = world.server.learners[:2]
    await take_part(world, bao, 1, posts=1)
    if "member" in options:
        options = {**options, "member": bao}

    world.show_staff_commands_to_everyone()  # hidden from learners; an admin could show it
    refused = await amara.slash(world.server.staff, command, cohort=COHORT, **options)

    assert refused.ephemeral
    assert refused.response.content.startswith(f"Only {COHORT}'s instructors")
    assert refused.response.attachments == [] and refused.response.embeds == []
    assert "Bao" not in refused.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed]
    assert dms(world, bao) == []  # not nudged by a learner


# -- nudges and the digest --------------------------------------------------------------------


async def test_nudges_reach_those_behind_with_a_link_skip_closed_dms_and_respect_opt_outs(
    world: World,
):
    await course_in_week(world, 1)
    server = world.server
    done, closed, opted_out, behind = server.learners[:4]
    await take_part(world, done, 1, posts=1, replies=2)
    await opted_out.slash(server.staff, "reminders off")
    dm_channel = world.env.backend.get_dm_channel(closed.id)
    world.env.inject_error(
        "POST", f"/channels/{dm_channel.id}/messages", status=403, code=50007, times=None
    )

    await world.advance_to(WEEK_POSTS[1] - timedelta(days=2) + timedelta(minutes=1))  # nudge time

    assert dms(world, done) == [] and dms(world, opted_out) == [] and dms(world, closed) == []
    (nudge,) = dms(world, behind)
    thread = week_thread(world, 1)
    assert nudge.content.startswith("Hi Dmitri! A friendly note from **")
    assert f"/channels/{server.guild.id}/{thread.id}/" in nudge.content  # the week's post
    assert (
        "Left this week (week 1): 1 post of your own and 2 replies to classmates." in nudge.content
    )
    assert "/reminders off" in nudge.content
    nudged = [m for m in server.learners if dms(world, m)]
    assert len(nudged) == 9  # 12, less the one who met the week, opted out, and closed DMs
    told = [m.content.splitlines()[0] for m in dms(world, server.instructor)]  # then its marker
    assert f"**{COHORT}**: Week 1 nudges: 9 sent, 1 skipped (DMs closed)." in told
    public = public_text(world, server.learners[5])
    assert "DMs closed" not in public  # the bot says nothing about it in public
    assert closed.name.title() not in public and str(closed.id) not in public

    # By hand: a new round for whoever is still behind, once a day however often it is run.
    await take_part(world, behind, 1, posts=1)
    first = await instructor(world, "participation nudge")
    assert first.response.content == "Week 1 nudges: 9 sent, 1 skipped (DMs closed)."
    again = await instructor(world, "participation nudge")
    assert again.response.content == "Week 1 nudges: 0 sent, 10 already reached."
    assert len(dms(world, behind)) == 2
    assert "Left this week (week 1): 2 replies to classmates." in dms(world, behind)[-1].content
    assert dms(world, opted_out) == []


async def test_reminders_on_again_brings_the_nudges_back(world: World):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    off = await amara.slash(world.server.staff, "reminders off")
    assert off.ephemeral and "no more nudges" in off.response.content
    await world.advance_to(WEEK_POSTS[1] - timedelta(days=2) + timedelta(minutes=1))
    assert dms(world, amara) == []

    on = await amara.slash(world.server.staff, "reminders on")
    assert "on again" in on.response.content
    await world.advance_to(WEEK_POSTS[2] - timedelta(days=2) + timedelta(minutes=1))
    (nudge,) = dms(world, amara)
    assert "week 2 closes" in nudge.content


async def test_the_weekly_digest_reaches_the_instructor_privately(world: World):
    await course_in_week(world, 1)
    amara, bao = world.server.learners[:2]
    await take_part(world, amara, 1, posts=1, replies=2)
    await take_part(world, bao, 1, replies=1)

    await world.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))  # week 1 closes

    (digest,) = [
        as_shown(world, m.content)
        for m in dms(world, world.server.instructor)
        if "Weekly digest" in m.content
    ]
    lines = digest.splitlines()
    assert (
        lines[0]
        == f"**{COHORT}**: Weekly digest, week 1: 12 learners, 1 met, 1 partial, 10 none, 0 excused"
    )
    assert "Written in week 1: 1 post, 3 replies" in lines
    assert any(line.startswith("**Behind in week 1 (11):** @Bao, @Carmen") for line in lines)
    assert any(line.startswith("**Not posted at all (10):** @Carmen, @Dmitri") for line in lines)
    assert "Weekly digest" not in public_text(world, amara)


# -- privacy ---------------------------------------------------------------------------------


async def test_mydata_shows_exactly_what_is_stored_about_the_caller(world: World):
    await course_in_week(world, 1)
    amara, bao = world.server.learners[:2]
    await take_part(world, amara, 1, posts=1, replies=1)
    await take_part(world, bao, 1, posts=1)
    await amara.slash(world.server.staff, "reminders off")

    shown = await amara.slash(world.server.staff, "mydata")

    assert shown.ephemeral
    assert shown.response.content.splitlines()[1:3] == [
        "• 2 × messages you wrote in course channels: when, where, which week, post or reply"
        " (never what you wrote)",
        "• 1 × your choice about nudges and reminders",
    ]
    (attachment,) = shown.response.attachments
    stored = json.loads(await attachment.read())
    assert sorted(stored) == ["activity", "learner_prefs"]
    assert {row["kind"] for row in stored["activity"]} == {"original", "reply"}
    assert all(row["user_id"] == amara.id for rows in stored.values() for row in rows)
    nothing = await world.server.outsider.slash(world.server.staff, "mydata")
    assert nothing.response.content == "I keep nothing about you."


async def test_forgetme_after_confirming_leaves_nothing_of_the_learner_in_the_file(world: World):
    await course_in_week(world, 1)
    server = world.server
    amara, bao = server.learners[:2]
    await take_part(world, amara, 1, posts=1, replies=1)
    await take_part(world, bao, 1, posts=1)
    await amara.slash(server.staff, "reminders off")
    await instructor(world, "participation excuse", member=amara, week=2)
    await world.advance_to(
        WEEK_POSTS[1] - timedelta(days=2) + timedelta(minutes=1)
    )  # nudges: Bao's
    await amara.slash(server.staff, "reminders on")
    await instructor(world, "participation nudge")  # reaches Amara: a recipient row
    assert len(await every_row_holding(world, amara.id)) >= 4

    asked = await amara.slash(server.staff, "forgetme")
    assert asked.ephemeral  # only Amara sees the buttons
    with pytest.raises(simcord.SetupError):
        await bao.click(asked.response.message, label="Erase my data")
    await world.restart()  # the button names Amara in its id: it outlives the process
    confirmed = await amara.click(asked.response.message, label="Erase my data")

    assert "records about you were erased" in confirmed.response.content
    assert await every_row_holding(world, amara.id) == []
    assert await every_row_holding(world, bao.id) != []  # Bao's records are untouched
    if world.bot.store.dialect == "postgres":
        # No secure_delete on PostgreSQL: the rows are gone from the live tables (above) and
        # the tables were vacuumed at once; the WAL and backups keep them until they are
        # recycled (README.md, "PostgreSQL"), so the files are not searched here.
        async with world.bot.store.db.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL"
        ) as cursor:
            vacuumed = {row[0] for row in await cursor.fetchall()}
        assert {"activity", "learner_prefs", "excusals", "delivery_recipients"} <= vacuumed
        return
    raw = await stored_bytes(world.bot.store, world.database)
    assert amara.id.to_bytes(8, "big") not in raw
    assert bao.id.to_bytes(8, "big") in raw  # the search would find an id that is there
    again = await amara.slash(server.staff, "mydata")
    assert again.response.content == "I keep nothing about you."


async def test_keeping_it_erases_nothing(world: World):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    await take_part(world, amara, 1, posts=1)
    asked = await amara.slash(world.server.staff, "forgetme")
    kept = await amara.click(asked.response.message, label="Keep it")
    assert kept.response.content == "Nothing was erased."
    assert await every_row_holding(world, amara.id) == [("activity", "user_id")]


async def test_participation_data_is_purged_at_the_scheduled_time(world: World):
    await course_in_week(world, 1)
    amara, bao = world.server.learners[:2]
    await take_part(world, amara, 1, posts=1, replies=2)
    await instructor(world, "participation excuse", member=bao, week=1)
    course = world.bot.library.get("de-escalation")
    (cohort,) = await world.bot.store.cohorts.all()
    purges = cohort.calendar(course).purges

    await world.advance_to(purges - timedelta(minutes=1))
    assert ("activity", "user_id") in await every_row_holding(world, amara.id)
    assert ("excusals", "user_id") in await every_row_holding(world, bao.id)
    await world.advance_to(purges + timedelta(minutes=1))

    assert await every_row_holding(world, amara.id) == []
    assert await every_row_holding(world, bao.id) == []
    assert (await world.bot.store.deliveries.get(cohort.id, "purge")).state == "done"
    rows = await exported(world)
    assert {row["week1_status"] for row in rows} == {"none"}


async def test_an_erase_button_works_only_for_the_person_it_names(world: World):
    """Were the confirmation ever seen by someone else, their press would erase nothing."""
    await course_in_week(world, 1)
    amara, bao = world.server.learners[:2]
    await take_part(world, amara, 1, posts=1)
    staff = world.bot.get_channel(world.server.staff.id)
    shown = await staff.send("Amara's confirmation, visible to all", view=confirmation(amara.id))

    pressed = await bao.click(shown, label="Erase my data")

    assert pressed.ephemeral
    assert pressed.response.content == "Only the person who asked can answer this."
    assert await every_row_holding(world, amara.id) == [("activity", "user_id")]


async def test_a_summary_too_long_for_a_message_comes_with_the_whole_list_as_a_file(world: World):
    server = world.server
    for n in range(150):
        user = world.env.create_user(f"learner-{n:03}", global_name=f"Learner number {n:03}")
        server.guild.add_member(user, roles=[server.learner_role])
    await course_in_week(world, 1)

    result = await instructor(world, "participation summary")

    assert len(result.response.embeds[0].description) <= 4096
    assert "more: see the file" in result.response.embeds[0].description
    (attachment,) = result.response.attachments
    assert attachment.filename == "participation-week-1.txt"
    listed = (await attachment.read()).decode("utf-8")
    # In a file a mention is not shown as a name: the name, then the mention (the user id).
    assert all(
        re.search(rf"⬜ Learner number {n:03} \(<@\d+>\) — 0 posts", listed) for n in range(150)
    )
    assert (
        listed.splitlines()[0] == "**Week 1** — 162 learners: 0 met, 0 partial, 162 none, 0 excused"
    )

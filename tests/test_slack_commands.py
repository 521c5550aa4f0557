"""Slack has every command Discord has (issue #15): /cohort show|pause|resume|end,
/participation learner|excuse|chart, /sessions, /recordings, /setup show|clear-staff.
Each answer is ephemeral; files come by DM; who may not is refused with no change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cohort import CohortState, DeliveryState
from bot.slack.commands import STAFF_COMMANDS
from tests.slack_helpers import LIVE_1, WEEK_POSTS, SlackWorld, snapshot


def private(answer: dict) -> str:
    assert answer.get("response_type") != "in_channel", answer
    return answer["text"]


async def week_one(sworld: SlackWorld) -> None:
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))


# -- /cohort show, pause, resume, end --------------------------------------------------------


async def test_cohort_show_links_what_was_posted_to_slack_and_says_what_comes_next(
    sworld: SlackWorld,
):
    await week_one(sworld)
    before = await snapshot(sworld)
    text = private(await sworld.slack.person("instructor").command("/cohort", 'show "Fall 2026"'))
    (week1,) = sworld.titled("Week 1")
    channel = sworld.slack.workspace.channel_named("cohort").id
    assert f"https://slack.com/archives/{channel}/p{week1.ts.replace('.', '')}" in text
    assert "discord.com" not in text
    assert "*Posted*" in text and "*Next*" in text
    assert "<!date^" in text and "<t:" not in text  # in the reader's own time zone
    assert await snapshot(sworld) == before


async def test_a_paused_cohort_posts_nothing_until_resumed_then_posts_what_it_missed(
    sworld: SlackWorld,
):
    await week_one(sworld)
    instructor = sworld.slack.person("instructor")
    paused = private(await instructor.command("/cohort", 'pause "Fall 2026"'))
    assert "paused" in paused and (await sworld.cohort()).state == CohortState.PAUSED
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(seconds=1))
    assert sworld.titled("Week 2") == []
    resumed = private(await instructor.command("/cohort", 'resume "Fall 2026"'))
    assert "running again" in resumed and (await sworld.cohort()).state == CohortState.ACTIVE
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))
    assert len(sworld.titled("Week 2")) == 1


async def test_an_ended_cohort_posts_nothing_more_and_cannot_be_resumed(sworld: SlackWorld):
    await week_one(sworld)
    instructor = sworld.slack.person("instructor")
    ended = private(await instructor.command("/cohort", 'end "Fall 2026"'))
    cohort = await sworld.cohort()
    assert cohort.state == CohortState.ENDED
    rows = {d.key: d for d in await sworld.bot.store.deliveries.for_cohort(cohort.id)}
    skipped = [d for d in rows.values() if d.state == DeliveryState.SKIPPED]
    assert f"{len(skipped)} pending posts and reminders were cancelled" in ended
    assert rows["module:2"].state == DeliveryState.SKIPPED
    assert rows["archive"].state == DeliveryState.PENDING  # still archived on schedule
    await sworld.advance_to(WEEK_POSTS[2] + timedelta(seconds=1))
    assert sworld.titled("Week 2") == [] and sworld.titled("Week 3") == []
    refused = private(await instructor.command("/cohort", 'resume "Fall 2026"'))
    assert refused == "Fall 2026 has ended; it can't be paused or resumed."
    assert (await sworld.cohort()).state == CohortState.ENDED


async def test_killed_between_ending_and_cancelling_ending_again_cancels_the_rest(
    sworld: SlackWorld,
):
    await week_one(sworld)
    cohort = await sworld.cohort()
    await sworld.bot.store.cohorts.set_state(cohort.id, CohortState.ENDED)  # then the crash
    await sworld.restart()
    again = private(await sworld.slack.person("instructor").command("/cohort", 'end "Fall 2026"'))
    assert "0 pending" not in again and "pending posts and reminders were cancelled" in again
    row = await sworld.bot.store.deliveries.get(cohort.id, "module:2")
    assert row is not None and row.state == DeliveryState.SKIPPED


# -- /participation learner, excuse, chart ---------------------------------------------------


async def test_participation_learner_shows_one_learners_weeks(sworld: SlackWorld):
    await week_one(sworld)
    await sworld.slack.person("learner1").post("cohort", "my first post")
    ws = sworld.slack.workspace
    learner1 = ws.user_named("learner1").id
    instructor = sworld.slack.person("instructor")
    text = private(
        await instructor.command("/participation", f'learner "Fall 2026" <@{learner1}|learner1>')
    )
    assert text.startswith("*learner1 in Fall 2026*") and "Week 1" in text, text
    outsider = ws.user_named("outsider").id
    refused = private(
        await instructor.command("/participation", f'learner "Fall 2026" <@{outsider}>')
    )
    assert refused == f"<@{outsider}> is not a learner in Fall 2026."
    bare = private(await instructor.command("/participation", 'learner "Fall 2026" learner1'))
    assert "@mention" in bare


async def test_an_excused_week_counts_as_met_and_bad_input_changes_nothing(sworld: SlackWorld):
    await week_one(sworld)
    ws = sworld.slack.workspace
    learner2 = ws.user_named("learner2").id
    instructor = sworld.slack.person("instructor")
    before = await snapshot(sworld)
    for text, says in [
        (f'excuse "Fall 2026" <@{learner2}> 9', "weeks 1 to 4, not 9"),
        (f'excuse "Fall 2026" <@{learner2}> first', "the week is a number"),
        (f'excuse "Fall 2026" <@{ws.user_named("outsider").id}> 1', "is not a learner"),
        ('excuse "Fall 2026"', "usage"),
    ]:
        assert says in private(await instructor.command("/participation", text)), text
    assert await snapshot(sworld) == before
    done = private(
        await instructor.command("/participation", f'excuse "Fall 2026" <@{learner2}> 1')
    )
    assert done == "learner2 is excused for week 1 of Fall 2026: it counts as met."
    cohort = await sworld.cohort()
    number = await sworld.bot.platform.number(learner2)
    assert await sworld.bot.store.participation.excusals(cohort.id) == [(number, 1)]
    summary = private(await instructor.command("/participation", 'summary "Fall 2026" 1'))
    (line,) = [x for x in summary.splitlines() if f"<@{learner2}>" in x]
    assert "excused" in line


async def test_a_summary_of_a_week_the_course_lacks_or_not_a_number_is_refused(
    sworld: SlackWorld,
):
    """Week 0 was a summary of every week, and a word the week in progress, unsaid."""
    await week_one(sworld)
    instructor = sworld.slack.person("instructor")
    for typed, says in [
        ("0", "Fall 2026's course has weeks 1 to 4, not 0."),
        ("9", "Fall 2026's course has weeks 1 to 4, not 9."),
        ("first", "the week is a number, not 'first'"),
    ]:
        answer = private(await instructor.command("/participation", f'summary "Fall 2026" {typed}'))
        assert answer == says, typed


async def test_the_chart_is_a_png_in_the_instructors_dms(sworld: SlackWorld):
    await week_one(sworld)
    await sworld.slack.person("learner1").post("cohort", "my first post")
    answer = private(
        await sworld.slack.person("instructor").command("/participation", 'chart "Fall 2026"')
    )
    assert answer == "The chart of Fall 2026 is in your DMs with me."
    (png,) = [f for f in sworld.slack.workspace.files.values() if f["name"].endswith(".png")]
    assert png["content"].startswith(b"\x89PNG\r\n\x1a\n")
    (im,) = png["channels"]
    instructor = sworld.slack.workspace.user_named("instructor")
    assert im == sworld.slack.workspace.open_im(instructor.id).id  # a DM, not the channel


# -- /sessions, /recordings (learners) -------------------------------------------------------


async def fall_and_spring(sworld: SlackWorld) -> None:
    """Fall: learners 1 to 4 (the learner group). Spring, in #spring: learners 1 and 2 (the
    channel's members), taught by teacher_b. learner3 learns only in Fall."""
    ws = sworld.slack.workspace
    teacher = ws.add_user("teacher_b")
    ws.add_usergroup("spring-instructors", [teacher])
    ws.add_channel("spring", [teacher, ws.user_named("learner1"), ws.user_named("learner2")])
    assert await sworld.create_cohort() == {}
    created = await sworld.create_cohort(
        "Spring 2027", channel="spring", learners=None, instructors="spring-instructors"
    )
    assert created == {}


async def test_sessions_lists_a_learners_own_cohorts_in_their_own_time(sworld: SlackWorld):
    await fall_and_spring(sworld)
    learner3 = sworld.slack.person("learner3")
    text = private(await learner3.command("/sessions"))
    assert "*Fall 2026*" in text and "Spring 2027" not in text
    assert "Live session 1: Listening Under Pressure" in text
    assert f"<!date^{int(LIVE_1.timestamp())}^" in text and "<t:" not in text
    assert private(await learner3.command("/sessions", 'upcoming "Fall 2026"')) == text
    learner1 = private(await sworld.slack.person("learner1").command("/sessions"))
    assert "*Fall 2026*" in learner1 and "*Spring 2027*" in learner1


async def test_progress_shows_the_cohort_named_first_or_all_of_ones_own(sworld: SlackWorld):
    """As on Discord: ``/progress "<cohort>"`` shows that cohort only (it used to show every
    cohort and ignore the name); one the asker does not learn in is refused."""
    await fall_and_spring(sworld)
    learner1 = sworld.slack.person("learner1")
    both = private(await learner1.command("/progress"))
    assert "*learner1 in Fall 2026*" in both and "*learner1 in Spring 2027*" in both, both
    spring = private(await learner1.command("/progress", '"Spring 2027"'))
    assert "*learner1 in Spring 2027*" in spring and "Fall 2026" not in spring, spring
    refused = private(await sworld.slack.person("learner3").command("/progress", '"Spring 2027"'))
    assert refused == "You are not a learner in Spring 2027."
    unquoted = private(await learner1.command("/progress", "Spring 2027"))
    assert unquoted.startswith("usage: `/progress [cohort]`"), unquoted


async def test_sessions_calendar_comes_by_dm_as_one_ics(sworld: SlackWorld):
    await fall_and_spring(sworld)
    learner = sworld.slack.person("learner3")
    answer = private(await learner.command("/sessions", 'calendar "Fall 2026"'))
    assert "in your DMs" in answer
    (ics,) = [f for f in sworld.slack.workspace.files.values() if f["name"].endswith(".ics")]
    assert ics["name"] == "sessions.ics" and ics["content"].startswith(b"BEGIN:VCALENDAR")
    assert ics["content"].count(b"BEGIN:VEVENT") == 2
    (im,) = ics["channels"]
    assert im == sworld.slack.workspace.open_im(learner.id).id


@pytest.mark.parametrize(
    ("who", "text", "says"),
    [
        ("outsider", "", "You are not in any cohort in this workspace."),
        ("outsider", '"Fall 2026"', "Recordings and sessions of Fall 2026 are for its learners."),
        (
            "learner3",
            '"Spring 2027"',
            "Recordings and sessions of Spring 2027 are for its learners.",
        ),
        ("teacher_b", '"Fall 2026"', "Recordings and sessions of Fall 2026 are for its learners."),
        ("learner3", '"Winter"', "no cohort called 'Winter' in this workspace; yours: Fall 2026"),
    ],
)
async def test_sessions_and_recordings_of_a_cohort_are_for_its_people_only(
    sworld: SlackWorld, who: str, text: str, says: str
):
    await fall_and_spring(sworld)
    before = await snapshot(sworld)
    person = sworld.slack.person(who)
    for command, words in [
        ("/sessions", text),
        ("/sessions", f"calendar {text}"),
        ("/recordings", text),
    ]:
        assert private(await person.command(command, words)) == says, (command, words)
    assert await snapshot(sworld) == before


async def test_recordings_lists_each_recording_with_its_passcode_until_the_archive(
    sworld: SlackWorld,
):
    await fall_and_spring(sworld)
    await sworld.advance_to(LIVE_1 - timedelta(days=1, hours=1))  # announced
    await sworld.advance_to(LIVE_1 + timedelta(hours=2))
    url = "https://example.org/rec/1"
    instructor = sworld.slack.person("instructor")
    added = await instructor.command("/recording", f'add "Fall 2026" live-1 {url} s3cret')
    assert "Recording posted" in added["text"], added
    learner3 = sworld.slack.person("learner3")
    text = private(await learner3.command("/recordings"))
    assert "*Fall 2026*" in text and url in text and "s3cret" in text
    spring = private(await sworld.slack.person("teacher_b").command("/recordings"))
    assert "Spring 2027" in spring and url not in spring
    cohort = await sworld.cohort()
    course = sworld.bot.library.get(cohort.course_id)
    await sworld.advance_to(cohort.calendar(course).archives + timedelta(minutes=1))
    assert private(await learner3.command("/recordings")) == "No recordings yet."


# -- /setup show, clear-staff (workspace admins) ---------------------------------------------


async def test_setup_shows_and_clears_the_staff_group_for_admins_only(sworld: SlackWorld):
    admin, staff = sworld.slack.person("admin"), sworld.slack.person("instructor")
    group = sworld.group("cohort-staff")
    shown = private(await admin.command("/setup", "show"))
    assert f"<!subteam^{group}>" in shown and "admins" in shown
    before = await snapshot(sworld)
    for sub in ("show", "clear-staff"):  # course staff, but not a workspace admin
        refused = private(await staff.command("/setup", sub))
        assert refused == "Only a workspace admin sets who is course staff (`/setup`)."
    assert await snapshot(sworld) == before
    cleared = private(await admin.command("/setup", "clear-staff"))
    assert "cleared" in cleared
    team = await sworld.bot.platform.number(sworld.bot.platform.team)
    assert await sworld.bot.store.guilds.staff_role(team) is None
    assert private(await staff.command("/cohort", "create")) == "Only course staff can do that."
    assert "nothing changed" in private(await admin.command("/setup", "clear-staff"))
    assert "no staff user group" in private(await admin.command("/setup", "show"))


# -- a wrong subcommand -----------------------------------------------------------------------


async def test_a_wrong_subcommand_gets_a_usage_line_not_works_on_discord(sworld: SlackWorld):
    admin = sworld.slack.person("admin")
    for command, subs in STAFF_COMMANDS.items():
        if not subs:
            continue  # /assignment: the lead's branch brings its subcommands
        text = private(await admin.command(command, "frobnicate"))
        assert text.startswith("usage:") and "Discord" not in text, (command, text)
        assert all(sub in text for sub in subs if sub not in ("add",)), (command, text)
    for command in ("/sessions", "/recordings"):
        text = private(await sworld.slack.person("learner1").command(command, "a b c"))
        assert text.startswith("usage:"), (command, text)

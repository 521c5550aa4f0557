"""Per-cohort instructors on Slack: an instructor user group per cohort, set at ``/cohort
create``; an instructor of one cohort runs it, and is refused on another like on Discord."""

from __future__ import annotations

from datetime import timedelta

from tests.slack_helpers import WEEK_POSTS, SlackWorld, snapshot, two_cohorts

RUNS_A_COHORT = [
    ("/module", 'preview "{}" 1'),
    ("/module", 'post "{}" 1'),
    ("/participation", 'summary "{}"'),
    ("/participation", 'export "{}"'),
    ("/participation", 'nudge "{}"'),
    ("/session", 'list "{}"'),
    ("/session", 'add "{}" "Office hour" "2026-10-15 10:00" 45m'),
    ("/session", 'reschedule "{}" live-1 "2026-10-22 11:00"'),
    ("/session", 'cancel "{}" live-1'),
    ("/recording", 'add "{}" live-1 https://example.org/rec'),
    ("/certificates", 'list "{}"'),
    ("/certificates", 'issue "{}" <@{}>'),
    ("/assignment", 'list "{}" 2'),
    ("/assignment", 'review "{}" <@{}> 2'),
]


async def test_an_instructor_of_another_cohort_is_refused_privately_with_no_change(
    sworld: SlackWorld,
):
    await two_cohorts(sworld)
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    before = await snapshot(sworld)
    teacher_b = sworld.slack.person("teacher_b")
    for command, text in RUNS_A_COHORT:
        learner1 = sworld.slack.workspace.user_named("learner1").id
        answer = await teacher_b.command(command, text.format("Fall 2026", learner1))
        assert answer["text"] == "Only Fall 2026's instructors (or course staff) can do that.", (
            command,
            text,
        )
        assert answer.get("response_type") != "in_channel"
    refused = await teacher_b.command("/cohort", "create")
    assert refused["text"] == "Only course staff can do that."
    assert await snapshot(sworld) == before


async def test_a_cohorts_instructor_runs_it_and_sees_only_their_cohorts(sworld: SlackWorld):
    await two_cohorts(sworld)
    teacher_a = sworld.slack.person("teacher_a")
    listed = await teacher_a.command("/cohort", "list")
    assert "Fall 2026" in listed["text"] and "Spring 2027" not in listed["text"]
    added = await teacher_a.command(
        "/session", 'add "Fall 2026" "Office hour" "2026-10-15 10:00" 45m'
    )
    assert "Added *Office hour*" in added["text"], added
    preview = await teacher_a.command("/module", 'preview "Fall 2026" 1')
    assert preview["blocks"][0]["type"] == "header"
    staff = sworld.slack.person("instructor")  # course staff: every cohort
    assert "`live-1`" in (await staff.command("/session", 'list "Spring 2027"'))["text"]


async def test_a_cohorts_instructor_is_not_counted_as_its_learner(sworld: SlackWorld):
    """Without a learner group the learners are the channel's members less its instructors."""
    ws = sworld.slack.workspace
    teacher = ws.add_user("teacher_a")
    ws.add_usergroup("fall-instructors", [teacher])
    ws.channel_named("cohort").members.add(teacher.id)
    await sworld.create_cohort(learners=None, instructors="fall-instructors")
    cohort = await sworld.cohort()
    learners = await sworld.bot.platform.learner_ids(cohort)
    assert teacher.id not in learners and ws.user_named("learner1").id in learners


async def test_private_reports_go_to_the_creator_only_while_they_may_run_the_cohort(
    sworld: SlackWorld,
):
    """The weekly digest names who is behind. Its creator, once out of the staff group, gets
    none; the cohort's instructor group gets it instead (never a learner or an outsider)."""
    ws = sworld.slack.workspace
    teacher = ws.add_user("teacher_a")
    ws.add_usergroup("fall-instructors", [teacher])
    assert await sworld.create_cohort(instructors="fall-instructors") == {}
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(minutes=1))  # week 1 closes: a digest
    creator = ws.user_named("instructor")
    assert [m for m in ws.dms(creator) if "digest" in m.text.lower()]
    assert not [m for m in ws.dms(teacher) if "digest" in m.text.lower()]

    await sworld.slack.set_usergroup("cohort-staff", [])  # the creator is staff no more
    before = len(ws.dms(creator))
    await sworld.advance_to(WEEK_POSTS[2] + timedelta(minutes=1))  # week 2 closes
    assert not [m for m in ws.dms(creator)[before:] if "digest" in m.text.lower()]
    (digest,) = [m for m in ws.dms(teacher) if "digest" in m.text.lower()]
    assert "Fall 2026" in digest.text
    for name in ("learner1", "outsider"):
        assert not [m for m in ws.dms(ws.user_named(name)) if "digest" in m.text.lower()]

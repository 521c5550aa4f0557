"""``/session add|list|reschedule|cancel`` on Slack: the real slack-bolt app on the stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.slack_helpers import LIVE_1, WEEK_POSTS, SlackWorld, announced, snapshot

OFFICE_HOUR = datetime(2026, 10, 15, 17, tzinfo=UTC)  # 10:00 PDT


def announcements(sworld: SlackWorld, key: str):
    return [m for m in sworld.posts() if m.metadata and f"announce:{key}" in str(m.metadata)]


async def test_a_session_added_by_command_is_listed_and_announced_once(sworld: SlackWorld):
    await sworld.create_cohort()
    instructor = sworld.slack.person("instructor")
    answer = await instructor.command(
        "/session",
        'add "Fall 2026" "Office hour" "2026-10-15 10:00" 45m https://example.org/join',
    )
    assert "Added *Office hour* (`office-hour`)" in answer["text"], answer
    assert f"<!date^{int(OFFICE_HOUR.timestamp())}^" in answer["text"]  # each reader's own time
    cohort = await sworld.cohort()
    (added,) = [
        s for s in await sworld.bot.store.cohorts.sessions(cohort.id) if s.key == "office-hour"
    ]
    assert added.start == OFFICE_HOUR and added.duration == timedelta(minutes=45)
    assert added.url == "https://example.org/join"
    listing = await instructor.command("/session", 'list "Fall 2026"')
    assert "`office-hour` *Office hour*" in listing["text"] and "`live-1`" in listing["text"]
    assert listing.get("response_type") != "in_channel"

    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(minutes=5))
    (post,) = announcements(sworld, "office-hour")
    labels = [e["text"]["text"] for e in post.blocks[-1]["elements"]]
    assert labels == ["Remind me", "Add to calendar"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('add "Fall 2026" "Office hour" "2026-10-01 10:00" 45m', "has already passed"),
        ('add "Fall 2026" "Office hour" "next week" 45m', "is not a date and time"),
        ('add "Fall 2026" "Office hour" "2026-10-15 10:00" 45m http://x.org', "https://"),
        ('add "Fall 2026" "Office hour" "2026-10-15 10:00" 30h', "at most"),
        ('add "Spring" "Office hour" "2026-10-15 10:00" 45m', "no cohort called 'Spring'"),
        ('cancel "Fall 2026" nope', "has no session 'nope'"),
        ('reschedule "Fall 2026" live-1', "usage"),
        ("launch", "usage"),
    ],
)
async def test_bad_session_input_gets_a_specific_private_error(
    sworld: SlackWorld, text: str, words: str
):
    await sworld.create_cohort()
    before = await snapshot(sworld)
    answer = await sworld.slack.person("instructor").command("/session", text)
    assert words in answer["text"] and answer.get("response_type") != "in_channel", answer
    assert await snapshot(sworld) == before


async def test_session_add_with_no_arguments_opens_a_modal_only_staff_can_submit(
    sworld: SlackWorld,
):
    await sworld.create_cohort()
    instructor = sworld.slack.person("instructor")
    assert await instructor.command("/session", "add") == {}
    view = sworld.slack.workspace.views[-1]["view"]
    assert view["callback_id"] == "cohortbot_session_add"

    def values(start: str) -> dict:
        def text(value: str | None) -> dict:
            return {"value": {"type": "plain_text_input", "value": value}}

        return {
            "cohort": text("Fall 2026"),
            "title": text("Office hour"),
            "start": text(start),
            "duration": text("45m"),
            "url": text(None),
        }

    wrong = await instructor.submit(view, values("2026-10-01 10:00"))
    assert "already passed" in wrong["errors"]["title"]
    cohort = await sworld.cohort()
    # A learner who somehow submits the form is refused, and nothing is added.
    before = await snapshot(sworld)
    sworld.slack.workspace.views[-1]["user"] = sworld.slack.person("learner1").id
    refused = await sworld.slack.person("learner1").submit(view, values("2026-10-15 10:00"))
    assert refused["errors"]["title"] == "Only course staff can do that."
    assert await snapshot(sworld) == before
    sworld.slack.workspace.views[-1]["user"] = instructor.id
    assert await instructor.submit(view, values("2026-10-15 10:00")) == {}
    keys = [s.key for s in await sworld.bot.store.cohorts.sessions(cohort.id)]
    assert "office-hour" in keys


async def test_a_reschedule_rewrites_the_announcement_tells_the_cohort_and_moves_reminders(
    sworld: SlackWorld,
):
    announcement = await announced(sworld)
    learner = sworld.slack.person("learner1")
    await learner.press("cohort", announcement, "cohortbot_remind")
    answer = await sworld.slack.person("instructor").command(
        "/session", 'reschedule "Fall 2026" live-1 "2026-10-22 11:00"'
    )
    later = LIVE_1 + timedelta(days=1, hours=1)
    assert "Moved *Live session 1" in answer["text"], answer
    section = " ".join(b["text"]["text"] for b in announcement.blocks if b["type"] == "section")
    assert f"<!date^{int(later.timestamp())}^" in section  # the post no longer shows the old time
    assert announcement.blocks[-1]["type"] == "actions"  # its buttons still there
    assert announcement.metadata and "announce:live-1" in str(announcement.metadata)
    [_moved] = [m for m in sworld.posts() if m.metadata and "moved:live-1" in str(m.metadata)]
    cohort = await sworld.cohort()
    reminder = await sworld.bot.store.deliveries.get(cohort.id, "reminder:live-1:1h")
    assert reminder.due == later - timedelta(hours=1)

    await sworld.advance_to(LIVE_1 - timedelta(hours=1))  # the old time: nothing is sent
    assert not [m for m in sworld.slack.workspace.dms(learner.user) if m.metadata]
    await sworld.advance_to(later - timedelta(hours=1))
    (dm,) = [m for m in sworld.slack.workspace.dms(learner.user) if m.metadata]
    assert "reminder:live-1:1h" in str(dm.metadata)


async def test_a_cancel_rewrites_the_announcement_without_buttons_and_sends_no_reminder(
    sworld: SlackWorld,
):
    announcement = await announced(sworld)
    learner = sworld.slack.person("learner1")
    await learner.press("cohort", announcement, "cohortbot_remind")
    instructor = sworld.slack.person("instructor")
    answer = await instructor.command("/session", 'cancel "Fall 2026" live-1')
    assert answer["text"].startswith("Cancelled *Live session 1"), answer
    assert all(b["type"] != "actions" for b in announcement.blocks)
    [_notice] = [m for m in sworld.posts() if m.metadata and "cancel:live-1" in str(m.metadata)]
    again = await instructor.command("/session", 'cancel "Fall 2026" live-1')
    assert "already cancelled" in again["text"]
    await sworld.advance_to(LIVE_1 + timedelta(minutes=1))
    assert not [m for m in sworld.slack.workspace.dms(learner.user) if m.metadata]
    assert not [m for m in sworld.posts() if m.metadata and "starting:live-1" in str(m.metadata)]
    # a cancelled session comes back when it is moved
    await instructor.command("/session", 'reschedule "Fall 2026" live-1 "2026-10-28 10:00"')
    listing = await instructor.command("/session", 'list "Fall 2026"')
    assert "cancelled" not in listing["text"].split("`live-2`")[0]


@pytest.mark.parametrize("who", ["learner1", "outsider"])
async def test_a_learner_or_outsider_cannot_change_sessions(sworld: SlackWorld, who: str):
    await sworld.create_cohort()
    before = await snapshot(sworld)
    person = sworld.slack.person(who)
    for text in (
        "add",
        'add "Fall 2026" "Office hour" "2026-10-15 10:00" 45m',
        'list "Fall 2026"',
        'reschedule "Fall 2026" live-1 "2026-10-22 11:00"',
        'cancel "Fall 2026" live-1',
    ):
        answer = await person.command("/session", text)
        assert answer["text"] == "Only course staff can do that.", text
    assert await snapshot(sworld) == before


async def test_a_button_naming_a_cohort_of_another_workspace_or_platform_does_nothing(
    sworld: SlackWorld,
):
    """A button's ``value`` names the cohort; nothing Slack signs says it is one of this
    workspace's. A value naming another's cohort (one database serves Discord too) gets no
    calendar file, no reminder, no check-in."""
    announcement = await announced(sworld)
    cohort = await sworld.cohort()
    await sworld.bot.store.db.execute(  # as if the cohort ran on another platform
        "UPDATE cohorts SET platform = 'discord' WHERE id = ?", (cohort.id,)
    )
    await sworld.bot.store.db.commit()
    before = await snapshot(sworld)
    learner = sworld.slack.person("learner1")
    for action in ("cohortbot_ics", "cohortbot_remind"):
        await learner.press("cohort", announcement, action)
        told = sworld.slack.workspace.ephemeral_to(learner.user)[-1]["text"]
        assert "no longer exists" in told, told
    assert not [f for f in sworld.slack.workspace.files.values() if f["name"].endswith(".ics")]
    after = await snapshot(sworld)
    assert after[:-3] == before[:-3]


async def test_watched_it_with_no_recording_is_refused(sworld: SlackWorld):
    """Watched it is only under a recording; a press naming a session that has none (a forged
    ``value``, or the recording's post copied onto the announcement) counts for nothing."""
    import copy

    announcement = await announced(sworld)
    forged = copy.deepcopy(announcement)
    forged.blocks[-1]["elements"][0]["action_id"] = "cohortbot_watched"
    learner = sworld.slack.person("learner1")
    await learner.press("cohort", forged, "cohortbot_watched")
    told = sworld.slack.workspace.ephemeral_to(learner.user)[-1]["text"]
    assert "no recording" in told, told
    counts = await sworld.bot.store.participation.counts((await sworld.cohort()).id)
    assert not counts.watched


async def test_button_answers_are_slack_mrkdwn(sworld: SlackWorld):
    """The shared answers are written in Discord's Markdown; Slack shows ``**`` as is."""
    announcement = await announced(sworld)
    learner = sworld.slack.person("learner1")
    for _ in range(2):
        await learner.press("cohort", announcement, "cohortbot_remind")
    told = sworld.slack.workspace.ephemeral_to(learner.user)[-1]["text"]
    assert told == "OK, no DMs for this session. Press *Remind me* again to undo.", told

"""Attacks on the Slack adapter by a learner, an outsider and an instructor of another
cohort. A Slack client may send any payload for a button or a form it has seen: a forged
``value``, ``private_metadata``, ``state.values`` or ``team``. Nothing the payload carries
decides who may do what; each refusal leaves the database and the workspace as they were."""

from __future__ import annotations

import asyncio
import copy
from datetime import timedelta
from typing import Any

from bot.slack.blocks import NOT_MINE
from bot.slack.commands import LEARNER_COMMANDS
from tests.slack_helpers import LIVE_1, WEEK_POSTS, SlackWorld, snapshot
from tests.slack_standin import Message, payloads


async def rivals(sworld: SlackWorld) -> None:
    """Fall 2026 in #cohort (the learner group: learners 1 to 4; taught by teacher_a) and
    Spring 2027 in the private #spring (its members: learner1; taught by teacher_b)."""
    ws = sworld.slack.workspace
    a, b = ws.add_user("teacher_a"), ws.add_user("teacher_b")
    ws.add_usergroup("fall-instructors", [a])
    ws.add_usergroup("spring-instructors", [b])
    ws.channel_named("cohort").members.add(a.id)
    staff = ws.user_named("instructor")
    ws.add_channel("spring", [b, staff, ws.user_named("learner1")], private=True)
    assert await sworld.create_cohort(instructors="fall-instructors") == {}
    created = await sworld.create_cohort(
        "Spring 2027", channel="spring", learners=None, instructors="spring-instructors"
    )
    assert created == {}, created


async def spring_id(sworld: SlackWorld) -> int:
    return (await sworld.cohort("Spring 2027")).id


def forged(message: Message, value: str, action_id: str | None = None) -> Message:
    """A copy of ``message`` whose buttons carry ``value`` (and ``action_id``)."""
    copied = copy.deepcopy(message)
    for block in copied.blocks or []:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                element["value"] = value
                if action_id:
                    element["action_id"] = action_id
    return copied


# What a value that parses but names nothing is told (a session or cohort not found).
LEGIT = ("that session no longer exists", "that cohort no longer exists")


def last_told(sworld: SlackWorld, who: str) -> str:
    ws = sworld.slack.workspace
    user = ws.user_named(who)
    shown = [(e["ts"], str(e["text"])) for e in ws.ephemeral_to(user)]
    shown += [(m.ts, m.text) for m in ws.dms(user)]
    return max(shown)[1] if shown else ""


def calendar_files(sworld: SlackWorld) -> list[dict[str, Any]]:
    return [f for f in sworld.slack.workspace.files.values() if f["name"].endswith(".ics")]


async def fall_announcement(sworld: SlackWorld) -> Message:
    await sworld.advance_to(LIVE_1 - timedelta(days=1, hours=1))
    (found,) = [m for m in sworld.posts() if m.metadata and "announce:" in str(m.metadata)]
    return found


# -- buttons ------------------------------------------------------------------------------


async def test_add_to_calendar_naming_another_cohort_gives_no_file(sworld: SlackWorld):
    """The calendar file carries the session's join link: like ``/sessions calendar``, it is
    for the cohort's learners and instructors, whatever cohort the button's value names."""
    await rivals(sworld)
    announcement = await fall_announcement(sworld)
    spring = forged(announcement, f"{await spring_id(sworld)}:live-1")
    before = await snapshot(sworld)
    for who in ("outsider", "learner3", "teacher_a"):
        await sworld.slack.person(who).press("cohort", spring, "cohortbot_ics")
        assert "Spring 2027" in last_told(sworld, who), who
    assert calendar_files(sworld) == []
    assert (await snapshot(sworld))[:-3] == before[:-3]  # the database (answers are DMs)
    await sworld.slack.person("learner1").press("cohort", spring, "cohortbot_ics")
    await sworld.slack.person("teacher_b").press("cohort", spring, "cohortbot_ics")
    assert len(calendar_files(sworld)) == 2  # Spring's learner and instructor


async def test_presses_naming_another_cohort_or_a_forged_session_change_nothing(
    sworld: SlackWorld,
):
    await rivals(sworld)
    await sworld.advance_to(LIVE_1 + timedelta(seconds=1))  # check-in open in both
    (starting,) = [m for m in sworld.posts() if m.metadata and "starting:" in str(m.metadata)]
    spring = await spring_id(sworld)
    before = await snapshot(sworld)
    for value in (f"{spring}:live-1", "999:live-1", f"{spring}:nope", "x:y", "", f"{spring}"):
        for action in ("cohortbot_checkin", "cohortbot_remind", "cohortbot_watched"):
            for who in ("learner3", "outsider", "teacher_a"):
                await sworld.slack.person(who).press(
                    "cohort", forged(starting, value, action), action
                )
    assert (await snapshot(sworld))[:-3] == before[:-3]  # the database (answers are DMs)
    opened = len(sworld.slack.workspace.views)
    for value in (f"{spring}:2", "999:2", "x", f"{spring}:2:C1"):
        week = forged(starting, value, "cohortbot_submit")
        await sworld.slack.person("learner3").press("cohort", week, "cohortbot_submit")
    assert len(sworld.slack.workspace.views) == opened


async def test_a_value_or_metadata_that_is_not_ours_is_said_so_without_a_traceback(
    sworld: SlackWorld, caplog
):
    """Garbage in a forged value or private_metadata was "Sorry, something went wrong on my
    side", with a logged traceback per press (a log anyone could fill)."""
    await rivals(sworld)
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(seconds=1))
    (week2,) = sworld.titled("Week 2")
    learner, staff = sworld.slack.person("learner3"), sworld.slack.person("instructor")
    await learner.press("cohort", week2, "cohortbot_submit")
    hand_in = sworld.slack.workspace.views[-1]["view"]
    link = {"link": {"value": {"type": "plain_text_input", "value": "https://example.org/w"}}}
    assert (await learner.submit(hand_in, link))["response_action"] == "update"
    await staff.command("/assignment", f'review "Fall 2026" <@{learner.id}> 2')
    review = sworld.slack.workspace.views[-1]["view"]
    before = await snapshot(sworld)
    for action in ("cohortbot_remind", "cohortbot_ics", "cohortbot_submit", "cohortbot_checkin"):
        for value in ("x:live-1", "", "1", "1:2:3:4", "²:2", None):
            await learner.press("cohort", forged(week2, value, action), action)
            assert last_told(sworld, "learner3") in (NOT_MINE, *LEGIT), (action, value)
    for metadata in ("1:x:C1", "1:2", "", "1:2:C1:extra"):
        answer = await learner.submit(hand_in | {"private_metadata": metadata}, link)
        assert answer["errors"]["link"] == NOT_MINE, (metadata, answer)
        answer = await staff.submit(review | {"private_metadata": metadata}, {})
        assert answer["errors"]["feedback"] == NOT_MINE, (metadata, answer)
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    assert (await snapshot(sworld))[:-3] == before[:-3]


async def test_a_double_press_counts_once(sworld: SlackWorld):
    await rivals(sworld)
    await sworld.advance_to(LIVE_1 + timedelta(seconds=1))
    (starting,) = [m for m in sworld.posts() if m.metadata and "starting:" in str(m.metadata)]
    learner = sworld.slack.person("learner3")
    await asyncio.gather(
        *(learner.press("cohort", starting, "cohortbot_checkin") for _ in range(3))
    )
    cohort = await sworld.cohort()
    assert await sworld.bot.store.sessions.attendance(cohort.id) == {
        await sworld.bot.platform.number(learner.id): 1
    }


async def test_presses_after_the_cohort_ended_change_nothing(sworld: SlackWorld):
    await rivals(sworld)
    announcement = await fall_announcement(sworld)
    await sworld.slack.person("instructor").command("/cohort", 'end "Fall 2026"')
    before = await snapshot(sworld)
    learner = sworld.slack.person("learner3")
    await learner.press("cohort", announcement, "cohortbot_remind")
    assert "ended" in last_told(sworld, "learner3")
    assert await snapshot(sworld) == before


async def test_erase_and_certificate_name_buttons_act_only_for_the_presser(sworld: SlackWorld):
    await rivals(sworld)
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    ws = sworld.slack.workspace
    victim = ws.user_named("learner2")
    await sworld.slack.person("learner2").post("cohort", "hello")
    attacker = sworld.slack.person("learner1")
    await attacker.command("/forgetme")
    (confirm,) = [e for e in ws.ephemeral_to(attacker.user) if e.get("blocks")]
    aimed = copy.deepcopy(confirm)
    aimed["blocks"][-1]["elements"][0]["value"] = victim.id
    ws.ephemeral.append(aimed)
    before = await snapshot(sworld)
    await attacker.press("cohort", aimed, "cohortbot_forget")
    assert await snapshot(sworld) == before
    number = await sworld.bot.platform.number(victim.id)
    assert await sworld.bot.store.privacy.everything_about(number)


async def test_mydata_and_forgetme_take_no_other_person(sworld: SlackWorld):
    await rivals(sworld)
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(hours=1))
    ws = sworld.slack.workspace
    await sworld.slack.person("learner2").post("cohort", "hello")
    learner2 = ws.user_named("learner2").id
    attacker = sworld.slack.person("learner1")
    before = await snapshot(sworld)
    mine = await attacker.command("/mydata", f"<@{learner2}>")
    assert "nothing" in mine["text"]
    await attacker.command("/forgetme", f"<@{learner2}>")
    (confirm,) = [e for e in ws.ephemeral_to(attacker.user) if e.get("blocks")]
    assert confirm["blocks"][-1]["elements"][0]["value"] == attacker.id
    assert (await snapshot(sworld))[:-1] == before[:-1]


# -- slash commands -----------------------------------------------------------------------

LEARNER_WORDS = ["", '"Spring 2027"', "get", "verify K7QX4-M2ZPA", 'calendar "Spring 2027"']


async def test_learner_commands_tell_a_stranger_nothing_and_keep_nothing_of_them(
    sworld: SlackWorld,
):
    """Every learner command, by an outsider, Fall's instructor and a Fall-only learner,
    naming Spring (a cohort in a channel they cannot read): nothing of Spring is shown, and
    the database holds nothing new (no row for a stranger who only asked)."""
    await rivals(sworld)
    await sworld.advance_to(LIVE_1 - timedelta(days=1, hours=1))
    await sworld.slack.person("learner3").post("cohort", "so the tracker knows learner3")
    before = await snapshot(sworld)
    for who in ("outsider", "teacher_a", "learner3"):
        for command in LEARNER_COMMANDS:
            if command == "/reminders":
                continue  # on/off is one's own choice, kept even before a first cohort
            for text in LEARNER_WORDS:
                answer = await sworld.slack.person(who).command(command, text)
                # Refusals echo the name the asker typed, as on Discord, and nothing more.
                told = answer.get("text", "")
                for refusal in (
                    "Recordings and sessions of Spring 2027 are for its learners.",
                    "You are not a learner in Spring 2027.",
                ):
                    told = told.replace(refusal, "")
                assert "Spring 2027" not in told, (who, command, text, answer)
                assert answer.get("response_type") != "in_channel"
        for command in ("/progress", "/mydata", "/certificate get"):
            name, _, text = command.partition(" ")
            await sworld.slack.person(who).command(name, text)
    outsider = sworld.slack.person("outsider")
    (confirm,) = [e for e in sworld.slack.workspace.ephemeral_to(outsider.user) if e.get("blocks")][
        -1:
    ]
    await outsider.press("cohort", confirm, "cohortbot_forget")
    assert (await snapshot(sworld))[:-3] == before[:-3]
    assert await sworld.bot.platform.known_number(outsider.id) is None


async def test_a_learner_new_to_the_bot_sees_their_progress(sworld: SlackWorld):
    """Asking keeps nothing of a stranger, but a learner the bot has not met yet (just
    added to the learner group) is one: their first /progress is answered."""
    await rivals(sworld)
    ws = sworld.slack.workspace
    newcomer = ws.add_user("newcomer")
    ws.usergroups[sworld.group("cohort-learners")][1].append(newcomer.id)
    sworld.bot.tracker.forget_learners()
    answer = await sworld.slack.person("newcomer").command("/progress")
    assert answer["text"].startswith("*newcomer in Fall 2026*"), answer


# -- forms --------------------------------------------------------------------------------


async def open_create_form(sworld: SlackWorld, by: str = "instructor") -> dict[str, Any]:
    await sworld.slack.person(by).command("/cohort", "create")
    await sworld.bot.settle()
    return sworld.slack.workspace.views[-1]["view"]


def create_values(sworld: SlackWorld, **changed: Any) -> dict[str, Any]:
    given = {
        "course": "de-escalation",
        "name": "Winter",
        "channel": sworld.slack.workspace.channel_named("cohort-private").id,
        "learners": None,
        "instructors": None,
        "start": "2026-11-02",
        "timezone": None,
    } | changed
    kinds = {
        "course": ("static_select", "selected_option"),
        "channel": ("conversations_select", "selected_conversation"),
        "start": ("datepicker", "selected_date"),
    }
    values = {}
    for block, value in given.items():
        kind, key = kinds.get(block, ("plain_text_input", "value"))
        if key == "selected_option":
            value = {"value": value}
        values[block] = {"value": {"type": kind, key: value}}
    return values


async def test_a_cohort_in_a_private_channel_the_creator_is_not_in_is_refused(
    sworld: SlackWorld,
):
    """Course staff can make a cohort only in a channel they can see: a forged
    ``selected_conversation`` naming a private channel the bot is in (someone's hand-in
    channel, a committee's) would else give them its members and who writes there."""
    ws = sworld.slack.workspace
    ws.add_channel("board", [ws.user_named("admin")], private=True)
    view = await open_create_form(sworld)
    answer = await sworld.slack.person("instructor").submit(
        view, create_values(sworld, channel=ws.channel_named("board").id)
    )
    assert answer.get("response_action") == "errors", answer
    assert "private and you are not in it" in answer["errors"]["channel"], answer
    assert await sworld.bot.store.cohorts.all() == []
    ws.channel_named("board").members.add(ws.user_named("instructor").id)  # now they are
    view = await open_create_form(sworld)
    answer = await sworld.slack.person("instructor").submit(
        view, create_values(sworld, channel=ws.channel_named("board").id)
    )
    assert answer == {} and len(await sworld.bot.store.cohorts.all()) == 1


async def test_a_cohort_form_with_a_blank_or_long_name_says_so_and_makes_nothing(
    sworld: SlackWorld,
):
    staff = sworld.slack.person("instructor")
    for changed, says in [
        ({"name": "   "}, "needs a name"),  # Slack takes blanks in a required field
        ({"name": ""}, "needs a name"),
        ({"name": "x" * 61}, "at most 60 characters"),
    ]:
        view = await open_create_form(sworld)
        answer = await staff.submit(view, create_values(sworld, **changed))
        assert answer.get("response_action") == "errors", (changed, answer)
        assert says in answer["errors"]["name"], (changed, answer)
    assert await sworld.bot.store.cohorts.all() == []


async def test_a_cohort_form_with_a_bad_value_says_so_under_that_field_and_makes_nothing(
    sworld: SlackWorld,
):
    """The form stays open with the error under the field at fault (a forged date was a
    traceback and Slack's own "trouble connecting"; a time zone's error was under the name)."""
    staff = sworld.slack.person("instructor")
    for changed, block, says in [
        ({"start": "2026-02-30"}, "start", "is not a date: write it as YYYY-MM-DD"),
        ({"start": "tomorrow"}, "start", "is not a date"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
        ({"course": "no-such-course"}, "course", "no course 'no-such-course'"),
        ({"channel": "C0NOPE"}, "channel", "Slack cannot find that channel"),
    ]:
        view = await open_create_form(sworld)
        answer = await staff.submit(view, create_values(sworld, **changed))
        assert answer.get("response_action") == "errors", (changed, answer)
        assert says in answer["errors"][block], (changed, answer)
    assert await sworld.bot.store.cohorts.all() == []


async def test_a_cohorts_groups_cannot_make_learners_staff_or_instructors(sworld: SlackWorld):
    """As on Discord (``bot.access.check_cohort_roles``): Fall's learner group as Spring's
    instructors would let every Fall learner run Spring (its reports, /cohort end); the
    staff group as learners, or one group as both, is refused too. Nothing is made."""
    ws = sworld.slack.workspace
    assert await sworld.create_cohort() == {}
    ws.add_channel("spring", [ws.user_named("instructor")])
    for learners, instructors, block, says in [
        (None, "cohort-learners", "instructors", "is another cohort's learner user group"),
        ("cohort-staff", None, "learners", "is the course-staff user group"),
        ("cohort-learners", "cohort-learners", "instructors", "must be different user groups"),
    ]:
        answer = await sworld.create_cohort(
            "Spring", channel="spring", learners=learners, instructors=instructors
        )
        assert answer.get("response_action") == "errors", answer
        assert says in answer["errors"][block], answer
    assert [c.name for c in await sworld.bot.store.cohorts.all()] == ["Fall 2026"]
    learner = sworld.slack.person("learner1")
    refused = await learner.command("/participation", 'export "Spring"')
    assert refused["text"] == "Only course staff can do that."


async def test_a_cohorts_learner_group_cannot_be_made_course_staff(sworld: SlackWorld):
    """As on Discord (``bot.access.check_staff_role``): every learner would be staff."""
    assert await sworld.create_cohort() == {}
    learners = sworld.group("cohort-learners")
    before = await snapshot(sworld)
    answer = await sworld.slack.person("admin").command("/setup", f"staff {learners}")
    assert answer["text"].startswith(f"<!subteam^{learners}> is a cohort's learner user group")
    assert await snapshot(sworld) == before
    refused = await sworld.slack.person("learner1").command("/cohort", 'end "Fall 2026"')
    assert refused["text"] == "Only course staff can do that."


async def test_another_cohorts_instructor_cannot_add_a_session_by_the_form(sworld: SlackWorld):
    """teacher_b runs Spring, so /session add opens the form; naming Fall in it is refused."""
    await rivals(sworld)
    teacher_b = sworld.slack.person("teacher_b")
    assert await teacher_b.command("/session", "add") == {}
    view = sworld.slack.workspace.views[-1]["view"]

    def text(value: str | None) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value}}

    before = await snapshot(sworld)
    for cohort in ("Fall 2026", "Nope"):
        values = {
            "cohort": text(cohort),
            "title": text("Office hour"),
            "start": text("2026-10-15 10:00"),
            "duration": text("45m"),
            "url": text("https://evil.example/join"),
        }
        answer = await teacher_b.submit(view, values)
        assert answer.get("response_action") == "errors", answer
    assert answer["errors"]["title"].startswith("no cohort called 'Nope'")
    assert "Fall" not in answer["errors"]["title"]  # not one of teacher_b's
    assert await snapshot(sworld) == before


# -- another workspace ----------------------------------------------------------------------


async def test_a_command_or_press_from_another_workspace_acts_on_nothing_here(
    sworld: SlackWorld,
):
    await rivals(sworld)
    announcement = await fall_announcement(sworld)
    before = await snapshot(sworld)
    ws, slack = sworld.slack.workspace, sworld.slack
    admin, learner = ws.user_named("admin"), ws.user_named("learner3")
    conv = ws.channel_named("cohort")
    command = payloads.slash_command(
        admin,
        conv,
        "/cohort",
        'end "Fall 2026"',
        slack.new_response_url(admin.id, conv.id),
        slack.new_trigger(admin.id),
    )
    command["team_id"] = "T0ELSEWHERE"
    answer = await slack.socket.deliver("slash_commands", command, accepts_response_payload=True)
    assert "nothing was done" in answer["payload"]["text"], answer
    (button,) = [
        e for e in announcement.blocks[-1]["elements"] if e["action_id"] == "cohortbot_remind"
    ]
    press = payloads.block_actions(
        learner,
        conv,
        announcement,
        button,
        "cohortbot",
        slack.new_trigger(learner.id),
        slack.new_response_url(learner.id, conv.id, message_ts=announcement.ts),
        ws.next_ts(),
    )
    press["team"] = {"id": "T0ELSEWHERE", "domain": "elsewhere"}
    press["user"]["team_id"] = "T0ELSEWHERE"
    await slack.socket.deliver("interactive", press, accepts_response_payload=False)
    await sworld.bot.settle()
    after = await snapshot(sworld)
    assert after[:-3] == before[:-3]
    assert (await sworld.cohort()).state == "active"

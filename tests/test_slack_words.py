"""A Slack course team is never told things in Discord's words: no "server" (a workspace),
no "role" (a user group), no "forum", no "Manage Server" or "Administrator" (a workspace
admin), no ``/cohort show cohort:`` option syntax (Slack takes words), no "Discord", no
"ephemeral", no scheduled "Events", no DM privacy settings, no ``<t:…>`` and no ``-#``
subtext. Every command is run as staff, instructor, learner and outsider, with the usual
mistakes; a whole course runs (every week post, reminder, nudge, digest, certificate); then
everything the app showed anyone (messages, DMs, ephemeral answers, forms, the files and
their names, the certificate's PDF) is read for Discord's words."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from bot.assignments import hand_in
from bot.errors import InvalidInput
from bot.features.privacy import in_words
from bot.library import CourseLibrary
from bot.render import consultation_post, wrapup_post
from bot.slack.blocks import mrkdwn
from bot.slack.commands import LEARNER_COMMANDS, STAFF_COMMANDS
from bot.timetable import course_calendar
from bot.vocabulary import DISCORD
from tests.helpers import PROMPTS
from tests.slack_helpers import LIVE_1, WEEK_POSTS, SlackWorld
from tests.test_slack_whole_course import everything_shown, run_whole_course

# Discord's words, whole words, any case. "role" not before a hyphen: a course's own
# "Role-play" is the course's prose, not the bot's. ("thread" is Slack's too: a week post's
# thread; the tests below check where a Slack hand-in is not one.)
DISCORD_WORDS = re.compile(
    r"\b(?:discord|servers?|guilds?|roles?(?!-)|forums?|manage server|administrators?"
    r"|ephemeral(?:ly)?|events?|locked|dm settings|privacy settings|allow dms"
    r"|channel permissions?)\b"
    r"|@role|<t:\d|~~"  # a role's mention; Discord's timestamps and strikethrough
    r"|^-# |\\n-# "  # Discord's subtext line (in JSON, after an escaped line break)
    r"|(?<![\w/])/[a-z-]+(?: [a-z-]+)* [a-z_]+:(?!/)",  # options: /cohort show cohort:…
    re.IGNORECASE | re.MULTILINE,
)


def discord_words(text: str) -> list[str]:
    """Each place ``text`` uses Discord's words, with a little of what surrounds it."""
    return [text[max(0, m.start() - 60) : m.end() + 60] for m in DISCORD_WORDS.finditer(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("already exists in this server: choose", ["server"]),
        ("the staff Role and @role", ["Role", "@role"]),
        ("Manage Server (or Administrator)", ["Manage Server", "Administrator"]),
        ("The forum stays open. Discord's Events", ["forum", "Discord", "Events"]),
        ("use `/cohort show cohort:Fall week:2`", ["/cohort show cohort:"]),
        ('"x\\n-# Add files"', ["\\n-# "]),
        ("closes <t:1792602000:R>", ["<t:1"]),
        ("`live-1` ~~Live~~", ["~~", "~~"]),
        ("Role-play with a colleague, in this workspace's user group", []),
        ('`/cohort show "Fall 2026"`, https://slack.com/archives/C1/p1 at 10:00', []),
    ],
)
def test_the_word_list_finds_discords_words_and_only_those(text: str, found: list[str]):
    assert [m[0] for m in DISCORD_WORDS.finditer(text)] == found


def files_shown(sworld: SlackWorld) -> str:
    """The files the app uploaded: their names and titles, and what a reader of each sees
    (a text file's text, a PDF's words)."""
    parts = []
    for file in sworld.slack.workspace.files.values():
        parts += [file["name"], str(file.get("title") or "")]
        content = file["content"]
        if file["name"].endswith(".pdf"):
            parts += [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
        elif not file["name"].endswith(".png"):
            parts.append(content.decode("utf-8-sig"))
    return json.dumps(parts)


# What forms answered when submitted (their errors, their closing notices): Slack shows them
# in the form, and the stand-in keeps only what the test is given back.
FORM_ANSWERS: list[dict] = []


@pytest.fixture(autouse=True)
def _no_answers_yet():
    FORM_ANSWERS.clear()


def all_shown(sworld: SlackWorld) -> str:
    return everything_shown(sworld) + files_shown(sworld) + json.dumps(FORM_ANSWERS)


# -- the steps ---------------------------------------------------------------------------------

STAFF = {
    "/cohort": [
        "",
        "nope",
        "list",
        "create",
        "show",
        "show Fall",
        'show "Fall 2026"',
        'show "Spring 2031"',
        'pause "Fall 2026"',
        'resume "Fall 2026"',
    ],
    "/module": [
        "",
        'preview "Fall 2026" 1',
        'post "Fall 2026" 1',
        'post "Fall 2026" 9',
        'post "Fall 2026" first',
        'post "Fall 2026"',
        "post cohort:Fall week:1",
    ],
    "/participation": [
        "",
        'summary "Fall 2026"',
        'summary "Fall 2026" 1',
        'learner "Fall 2026" learner1',
        'learner "Fall 2026" {learner1}',
        'learner "Fall 2026" {outsider}',
        'excuse "Fall 2026" {learner2} 9',
        'excuse "Fall 2026" {learner2} 1',
        'export "Fall 2026"',
        'chart "Fall 2026"',
        'nudge "Fall 2026"',
        "summary",
    ],
    "/setup": [
        "",
        "show",
        "staff",
        "staff S0NOPE",
        "staff {learners}",
        "clear-staff",
        "staff {staff}",
        "staff-role @staff",
    ],
    "/session": [
        "",
        "add",
        'add "Fall 2026" "Office hour" "2026-10-01 10:00" 45m',
        'add "Fall 2026" "Office hour" "2026-10-30 10:00" forever',
        'add "Fall 2026" "Office hour" "2026-10-30 10:00" 45m http://x.org',
        'add "Fall 2026" "Office hour" "2026-10-30 10:00" 45m https://meet.example.org/o',
        'list "Fall 2026"',
        'reschedule "Fall 2026" nope "2026-10-31 10:00"',
        'reschedule "Fall 2026" office-hour',
        'reschedule "Fall 2026" office-hour "2026-10-31 10:00"',
        'cancel "Fall 2026" office-hour',
        'cancel "Fall 2026" office-hour',
    ],
    "/recording": [
        "",
        'add "Fall 2026"',
        'add "Fall 2026" nope https://rec.example.org/1',
        'add "Fall 2026" live-1 http://rec.example.org/1',
    ],
    "/course": ["", "reload"],
    "/assignment": [
        "",
        'list "Fall 2026" 1',
        'list "Fall 2026" 2',
        'list "Fall 2026" x',
        'review "Fall 2026" {learner1} 2',
        'review "Fall 2026" learner1 2',
    ],
    "/certificates": ["", 'list "Fall 2026"', 'issue "Fall 2026" {outsider}', 'issue "Fall 2026"'],
}
LEARNER = {
    "/mydata": [""],
    "/forgetme": [""],
    "/progress": [""],
    "/reminders": ["", "maybe", "off", "on"],
    "/certificate": ["", "get", "verify", "verify AAAAA-BBBBB", "name"],
    "/sessions": ["", 'calendar "Fall 2026"', '"Spring 2031"', "upcoming Fall 2026", "calendar"],
    "/recordings": ["", '"Fall 2026"', "Fall 2026"],
}


async def every_command(sworld: SlackWorld, who: str) -> None:
    """``who`` runs every command the app has, right and wrong (a cohort named unquoted,
    Discord's option syntax, a missing argument, a bare name for an @mention…)."""
    ws = sworld.slack.workspace
    person = sworld.slack.person(who)
    fill = {
        "learner1": f"<@{ws.user_named('learner1').id}|learner1>",
        "learner2": f"<@{ws.user_named('learner2').id}>",
        "outsider": f"<@{ws.user_named('outsider').id}>",
        "staff": sworld.group("cohort-staff"),
        "learners": sworld.group("cohort-learners"),
    }
    for command, texts in {**STAFF, **LEARNER}.items():
        for text in texts:
            await person.command(command, text.format(**fill))
    await sworld.bot.settle()


async def create_form(sworld: SlackWorld, by: str, **typed: str | None) -> dict:
    """``/cohort create``'s form, filled in as ``typed`` says (else as a staff member would)
    and submitted by ``by`` (the instructor opens it: only staff can)."""
    ws = sworld.slack.workspace
    await sworld.slack.person("instructor").command("/cohort", "create")
    await sworld.bot.settle()
    ws.views[-1]["user"] = ws.user_named(by).id  # (forged: the form is never offered them)
    view = ws.views[-1]["view"]
    person = sworld.slack.person(by)
    given = {
        "course": "de-escalation",
        "name": "Fall 2026",
        "channel": ws.channel_named("cohort").id,
        "learners": sworld.group("cohort-learners"),
        "instructors": None,
        "start": "2026-10-13",
        "timezone": None,
        **typed,
    }
    kinds = {"course": "static_select", "channel": "conversations_select", "start": "datepicker"}
    keys = {
        "course": "selected_option",
        "channel": "selected_conversation",
        "start": "selected_date",
    }
    values = {}
    for block, value in given.items():
        kind = kinds.get(block, "plain_text_input")
        key = keys.get(block, "value")
        shown = {"value": value} if key == "selected_option" else value
        values[block] = {"value": {"type": kind, key: shown}}
    answer = await person.submit(view, values)
    FORM_ANSWERS.append(answer)
    return answer


async def wrong_forms(sworld: SlackWorld) -> None:
    """The cohort form's usual mistakes: each is said under its field."""
    staff, learners = sworld.group("cohort-staff"), sworld.group("cohort-learners")
    for typed in (
        {"learners": staff},
        {"learners": "S0NOPE"},
        {"instructors": learners},
        {"timezone": "Pacific"},
        {"name": ""},
        {"channel": sworld.slack.workspace.channel_named("general").id},
        {"channel": sworld.slack.workspace.channel_named("cohort-private").id},  # name taken
        {"name": "Winter 2026"},  # its channel is taken
    ):
        answer = await create_form(sworld, "instructor", **typed)
        assert answer.get("response_action") == "errors", (typed, answer)
    outsider = await create_form(sworld, "outsider", name="Mine")
    assert outsider.get("response_action") == "errors", outsider


def form(**typed: str | None) -> dict:
    return {k: {"value": {"type": "plain_text_input", "value": v}} for k, v in typed.items()}


async def presses_and_forms(sworld: SlackWorld) -> None:
    """Week 2: every button under the posts, pressed by a learner and by an outsider; the
    hand-in form empty, then filled in; the instructor's review with feedback."""
    ws = sworld.slack.workspace
    learner, outsider = sworld.slack.person("learner1"), sworld.slack.person("outsider")
    announcement = next(m for m in sworld.posts() if "announce:" in str(m.metadata))
    (week2,) = sworld.titled("Week 2")
    for person in (learner, outsider):
        for action in ("cohortbot_remind", "cohortbot_ics"):
            await person.press("cohort", announcement, action)
        await person.press("cohort", week2, "cohortbot_submit")
    await learner.press("cohort", announcement, "cohortbot_remind")  # and again: undone
    await learner.press("cohort", week2, "cohortbot_submit")
    view = ws.views[-1]["view"]
    FORM_ANSWERS.append(await learner.submit(view, form(link=None, note="  ")))
    FORM_ANSWERS.append(await learner.submit(view, form(link="http://x.org", note=None)))
    FORM_ANSWERS.append(await learner.submit(view, form(link=None, note="My week 2 work")))
    learner1 = ws.user_named("learner1").id
    instructor = sworld.slack.person("instructor")
    await instructor.command("/assignment", f'review "Fall 2026" <@{learner1}> 2')
    review = ws.views[-1]["view"]
    FORM_ANSWERS.append(await instructor.submit(review, form(feedback="Well argued.")))
    await learner.command("/certificate", "name")
    name = {"printed_name": {"value": {"type": "plain_text_input", "value": "Amara Okafor"}}}
    FORM_ANSWERS.append(await learner.submit(ws.views[-1]["view"], name))
    await instructor.command("/recording", 'add "Fall 2026" live-1 https://rec.example.org/1 pass')
    await instructor.command("/certificates", f'issue "Fall 2026" <@{learner1}>')
    await instructor.command("/session", "add")
    session = ws.views[-1]["view"]
    typed = {
        "cohort": "Fall",
        "title": "Office hour",
        "start": "2026-10-30 10:00",
        "duration": "45m",
        "url": None,
    }
    FORM_ANSWERS.append(await instructor.submit(session, form(**typed)))
    typed["cohort"] = "Fall 2026"
    FORM_ANSWERS.append(await instructor.submit(session, form(**typed)))
    await sworld.bot.settle()


# -- one refusal, notice or file at a time ------------------------------------------------------


async def test_a_cohort_name_taken_in_the_workspace_is_said_so(sworld: SlackWorld):
    """The store's refusal, said under the form's name field: this workspace, not server."""
    assert await create_form(sworld, "instructor") == {}
    private = sworld.slack.workspace.channel_named("cohort-private").id
    answer = await create_form(sworld, "instructor", channel=private)
    assert answer["errors"] == {
        "name": "a cohort called 'Fall 2026' already exists in this workspace: choose another name"
    }


async def closing_posts(sworld: SlackWorld) -> dict[str, str]:
    """The wrap-up and the end of consultation, as the cohort's channel shows them."""
    assert await sworld.create_cohort() == {}
    cohort = await sworld.cohort()
    calendar = cohort.calendar(sworld.bot.library.get(cohort.course_id))
    await sworld.advance_to(calendar.consultation_ends + timedelta(minutes=1))
    return {
        title: sworld.seen(json.dumps(post.blocks))
        for title in ("Course wrap-up", "Consultation period ended")
        for post in sworld.titled(title)
    }


async def test_the_wrap_up_says_the_channel_stays_open(sworld: SlackWorld):
    wrapup = (await closing_posts(sworld))["Course wrap-up"]
    assert "The channel stays open for questions" in wrapup and "forum" not in wrapup


async def test_the_end_of_consultation_does_not_promise_locked_threads(sworld: SlackWorld):
    """Slack cannot lock threads (its archive posts a closing notice)."""
    ended = (await closing_posts(sworld))["Consultation period ended"]
    assert "The course's posts will be archived <!date^" in ended and "locked" not in ended


def test_on_discord_the_closing_posts_keep_their_words():
    library = CourseLibrary(PROMPTS)
    library.reload()
    course = library.get("de-escalation")
    calendar = course_calendar(course, date(2026, 10, 13), ZoneInfo(course.timezone))
    assert "The forum stays open for questions" in wrapup_post(course, calendar, DISCORD).body
    ended = consultation_post(course, calendar, DISCORD).body
    assert "The course's posts will be locked and archived <t:" in ended


def pdf_text(file: dict) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(file["content"])).pages)


async def test_a_certificate_sent_on_slack_says_to_verify_it_in_the_slack_workspace(
    sworld: SlackWorld,
):
    assert await sworld.create_cohort() == {}
    learner = sworld.slack.person("learner1")
    await learner.command("/certificate", "name")
    name = {"printed_name": {"value": {"type": "plain_text_input", "value": "Amara Okafor"}}}
    assert await learner.submit(sworld.slack.workspace.views[-1]["view"], name) == {}
    await sworld.slack.person("instructor").command(
        "/certificates", f'issue "Fall 2026" <@{learner.id}>'
    )
    await learner.command("/certificate", "get")  # the same PDF, drawn again
    pdfs = [f for f in sworld.slack.workspace.files.values() if f["name"].endswith(".pdf")]
    assert len(pdfs) == 2
    for pdf in pdfs:
        text = pdf_text(pdf)
        assert text.endswith(
            "Anyone can check this code with /certificate verify in the course's Slack workspace."
        ), text


async def handing_in(sworld: SlackWorld, **typed: str | None) -> dict:
    """Week 2: learner1 presses Submit under its post and sends the form as ``typed``."""
    assert await sworld.create_cohort() == {}
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(seconds=1))
    learner = sworld.slack.person("learner1")
    (week2,) = sworld.titled("Week 2")
    await learner.press("cohort", week2, "cohortbot_submit")
    return await learner.submit(sworld.slack.workspace.views[-1]["view"], form(**typed))


async def test_a_hand_in_ends_with_an_aside_not_discords_subtext_markup(sworld: SlackWorld):
    done = await handing_in(sworld, link=None, note="My week 2 work")
    assert done["view"]["title"]["text"] == "Handed in", done
    (channel,) = [
        c for c in sworld.slack.workspace.conversations.values() if c.name.startswith("hand-ins-")
    ]
    (posted,) = sworld.slack.workspace.posted(channel)
    assert posted.text.endswith(
        "\nMy week 2 work\n_Add files here if you like. Your instructor will review it in this"
        " thread._"
    ), posted.text
    assert "-#" not in posted.text


@pytest.mark.parametrize(
    ("discord", "slack"),
    [
        ("-# Add files here.", "_Add files here._"),
        ("note\n-# small print", "note\n_small print_"),
        ("-# a name_with underscores", "a name_with underscores"),
        ("a -# in a line", "a -# in a line"),
        ("`office-hour` ~~Office hour~~ — cancelled", "`office-hour` ~Office hour~ — cancelled"),
        ("~ not ~~ struck", "~ not ~~ struck"),
    ],
)
def test_discords_subtext_and_strikethrough_are_slacks_on_slack(discord: str, slack: str):
    assert mrkdwn(discord) == slack


async def test_a_cancelled_session_is_struck_through_as_slack_strikes(sworld: SlackWorld):
    assert await sworld.create_cohort() == {}
    instructor = sworld.slack.person("instructor")
    await instructor.command("/session", 'cancel "Fall 2026" live-1')
    listed = (await instructor.command("/session", 'list "Fall 2026"'))["text"]
    assert "`live-1` ~Live session 1: Listening Under Pressure~ — <!date^" in listed, listed
    assert "~~" not in listed


async def test_an_empty_hand_in_is_told_files_go_in_their_channel_not_a_thread(
    sworld: SlackWorld,
):
    refused = await handing_in(sworld, link=None, note="  ")
    assert refused["errors"] == {
        "link": "Give a link or a note (or both); you can add files in your channel afterwards."
    }


def test_on_discord_an_empty_hand_in_is_still_told_about_its_thread():
    with pytest.raises(InvalidInput, match="you can add files in your thread afterwards"):
        hand_in(None, "  ", DISCORD)


async def test_mydata_names_the_private_channel_hand_ins_go_to(sworld: SlackWorld):
    await handing_in(sworld, link=None, note="My week 2 work")
    said = (await sworld.slack.person("learner1").command("/mydata"))["text"]
    assert "• 1 × the private channel your hand-ins go to" in said, said
    assert "thread" not in said


def test_on_discord_mydata_still_names_the_private_thread():
    said = in_words({"assignment_threads": [{"user_id": 1}]}, DISCORD)
    assert "• 1 × the private thread your hand-ins go to" in said


# -- everything, at once -----------------------------------------------------------------------


async def test_no_command_answer_refusal_form_or_button_says_discords_words(sworld: SlackWorld):
    """Every command as an outsider, a learner and staff before there is a cohort; the
    cohort form's mistakes; in week 2 every command as the workspace admin, staff, a learner
    and an outsider; every button and form; a send that failed (the instructor is told);
    check-in at the session; /mydata after a hand-in; the end of the cohort."""
    assert STAFF.keys() | LEARNER.keys() == STAFF_COMMANDS.keys() | set(LEARNER_COMMANDS)
    for who in ("outsider", "learner1", "instructor"):
        await every_command(sworld, who)
    assert await create_form(sworld, "instructor") == {}
    await wrong_forms(sworld)
    sworld.slack.faults.error("chat.postMessage", "not_in_channel")  # week 1's post, once
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(seconds=1))
    for who in ("admin", "instructor", "learner1", "outsider"):
        await every_command(sworld, who)
    await presses_and_forms(sworld)
    await sworld.slack.person("learner1").command("/mydata")
    await sworld.slack.person("instructor").command("/assignment", 'list "Fall 2026" 2')
    await sworld.advance_to(LIVE_1 + timedelta(minutes=1))
    (starting,) = sworld.titled("Starting now")
    for who in ("learner1", "outsider"):
        await sworld.slack.person(who).press("cohort", starting, "cohortbot_checkin")
    await sworld.slack.person("instructor").command("/cohort", 'end "Fall 2026"')
    await sworld.bot.settle()

    shown = all_shown(sworld)
    assert discord_words(shown) == []
    told = " ".join(
        m.text for m in sworld.slack.workspace.dms(sworld.slack.workspace.user_named("instructor"))
    )
    assert "I could not send" in told and "not in that channel" in told  # the failure, told
    for said in (  # what the walk must have reached to mean anything
        "Only course staff can do that.",
        "Only a workspace admin sets who is course staff",
        "is a cohort's learner user group",
        "already exists in this workspace",
        "you can add files in your channel afterwards",
        "the private channel your hand-ins go to",
        "Handed in: week 2",
        "Checked in",
        "has ended",
        "Slack workspace.",  # the issued certificate's PDF
    ):
        assert said in shown, said


@pytest.mark.parametrize(
    ("course", "channel"), [("de-escalation", "cohort"), ("safe-workplace", "cohort-private")]
)
async def test_a_whole_course_on_slack_says_nothing_in_discords_words(
    sworld: SlackWorld, course: str, channel: str
):
    """Every week post, announcement, reminder, nudge, digest, hand-in, the wrap-up, the
    consultation's end, the certificates (their DMs and PDFs), the archive's notice."""
    await run_whole_course(sworld, course, channel)
    shown = all_shown(sworld)
    assert discord_words(shown) == []
    assert "Course wrap-up" in shown and "Slack workspace." in shown

"""Slack's size limits, everywhere the Slack adapter sends text.

The shared renderers write to Discord's limits (2,000 a message, 4,096 an embed); Slack
counts after escaping (``&`` is ``&amp;``, a date ``<!date^…>`` three times a ``<t:…>``).
Every text goes out in pieces of at most ``TEXT_LIMIT`` (``blocks.pieces``); the stand-in
refuses blocks over Slack's limits and the ``sworld`` fixture fails a test that sent a text
past the 4,000 characters Slack advises. Long names and big cohorts here.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from bot.assignments import Submission
from bot.certificate import Certificate
from bot.cohort import PlatformName
from bot.slack.blocks import TEXT_LIMIT
from bot.slack.ids import ts_id
from bot.timetable import CohortSession
from tests.helpers import new_cohort
from tests.slack_helpers import BEFORE, LIVE_1, START, WEEK_POSTS, SlackWorld

# A line dense with what escaping lengthens: eight '&' and two dates.
DENSE = "        Q&A&<t:1760000000:F>&R&D&<t:1760003600:f>&&\n"


def whole(text: str) -> bool:
    """No entity or markup cut: nothing but whole ``&…;`` and ``<…>`` is left of them."""
    return not re.search("[&<>]", re.sub(r"&(?:amp|lt|gt);|<[^<>]*>", "", text))


async def dense_course(sworld: SlackWorld, tmp_path, lines: int) -> None:
    sample = sworld.bot.library.get("de-escalation").source.read_text()
    changed = sample.replace(
        '        Try one open question this week — "What would help most right now?" or\n',
        DENSE * lines,
    )
    assert changed != sample
    (tmp_path / "de-escalation.yaml").write_text(changed)
    sworld.prompts = tmp_path
    await sworld.restart()


async def test_a_week_posts_follow_ups_in_its_thread_fit_slacks_limits(
    sworld: SlackWorld, tmp_path
):
    """A week too long for one embed has follow-ups of up to 2,000 Discord characters; dense
    with '&' and dates they are three times that once escaped. Each goes to the post's
    thread in pieces of at most 3,000, none cut inside an entity or a date, nothing lost."""
    await dense_course(sworld, tmp_path, lines=150)
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    (week1,) = sworld.titled("Week 1")
    sections = [b["text"]["text"] for b in week1.blocks if b["type"] == "section"]
    follow_ups = [m.text for m in week1.replies]
    assert follow_ups, "the week is longer than one embed"
    for text in sections + follow_ups:
        assert len(text) <= TEXT_LIMIT and whole(text), (len(text), text[:60], text[-60:])
    everything = "".join(sections + follow_ups)
    assert everything.count("<!date^1760000000^") == 150
    assert everything.count("Q&amp;A&amp;") == 150


async def test_a_long_answer_comes_in_pieces_through_the_response_url(sworld: SlackWorld):
    """``/sessions``: a list cut to Discord's 2,000 characters, its titles dense with '&' and
    each line with a date, is well past 4,000 once escaped. The answer is its first 3,000,
    the rest follows as further ephemeral answers (the response_url), in order, whole."""
    await sworld.create_cohort()
    cohort = await sworld.cohort()
    for i in range(30):
        title = f"Q&A {i:02} " + "&" * 70
        start = LIVE_1 + timedelta(days=i)
        session = CohortSession(f"extra-{i}", title, start, timedelta(hours=1))
        await sworld.bot.store.cohorts.save_session(cohort.id, session)
    learner = sworld.slack.person("learner1")
    answer = await learner.command("/sessions")
    await sworld.bot.settle()
    shown = sworld.slack.workspace.ephemeral_to(learner.user)
    texts = [answer["text"], *(e["text"] for e in shown if e["via"] == "response_url")]
    assert len(shown) == len(texts)
    assert len(texts) > 1 and all(len(t) <= TEXT_LIMIT and whole(t) for t in texts), [
        len(t) for t in texts
    ]
    joined = "\n".join(texts)
    lines = [line for line in joined.splitlines() if line.startswith("• ")]
    assert all(line.count("<!date^") == 3 for line in lines) and joined.count("Q&amp;A") > 10
    assert [int(n) for n in re.findall(r"Q&amp;A (\d\d)", joined)] == sorted(
        int(n) for n in re.findall(r"Q&amp;A (\d\d)", joined)
    )


async def test_cohort_list_of_many_long_names_fits(sworld: SlackWorld):
    """``/cohort list`` of twenty cohorts named with 60 characters dense with '&': each
    answer at most 3,000 characters as Slack counts them, every cohort named once."""
    team = await sworld.bot.platform.number(sworld.bot.platform.team)
    for i in range(20):
        name = f"{i:02} " + "R&D" * 19
        assert len(name) == 60
        channel = sworld.slack.workspace.add_channel(f"cohort-{i:02}", [])
        number = await sworld.bot.platform.number(channel.id)
        new = replace(new_cohort(name), guild_id=team, channel_id=number)
        await sworld.bot.store.cohorts.create(new, [], WEEK_POSTS[0], platform=PlatformName.SLACK)
    staff = sworld.slack.person("admin")
    await staff.command("/cohort", "list")
    await sworld.bot.settle()
    texts = [e["text"] for e in sworld.slack.workspace.ephemeral_to(staff.user)]
    listed = [t for t in texts if "R&amp;D" in t]
    assert len(listed) > 1 and all(len(t) <= TEXT_LIMIT and whole(t) for t in listed)
    assert sorted(re.findall(r"\*(\d\d) (?:R&amp;D)+\*", "\n".join(listed))) == [
        f"{i:02}" for i in range(20)
    ]


async def test_assignment_list_of_a_big_cohort_is_one_answer_and_a_file(
    sworld_crowd: SlackWorld,
):
    """``/assignment list`` of 120 learners who all handed in: cut to 3,900 Discord
    characters, each line a date and a link, it ran far past 4,000 once escaped. Now the
    answer alone, at most 3,000 as Slack counts it, counts what it leaves out, and the whole
    list comes by DM as a file (as on Discord)."""
    sworld = sworld_crowd
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(seconds=1))
    cohort = await sworld.cohort()
    ws = sworld.slack.workspace
    channel = ws.channel_named("cohort").id
    for i in range(1, 121):
        user = await sworld.bot.platform.number(ws.user_named(f"learner{i}").id)
        at = WEEK_POSTS[1] + timedelta(minutes=i)
        ts = f"{int(at.timestamp())}.{i:06}"
        await sworld.bot.store.assignments.record(
            Submission(cohort.id, user, 2, at, False, cohort.channel_id, ts_id(ts, channel))
        )
    staff = sworld.slack.person("instructor")
    answer = await staff.command("/assignment", 'list "Fall 2026" 2')
    await sworld.bot.settle()
    (shown,) = ws.ephemeral_to(staff.user)  # one answer, no follow-ups
    text = shown["text"]
    assert text == answer["text"] and len(text) <= TEXT_LIMIT and whole(text), len(text)
    assert "120 handed in" in text and "more hand-ins: see the file" in text
    assert text.endswith("(The whole list is in your DMs with me.)")
    (sent,) = [f for f in ws.files.values() if f["name"] == "week-2-hand-ins.txt"]
    assert sent["channels"] == [ws.open_im(staff.id).id]
    assert sent["content"].decode("utf-8").count("https://slack.com/archives/") == 120


async def test_certificates_list_of_a_big_cohort_fits_and_the_rest_is_a_file(
    sworld_crowd: SlackWorld,
):
    """``/certificates list`` of 120 certificates was cut at 3,900 characters (past 4,000
    once escaped, the last lines lost, a mention cut in two, no file). Now one answer of at
    most 3,000 as Slack counts it, "… and N more: see the file", and every certificate in
    ``certificates.txt`` by DM, as on Discord; printed names dense with '&', as typed."""
    sworld = sworld_crowd
    await sworld.create_cohort()
    cohort = await sworld.cohort()
    ws = sworld.slack.workspace
    for i in range(1, 121):
        user = await sworld.bot.platform.number(ws.user_named(f"learner{i}").id)
        name = f"Learner {i:03} R&D & Q&A_{i}"
        certificate = Certificate(
            f"CODE{i:03}-X", cohort.id, user, name, "De-escalation", START, START, 6.0, "I", BEFORE
        )
        await sworld.bot.store.certificates.issue(certificate)
    staff = sworld.slack.person("instructor")
    answer = await staff.command("/certificates", 'list "Fall 2026"')
    await sworld.bot.settle()
    (shown,) = ws.ephemeral_to(staff.user)
    text = shown["text"]
    assert text == answer["text"] and len(text) <= TEXT_LIMIT and whole(text), len(text)
    assert text.startswith("120 certificates of completion in Fall 2026.")
    assert "more: see the file" in text and text.endswith("in your DMs with me.)")
    (sent,) = [f for f in ws.files.values() if f["name"] == "certificates.txt"]
    assert sent["channels"] == [ws.open_im(staff.id).id]
    lines = sent["content"].decode("utf-8").splitlines()[1:]
    assert [line.split("`")[1] for line in lines] == [f"CODE{i:03}-X" for i in range(1, 121)]
    assert all(f"R&D & Q&A_{i} (<@" in lines[i - 1] for i in range(1, 121))


async def test_long_names_go_through_forms_posts_and_answers_within_slacks_limits(
    sworld: SlackWorld, tmp_path
):
    """A course titled with 100 characters, a cohort with 60 dense with '&', a session with
    90: the create form's course option (75), the week posts' headers (150) and buttons
    (75), the hand-in and review forms' titles (24), the session form, /cohort show and
    list, a reschedule's notice: the stand-in refuses all that Slack would (the fixture
    fails the test on any refusal), and each reads what it should."""
    sample = sworld.bot.library.get("de-escalation").source.read_text()
    course_title = ("De-escalation & Safety in the Public Library, " * 3)[:100]
    (tmp_path / "de-escalation.yaml").write_text(
        sample.replace("title: De-escalation in the Library", f'title: "{course_title}"', 1)
    )
    sworld.prompts = tmp_path
    await sworld.restart()
    name = "R&D" * 20
    staff = sworld.slack.person("instructor")
    await staff.command("/cohort", "create")
    await sworld.bot.settle()
    (option,) = sworld.slack.workspace.views[-1]["view"]["blocks"][0]["element"]["options"]
    assert option["text"]["text"] == course_title[:75]
    assert await sworld.create_cohort(name) == {}
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(seconds=1))
    ws = sworld.slack.workspace
    learner = sworld.slack.person("learner1")
    (week2,) = sworld.titled("Week 2")
    await learner.press("cohort", week2, "cohortbot_submit")
    hand_in = ws.views[-1]["view"]
    assert hand_in["title"]["text"] == "Week 2 assignment"
    values = {
        "link": {"value": {"type": "plain_text_input", "value": "https://docs.example.org/a"}},
        "note": {"value": {"type": "plain_text_input", "value": "&" * 1500}},
    }
    assert (await learner.submit(hand_in, values))["view"]["title"]["text"] == "Handed in"
    quoted = f'"{name}"'
    assert await staff.command("/assignment", f"review {quoted} <@{learner.id}> 2") == {}
    assert name.replace("&", "&amp;") in ws.views[-1]["view"]["blocks"][0]["text"]["text"]
    title = "Q&A " + "&" * 86
    await staff.command("/session", f'add {quoted} "{title}" "2026-10-29 10:00" 1h')
    await staff.command("/session", f'reschedule {quoted} live-1 "2026-10-22 11:00"')
    for command, words in (("/cohort", f"show {quoted}"), ("/cohort", "list")):
        answer = await staff.command(command, words)
        assert name.replace("&", "&amp;") in answer["text"], answer
    await sworld.advance_to(WEEK_POSTS[2] + timedelta(seconds=1))  # the new one announced
    headers = [b for m in sworld.posts() for b in m.blocks or [] if b["type"] == "header"]
    assert any(title in h["text"]["text"] for h in headers), [h["text"] for h in headers]


async def test_course_reload_says_every_problem_in_pieces(sworld: SlackWorld, tmp_path):
    """``/course reload`` of thirty course files, each with a warning: the answer was cut at
    3,000 characters, the last files' warnings lost. Now every line, in pieces of at most
    3,000 as Slack counts them, the rest through the response_url."""
    copy = tmp_path / "prompts"
    copy.mkdir()
    sample = sworld.bot.library.get("de-escalation").source.read_text()
    names = [f"de-escalation-for-the-public-library-team-{i:02}" for i in range(30)]
    for name in names:
        (copy / f"{name}.yaml").write_text(sample)
    sworld.bot.library.directory = copy
    staff = sworld.slack.person("admin")
    answer = await staff.command("/course", "reload")
    await sworld.bot.settle()
    shown = sworld.slack.workspace.ephemeral_to(staff.user)
    texts = [answer["text"], *(e["text"] for e in shown if e["via"] == "response_url")]
    assert len(texts) > 1 and all(len(t) <= TEXT_LIMIT for t in texts), [len(t) for t in texts]
    warned = re.findall(
        r"/(de-escalation-for-the-public-library-team-\d\d)\.yaml:\d+: warning", "\n".join(texts)
    )
    assert sorted(set(warned)) == names


async def test_a_long_instructor_notice_comes_by_dm_in_pieces(sworld: SlackWorld):
    """An instructor notice (or the weekly digest, a fan-out DM marked once) of 2,000
    Discord characters dense with '&' and dates is some 6,000 on Slack: it comes by DM in
    pieces of at most 3,000, one after the other, the marker on the first, nothing lost."""
    await sworld.create_cohort()
    cohort = await sworld.cohort()
    text = "".join(DENSE.strip() + "\n" for _ in range(36))
    assert len(text) <= 2000
    await sworld.bot.platform.tell_instructors(cohort, text)
    await sworld.bot.platform.tell_instructors(cohort, text, once="digest:1")
    ws = sworld.slack.workspace
    dms = [m for m in ws.dms(ws.user_named("instructor")) if "R&amp;D" in m.text]
    assert len(dms) > 2 and all(len(m.text) <= TEXT_LIMIT and whole(m.text) for m in dms)
    marked = [i for i, m in enumerate(dms) if m.metadata]
    assert len(marked) == 1 and dms[marked[0]].text.startswith("*Fall 2026*: Q&amp;A")
    joined = "".join(m.text for m in dms)
    assert joined.count("<!date^1760000000^") == 72 and joined.count("R&amp;D") == 72

"""What people typed, as the bot posts it on Slack: shown as typed, never read as Slack's
markup. Slack reads ``<!channel>``, ``<!here>``, ``<@U…>`` and ``<url|label>`` in any mrkdwn
the bot sends (a post, a DM, an answer, a file's comment); so a cohort name typed by staff, a
course file, a session title or a learner's display name must reach Slack with ``&``, ``<``
and ``>`` as entities. The bot's own markup (its mentions, dates, channel links) stays live."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from tests.slack_helpers import WEEK_POSTS, SlackWorld, announced, shown
from tests.slack_standin import Message

COHORT = "<!channel> Fall"
ESCAPED = "&lt;!channel&gt; Fall"
# Slack markup that is not the bot's own: a special mention (<!channel>, <!here>,
# <!subteam^…>), a link (<https://…|label>), anything else in angle brackets.
FOREIGN = re.compile(r"<(?!@[UW][A-Z0-9]+>|#[CG][A-Z0-9]+>|!date\^\d+\^)")


def foreign(text: str) -> list[str]:
    return [text[m.start() : m.start() + 30] for m in FOREIGN.finditer(text)]


def dms(sworld: SlackWorld, who: str) -> list[Message]:
    ws = sworld.slack.workspace
    return ws.posted(ws.open_im(ws.user_named(who).id))


async def first_week_of(sworld: SlackWorld, folder: Path, course_file: str) -> Message:
    """The de-escalation course as ``course_file`` says, a cohort of it, its week 1 post."""
    (folder / "de-escalation.yaml").write_text(course_file)
    sworld.prompts = folder
    await sworld.restart()
    await sworld.create_cohort()
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    (week1,) = sworld.titled("Week 1")
    return week1


async def test_a_cohort_named_like_a_ping_never_pings(sworld: SlackWorld):
    """Staff named the cohort ``<!channel> Fall``: the instructor's notice, ``/cohort list``,
    the CSV's comment and the closing notice in the cohort's channel show that name, and
    nothing the bot posts notifies the whole channel."""
    assert await sworld.create_cohort(COHORT) == {}
    (created,) = [m for m in dms(sworld, "instructor") if "timetable is planned" in m.text]
    assert ESCAPED in created.text and not foreign(created.text), created.text

    instructor = sworld.slack.person("instructor")
    listed = (await instructor.command("/cohort", "list"))["text"]
    assert ESCAPED in listed and not foreign(listed), listed
    await instructor.command("/participation", f'export "{COHORT}"')
    (comment,) = [m for m in dms(sworld, "instructor") if m.files]
    assert ESCAPED in comment.text and not foreign(comment.text), comment.text

    cohort = await sworld.cohort(COHORT)
    archives = cohort.calendar(sworld.bot.library.get(cohort.course_id)).archives
    await sworld.advance_to(archives + timedelta(minutes=1))
    (closing,) = [m for m in sworld.posts() if "has ended" in m.text]
    assert closing.text.startswith(ESCAPED), closing.text
    everything = [m.text for c in sworld.slack.workspace.conversations.values() for m in c.messages]
    assert not [t for t in everything if "<!channel>" in t]


async def test_a_display_name_like_a_ping_is_shown_as_typed_in_reports(sworld: SlackWorld):
    """A learner whose display name is ``<!here>`` (or holds a mention of someone else): the
    instructor's reports name them as they wrote it, or by the bot's own mention of them."""
    ws = sworld.slack.workspace
    learner, admin = ws.user_named("learner1"), ws.user_named("admin").id
    learner.display_name = f"<!here> & <@{admin}>"
    assert await sworld.create_cohort() == {}
    await sworld.advance_to(WEEK_POSTS[1] + timedelta(seconds=1))
    instructor = sworld.slack.person("instructor")
    one = await instructor.command("/participation", f'learner "Fall 2026" <@{learner.id}>')
    text = one["text"]
    assert f"&lt;!here&gt; &amp; &lt;@{admin}&gt;" in text, text
    assert not foreign(text) and f"<@{admin}>" not in text, text
    assert f"<!here> & <@{admin}>" in shown(text)
    for listed in (
        await instructor.command("/participation", 'summary "Fall 2026" 1'),
        await instructor.command("/assignment", 'list "Fall 2026" 2'),
    ):
        text = listed["text"]
        assert f"<@{learner.id}>" in text and not foreign(text), text
        assert f"<@{admin}>" not in text, text


async def test_a_course_file_and_a_session_title_cannot_ping_or_mask_a_link(
    sworld: SlackWorld, tmp_path
):
    """Course authors' words (a week's title and objectives, a session's title) go to the
    whole cohort's channel: shown as written."""
    sample = sworld.bot.library.get("de-escalation").source.read_text()
    changed = sample.replace(
        "      - Practise active listening and reflect back what you heard",
        "      - '<!channel> read <https://evil.example|the syllabus> & more'",
    ).replace("Live session 1: Listening Under Pressure", "Live <!here> Q&A")
    assert changed.count("<!") == 2
    week1 = await first_week_of(sworld, tmp_path, changed)
    body = "\n".join(b["text"]["text"] for b in week1.blocks if b["type"] == "section")
    assert "&lt;!channel&gt; read &lt;https://evil.example|the syllabus&gt; &amp; more" in body
    assert not foreign(body) and "<!date^" in body, body  # the closing time is still a date

    announcement = await announced(sworld)
    # Its title heads it (plain text: never read as markup) and is its notification's text.
    assert announcement.blocks[0]["text"] == {
        "type": "plain_text",
        "text": "Live session: Live <!here> Q&A",
    }
    assert announcement.text == "Live session: Live &lt;!here&gt; Q&amp;A", announcement.text


async def test_setup_show_still_names_the_staff_group(sworld: SlackWorld):
    """The bot's own ``<!subteam^…>`` in ``/setup show`` stays the group's live name."""
    answer = await sworld.slack.person("admin").command("/setup", "show")
    assert f"<!subteam^{sworld.group('cohort-staff')}>" in answer["text"], answer


async def test_a_long_week_post_is_split_between_entities_and_dates(sworld: SlackWorld, tmp_path):
    """A week whose prompt is long and dense with ``&`` and dates: escaped (``&amp;``,
    ``<!date^…>``) it takes more than one 3,000-character section, and each section holds
    whole entities and dates (Slack shows a cut one broken), cut at a line break."""
    sample = sworld.bot.library.get("de-escalation").source.read_text()
    dense = "".join("        Q&A&<t:1760000000:F>&R&D&<t:1760003600:f>&&\n" for _ in range(40))
    changed = sample.replace(
        '        Try one open question this week — "What would help most right now?" or\n',
        dense,
    )
    assert changed != sample
    week1 = await first_week_of(sworld, tmp_path, changed)
    sections = [b["text"]["text"] for b in week1.blocks if b["type"] == "section"]
    assert len(sections) > 1, sections
    for text in sections:
        assert len(text) <= 3000, len(text)
        broken = re.sub(r"&(?:amp|lt|gt);|<[^<>]*>", "", text)
        assert not re.search("[&<>]", broken), (text[:80], text[-80:])
    whole = "".join(sections)
    assert whole.count("<!date^1760000000^") == 40 and whole.count("Q&amp;A&amp;") == 40
    assert all(text.endswith("&amp;&amp;") for text in sections[:-1]), sections  # a line's end


async def test_names_are_shown_as_typed_without_discord_backslashes(sworld_crowd: SlackWorld):
    """Slack has no backslash escapes: a display name ``jane_doe`` or ``*star*`` must not show
    as ``jane\\_doe`` or ``\\*star\\*`` in a report, an answer, a nudge or the whole-list file."""
    sworld = sworld_crowd
    ws = sworld.slack.workspace
    jane, star = ws.user_named("learner1"), ws.user_named("learner2")
    jane.display_name, star.display_name = "jane_doe", "*star*"
    assert await sworld.create_cohort() == {}
    await sworld.advance_to(WEEK_POSTS[0] + timedelta(seconds=1))
    await sworld.advance_to(WEEK_POSTS[1] - timedelta(days=2, seconds=-1))  # the nudges
    (nudge,) = ws.dms(jane)
    assert nudge.text.startswith("Hi jane_doe! "), nudge.text
    instructor = sworld.slack.person("instructor")
    said = [
        (await instructor.command("/participation", f'learner "Fall 2026" <@{jane.id}>'))["text"],
        (await instructor.command("/participation", f'excuse "Fall 2026" <@{star.id}> 1'))["text"],
    ]
    assert said[0].startswith("*jane_doe in Fall 2026*"), said
    assert said[1].startswith("*star* is excused for week 1 of Fall 2026"), said
    await instructor.command("/participation", 'summary "Fall 2026" 1')
    (sent,) = [f for f in ws.files.values() if f["name"].endswith(".txt")]
    whole = sent["content"].decode("utf-8")
    assert f" jane_doe (<@{jane.id}>) — " in whole and f" *star* (<@{star.id}>) — " in whole
    assert "\\" not in "".join([nudge.text, *said, whole])
